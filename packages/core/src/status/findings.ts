import type { Evaluation, FindingLifecycle, FindingStatus } from './enums.js'

export type TransitionCheck =
  | { ok: true }
  | {
      ok: false
      status: 409 | 422
      code: 'invalid_transition' | 'status_computed' | 'reason_required'
      message: string
    }

/** §4.9 manual transitions; any pair not listed is invalid. */
const MANUAL_TRANSITIONS: Record<FindingLifecycle, readonly { to: FindingLifecycle; reasonRequired: boolean }[]> = {
  discovered: [
    { to: 'acknowledged', reasonRequired: false },
    { to: 'dismissed', reasonRequired: true },
  ],
  acknowledged: [
    { to: 'remediated', reasonRequired: false },
    { to: 'dismissed', reasonRequired: true },
  ],
  remediated: [],
  dismissed: [],
}

/** §4.9: whether a finding may move from `from` to the requested status `to`; a blank reason counts as none. */
export function checkFindingTransition(
  from: FindingLifecycle,
  to: string,
  reason: string | undefined,
): TransitionCheck {
  if (to === 'verified') {
    return {
      ok: false,
      status: 409,
      code: 'status_computed',
      message: 'verified is computed from the linked assertions and cannot be set',
    }
  }
  const transition = MANUAL_TRANSITIONS[from].find((t) => t.to === to)
  if (transition === undefined) {
    return { ok: false, status: 409, code: 'invalid_transition', message: `a ${from} finding cannot become ${to}` }
  }
  if (transition.reasonRequired && (reason === undefined || reason.trim() === '')) {
    return { ok: false, status: 422, code: 'reason_required', message: `moving a finding to ${to} requires a reason` }
  }
  return { ok: true }
}

/** §4.9 shown status; `evaluation: null` marks a linked assertion that was deleted. */
export function findingShownStatus(
  lifecycle: FindingLifecycle,
  linked: readonly { evaluation: Evaluation | null }[],
): FindingStatus {
  const verified = lifecycle === 'remediated' && linked.length > 0 && linked.every((a) => a.evaluation === 'passing')
  return verified ? 'verified' : lifecycle
}
