import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../src/canonical-json.js'
import { buildResultsStatement, checkResultsStatement, statementPayload } from '../src/evidence/statement.js'

const results = [
  { assertion_id: 'asr_1', assertion_digest: `sha256:${'a'.repeat(64)}`, tier: 2, result: 'pass', details: 'YES' },
  { assertion_id: 'asr_1', assertion_digest: `sha256:${'a'.repeat(64)}`, tier: 1, result: 'pass', details: 'ok' },
]
const pipeline = {
  provider: 'github_actions',
  run_id: '1',
  commit_sha: 'c'.repeat(40),
  ref: 'refs/heads/main',
  repo: 'acme/payments',
}
const verifier = { name: 'warrant', version: '1.0.0' }
const expected = { workspace_id: 'ws_1', model_id: 'mdl_1', repo: 'acme/payments', pipeline, verifier, results }
const now = new Date('2025-03-04T10:20:00.000Z')
const window = { now, maxAgeMinutes: 60 }
const build = (created_at = '2025-03-04T10:15:30.123Z') => buildResultsStatement({ ...expected, created_at })
const edit = (f: (s: any) => void) => {
  const s = structuredClone(build()) as any
  f(s)
  return new TextEncoder().encode(canonicalJson(s))
}

describe('verification-results statement (EVIDENCE.md §5.2)', () => {
  it('builds the statement with the results hash, sorted tiers and the git subject', () => {
    const s = build()
    expect(s.subject).toEqual([
      { name: 'warrant:results', digest: { sha256: s.predicate.results_hash.slice(7) } },
      { name: 'git:acme/payments', digest: { gitCommit: 'c'.repeat(40) } },
    ])
    expect(s.predicate).toMatchObject({
      results_count: 2,
      tiers: [1, 2],
      ref: 'refs/heads/main',
      repo: 'acme/payments',
    })
    expect(checkResultsStatement(statementPayload(s), expected, window)).toMatchObject({ ok: true })
  })

  it('fails check statement for every mismatch', () => {
    const cases: [string, (s: any) => void][] = [
      ['_type', (s) => (s._type = 'https://in-toto.io/Statement/v0.1')],
      ['predicateType', (s) => (s.predicateType = 'x')],
      ['unknown member', (s) => (s.predicate.extra = 1)],
      ['workspace_id', (s) => (s.predicate.workspace_id = 'ws_2')],
      ['model_id', (s) => (s.predicate.model_id = 'mdl_2')],
      ['repo', (s) => (s.predicate.repo = 'acme/other')],
      ['results_hash', (s) => (s.predicate.results_hash = `sha256:${'0'.repeat(64)}`)],
      ['results_count', (s) => (s.predicate.results_count = 1)],
      ['tiers', (s) => (s.predicate.tiers = [2, 1])],
      ['pipeline', (s) => (s.predicate.pipeline = { ...pipeline, run_id: '2' })],
      ['verifier', (s) => (s.predicate.verifier = { ...verifier, version: '2' })],
      ['first subject', (s) => (s.subject[0].digest.sha256 = '0'.repeat(64))],
      ['second subject', (s) => (s.subject[1].name = 'git:acme/other')],
      ['subject count', (s) => s.subject.pop()],
      ['commit', (s) => (s.subject[1].digest.gitCommit = 'd'.repeat(40))],
    ]
    for (const [name, f] of cases)
      expect(checkResultsStatement(edit(f), expected, window), name).toMatchObject({ ok: false, check: 'statement' })
    const dup = new TextEncoder().encode(canonicalJson(build()).replace('{"_type"', '{"_type":"x","_type"'))
    expect(checkResultsStatement(dup, expected, window)).toMatchObject({
      ok: false,
      check: 'statement',
      reason: expect.stringContaining('strict JSON'),
    })
  })

  it('bounds created_at: at most the window before acceptance and 60 s after', () => {
    expect(checkResultsStatement(statementPayload(build('2025-03-04T09:19:59.999Z')), expected, window)).toMatchObject({
      ok: false,
      check: 'statement_time',
    })
    expect(checkResultsStatement(statementPayload(build('2025-03-04T09:20:00.000Z')), expected, window).ok).toBe(true)
    expect(checkResultsStatement(statementPayload(build('2025-03-04T10:21:00.000Z')), expected, window).ok).toBe(true)
    expect(checkResultsStatement(statementPayload(build('2025-03-04T10:21:00.001Z')), expected, window)).toMatchObject({
      ok: false,
      check: 'statement_time',
    })
  })
})
