import { canonicalJson } from '../canonical-json.js'
import { docDigest } from '../digests.js'
import { parseStrictJsonBytes, StrictJsonError } from '../json/strict.js'

/** The verification-results statement signed in CI (EVIDENCE.md §5.2, §5.3). */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1'
export const RESULTS_PREDICATE = 'https://warrant.dev/attestation/verification-results/v1'

export interface ResultsPredicate {
  workspace_id: string
  model_id: string
  repo: string
  commit_sha: string
  ref?: string
  pipeline: Record<string, unknown>
  verifier: Record<string, unknown>
  results_hash: string
  results_count: number
  tiers: number[]
  created_at: string
}

export interface ResultsStatement {
  _type: typeof STATEMENT_TYPE
  subject: [{ name: 'warrant:results'; digest: { sha256: string } }, { name: string; digest: { gitCommit: string } }]
  predicateType: typeof RESULTS_PREDICATE
  predicate: ResultsPredicate
}

const tiersOf = (results: readonly { tier: number }[]) => [...new Set(results.map((r) => r.tier))].sort((a, b) => a - b)

export function buildResultsStatement(input: {
  workspace_id: string
  model_id: string
  repo: string
  pipeline: { commit_sha: string; ref?: string } & Record<string, unknown>
  verifier: Record<string, unknown>
  results: readonly { tier: number }[]
  created_at: string
}): ResultsStatement {
  const results_hash = docDigest(input.results)
  return {
    _type: STATEMENT_TYPE,
    subject: [
      { name: 'warrant:results', digest: { sha256: results_hash.slice('sha256:'.length) } },
      { name: `git:${input.repo}`, digest: { gitCommit: input.pipeline.commit_sha } },
    ],
    predicateType: RESULTS_PREDICATE,
    predicate: {
      workspace_id: input.workspace_id,
      model_id: input.model_id,
      repo: input.repo,
      commit_sha: input.pipeline.commit_sha,
      ...(input.pipeline.ref !== undefined ? { ref: input.pipeline.ref } : {}),
      pipeline: input.pipeline,
      verifier: input.verifier,
      results_hash,
      results_count: input.results.length,
      tiers: tiersOf(input.results),
      created_at: input.created_at,
    },
  }
}

/** The canonical payload bytes CI signs: JCS of the statement. */
export const statementPayload = (s: ResultsStatement): Uint8Array => new TextEncoder().encode(canonicalJson(s))

export type StatementCheck =
  | { ok: true; statement: ResultsStatement }
  | { ok: false; check: 'statement' | 'statement_time'; reason: string }

const PREDICATE_MEMBERS = new Set([
  'workspace_id',
  'model_id',
  'repo',
  'commit_sha',
  'ref',
  'pipeline',
  'verifier',
  'results_hash',
  'results_count',
  'tiers',
  'created_at',
])
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const exactKeys = (v: Record<string, unknown>, keys: string[]) =>
  Object.keys(v).length === keys.length && keys.every((k) => k in v)

/**
 * The platform's statement checks (§5.2) on the exact payload bytes whose signature was verified. `expected` is what
 * the platform recomputed from the request; `now` and the window bound `created_at`.
 */
export function checkResultsStatement(
  payload: Uint8Array,
  expected: {
    workspace_id: string
    model_id: string
    repo: string
    pipeline: Record<string, unknown> & { commit_sha: string }
    verifier: Record<string, unknown>
    results: readonly { tier: number }[]
  },
  window: { now: Date; maxAgeMinutes: number },
): StatementCheck {
  const fail = (reason: string): StatementCheck => ({ ok: false, check: 'statement', reason })
  let doc: unknown
  try {
    doc = parseStrictJsonBytes(payload)
  } catch (e) {
    if (e instanceof StrictJsonError) return fail(`the statement is not strict JSON: ${e.message}`)
    throw e
  }
  if (!isObject(doc) || !exactKeys(doc, ['_type', 'subject', 'predicateType', 'predicate']))
    return fail('the statement must have exactly _type, subject, predicateType and predicate')
  if (doc._type !== STATEMENT_TYPE) return fail(`_type must be ${STATEMENT_TYPE}`)
  if (doc.predicateType !== RESULTS_PREDICATE) return fail(`predicateType must be ${RESULTS_PREDICATE}`)
  const p = doc.predicate
  if (!isObject(p)) return fail('predicate must be an object')
  const unknown = Object.keys(p).find((k) => !PREDICATE_MEMBERS.has(k))
  if (unknown) return fail(`unknown predicate member ${unknown}`)
  const results_hash = docDigest(expected.results)
  const mismatch = (
    [
      ['workspace_id', expected.workspace_id],
      ['model_id', expected.model_id],
      ['repo', expected.repo],
      ['commit_sha', expected.pipeline.commit_sha],
      ['results_hash', results_hash],
      ['results_count', expected.results.length],
    ] as const
  ).find(([k, v]) => p[k] !== v)
  if (mismatch) return fail(`predicate ${mismatch[0]} does not match the submission`)
  if (canonicalJson(p.tiers) !== canonicalJson(tiersOf(expected.results)))
    return fail('predicate tiers do not match the results')
  if (canonicalJson(p.pipeline) !== canonicalJson(expected.pipeline))
    return fail('predicate pipeline differs from the body')
  if (canonicalJson(p.verifier) !== canonicalJson(expected.verifier))
    return fail('predicate verifier differs from the body')
  if (p.ref !== undefined && p.ref !== expected.pipeline.ref) return fail('predicate ref differs from the pipeline ref')
  const s = doc.subject
  if (!Array.isArray(s) || s.length !== 2) return fail('subject must have exactly two entries')
  const [results, git] = s as unknown[]
  if (
    !isObject(results) ||
    !exactKeys(results, ['name', 'digest']) ||
    results.name !== 'warrant:results' ||
    !isObject(results.digest) ||
    !exactKeys(results.digest, ['sha256']) ||
    results.digest.sha256 !== results_hash.slice(7)
  )
    return fail('the first subject must be warrant:results with the results hash')
  if (
    !isObject(git) ||
    !exactKeys(git, ['name', 'digest']) ||
    git.name !== `git:${expected.repo}` ||
    !isObject(git.digest) ||
    !exactKeys(git.digest, ['gitCommit']) ||
    git.digest.gitCommit !== expected.pipeline.commit_sha
  )
    return fail(`the second subject must be git:${expected.repo} with the commit`)
  if (
    typeof p.created_at !== 'string' ||
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(p.created_at) ||
    Number.isNaN(Date.parse(p.created_at))
  )
    return fail('created_at must be an RFC 3339 UTC time with milliseconds')
  const age = window.now.getTime() - Date.parse(p.created_at)
  if (age > window.maxAgeMinutes * 60_000 || age < -60_000)
    return {
      ok: false,
      check: 'statement_time',
      reason: `the statement was created ${Math.round(age / 1000)} s before acceptance; allowed: up to ${window.maxAgeMinutes} min before, 60 s after`,
    }
  return { ok: true, statement: doc as unknown as ResultsStatement }
}
