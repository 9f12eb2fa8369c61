import { verifyCosignatures } from '@warrant/core'
import type { Outcome } from './outcome.js'
import type { Pins } from './pins.js'

/**
 * L3 (EVIDENCE.md §9.5, §11, §12.2): the checkpoint's witness cosignatures (C2SP tlog-cosignature, Ed25519) from the
 * pinned witnesses. A pinned witness's cosignature that does not verify fails (1); fewer than `quorum` pinned witnesses
 * with a valid cosignature is insufficient (3). Lines of witnesses that are not pinned are ignored.
 */
export function checkWitnesses(note: string, witnesses: NonNullable<Pins['log']['witnesses']>): Outcome[] {
  const checked = verifyCosignatures(note, witnesses.cosigners)
  if (!checked.ok) return [{ status: 'fail', message: `checkpoint cosignatures: ${checked.reason}`, subject: null }]
  const findings: Outcome[] = checked.invalid.map((name) => ({
    status: 'fail',
    message: `checkpoint cosignature of witness ${name} does not verify`,
    subject: name,
  }))
  if (checked.valid.length < witnesses.quorum)
    findings.push({
      status: 'insufficient',
      message: `checkpoint has ${checked.valid.length} of ${witnesses.quorum} required witness cosignatures`,
      subject: null,
    })
  return findings
}
