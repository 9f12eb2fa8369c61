import { createHash } from 'node:crypto'
import { compareUtf8 } from '../checkout/checkout.js'

/** A report a test run produced, named as it appears in the evidence manifest. */
export interface ReportFile {
  name: string
  bytes: Buffer
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex')

/**
 * The evidence digest of ASSERTIONS.md §1.4 over reports written outside the checkout: one report → its bytes;
 * several → the sorted manifest of `<sha256>  <name>` lines.
 */
export function reportsDigest(reports: readonly ReportFile[]): string | undefined {
  if (reports.length === 0) return undefined
  if (reports.length === 1) return `sha256:${sha256(reports[0]!.bytes)}`
  const manifest = [...reports]
    .sort((a, b) => compareUtf8(a.name, b.name))
    .map((r) => `${sha256(r.bytes)}  ${r.name}\n`)
    .join('')
  return `sha256:${sha256(manifest)}`
}
