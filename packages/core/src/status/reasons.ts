import { STATUS_REASONS, type StatusReason } from './enums.js'

/** De-duplicates reasons and lists them in the §3 enum order. */
export function orderedReasons(reasons: Iterable<StatusReason>): StatusReason[] {
  const present = new Set(reasons)
  return STATUS_REASONS.filter((r) => present.has(r))
}
