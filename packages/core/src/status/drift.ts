import type { ResultValue } from './enums.js'

/**
 * §4.8 for one new result of a counting CI run. `previous` is the newest earlier counting, non-skipped result for the
 * same (assertion, repo, tier), or null. 'resolve' means: resolve every open DriftEvent of that triple (passed_again).
 */
export function driftAction(previous: ResultValue | null, next: ResultValue): 'open' | 'resolve' | 'none' {
  if (next === 'pass') return 'resolve'
  if (next === 'skipped') return 'none'
  return previous === 'pass' ? 'open' : 'none'
}

/** §4.8 `evidence_changed` of a new DriftEvent: whether the digests differ, null when either is missing. */
export function driftEvidenceChanged(previous: string | null, next: string | null): boolean | null {
  return previous === null || next === null ? null : previous !== next
}
