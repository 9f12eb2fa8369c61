import { describe, expect, it } from 'vitest'
import {
  ASSURANCES,
  COHERENCE_VERDICTS,
  type CoherenceVerdict,
  controlStatus,
  EFFECTIVE_RESULTS,
  type EffectiveResult,
  EVALUATIONS,
  EVIDENCE_LINK_KINDS,
  type Evaluation,
  evaluateAssertion,
  FINDING_LIFECYCLE,
  FINDING_STATUSES,
  HEURISTIC_VERSION,
  IMPLEMENTATION_STATUSES,
  INTENTS,
  objectiveAssurance,
  PIPELINE_PROVIDERS,
  RESULTS,
  REVIEW_ITEM_KINDS,
  REVIEW_REASONS,
  type ResultValue,
  RISK_TIERS,
  ROLES,
  RULES_VERSION,
  SEVERITIES,
  STATUS_REASONS,
  type StatusReason,
  SUFFICIENCY_STATUSES,
  type SufficiencyState,
  TIER2_PROVIDERS,
  TIER2_SOURCES,
  type Tier1Record,
  type Tier2Record,
  VERIFICATION_STATUSES,
} from '../src/index.js'

const REVISION = 3
const at = (minute: number) => `2025-03-04T10:${String(minute).padStart(2, '0')}:00.000Z`

const t1 = (id: string, result: ResultValue, minute: number, more: Partial<Tier1Record> = {}): Tier1Record => ({
  id,
  run_id: `run_${id}`,
  repo: 'acme/api',
  result,
  accepted_at: at(minute),
  evidence_digest: `sha256:${id}`,
  ...more,
})

const t2 = (
  id: string,
  result: ResultValue,
  minute: number,
  anchor: string,
  more: Partial<Tier2Record> = {},
): Tier2Record => ({
  source: 'ci',
  id,
  repo: 'acme/api',
  result,
  at: at(minute),
  anchor_result_id: anchor,
  evidence_digest: `sha256:${anchor}`,
  control_revision: REVISION,
  ...more,
})

const evaluate = (
  tier1: Tier1Record[],
  tier2: Tier2Record[] = [],
  coherence: CoherenceVerdict = 'coherent',
  repo: string | null = 'acme/api',
) => evaluateAssertion({ repo, tier1, tier2, coherence, control_revision: REVISION })

describe('versions and enums (§3, §4, §9.1)', () => {
  it('carries the rules and heuristic versions', () => {
    expect(RULES_VERSION).toBe('2025-1')
    expect(HEURISTIC_VERSION).toBe('h1')
  })

  it('lists every closed set in contract order', () => {
    expect(ROLES).toEqual(['owner', 'reviewer', 'member', 'auditor'])
    expect(IMPLEMENTATION_STATUSES).toEqual(['not_implemented', 'implemented'])
    expect(VERIFICATION_STATUSES).toEqual(['verified', 'partially_verified', 'pending', 'unverified'])
    expect(STATUS_REASONS).toEqual([
      'no_assertions',
      'tier1_fail',
      'tier1_error',
      'tier2_fail',
      'tier2_error',
      'assertion_incoherent',
      'insufficient',
      'awaiting_tier1',
      'tier1_skipped',
      'awaiting_tier2',
      'tier2_skipped',
      'tier2_stale',
      'awaiting_coherence',
      'awaiting_sufficiency',
      'awaiting_sufficiency_signoff',
      'ready_to_mark_implemented',
    ])
    expect(RESULTS).toEqual(['pass', 'fail', 'error', 'skipped'])
    expect(EFFECTIVE_RESULTS).toEqual(['pending', 'pass', 'fail', 'error', 'skipped', 'not_applicable'])
    expect(EVALUATIONS).toEqual(['passing', 'failing', 'incoherent', 'awaiting'])
    expect(COHERENCE_VERDICTS).toEqual(['pending', 'coherent', 'incoherent'])
    expect(SUFFICIENCY_STATUSES).toEqual(['pending', 'sufficient', 'insufficient'])
    expect(TIER2_SOURCES).toEqual(['ci', 'human'])
    expect(FINDING_LIFECYCLE).toEqual(['discovered', 'acknowledged', 'remediated', 'dismissed'])
    expect(FINDING_STATUSES).toEqual(['discovered', 'acknowledged', 'remediated', 'dismissed', 'verified'])
    expect(SEVERITIES).toEqual(['critical', 'high', 'medium', 'low', 'info'])
    expect(RISK_TIERS).toEqual(['critical', 'high', 'medium', 'low'])
    expect(ASSURANCES).toEqual(['verified', 'at_risk', 'in_progress', 'uncovered'])
    expect(PIPELINE_PROVIDERS).toEqual([
      'github_actions',
      'gitlab_ci',
      'jenkins',
      'circleci',
      'buildkite',
      'azure_pipelines',
      'bitbucket',
      'local',
      'other',
    ])
    expect(TIER2_PROVIDERS).toEqual(['openai', 'openai_compatible', 'anthropic', 'ollama', 'other', 'none'])
    expect(REVIEW_ITEM_KINDS).toEqual([
      'control',
      'tier2_verdict',
      'sufficiency_signoff',
      'coherence_check',
      'refinement',
    ])
    expect(REVIEW_REASONS).toEqual(['stale_verification', 'never_verified', 'open_drift', 'never_reviewed'])
    expect(EVIDENCE_LINK_KINDS).toEqual(['code', 'test', 'config', 'document', 'ticket', 'url'])
    expect(INTENTS).toEqual([
      'authentication',
      'authorization',
      'session_management',
      'input_validation',
      'output_encoding',
      'cryptography',
      'secret_management',
      'integrity',
      'supply_chain',
      'transport_security',
      'security_headers',
      'logging_monitoring',
      'error_handling',
      'rate_limiting',
      'configuration_hardening',
      'data_protection',
    ])
  })
})

describe('repos of an assertion (§4.2)', () => {
  it('a tagged assertion has exactly its repo and ignores results from other repos', () => {
    const other = t1('res_02', 'fail', 5, { repo: 'acme/web' })
    const e = evaluate([t1('res_01', 'pass', 1), other], [t2('res_03', 'pass', 2, 'res_01')])
    expect(e.per_repo.map((r) => r.repo)).toEqual(['acme/api'])
    expect(e.evaluation).toBe('passing')
  })

  it('a tagged assertion without results in its repo awaits Tier 1 there, even with results elsewhere', () => {
    const e = evaluate([t1('res_01', 'pass', 1, { repo: 'acme/web' })])
    expect(e.per_repo).toEqual([
      {
        repo: 'acme/api',
        tier1: { result: 'pending', anchor: null },
        tier2: { result: 'not_applicable', verdict: null, stale_reason: null },
        evaluation: 'awaiting',
        reason: 'awaiting_tier1',
      },
    ])
  })

  it('an untagged assertion without any Tier 1 result has the default codebase ""', () => {
    const e = evaluate([], [], 'coherent', null)
    expect(e.per_repo.map((r) => [r.repo, r.tier1.result, r.reason])).toEqual([['', 'pending', 'awaiting_tier1']])
    expect(e).toMatchObject({ evaluation: 'awaiting', reasons: ['awaiting_tier1'], tier1: 'pending' })
  })

  it('an untagged assertion has every repo with a Tier 1 result, "" included, in sorted order', () => {
    const e = evaluate(
      [
        t1('res_01', 'pass', 1, { repo: 'acme/web' }),
        t1('res_02', 'pass', 2, { repo: '' }),
        t1('res_03', 'fail', 3, { repo: 'acme/api' }),
        t1('res_04', 'pass', 4, { repo: 'acme/web' }),
      ],
      [],
      'coherent',
      null,
    )
    expect(e.per_repo.map((r) => [r.repo, r.tier1.anchor?.id])).toEqual([
      ['', 'res_02'],
      ['acme/api', 'res_03'],
      ['acme/web', 'res_04'],
    ])
  })

  it('Tier 2 records count only for their own repo', () => {
    const e = evaluate(
      [t1('res_01', 'pass', 1, { repo: 'acme/web' }), t1('res_02', 'pass', 1, { repo: 'acme/api' })],
      [t2('res_03', 'pass', 2, 'res_01', { repo: 'acme/web' })],
      'coherent',
      null,
    )
    expect(e.per_repo.map((r) => [r.repo, r.tier2.result, r.reason])).toEqual([
      ['acme/api', 'pending', 'awaiting_tier2'],
      ['acme/web', 'pass', null],
    ])
  })
})

describe('Tier 1 effective result and anchor (§4.2)', () => {
  it('is pending without a result', () => {
    expect(evaluate([]).per_repo[0]!.tier1).toEqual({ result: 'pending', anchor: null })
  })

  it('is the newest result by accepted_at, whatever the input order', () => {
    const newest = t1('res_01', 'fail', 9)
    const e = evaluate([t1('res_05', 'pass', 2), newest, t1('res_03', 'error', 5)])
    expect(e.per_repo[0]!.tier1).toEqual({ result: 'fail', anchor: newest })
  })

  it('compares instants, not strings', () => {
    // Lexically '…00Z' sorts after '…00.500Z', but it is the earlier instant.
    const later = t1('res_01', 'fail', 0, { accepted_at: '2025-03-04T10:00:00.500Z' })
    const e = evaluate([t1('res_02', 'pass', 0, { accepted_at: '2025-03-04T10:00:00Z' }), later])
    expect(e.per_repo[0]!.tier1.anchor).toBe(later)
  })

  it('breaks an accepted_at tie by the larger id, in either input order', () => {
    const a = t1('res_01HZZ0', 'pass', 4)
    const b = t1('res_01HZZ1', 'error', 4)
    expect(evaluate([a, b]).per_repo[0]!.tier1.anchor).toBe(b)
    expect(evaluate([b, a]).per_repo[0]!.tier1.anchor).toBe(b)
  })

  it('a skipped newest result is the anchor (skipped Tier 1 is not looked through)', () => {
    const e = evaluate([t1('res_01', 'pass', 1), t1('res_02', 'skipped', 2)])
    expect(e.per_repo[0]!.tier1.result).toBe('skipped')
  })
})

describe('Tier 2 effective result (§4.2)', () => {
  const pass1 = t1('res_01', 'pass', 1)

  it.each<ResultValue>(['fail', 'error', 'skipped'])('row 1: T1 = %s makes Tier 2 not_applicable', (result) => {
    const e = evaluate([t1('res_01', result, 1)], [t2('res_02', 'pass', 2, 'res_01')])
    expect(e.per_repo[0]!.tier2).toEqual({ result: 'not_applicable', verdict: null, stale_reason: null })
  })

  it('row 1: T1 = pending makes Tier 2 not_applicable', () => {
    expect(evaluate([]).per_repo[0]!.tier2).toEqual({ result: 'not_applicable', verdict: null, stale_reason: null })
  })

  it.each<ResultValue>(['pass', 'fail', 'error'])('row 2: a current %s verdict is the Tier 2 result', (result) => {
    const v = t2('res_02', result, 2, 'res_01')
    expect(evaluate([pass1], [v]).per_repo[0]!.tier2).toEqual({ result, verdict: v, stale_reason: null })
  })

  it('row 2: the newest current verdict wins; a newer human review overrides an older CI verdict', () => {
    const ci = t2('res_02', 'fail', 2, 'res_01')
    const human = t2('t2r_03', 'pass', 3, 'res_01', { source: 'human' })
    expect(evaluate([pass1], [human, ci]).per_repo[0]!.tier2.verdict).toBe(human)
  })

  it('row 2: a newer CI verdict overrides an older human review', () => {
    const human = t2('t2r_02', 'pass', 2, 'res_01', { source: 'human' })
    const ci = t2('res_03', 'fail', 3, 'res_01')
    expect(evaluate([pass1], [ci, human]).per_repo[0]!.tier2).toEqual({
      result: 'fail',
      verdict: ci,
      stale_reason: null,
    })
  })

  it('row 2: a tie on `at` is broken by the larger id', () => {
    const a = t2('res_0A', 'pass', 2, 'res_01')
    const b = t2('res_0B', 'error', 2, 'res_01')
    expect(evaluate([pass1], [b, a]).per_repo[0]!.tier2.verdict).toBe(b)
    expect(evaluate([pass1], [a, b]).per_repo[0]!.tier2.verdict).toBe(b)
  })

  it('row 2: an older current verdict beats a newer stale one', () => {
    const current = t2('res_02', 'pass', 2, 'res_01')
    const stale = t2('res_03', 'fail', 3, 'res_01', { control_revision: REVISION - 1 })
    expect(evaluate([pass1], [stale, current]).per_repo[0]!.tier2).toEqual({
      result: 'pass',
      verdict: current,
      stale_reason: null,
    })
  })

  it('row 2: a newer skipped record does not hide a current verdict (skipped is never a verdict)', () => {
    const current = t2('res_02', 'pass', 2, 'res_01')
    const skipped = t2('res_03', 'skipped', 3, 'res_01')
    expect(evaluate([pass1], [current, skipped]).per_repo[0]!.tier2.verdict).toBe(current)
  })

  it('V3: a verdict for an earlier anchor stays current when both evidence digests are present and equal', () => {
    const anchor = t1('res_05', 'pass', 5, { evidence_digest: 'sha256:same' })
    const v = t2('res_02', 'pass', 2, 'res_01', { evidence_digest: 'sha256:same' })
    expect(evaluate([pass1, anchor], [v]).per_repo[0]!.tier2).toEqual({
      result: 'pass',
      verdict: v,
      stale_reason: null,
    })
  })

  it.each([
    ['the digests differ', 'sha256:new', 'sha256:old'],
    ["the verdict's digest is missing", 'sha256:same', null],
    ["the anchor's digest is missing", null, 'sha256:same'],
    ['both digests are missing', null, null],
  ])('V3: a verdict for an earlier anchor is stale (evidence_changed) when %s', (_, anchorDigest, verdictDigest) => {
    const anchor = t1('res_05', 'pass', 5, { evidence_digest: anchorDigest })
    const v = t2('res_02', 'pass', 2, 'res_01', { evidence_digest: verdictDigest })
    expect(evaluate([pass1, anchor], [v]).per_repo[0]!.tier2).toEqual({
      result: 'pending',
      verdict: v,
      stale_reason: 'evidence_changed',
    })
  })

  it('V3: a verdict on the anchor itself is current even when digests are missing', () => {
    const anchor = t1('res_01', 'pass', 1, { evidence_digest: null })
    const v = t2('res_02', 'fail', 2, 'res_01', { evidence_digest: null })
    expect(evaluate([anchor], [v]).per_repo[0]!.tier2.result).toBe('fail')
  })

  it.each([
    ['prompt_unknown', null],
    ['control_changed', REVISION - 1],
    ['control_changed', REVISION + 1],
  ] as const)('V2: stale reason %s for control_revision %s', (reason, revision) => {
    const v = t2('res_02', 'pass', 2, 'res_01', { control_revision: revision })
    expect(evaluate([pass1], [v]).per_repo[0]!.tier2).toEqual({ result: 'pending', verdict: v, stale_reason: reason })
  })

  it('V2 is reported before V3 when both fail', () => {
    const anchor = t1('res_05', 'pass', 5)
    const unknown = t2('res_02', 'pass', 2, 'res_01', { control_revision: null })
    const changed = t2('res_03', 'pass', 3, 'res_01', { control_revision: 1 })
    expect(evaluate([pass1, anchor], [unknown]).per_repo[0]!.tier2.stale_reason).toBe('prompt_unknown')
    expect(evaluate([pass1, anchor], [changed]).per_repo[0]!.tier2.stale_reason).toBe('control_changed')
  })

  it('row 3: the newest record anchored to A1 is skipped → skipped', () => {
    const skipped = t2('res_02', 'skipped', 2, 'res_01', { control_revision: null, evidence_digest: null })
    expect(evaluate([pass1], [skipped]).per_repo[0]!.tier2).toEqual({
      result: 'skipped',
      verdict: skipped,
      stale_reason: null,
    })
  })

  it('row 3 comes before row 4: a skipped newest anchored record wins over an older stale verdict', () => {
    const stale = t2('res_02', 'pass', 2, 'res_01', { control_revision: 1 })
    const skipped = t2('res_03', 'skipped', 3, 'res_01')
    expect(evaluate([pass1], [stale, skipped]).per_repo[0]!.tier2).toEqual({
      result: 'skipped',
      verdict: skipped,
      stale_reason: null,
    })
  })

  it('row 4: an older skipped record does not hide a newer stale verdict anchored to A1', () => {
    const skipped = t2('res_02', 'skipped', 2, 'res_01')
    const stale = t2('res_03', 'pass', 3, 'res_01', { control_revision: 1 })
    expect(evaluate([pass1], [skipped, stale]).per_repo[0]!.tier2).toEqual({
      result: 'pending',
      verdict: stale,
      stale_reason: 'control_changed',
    })
  })

  it('row 4: a skipped record anchored to an earlier Tier 1 result does not make Tier 2 skipped', () => {
    const anchor = t1('res_05', 'pass', 5)
    const skipped = t2('res_02', 'skipped', 6, 'res_01')
    expect(evaluate([pass1, anchor], [skipped]).per_repo[0]!.tier2).toEqual({
      result: 'pending',
      verdict: null,
      stale_reason: null,
    })
  })

  it('row 4: no record at all → pending without a stale verdict', () => {
    expect(evaluate([pass1]).per_repo[0]!.tier2).toEqual({ result: 'pending', verdict: null, stale_reason: null })
  })

  it('row 4: the newest of several stale verdicts is reported with its own reason', () => {
    const older = t2('res_02', 'fail', 2, 'res_01', { control_revision: null })
    const newer = t2('t2r_03', 'pass', 3, 'res_01', { source: 'human', control_revision: 1 })
    expect(evaluate([pass1], [newer, older]).per_repo[0]!.tier2).toEqual({
      result: 'pending',
      verdict: newer,
      stale_reason: 'control_changed',
    })
  })
})

describe('assertion evaluation per repo (§4.3, first table)', () => {
  const pass1 = t1('res_01', 'pass', 1)
  const rows: [string, Tier1Record[], Tier2Record[], Evaluation, StatusReason | null][] = [
    ['T1 fail', [t1('res_01', 'fail', 1)], [], 'failing', 'tier1_fail'],
    ['T1 error', [t1('res_01', 'error', 1)], [], 'failing', 'tier1_error'],
    ['T1 pending', [], [], 'awaiting', 'awaiting_tier1'],
    ['T1 skipped', [t1('res_01', 'skipped', 1)], [], 'awaiting', 'tier1_skipped'],
    ['T2 fail', [pass1], [t2('res_02', 'fail', 2, 'res_01')], 'failing', 'tier2_fail'],
    ['T2 error', [pass1], [t2('res_02', 'error', 2, 'res_01')], 'failing', 'tier2_error'],
    ['T2 pending, nothing stale', [pass1], [], 'awaiting', 'awaiting_tier2'],
    [
      'T2 pending, stale verdict',
      [pass1],
      [t2('res_02', 'pass', 2, 'res_01', { control_revision: 1 })],
      'awaiting',
      'tier2_stale',
    ],
    ['T2 skipped', [pass1], [t2('res_02', 'skipped', 2, 'res_01')], 'awaiting', 'tier2_skipped'],
    ['T2 pass', [pass1], [t2('res_02', 'pass', 2, 'res_01')], 'passing', null],
  ]

  it.each(rows)('%s', (_, tier1, tier2, evaluation, reason) => {
    const e = evaluate(tier1, tier2)
    expect(e.per_repo[0]).toMatchObject({ evaluation, reason })
    expect(e.evaluation).toBe(evaluation)
    expect(e.reasons).toEqual(reason === null ? [] : [reason])
  })

  it('T1 pass with T2 pass: tiers are reported on the assertion as well', () => {
    const e = evaluate([pass1], [t2('res_02', 'pass', 2, 'res_01')])
    expect(e).toMatchObject({ tier1: 'pass', tier2: 'pass', evaluation: 'passing', reasons: [] })
  })
})

describe('assertion evaluation across repos (§4.3)', () => {
  const inRepo = (repo: string, t1Result: ResultValue | null, t2Result: ResultValue | null) => {
    const id = `res_${repo}`
    return {
      tier1: t1Result === null ? [] : [t1(id, t1Result, 1, { repo })],
      tier2: t2Result === null ? [] : [t2(`${id}_t2`, t2Result, 2, id, { repo })],
    }
  }
  const across = (...repos: ReturnType<typeof inRepo>[]) =>
    evaluate(
      repos.flatMap((r) => r.tier1),
      repos.flatMap((r) => r.tier2),
      'coherent',
      null,
    )

  it('failing beats awaiting and passing; reasons of every repo are kept in §3 order', () => {
    const e = across(
      inRepo('a/passing', 'pass', 'pass'),
      inRepo('b/awaiting', 'pass', null),
      inRepo('c/failing', 'error', null),
    )
    expect(e.evaluation).toBe('failing')
    expect(e.reasons).toEqual(['tier1_error', 'awaiting_tier2'])
  })

  it('awaiting beats passing', () => {
    const e = across(inRepo('a/passing', 'pass', 'pass'), inRepo('b/awaiting', 'skipped', null))
    expect(e).toMatchObject({
      evaluation: 'awaiting',
      reasons: ['tier1_skipped'],
      tier1: 'skipped',
      tier2: 'not_applicable',
    })
  })

  it('passes only when every repo passes', () => {
    const e = across(inRepo('a/one', 'pass', 'pass'), inRepo('b/two', 'pass', 'pass'))
    expect(e).toMatchObject({ evaluation: 'passing', reasons: [], tier1: 'pass', tier2: 'pass' })
  })

  it('de-duplicates a reason shared by several repos', () => {
    const e = across(inRepo('a/one', 'fail', null), inRepo('b/two', 'fail', null), inRepo('c/three', 'pass', 'fail'))
    expect(e.reasons).toEqual(['tier1_fail', 'tier2_fail'])
  })

  it('lists reasons in §3 order, not repo order', () => {
    const e = across(
      inRepo('a/one', 'pass', 'skipped'),
      inRepo('b/two', 'pass', 'error'),
      inRepo('c/three', 'fail', null),
    )
    expect(e.reasons).toEqual(['tier1_fail', 'tier2_error', 'tier2_skipped'])
  })

  // Aggregated tiers: fail > error > pending > skipped > not_applicable > pass. Every repo of an untagged assertion
  // has a Tier 1 result, so a pending Tier 1 never meets another repo.
  it.each([
    ['fail', 'error', 'fail'],
    ['error', 'skipped', 'error'],
    ['skipped', 'pass', 'skipped'],
    ['error', 'pass', 'error'],
  ] as const)('aggregated tier1 of %s and %s is %s', (a, b, worst) => {
    expect(across(inRepo('a/one', a, null), inRepo('b/two', b, null)).tier1).toBe(worst)
    expect(across(inRepo('a/one', b, null), inRepo('b/two', a, null)).tier1).toBe(worst)
  })

  it.each([
    [['fail', 'error'], 'fail'],
    [['error', 'pending'], 'error'],
    [['pending', 'skipped'], 'pending'],
    [['skipped', 'not_applicable'], 'skipped'],
    [['not_applicable', 'pass'], 'not_applicable'],
    [['pass', 'pass'], 'pass'],
  ] as const)('aggregated tier2 of %j is %s', ([a, b], worst) => {
    const repo = (name: string, tier2: EffectiveResult) =>
      tier2 === 'not_applicable' ? inRepo(name, 'fail', null) : inRepo(name, 'pass', tier2 === 'pending' ? null : tier2)
    expect(across(repo('a/one', a), repo('b/two', b)).tier2).toBe(worst)
    expect(across(repo('a/one', b), repo('b/two', a)).tier2).toBe(worst)
  })
})

describe('coherence applied to the assertion (§4.3, second table)', () => {
  const failing = () => [t1('res_01', 'fail', 1)]
  const awaiting = () => [t1('res_01', 'skipped', 1)]
  const passing = (): [Tier1Record[], Tier2Record[]] => [[t1('res_01', 'pass', 1)], [t2('res_02', 'pass', 2, 'res_01')]]

  it.each([
    ['failing', 'incoherent', 'failing', ['tier1_fail', 'assertion_incoherent']],
    ['failing', 'pending', 'failing', ['tier1_fail']],
    ['failing', 'coherent', 'failing', ['tier1_fail']],
    ['awaiting', 'incoherent', 'incoherent', ['assertion_incoherent', 'tier1_skipped']],
    ['awaiting', 'pending', 'awaiting', ['tier1_skipped', 'awaiting_coherence']],
    ['awaiting', 'coherent', 'awaiting', ['tier1_skipped']],
    ['passing', 'incoherent', 'incoherent', ['assertion_incoherent']],
    ['passing', 'pending', 'awaiting', ['awaiting_coherence']],
    ['passing', 'coherent', 'passing', []],
  ] as const)('%s with coherence %s → %s %j', (before, coherence, after, reasons) => {
    const [tier1, tier2] = before === 'failing' ? [failing(), []] : before === 'awaiting' ? [awaiting(), []] : passing()
    const e = evaluate(tier1, tier2, coherence)
    expect(e.evaluation).toBe(after)
    expect(e.reasons).toEqual(reasons)
  })

  it('is applied after the worst over repos', () => {
    const e = evaluate(
      [t1('res_01', 'pass', 1, { repo: 'a/one' }), t1('res_02', 'fail', 1, { repo: 'b/two' })],
      [t2('res_03', 'pass', 2, 'res_01', { repo: 'a/one' })],
      'incoherent',
      null,
    )
    expect(e.evaluation).toBe('failing')
    expect(e.per_repo.map((r) => r.evaluation)).toEqual(['passing', 'failing'])
    expect(e.reasons).toEqual(['tier1_fail', 'assertion_incoherent'])
  })
})

describe('control verification status (§4.4)', () => {
  const sufficient: SufficiencyState = { status: 'sufficient', awaiting: null }
  const insufficient: SufficiencyState = { status: 'insufficient', awaiting: null }
  const awaitingAi: SufficiencyState = { status: 'pending', awaiting: 'ai' }
  const awaitingSignoff: SufficiencyState = { status: 'pending', awaiting: 'signoff' }
  const passing = { evaluation: 'passing', reasons: [] } as const
  const status = (
    assertions: { evaluation: Evaluation; reasons: readonly StatusReason[] }[],
    sufficiency: SufficiencyState,
    implementation_status: 'implemented' | 'not_implemented' = 'implemented',
  ) => controlStatus({ assertions, sufficiency, implementation_status })

  it('S1: no assertions → unverified, whatever the sufficiency and implementation status', () => {
    for (const sufficiency of [sufficient, insufficient, awaitingAi]) {
      expect(status([], sufficiency)).toEqual({ verification_status: 'unverified', status_reasons: ['no_assertions'] })
    }
  })

  it('S2: a failing assertion → partially_verified with its failing reasons only', () => {
    const failingInOneRepo = {
      evaluation: 'failing' as const,
      reasons: ['tier2_error', 'awaiting_tier1'] as StatusReason[],
    }
    expect(status([passing, failingInOneRepo], sufficient)).toEqual({
      verification_status: 'partially_verified',
      status_reasons: ['tier2_error'],
    })
  })

  it('S2: an incoherent assertion contributes assertion_incoherent, not its awaiting reasons', () => {
    expect(
      status([{ evaluation: 'incoherent', reasons: ['assertion_incoherent', 'tier1_skipped'] }], sufficient),
    ).toEqual({
      verification_status: 'partially_verified',
      status_reasons: ['assertion_incoherent'],
    })
  })

  it('S2: insufficient alone → partially_verified, insufficient', () => {
    expect(status([passing], insufficient)).toEqual({
      verification_status: 'partially_verified',
      status_reasons: ['insufficient'],
    })
  })

  it('S2: failure beats waiting; awaiting assertions and pending sufficiency add nothing', () => {
    const result = status(
      [
        { evaluation: 'awaiting', reasons: ['awaiting_tier2'] },
        { evaluation: 'failing', reasons: ['tier1_fail'] },
      ],
      awaitingAi,
      'not_implemented',
    )
    expect(result).toEqual({ verification_status: 'partially_verified', status_reasons: ['tier1_fail'] })
  })

  it('S2: every failing reason of every such assertion, de-duplicated, in §3 order, then insufficient', () => {
    const result = status(
      [
        { evaluation: 'failing', reasons: ['tier2_fail', 'assertion_incoherent'] },
        { evaluation: 'incoherent', reasons: ['assertion_incoherent'] },
        { evaluation: 'failing', reasons: ['tier1_error', 'tier2_fail'] },
      ],
      insufficient,
    )
    expect(result.status_reasons).toEqual(['tier1_error', 'tier2_fail', 'assertion_incoherent', 'insufficient'])
  })

  it('S3: an awaiting assertion → pending with its awaiting reasons', () => {
    expect(
      status([passing, { evaluation: 'awaiting', reasons: ['tier2_stale', 'awaiting_coherence'] }], sufficient),
    ).toEqual({
      verification_status: 'pending',
      status_reasons: ['tier2_stale', 'awaiting_coherence'],
    })
  })

  it('S3: sufficiency awaiting an AI evaluation → awaiting_sufficiency', () => {
    expect(status([passing], awaitingAi)).toEqual({
      verification_status: 'pending',
      status_reasons: ['awaiting_sufficiency'],
    })
  })

  it('S3: sufficiency awaiting a sign-off → awaiting_sufficiency_signoff', () => {
    expect(status([passing], awaitingSignoff)).toEqual({
      verification_status: 'pending',
      status_reasons: ['awaiting_sufficiency_signoff'],
    })
  })

  it('S3: reasons of every awaiting assertion and the sufficiency, de-duplicated, in §3 order', () => {
    const result = status(
      [
        { evaluation: 'awaiting', reasons: ['awaiting_coherence', 'awaiting_tier1'] },
        { evaluation: 'awaiting', reasons: ['tier2_skipped', 'awaiting_tier1'] },
      ],
      awaitingSignoff,
      'not_implemented',
    )
    expect(result).toEqual({
      verification_status: 'pending',
      status_reasons: ['awaiting_tier1', 'tier2_skipped', 'awaiting_coherence', 'awaiting_sufficiency_signoff'],
    })
  })

  it('S4: everything passes and is sufficient but the control is not implemented → ready_to_mark_implemented', () => {
    expect(status([passing, passing], sufficient, 'not_implemented')).toEqual({
      verification_status: 'pending',
      status_reasons: ['ready_to_mark_implemented'],
    })
  })

  it('S5: everything passes, sufficient and implemented → verified without reasons', () => {
    expect(status([passing, passing], sufficient, 'implemented')).toEqual({
      verification_status: 'verified',
      status_reasons: [],
    })
  })

  it('composes with evaluateAssertion: an assertion awaiting coherence keeps the control pending', () => {
    const assertion = evaluate([t1('res_01', 'pass', 1)], [t2('res_02', 'pass', 2, 'res_01')], 'pending')
    expect(status([assertion], sufficient)).toEqual({
      verification_status: 'pending',
      status_reasons: ['awaiting_coherence'],
    })
  })

  it('composes with evaluateAssertion: a multi-repo failing assertion shows only its failing reason', () => {
    const assertion = evaluate(
      [t1('res_01', 'fail', 1, { repo: 'a/one' }), t1('res_02', 'pass', 1, { repo: 'b/two' })],
      [],
      'coherent',
      null,
    )
    expect(assertion.reasons).toEqual(['tier1_fail', 'awaiting_tier2'])
    expect(status([assertion], awaitingAi)).toEqual({
      verification_status: 'partially_verified',
      status_reasons: ['tier1_fail'],
    })
  })
})

describe('control objective assurance (§4.10)', () => {
  const control = (verification_status: (typeof VERIFICATION_STATUSES)[number], open_drift = 0) => ({
    verification_status,
    open_drift,
  })

  it('no active control → uncovered', () => {
    expect(objectiveAssurance([])).toBe('uncovered')
  })

  it('a partially verified control → at_risk, even next to verified ones', () => {
    expect(objectiveAssurance([control('verified'), control('partially_verified')])).toBe('at_risk')
  })

  it('open drift on any control → at_risk, even when every control is verified', () => {
    expect(objectiveAssurance([control('verified'), control('verified', 1)])).toBe('at_risk')
    expect(objectiveAssurance([control('pending', 2)])).toBe('at_risk')
  })

  it('every control verified without drift → verified', () => {
    expect(objectiveAssurance([control('verified'), control('verified')])).toBe('verified')
  })

  it.each(['pending', 'unverified'] as const)('a %s control among verified ones → in_progress', (s) => {
    expect(objectiveAssurance([control('verified'), control(s)])).toBe('in_progress')
  })
})
