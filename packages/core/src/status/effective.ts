import type { ResultValue, Tier2Source } from './enums.js'

/** A counting Tier 1 result. */
export interface Tier1Record {
  id: string
  run_id: string
  repo: string
  result: ResultValue
  accepted_at: string
  evidence_digest: string | null
}

/** A Tier 2 verdict candidate: a counting CI Tier 2 result or a Tier2Review. */
export interface Tier2Record {
  source: Tier2Source
  id: string
  repo: string
  /** human: pass | fail only */
  result: ResultValue
  at: string
  anchor_result_id: string
  evidence_digest: string | null
  /** revision the prompt was rendered for (CI) or the review's control_revision; null = prompt hash unknown */
  control_revision: number | null
}

export type StaleReason = 'control_changed' | 'evidence_changed' | 'prompt_unknown'

/** T1(a, r) and its anchor A1(a, r). */
export type Tier1Effective = { result: 'pending'; anchor: null } | { result: ResultValue; anchor: Tier1Record }

/** T2(a, r) when T1(a, r) = pass (otherwise it is not_applicable, row 1). */
export interface Tier2Effective {
  result: ResultValue | 'pending'
  /** The verdict behind `result`: the newest current verdict, the skipped record, or the newest stale verdict. */
  verdict: Tier2Record | null
  stale_reason: StaleReason | null
}

/** Latest timestamp wins; equal timestamps are broken by the larger (ULID-based) id. */
function newest<T extends { id: string }>(records: readonly T[], at: (record: T) => string): T | null {
  let best: T | null = null
  for (const record of records) {
    if (best === null) {
      best = record
      continue
    }
    const delta = Date.parse(at(record)) - Date.parse(at(best))
    if (delta > 0 || (delta === 0 && record.id > best.id)) best = record
  }
  return best
}

/** §4.2 Tier 1: the newest counting result for the repo is the anchor A1. */
export function effectiveTier1(tier1: readonly Tier1Record[], repo: string): Tier1Effective {
  const anchor = newest(
    tier1.filter((r) => r.repo === repo),
    (r) => r.accepted_at,
  )
  return anchor === null ? { result: 'pending', anchor } : { result: anchor.result, anchor }
}

/** §4.2 V2 and V3; V1 (T1 = pass) is the caller's precondition. */
export function tier2StaleReason(
  verdict: Tier2Record,
  anchor: Tier1Record,
  controlRevision: number,
): StaleReason | null {
  if (verdict.control_revision === null) return 'prompt_unknown'
  if (verdict.control_revision !== controlRevision) return 'control_changed'
  const sameEvidence = verdict.evidence_digest !== null && verdict.evidence_digest === anchor.evidence_digest
  if (verdict.anchor_result_id !== anchor.id && !sameEvidence) return 'evidence_changed'
  return null
}

/** §4.2 Tier 2 table, rows 2–4, for one repo whose Tier 1 passes with `anchor`. */
export function effectiveTier2(
  anchor: Tier1Record,
  tier2: readonly Tier2Record[],
  repo: string,
  controlRevision: number,
): Tier2Effective {
  const at = (v: Tier2Record) => v.at
  const records = tier2.filter((v) => v.repo === repo)
  // A skipped record is never a verdict, current or stale.
  const verdicts = records.filter((v) => v.result !== 'skipped')
  const current = newest(
    verdicts.filter((v) => tier2StaleReason(v, anchor, controlRevision) === null),
    at,
  )
  if (current !== null) return { result: current.result, verdict: current, stale_reason: null }
  const anchored = newest(
    records.filter((v) => v.anchor_result_id === anchor.id),
    at,
  )
  if (anchored?.result === 'skipped') return { result: 'skipped', verdict: anchored, stale_reason: null }
  const stale = newest(verdicts, at)
  return {
    result: 'pending',
    verdict: stale,
    stale_reason: stale === null ? null : tier2StaleReason(stale, anchor, controlRevision),
  }
}
