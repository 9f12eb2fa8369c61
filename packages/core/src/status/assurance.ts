import type { Assurance, VerificationStatus } from './enums.js'

/** §4.10, over the objective's active controls. */
export function objectiveAssurance(
  controls: readonly { verification_status: VerificationStatus; open_drift: number }[],
): Assurance {
  if (controls.length === 0) return 'uncovered'
  if (controls.some((c) => c.verification_status === 'partially_verified' || c.open_drift > 0)) return 'at_risk'
  if (controls.every((c) => c.verification_status === 'verified')) return 'verified'
  return 'in_progress'
}
