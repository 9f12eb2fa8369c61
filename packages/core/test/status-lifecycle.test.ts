import { describe, expect, it } from 'vitest'
import {
  checkFindingTransition,
  compareReviewItems,
  controlReviewReasons,
  driftAction,
  driftEvidenceChanged,
  evaluateAssertion,
  type FindingLifecycle,
  findingShownStatus,
  type ResultValue,
  type ReviewItemKind,
  tier2VerdictRepos,
} from '../src/index.js'

describe('drift (§4.8)', () => {
  it.each<[ResultValue | null, ResultValue, 'open' | 'resolve' | 'none']>([
    ['pass', 'fail', 'open'],
    ['pass', 'error', 'open'],
    ['pass', 'pass', 'resolve'],
    ['fail', 'pass', 'resolve'],
    ['error', 'pass', 'resolve'],
    [null, 'pass', 'resolve'],
    ['fail', 'fail', 'none'],
    ['fail', 'error', 'none'],
    ['error', 'fail', 'none'],
    ['error', 'error', 'none'],
    [null, 'fail', 'none'],
    [null, 'error', 'none'],
    ['pass', 'skipped', 'none'],
    ['fail', 'skipped', 'none'],
    ['error', 'skipped', 'none'],
    [null, 'skipped', 'none'],
  ])('previous %s, new %s → %s', (previous, next, action) => {
    expect(driftAction(previous, next)).toBe(action)
  })

  it('evidence_changed: whether the digests differ, null when either is missing', () => {
    expect(driftEvidenceChanged('sha256:a', 'sha256:b')).toBe(true)
    expect(driftEvidenceChanged('sha256:a', 'sha256:a')).toBe(false)
    expect(driftEvidenceChanged(null, 'sha256:a')).toBeNull()
    expect(driftEvidenceChanged('sha256:a', null)).toBeNull()
    expect(driftEvidenceChanged(null, null)).toBeNull()
  })
})

describe('finding manual transitions (§4.9)', () => {
  const allowed: [FindingLifecycle, string][] = [
    ['discovered', 'acknowledged'],
    ['acknowledged', 'remediated'],
  ]
  const needReason: [FindingLifecycle, string][] = [
    ['discovered', 'dismissed'],
    ['acknowledged', 'dismissed'],
  ]
  const invalid: [FindingLifecycle, string][] = [
    ['discovered', 'discovered'],
    ['discovered', 'remediated'],
    ['acknowledged', 'discovered'],
    ['acknowledged', 'acknowledged'],
    ['remediated', 'discovered'],
    ['remediated', 'acknowledged'],
    ['remediated', 'remediated'],
    ['remediated', 'dismissed'],
    ['dismissed', 'discovered'],
    ['dismissed', 'acknowledged'],
    ['dismissed', 'remediated'],
    ['dismissed', 'dismissed'],
    ['discovered', 'closed'],
    ['discovered', 'constructor'],
  ]

  it.each(allowed)('%s → %s is allowed without a reason', (from, to) => {
    expect(checkFindingTransition(from, to, undefined)).toEqual({ ok: true })
  })

  it.each(needReason)('%s → %s is allowed with a reason', (from, to) => {
    expect(checkFindingTransition(from, to, 'false positive: the handler is never routed')).toEqual({ ok: true })
  })

  it.each(needReason)('%s → %s without a reason answers 422 reason_required', (from, to) => {
    for (const reason of [undefined, '', '   \n']) {
      expect(checkFindingTransition(from, to, reason)).toEqual({
        ok: false,
        status: 422,
        code: 'reason_required',
        message: 'moving a finding to dismissed requires a reason',
      })
    }
  })

  it.each(invalid)('%s → %s answers 409 invalid_transition', (from, to) => {
    expect(checkFindingTransition(from, to, 'a reason long enough to count')).toEqual({
      ok: false,
      status: 409,
      code: 'invalid_transition',
      message: `a ${from} finding cannot become ${to}`,
    })
  })

  it.each<FindingLifecycle>(['discovered', 'acknowledged', 'remediated', 'dismissed'])(
    '%s → verified answers 409 status_computed',
    (from) => {
      expect(checkFindingTransition(from, 'verified', 'reason')).toMatchObject({
        ok: false,
        status: 409,
        code: 'status_computed',
      })
    },
  )
})

describe('finding shown status (§4.9)', () => {
  const passing = { evaluation: 'passing' } as const
  const failing = { evaluation: 'failing' } as const
  const deleted = { evaluation: null }

  it('remediated with every linked assertion passing → verified', () => {
    expect(findingShownStatus('remediated', [passing])).toBe('verified')
    expect(findingShownStatus('remediated', [passing, passing])).toBe('verified')
  })

  it('remediated without linked assertions stays remediated', () => {
    expect(findingShownStatus('remediated', [])).toBe('remediated')
  })

  it.each(['failing', 'awaiting', 'incoherent'] as const)('remediated with one %s assertion stays remediated', (e) => {
    expect(findingShownStatus('remediated', [passing, { evaluation: e }])).toBe('remediated')
  })

  it('remediated with a deleted linked assertion stays remediated', () => {
    expect(findingShownStatus('remediated', [passing, deleted])).toBe('remediated')
  })

  it.each<FindingLifecycle>(['discovered', 'acknowledged', 'dismissed'])(
    '%s is shown as is, even with passing assertions',
    (lifecycle) => {
      expect(findingShownStatus(lifecycle, [passing])).toBe(lifecycle)
      expect(findingShownStatus(lifecycle, [failing])).toBe(lifecycle)
    },
  )
})

describe('review queue (§4.12)', () => {
  const now = new Date('2025-06-01T00:00:00.000Z')
  const reasons = (
    last_verified_at: string | null,
    open_drift = 0,
    reviewed = true,
  ): ReturnType<typeof controlReviewReasons> =>
    controlReviewReasons({ last_verified_at, open_drift, reviewed, now, review_max_age_days: 90 })

  it('a recently verified, reviewed control without drift has no reason (no item)', () => {
    expect(reasons('2025-05-30T00:00:00.000Z')).toEqual([])
  })

  it('never verified', () => {
    expect(reasons(null)).toEqual(['never_verified'])
  })

  it('stale only when strictly older than review_max_age_days', () => {
    expect(reasons('2025-03-03T00:00:00.000Z')).toEqual([])
    expect(reasons('2025-03-02T23:59:59.999Z')).toEqual(['stale_verification'])
  })

  it('open drift and never reviewed', () => {
    expect(reasons('2025-05-30T00:00:00.000Z', 2, true)).toEqual(['open_drift'])
    expect(reasons('2025-05-30T00:00:00.000Z', 0, false)).toEqual(['never_reviewed'])
  })

  it('lists every reason that holds, in §3 order', () => {
    expect(reasons('2024-01-01T00:00:00.000Z', 1, false)).toEqual([
      'stale_verification',
      'open_drift',
      'never_reviewed',
    ])
    expect(reasons(null, 1, false)).toEqual(['never_verified', 'open_drift', 'never_reviewed'])
  })

  it('tier2_verdict items: repos where Tier 1 passes and Tier 2 is skipped or stale', () => {
    const t1 = (id: string, repo: string) => ({
      id,
      run_id: 'run_1',
      repo,
      result: 'pass' as const,
      accepted_at: '2025-05-01T00:00:00.000Z',
      evidence_digest: null,
    })
    const t2 = (id: string, repo: string, result: ResultValue, control_revision: number | null) => ({
      source: 'ci' as const,
      id: `${id}_t2`,
      repo,
      result,
      at: '2025-05-01T00:01:00.000Z',
      anchor_result_id: id,
      evidence_digest: null,
      control_revision,
    })
    const evaluation = evaluateAssertion({
      repo: null,
      tier1: [t1('res_a', 'a/skipped'), t1('res_b', 'b/stale'), t1('res_c', 'c/awaiting'), t1('res_d', 'd/passing')],
      tier2: [
        t2('res_a', 'a/skipped', 'skipped', null),
        t2('res_b', 'b/stale', 'pass', 1),
        t2('res_d', 'd/passing', 'pass', 2),
      ],
      coherence: 'coherent',
      control_revision: 2,
    })
    expect(tier2VerdictRepos(evaluation.per_repo)).toEqual(['a/skipped', 'b/stale'])
  })

  it('orders control items first by number of reasons then age, then the others by age', () => {
    const item = (name: string, kind: ReviewItemKind, count: number, since: string) => ({
      name,
      kind,
      reasons: Array.from({ length: count }, () => 'r'),
      since,
    })
    const items = [
      item('coherence-old', 'coherence_check', 0, '2025-01-01T00:00:00.000Z'),
      item('control-1-new', 'control', 1, '2025-05-01T00:00:00.000Z'),
      item('tier2-new', 'tier2_verdict', 0, '2025-05-01T00:00:00.000Z'),
      item('control-2', 'control', 2, '2025-05-02T00:00:00.000Z'),
      item('control-1-old', 'control', 1, '2025-02-01T00:00:00.000Z'),
      item('signoff-mid', 'sufficiency_signoff', 0, '2025-03-01T00:00:00.000Z'),
    ]
    expect(items.sort(compareReviewItems).map((i) => i.name)).toEqual([
      'control-2',
      'control-1-old',
      'control-1-new',
      'coherence-old',
      'signoff-mid',
      'tier2-new',
    ])
  })
})
