import type { ReviewItemKind, ReviewReason } from './enums.js'
import type { PerRepoEffective } from './evaluation.js'

const DAY_MS = 86_400_000

/** §4.12 reasons for a control item of an implemented control, in §3 order; empty = no item. */
export function controlReviewReasons(input: {
  last_verified_at: string | null
  open_drift: number
  reviewed: boolean
  now: Date
  review_max_age_days: number
}): ReviewReason[] {
  const reasons: ReviewReason[] = []
  if (input.last_verified_at === null) reasons.push('never_verified')
  else if (input.now.getTime() - Date.parse(input.last_verified_at) > input.review_max_age_days * DAY_MS) {
    reasons.push('stale_verification')
  }
  if (input.open_drift > 0) reasons.push('open_drift')
  if (!input.reviewed) reasons.push('never_reviewed')
  return reasons
}

/** §4.12 `tier2_verdict` items: the repos where Tier 1 passes and Tier 2 is skipped or stale. */
export function tier2VerdictRepos(perRepo: readonly PerRepoEffective[]): string[] {
  return perRepo.filter((r) => r.reason === 'tier2_skipped' || r.reason === 'tier2_stale').map((r) => r.repo)
}

/** §4.12 queue order: control items first, most reasons first, then oldest `since`; then the others, oldest first. */
export function compareReviewItems(
  a: { kind: ReviewItemKind; reasons: readonly unknown[]; since: string },
  b: { kind: ReviewItemKind; reasons: readonly unknown[]; since: string },
): number {
  const aControl = a.kind === 'control'
  const bControl = b.kind === 'control'
  if (aControl !== bControl) return aControl ? -1 : 1
  if (aControl && a.reasons.length !== b.reasons.length) return b.reasons.length - a.reasons.length
  return Date.parse(a.since) - Date.parse(b.since)
}
