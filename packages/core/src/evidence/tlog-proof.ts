/**
 * C2SP tlog-proof v1 (EVIDENCE.md §9.6): an offline proof file made of the header line, an optional `extra` line, the
 * line `index <n>`, the RFC 6962 audit path (one standard-base64 SHA-256 hash per line, from the leaf's sibling up),
 * an empty line, then the checkpoint note verbatim. Parsing checks the shape only; the caller verifies the checkpoint
 * signature (verifyCheckpoint) and the inclusion proof (verifyInclusion).
 */

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1'

export interface TlogProof {
  index: number
  hashes: Uint8Array[]
  /** The signed checkpoint note, with its signature lines and final LF. */
  checkpoint: string
  /** Opaque, unauthenticated application data; Warrant writes none. */
  extra?: Uint8Array
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')

/** Standard base64 (RFC 4648 §4) in its one canonical encoding, or undefined. */
function strictBase64(text: string): Uint8Array | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined
  const bytes = new Uint8Array(Buffer.from(text, 'base64'))
  return b64(bytes) === text ? bytes : undefined
}

export function formatTlogProof(proof: TlogProof): string {
  if (!Number.isSafeInteger(proof.index) || proof.index < 0)
    throw new RangeError('index must be a non-negative integer')
  if (proof.hashes.some((h) => h.length !== 32)) throw new RangeError('every proof hash is 32 bytes')
  if (!proof.checkpoint.endsWith('\n')) throw new RangeError('the checkpoint note ends with LF')
  const lines = [TLOG_PROOF_HEADER]
  if (proof.extra !== undefined) lines.push(`extra ${b64(proof.extra)}`)
  lines.push(`index ${proof.index}`, ...proof.hashes.map(b64), '')
  return `${lines.join('\n')}\n${proof.checkpoint}`
}

export type TlogProofParse = { ok: true; proof: TlogProof } | { ok: false; reason: string }

export function parseTlogProof(text: string): TlogProofParse {
  const split = text.indexOf('\n\n')
  if (split < 0) return { ok: false, reason: 'no empty line before the checkpoint' }
  const lines = text.slice(0, split).split('\n')
  const checkpoint = text.slice(split + 2)
  if (lines.shift() !== TLOG_PROOF_HEADER) return { ok: false, reason: `the first line is not ${TLOG_PROOF_HEADER}` }
  let extra: Uint8Array | undefined
  if (lines[0]?.startsWith('extra ')) {
    extra = strictBase64(lines.shift()!.slice(6))
    if (!extra) return { ok: false, reason: 'the extra line is not base64' }
  }
  const m = /^index (0|[1-9]\d*)$/.exec(lines.shift() ?? '')
  if (!m || !Number.isSafeInteger(Number(m[1]))) return { ok: false, reason: 'no valid index line' }
  const hashes: Uint8Array[] = []
  for (const line of lines) {
    const hash = strictBase64(line)
    if (hash?.length !== 32) return { ok: false, reason: 'a proof line is not a base64 SHA-256 hash' }
    hashes.push(hash)
  }
  if (checkpoint === '' || !checkpoint.endsWith('\n')) return { ok: false, reason: 'the checkpoint is missing' }
  return { ok: true, proof: { index: Number(m[1]), hashes, checkpoint, ...(extra ? { extra } : {}) } }
}
