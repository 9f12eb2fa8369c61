import { SEVERITIES } from '@warrant/core'
import { z } from 'zod'
import { description, note, text, title } from './fields.js'

/** Request schemas of findings (PLATFORM.md §5.17), shared by the REST routes and the MCP tools. */
export const findingItem = z.strictObject({
  control_id: z.string().max(40),
  title: title(),
  description: description(),
  severity: z.enum(SEVERITIES).optional(),
  checked_locations: z
    .array(
      z.strictObject({
        path: text({ min: 1, max: 1024, code: 'validation_failed', what: 'path' }),
        start_line: z.number().int().min(1),
        end_line: z.number().int().min(1),
        snippet: text({ max: 2048, code: 'validation_failed', what: 'snippet' }).optional(),
      }),
    )
    .max(50)
    .optional(),
  checked_patterns: z
    .array(text({ min: 1, max: 512, code: 'validation_failed', what: 'pattern' }))
    .max(50)
    .optional(),
  expected_evidence: note('expected_evidence').optional(),
})

const ids = z.array(z.string().max(40)).max(50)

export const findingPatch = z.strictObject({
  status: z.string().max(40).optional(),
  reason: note('reason').optional(),
  notes: text({ max: 4096, code: 'validation_failed', what: 'notes' }).optional(),
  link_assertion_ids: ids.optional(),
  remediation_assertion_ids: ids.optional(),
  unlink_assertion_ids: ids.optional(),
})
