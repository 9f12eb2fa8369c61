import { createHash, createPublicKey, type KeyObject } from 'node:crypto'
import { decodeBase64 } from './dsse.js'
import { keyKind, publicOf, signBytes, verifyBytes } from './keys.js'

/** C2SP signed notes carrying tlog-checkpoints, signed with Ed25519 (EVIDENCE.md §9.5). */

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const rawEd25519 = (key: KeyObject): Buffer =>
  publicOf(key).export({ type: 'spki', format: 'der' }).subarray(ED25519_SPKI_PREFIX.length)

/** Key id: the first 4 bytes of H(name ‖ 0x0A ‖ 0x01 ‖ public key). */
export function noteKeyId(name: string, publicKey: KeyObject): Uint8Array {
  if (keyKind(publicKey) !== 'ed25519') throw new Error('note keys are Ed25519')
  const h = createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, 0x01]))
    .update(rawEd25519(publicKey))
    .digest()
  return new Uint8Array(h.subarray(0, 4))
}

/** Verifier key string: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`. */
export function verifierKey(name: string, publicKey: KeyObject): string {
  return `${name}+${Buffer.from(noteKeyId(name, publicKey)).toString('hex')}+${Buffer.concat([Buffer.from([1]), rawEd25519(publicKey)]).toString('base64')}`
}

export interface NoteVerifier {
  name: string
  keyId: Uint8Array
  publicKey: KeyObject
}

/** Parses a vkey; undefined when malformed or when its key id does not match its key. */
export function parseVerifierKey(vkey: string): NoteVerifier | undefined {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey)
  if (!m) return undefined
  const raw = decodeBase64(m[3]!)
  if (raw?.length !== 33 || raw[0] !== 1) return undefined
  const publicKey = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, raw.subarray(1)]),
    format: 'der',
    type: 'spki',
  })
  const keyId = noteKeyId(m[1]!, publicKey)
  return Buffer.from(keyId).toString('hex') === m[2] ? { name: m[1]!, keyId, publicKey } : undefined
}

export interface Checkpoint {
  origin: string
  size: number
  root: Uint8Array
}

export const checkpointText = (c: Checkpoint): string =>
  `${c.origin}\n${c.size}\n${Buffer.from(c.root).toString('base64')}\n`

/** Signs a checkpoint as a note: text, blank line, `— <name> <base64(key id ‖ signature)>`. */
export function signCheckpoint(c: Checkpoint, name: string, privateKey: KeyObject): string {
  const text = checkpointText(c)
  const sig = signBytes(privateKey, new TextEncoder().encode(text))
  const blob = Buffer.concat([Buffer.from(noteKeyId(name, publicOf(privateKey))), Buffer.from(sig)]).toString('base64')
  return `${text}\n\u2014 ${name} ${blob}\n`
}

export type CheckpointCheck = { ok: true; checkpoint: Checkpoint; signedBy: string[] } | { ok: false; reason: string }

/**
 * Verifies a checkpoint note against trusted verifier keys: lines from unknown keys are ignored, a line from a trusted
 * key that does not verify fails the note, and at least one trusted signature is required.
 */
export function verifyCheckpoint(
  note: string,
  trusted: readonly NoteVerifier[],
  expectedOrigin?: string,
): CheckpointCheck {
  const split = note.indexOf('\n\n')
  if (split < 0 || !note.endsWith('\n'))
    return { ok: false, reason: 'not a signed note (text, blank line, signature lines)' }
  const text = note.slice(0, split + 1)
  const lines = text.slice(0, -1).split('\n')
  if (lines.length !== 3) return { ok: false, reason: 'a checkpoint has exactly origin, size and root lines' }
  const [origin, sizeLine, rootLine] = lines as [string, string, string]
  if (!/^(0|[1-9]\d*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine)))
    return { ok: false, reason: 'the tree size is not a decimal number' }
  const root = decodeBase64(rootLine)
  if (root?.length !== 32) return { ok: false, reason: 'the root is not 32 bytes of base64' }
  if (expectedOrigin !== undefined && origin !== expectedOrigin)
    return { ok: false, reason: `origin ${origin} is not the pinned ${expectedOrigin}` }
  const message = new TextEncoder().encode(text)
  const signedBy: string[] = []
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line)
    if (!m) return { ok: false, reason: `malformed signature line: ${JSON.stringify(line.slice(0, 80))}` }
    const blob = decodeBase64(m[2]!)
    if (!blob || blob.length < 5) return { ok: false, reason: 'malformed signature' }
    const key = trusted.find((t) => t.name === m[1] && Buffer.from(t.keyId).equals(Buffer.from(blob.subarray(0, 4))))
    if (!key) continue
    if (!verifyBytes(key.publicKey, message, blob.subarray(4)))
      return { ok: false, reason: `the signature of trusted key ${key.name} does not verify` }
    signedBy.push(key.name)
  }
  if (signedBy.length === 0) return { ok: false, reason: 'no signature from a trusted key' }
  return { ok: true, checkpoint: { origin, size: Number(sizeLine), root }, signedBy }
}
