import { createHash } from 'node:crypto'
import type { Location, Result } from '@warrant/core'
import { compareUtf8 } from '../checkout/checkout.js'
import { clip } from '../checkout/text.js'
import type { Outcome } from './outcome.js'

const MAX_LOCATIONS = 20
const MAX_DETAIL_BYTES = 2048

/** One line (CR/LF written as \n), at most 2,048 bytes of UTF-8, cut with `…` (§1.5). */
export function oneLine(details: string): string {
  const s = details.replace(/\r\n|\r|\n/g, '\\n')
  const bytes = Buffer.from(s, 'utf8')
  if (bytes.length <= MAX_DETAIL_BYTES) return s
  // Cut at a character boundary: step back over UTF-8 continuation bytes.
  let end = MAX_DETAIL_BYTES - Buffer.byteLength('…', 'utf8')
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--
  return `${bytes.subarray(0, end).toString('utf8')}…`
}

function compareLocations(a: Location, b: Location): number {
  return compareUtf8(a.file, b.file) || a.line - b.line || (a.column ?? 0) - (b.column ?? 0)
}

/** Digest over examined files (§1.4): one file → its SHA-256; several → the sha256sum-style manifest's SHA-256. */
export function evidenceDigest(examined: ReadonlyMap<string, string>): string | undefined {
  if (examined.size === 0) return undefined
  if (examined.size === 1) return `sha256:${[...examined.values()][0]}`
  const manifest = [...examined.entries()]
    .sort(([a], [b]) => compareUtf8(a, b))
    .map(([path, hex]) => `${hex}  ${path}\n`)
    .join('')
  return `sha256:${createHash('sha256').update(manifest, 'utf8').digest('hex')}`
}

/** Turns an evaluator's outcome into the result of §1.2. `hashes` maps each examined path to its SHA-256 hex. */
export function finalize(id: string, type: string, outcome: Outcome, hashes: ReadonlyMap<string, string>): Result {
  const all = [...(outcome.locations ?? [])].sort(compareLocations)
  const locations = all.slice(0, MAX_LOCATIONS).map((l) => {
    const loc: Location = { file: l.file, line: l.line }
    if (l.column !== undefined) loc.column = l.column
    if (l.end_line !== undefined && l.end_line !== l.line) loc.end_line = l.end_line
    if (l.snippet !== undefined && !outcome.noSnippets) loc.snippet = clip(l.snippet, 200)
    return loc
  })
  let details = outcome.details
  if (all.length > MAX_LOCATIONS && !/\(\+\d+ more\)$/.test(details))
    details += ` (+${all.length - MAX_LOCATIONS} more)`
  const result: Result = { id, type, status: outcome.status, details: oneLine(details), locations }
  const digest = outcome.evidenceDigest ?? evidenceDigest(hashes)
  if (digest && outcome.status !== 'skipped') result.evidence_digest = digest
  return result
}
