import type { Evaluation, ImplementationStatus, StatusReason, SufficiencyStatus, VerificationStatus } from './enums.js'
import { orderedReasons } from './reasons.js'

/** `awaiting` says what a pending sufficiency waits for: an AI evaluation (also when null) or a reviewer's sign-off. */
export type SufficiencyState = { status: SufficiencyStatus; awaiting: 'ai' | 'signoff' | null }

export interface ControlStatus {
  verification_status: VerificationStatus
  status_reasons: StatusReason[]
}

const FAILING_REASONS: ReadonlySet<StatusReason> = new Set([
  'tier1_fail',
  'tier1_error',
  'tier2_fail',
  'tier2_error',
  'assertion_incoherent',
])

/** §4.4, first matching row; reasons are those of the matching row, de-duplicated, in §3 order. */
export function controlStatus(input: {
  assertions: readonly { evaluation: Evaluation; reasons: readonly StatusReason[] }[]
  sufficiency: SufficiencyState
  implementation_status: ImplementationStatus
}): ControlStatus {
  const { assertions, sufficiency } = input
  if (assertions.length === 0) return { verification_status: 'unverified', status_reasons: ['no_assertions'] }

  const failing = assertions.filter((a) => a.evaluation === 'failing' || a.evaluation === 'incoherent')
  if (failing.length > 0 || sufficiency.status === 'insufficient') {
    // An assertion failing in one repo may still be awaiting in another: only its failing reasons count here.
    const reasons = failing.flatMap((a) => a.reasons.filter((r) => FAILING_REASONS.has(r)))
    if (sufficiency.status === 'insufficient') reasons.push('insufficient')
    return { verification_status: 'partially_verified', status_reasons: orderedReasons(reasons) }
  }

  const awaiting = assertions.filter((a) => a.evaluation === 'awaiting')
  if (awaiting.length > 0 || sufficiency.status === 'pending') {
    const reasons = awaiting.flatMap((a) => a.reasons)
    if (sufficiency.status === 'pending') {
      reasons.push(sufficiency.awaiting === 'signoff' ? 'awaiting_sufficiency_signoff' : 'awaiting_sufficiency')
    }
    return { verification_status: 'pending', status_reasons: orderedReasons(reasons) }
  }

  if (input.implementation_status === 'not_implemented') {
    return { verification_status: 'pending', status_reasons: ['ready_to_mark_implemented'] }
  }
  return { verification_status: 'verified', status_reasons: [] }
}
