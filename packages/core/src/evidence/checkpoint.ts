import { createHash, createPublicKey, type KeyObject } from 'node:crypto'
import { decodeBase64 } from './dsse.js'
import { keyKind, publicOf, signBytes, verifyBytes } from './keys.js'

/** C2SP signed notes carrying tlog-checkpoints, signed with Ed25519 (EVIDENCE.md §9.5). */

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const rawEd25519 = (key: KeyObject): Buffer =>
  publicOf(key).export({ type: 'spki', format: 'der' }).subarray(ED25519_SPKI_PREFIX.length)

/** Signature types of C2SP vkeys: 0x01 Ed25519 note signatures (the log), 0x04 Ed25519 cosignatures (witnesses). */
const NOTE_SIGNATURE = 0x01
const COSIGNATURE_V1 = 0x04

/** Key id: the first 4 bytes of H(name ‖ 0x0A ‖ type ‖ public key). */
function keyIdOf(name: string, type: number, publicKey: KeyObject): Uint8Array {
  if (keyKind(publicKey) !== 'ed25519') throw new Error('note keys are Ed25519')
  const h = createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, type]))
    .update(rawEd25519(publicKey))
    .digest()
  return new Uint8Array(h.subarray(0, 4))
}

/** Key id of a log key: the first 4 bytes of H(name ‖ 0x0A ‖ 0x01 ‖ public key). */
export const noteKeyId = (name: string, publicKey: KeyObject): Uint8Array => keyIdOf(name, NOTE_SIGNATURE, publicKey)

/** Verifier key string: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`. */
export function verifierKey(name: string, publicKey: KeyObject): string {
  return `${name}+${Buffer.from(noteKeyId(name, publicKey)).toString('hex')}+${Buffer.concat([Buffer.from([1]), rawEd25519(publicKey)]).toString('base64')}`
}

export interface NoteVerifier {
  name: string
  keyId: Uint8Array
  publicKey: KeyObject
}

function parseVkey(vkey: string, type: number): NoteVerifier | undefined {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey)
  if (!m) return undefined
  const raw = decodeBase64(m[3]!)
  if (raw?.length !== 33 || raw[0] !== type) return undefined
  const publicKey = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, raw.subarray(1)]),
    format: 'der',
    type: 'spki',
  })
  const keyId = keyIdOf(m[1]!, type, publicKey)
  return Buffer.from(keyId).toString('hex') === m[2] ? { name: m[1]!, keyId, publicKey } : undefined
}

/** Parses a log key's vkey (type 0x01); undefined when malformed or when its key id does not match its key. */
export const parseVerifierKey = (vkey: string): NoteVerifier | undefined => parseVkey(vkey, NOTE_SIGNATURE)

/** Parses a witness's vkey (C2SP tlog-cosignature, Ed25519, type 0x04); undefined when malformed or inconsistent. */
export const parseCosignerKey = (vkey: string): NoteVerifier | undefined => parseVkey(vkey, COSIGNATURE_V1)

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

type SignatureLine = { ok: true; name: string; blob: Uint8Array } | { ok: false; text: string }

/** A signed note's text (with its final LF) and its signature lines; undefined when it is not a signed note. */
function splitNote(note: string): { text: string; signatures: SignatureLine[] } | undefined {
  const split = note.indexOf('\n\n')
  if (split < 0 || !note.endsWith('\n')) return undefined
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((text): SignatureLine => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(text)
      const blob = m ? decodeBase64(m[2]!) : undefined
      return m && blob ? { ok: true, name: m[1]!, blob } : { ok: false, text }
    })
  return { text: note.slice(0, split + 1), signatures }
}

/** The key among `keys` whose name and key id a signature line names. */
const signerOf = (line: { name: string; blob: Uint8Array }, keys: readonly NoteVerifier[]) =>
  keys.find((k) => k.name === line.name && Buffer.from(k.keyId).equals(Buffer.from(line.blob.subarray(0, 4))))

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
  const parts = splitNote(note)
  if (!parts) return { ok: false, reason: 'not a signed note (text, blank line, signature lines)' }
  const { text, signatures } = parts
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
  for (const line of signatures) {
    if (!line.ok) return { ok: false, reason: `malformed signature line: ${JSON.stringify(line.text.slice(0, 80))}` }
    const { blob } = line
    if (blob.length < 5) return { ok: false, reason: 'malformed signature' }
    const key = signerOf(line, trusted)
    if (!key) continue
    if (!verifyBytes(key.publicKey, message, blob.subarray(4)))
      return { ok: false, reason: `the signature of trusted key ${key.name} does not verify` }
    signedBy.push(key.name)
  }
  if (signedBy.length === 0) return { ok: false, reason: 'no signature from a trusted key' }
  return { ok: true, checkpoint: { origin, size: Number(sizeLine), root }, signedBy }
}

/**
 * The message an Ed25519 witness signs (C2SP tlog-cosignature, cosignature/v1): the header line, the line
 * `time <POSIX seconds>`, then the checkpoint's note text including its final LF, without signature lines.
 */
export const cosignatureMessage = (text: string, time: bigint): Uint8Array =>
  new TextEncoder().encode(`cosignature/v1\ntime ${time}\n${text}`)

/** The outcome of checking a note's cosignatures: the witnesses whose cosignature verifies, and those whose fails. */
export type CosignatureCheck = { ok: true; valid: string[]; invalid: string[] } | { ok: false; reason: string }

const MAX_COSIGNATURE_TIME = 2n ** 63n - 1n

/**
 * Checks the cosignature lines of a checkpoint note from the given witnesses (C2SP tlog-cosignature, Ed25519):
 * each line is `— <name> base64(key id ‖ u64 big-endian time ‖ 64-byte signature)`. Lines of other keys are ignored;
 * a witness is `valid` when one of its lines verifies and `invalid` when one does not.
 */
export function verifyCosignatures(note: string, witnesses: readonly NoteVerifier[]): CosignatureCheck {
  const parts = splitNote(note)
  if (!parts) return { ok: false, reason: 'not a signed note (text, blank line, signature lines)' }
  const valid = new Set<string>()
  const invalid = new Set<string>()
  for (const line of parts.signatures) {
    if (!line.ok) return { ok: false, reason: `malformed signature line: ${JSON.stringify(line.text.slice(0, 80))}` }
    const witness = line.blob.length >= 4 ? signerOf(line, witnesses) : undefined
    if (!witness) continue
    const blob = Buffer.from(line.blob)
    const time = blob.length === 4 + 8 + 64 ? blob.readBigUInt64BE(4) : undefined
    const verified =
      time !== undefined &&
      time <= MAX_COSIGNATURE_TIME &&
      verifyBytes(witness.publicKey, cosignatureMessage(parts.text, time), blob.subarray(12))
    ;(verified ? valid : invalid).add(witness.name)
  }
  return { ok: true, valid: [...valid], invalid: [...invalid] }
}
