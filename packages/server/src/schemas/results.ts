import { z } from 'zod'
import { text } from './fields.js'

/** The results submission body (EVIDENCE.md §4); every member listed, nothing else accepted. */
const DIGEST = /^sha256:[0-9a-f]{64}$/
const digest = z.string().regex(DIGEST, { message: 'must be sha256: followed by 64 lower-case hex characters' })
const printable = /^[\x20-\x7e]+$/
const resultInvalid = { params: { code: 'result_invalid' } }

export const PIPELINE_PROVIDERS = [
  'github_actions',
  'gitlab_ci',
  'jenkins',
  'circleci',
  'buildkite',
  'azure_pipelines',
  'bitbucket',
  'local',
  'other',
] as const
export const TIER2_PROVIDERS = ['openai', 'openai_compatible', 'anthropic', 'ollama', 'other', 'none'] as const

const location = z.strictObject({
  path: z
    .string()
    .min(1)
    .refine(
      (p) =>
        Buffer.byteLength(p) <= 1024 &&
        !p.startsWith('/') &&
        !p.includes('\\') &&
        !/[\x00-\x1f]/.test(p) &&
        !p.split('/').includes('..'),
      {
        message: 'must be a relative POSIX path of at most 1 KiB that stays inside the checkout',
        ...resultInvalid,
      },
    ),
  start_line: z.number().int().min(1),
  end_line: z.number().int().min(1),
})

export const resultItem = z
  .strictObject({
    assertion_id: z.string().max(64),
    assertion_digest: digest,
    tier: z.union([z.literal(1), z.literal(2)], { error: 'tier must be 1 or 2', ...{} }),
    result: z.enum(['pass', 'fail', 'error', 'skipped']),
    details: text({ max: 2048, code: 'result_invalid', what: 'details' }),
    locations: z
      .array(location)
      // A refinement, not .max(): zod drops `params` (the contract code) from its built-in size checks.
      .refine((l) => l.length <= 20, { message: 'at most 20 locations per result', ...resultInvalid })
      .optional(),
    evidence_digest: digest.optional(),
    duration_ms: z.number().int().min(0).optional(),
    provider: z.enum(TIER2_PROVIDERS).optional(),
    model: text({ min: 1, max: 128, code: 'result_invalid', what: 'model' }).optional(),
    prompt_hash: digest.optional(),
    rationale: text({ max: 4096, code: 'result_invalid', what: 'rationale' }).optional(),
  })
  .superRefine((r, ctx) => {
    const tier2Members = (['provider', 'model', 'prompt_hash', 'rationale'] as const).filter((k) => r[k] !== undefined)
    for (const l of r.locations ?? [])
      if (l.start_line > l.end_line)
        ctx.addIssue({
          code: 'custom',
          path: ['locations'],
          message: 'start_line must not exceed end_line',
          ...resultInvalid,
        })
    if (r.tier === 1) {
      for (const k of tier2Members)
        ctx.addIssue({ code: 'custom', path: [k], message: `'${k}' belongs only on Tier 2 results`, ...resultInvalid })
      return
    }
    if (r.result === 'pass' || r.result === 'fail') {
      for (const k of ['provider', 'model', 'prompt_hash', 'rationale'] as const)
        if (r[k] === undefined)
          ctx.addIssue({ code: 'custom', path: [k], message: `a Tier 2 ${r.result} needs '${k}'`, ...resultInvalid })
    }
    if (r.provider === 'none' && r.result !== 'skipped')
      ctx.addIssue({
        code: 'custom',
        path: ['provider'],
        message: "provider 'none' is only for skipped Tier 2 results",
        ...resultInvalid,
      })
  })

export type ResultItem = z.infer<typeof resultItem>

export const resultsBody = z.strictObject({
  pipeline: z.strictObject({
    provider: z.enum(PIPELINE_PROVIDERS),
    run_id: z.string().min(1).max(128).regex(printable, { message: 'must be printable ASCII' }),
    run_attempt: z
      .string()
      .regex(/^\d{1,10}$/, { message: 'must be 1–10 digits' })
      .optional(),
    run_url: text({ max: 2048, code: 'validation_failed', what: 'run_url' })
      .refine((u) => URL.canParse(u) && new URL(u).protocol === 'https:', { message: 'must be an https: URL' })
      .optional(),
    commit_sha: z
      .string()
      .regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, { message: 'must be 40 or 64 lower-case hex characters' }),
    ref: text({ max: 256, code: 'validation_failed', what: 'ref' }).optional(),
    repo: z.string().max(200).optional(),
    workflow_ref: text({ max: 512, code: 'validation_failed', what: 'workflow_ref' }).optional(),
  }),
  verifier: z.strictObject({
    name: text({ min: 1, max: 64, code: 'validation_failed', what: 'verifier.name' }),
    version: text({ min: 1, max: 64, code: 'validation_failed', what: 'verifier.version' }),
    digest: digest.optional(),
  }),
  results: z.array(resultItem).min(1, { message: 'a run needs at least one result' }),
  bundle: z.record(z.string(), z.unknown()).optional(),
  signed_hash: z.string().max(1024).optional(),
  signature: z.string().max(4096).optional(),
})

export type ResultsBody = z.infer<typeof resultsBody>
export const MAX_RESULTS = 20_000
