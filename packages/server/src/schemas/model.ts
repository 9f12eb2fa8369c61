import { IMPLEMENTATION_STATUSES, INTENTS } from '@warrant/core'
import { z } from 'zod'
import { description, localKey, note, text, title } from './fields.js'

/** Request schemas of the threat-model entities (PLATFORM.md §2.2), shared by the REST routes and the MCP tools. */
const repo = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, { message: 'must be owner/name' })

export const modelCreate = z.strictObject({
  workspace_id: z.string().max(40).optional(),
  title: title(),
  description: description('description', 16 * 1024).optional(),
  repos: z.array(repo).max(50).optional(),
})
export const modelPatch = modelCreate.omit({ workspace_id: true }).partial()

export const ITEM_KINDS = ['assets', 'attackers', 'assumptions'] as const
export type ItemKind = (typeof ITEM_KINDS)[number] | 'control_objectives'
export const ITEM_PREFIX: Record<ItemKind, string> = {
  assets: 'A',
  attackers: 'T',
  assumptions: 'AS',
  control_objectives: 'CO',
}

export const itemSchemas = {
  assets: z.strictObject({
    id: localKey.optional(),
    name: title('name'),
    description: description().optional(),
    properties: z
      .array(z.enum(['confidentiality', 'integrity', 'availability', 'authenticity', 'accountability']))
      .max(5)
      .optional(),
    impact: z.enum(['high', 'medium', 'low']).optional(),
    notes: note('notes').optional(),
  }),
  attackers: z.strictObject({
    id: localKey.optional(),
    name: title('name'),
    capability: description('capability').optional(),
    position: text({ max: 200, code: 'title_too_long', what: 'position' }).optional(),
    likelihood: z.enum(['high', 'medium', 'low']).optional(),
  }),
  assumptions: z.strictObject({
    id: localKey.optional(),
    description: description(),
    objective_ids: z.array(localKey).max(100).optional(),
    owner: text({ max: 200, code: 'title_too_long', what: 'owner' }).optional(),
    review_by: z.iso.date().optional(),
  }),
  control_objectives: z.strictObject({
    id: localKey.optional(),
    statement: description('statement'),
    asset_id: localKey.optional(),
    attacker_id: localKey.optional(),
    property: text({ max: 200, code: 'title_too_long', what: 'property' }).optional(),
    risk_tier: z.enum(['critical', 'high', 'medium', 'low']).optional(),
  }),
} as const

export const controlCreate = z.strictObject({
  id: localKey.optional(),
  title: title(),
  description: description(),
  objective_ids: z.array(localKey).max(100),
  intents: z.array(z.enum(INTENTS)).max(INTENTS.length).optional(),
  implementation_notes: note('implementation_notes').optional(),
})

export const controlPatch = z.strictObject({
  title: title().optional(),
  objective_ids: z.array(localKey).max(100).optional(),
  intents: z.array(z.enum(INTENTS)).max(INTENTS.length).optional(),
  implementation_notes: note('implementation_notes').optional(),
  description: z.unknown().optional(),
})

export const implementationBody = z.strictObject({
  status: z.enum(IMPLEMENTATION_STATUSES),
  notes: note('notes').optional(),
})

export const refineBody = z.strictObject({
  description: text({ min: 1, max: 2048, code: 'description_too_long', what: 'description' }).optional(),
  justification: text({ max: 2048, code: 'validation_failed', what: 'justification' }),
  codebase_findings: text({ max: 2048, code: 'validation_failed', what: 'codebase_findings' }).optional(),
})

/** Optional DELETE body; a DELETE without a body reaches the validator as null. */
export const reasonBody = z.strictObject({ reason: note('reason').optional() }).nullish()

export const evidenceLinkCreate = z.strictObject({
  kind: z.enum(['code', 'test', 'config', 'document', 'ticket', 'url']),
  label: title('label'),
  url: z
    .string()
    .refine(
      (u) => Buffer.byteLength(u) <= 2048 && URL.canParse(u) && ['https:', 'http:'].includes(new URL(u).protocol),
      {
        message: 'must be an http: or https: URL of at most 2 KiB',
        params: { code: 'url_invalid' },
      },
    )
    .optional(),
})
