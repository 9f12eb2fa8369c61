import {
  effectiveTier1,
  effectiveTier2,
  type StaleReason,
  type Tier1Effective,
  type Tier1Record,
  type Tier2Effective,
  type Tier2Record,
} from './effective.js'
import type { CoherenceVerdict, EffectiveResult, Evaluation, StatusReason } from './enums.js'
import { orderedReasons } from './reasons.js'

export interface PerRepoEffective {
  repo: string
  tier1: { result: EffectiveResult; anchor: Tier1Record | null }
  tier2: { result: EffectiveResult; verdict: Tier2Record | null; stale_reason: StaleReason | null }
  evaluation: Evaluation
  reason: StatusReason | null
}

export interface AssertionEvaluation {
  evaluation: Evaluation
  /** Every reason of every repo plus the coherence reason, de-duplicated, in §3 order. */
  reasons: StatusReason[]
  /** Worst per-repo value, fail > error > pending > skipped > not_applicable > pass. */
  tier1: EffectiveResult
  tier2: EffectiveResult
  per_repo: PerRepoEffective[]
}

type RepoVerdict = { evaluation: Evaluation; reason: StatusReason | null }

const BY_TIER1: Record<Exclude<Tier1Effective['result'], 'pass'>, RepoVerdict> = {
  fail: { evaluation: 'failing', reason: 'tier1_fail' },
  error: { evaluation: 'failing', reason: 'tier1_error' },
  pending: { evaluation: 'awaiting', reason: 'awaiting_tier1' },
  skipped: { evaluation: 'awaiting', reason: 'tier1_skipped' },
}

const BY_TIER2: Record<Exclude<Tier2Effective['result'], 'pending'>, RepoVerdict> = {
  fail: { evaluation: 'failing', reason: 'tier2_fail' },
  error: { evaluation: 'failing', reason: 'tier2_error' },
  skipped: { evaluation: 'awaiting', reason: 'tier2_skipped' },
  pass: { evaluation: 'passing', reason: null },
}

/** §4.3 first table, rows with T1 = pass. */
function tier2Verdict(tier2: Tier2Effective): RepoVerdict {
  if (tier2.result !== 'pending') return BY_TIER2[tier2.result]
  return { evaluation: 'awaiting', reason: tier2.stale_reason === null ? 'awaiting_tier2' : 'tier2_stale' }
}

/** §4.2 T1 and T2 and §4.3 E(a, r) for one repo. */
function evaluateRepo(
  repo: string,
  tier1Records: readonly Tier1Record[],
  tier2Records: readonly Tier2Record[],
  controlRevision: number,
): PerRepoEffective {
  const tier1 = effectiveTier1(tier1Records, repo)
  if (tier1.result !== 'pass') {
    const tier2 = { result: 'not_applicable', verdict: null, stale_reason: null } as const
    return { repo, tier1, tier2, ...BY_TIER1[tier1.result] }
  }
  const tier2 = effectiveTier2(tier1.anchor, tier2Records, repo, controlRevision)
  return { repo, tier1, tier2, ...tier2Verdict(tier2) }
}

const EVALUATION_ORDER: readonly Evaluation[] = ['failing', 'awaiting', 'passing']
const TIER_ORDER: readonly EffectiveResult[] = ['fail', 'error', 'pending', 'skipped', 'not_applicable', 'pass']

/** The value that comes first in `order` (worst first); `values` is never empty since R(a) is never empty. */
function worst<T>(order: readonly T[], values: readonly T[]): T {
  return values.reduce((w, v) => (order.indexOf(v) < order.indexOf(w) ? v : w))
}

/** §4.3 coherence table, first matching row. */
function applyCoherence(
  evaluation: Evaluation,
  coherence: CoherenceVerdict,
): { evaluation: Evaluation; added: StatusReason | null } {
  if (evaluation === 'failing') return { evaluation, added: coherence === 'incoherent' ? 'assertion_incoherent' : null }
  if (coherence === 'incoherent') return { evaluation: 'incoherent', added: 'assertion_incoherent' }
  if (coherence === 'pending')
    return { evaluation: evaluation === 'passing' ? 'awaiting' : evaluation, added: 'awaiting_coherence' }
  return { evaluation, added: null }
}

/** R(a): the tag, else the repos with a Tier 1 result, else the default codebase "". */
function assertionRepos(repo: string | null, tier1: readonly Tier1Record[]): string[] {
  if (repo !== null) return [repo]
  const repos = [...new Set(tier1.map((r) => r.repo))].sort()
  return repos.length > 0 ? repos : ['']
}

/**
 * §4.2–4.3. tier1: counting Tier 1 results of this assertion (any repos, any order; only counting ones are passed in).
 * tier2: counting CI Tier 2 results and human reviews.
 */
export function evaluateAssertion(input: {
  repo: string | null
  tier1: readonly Tier1Record[]
  tier2: readonly Tier2Record[]
  coherence: CoherenceVerdict
  control_revision: number
}): AssertionEvaluation {
  const per_repo = assertionRepos(input.repo, input.tier1).map((repo) =>
    evaluateRepo(repo, input.tier1, input.tier2, input.control_revision),
  )
  const { evaluation, added } = applyCoherence(
    worst(
      EVALUATION_ORDER,
      per_repo.map((r) => r.evaluation),
    ),
    input.coherence,
  )
  const reasons = per_repo.flatMap((r) => (r.reason === null ? [] : [r.reason]))
  return {
    evaluation,
    reasons: orderedReasons(added === null ? reasons : [...reasons, added]),
    tier1: worst(
      TIER_ORDER,
      per_repo.map((r) => r.tier1.result),
    ),
    tier2: worst(
      TIER_ORDER,
      per_repo.map((r) => r.tier2.result),
    ),
    per_repo,
  }
}
