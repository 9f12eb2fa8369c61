import type { KeyObject } from 'node:crypto'
import { signBytes, verifyBytes } from './keys.js'

/** DSSE envelopes (EVIDENCE.md §5.1). */
export interface Envelope {
  payloadType: string
  payload: string
  signatures: { keyid?: string; sig: string }[]
}

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json'

const utf8 = new TextEncoder()

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes. */
export function pae(payloadType: string, body: Uint8Array): Uint8Array {
  const type = utf8.encode(payloadType)
  const head = utf8.encode(`DSSEv1 ${type.length} `)
  const mid = utf8.encode(` ${body.length} `)
  const out = new Uint8Array(head.length + type.length + mid.length + body.length)
  out.set(head, 0)
  out.set(type, head.length)
  out.set(mid, head.length + type.length)
  out.set(body, head.length + type.length + mid.length)
  return out
}

/** Decodes base64 in either alphabet (DSSE readers accept URL-safe too); undefined when not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(standard)) return undefined
  const unpadded = standard.replace(/=+$/, '')
  if (unpadded.length % 4 === 1) return undefined
  const bytes = new Uint8Array(Buffer.from(unpadded, 'base64'))
  // Reject non-canonical encodings whose trailing bits are not zero: one payload, one encoding.
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '') === unpadded ? bytes : undefined
}

export function signEnvelope(
  payloadType: string,
  payload: Uint8Array,
  privateKey: KeyObject,
  keyid?: string,
): Envelope {
  const sig = signBytes(privateKey, pae(payloadType, payload))
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ ...(keyid !== undefined ? { keyid } : {}), sig: Buffer.from(sig).toString('base64') }],
  }
}

export type EnvelopeCheck = { ok: true; payload: Uint8Array } | { ok: false; reason: string }

/**
 * Verifies an envelope with exactly one signature against one trusted key; returns the exact payload bytes that were
 * verified, which are the only bytes a caller may parse. `keyid` is only a hint and is never trusted.
 */
export function verifyEnvelope(envelope: unknown, publicKey: KeyObject, expectedType?: string): EnvelopeCheck {
  if (typeof envelope !== 'object' || envelope === null) return { ok: false, reason: 'the envelope is not an object' }
  const e = envelope as Partial<Envelope>
  if (typeof e.payloadType !== 'string' || typeof e.payload !== 'string' || !Array.isArray(e.signatures))
    return { ok: false, reason: 'the envelope needs payloadType, payload and signatures' }
  if (expectedType !== undefined && e.payloadType !== expectedType)
    return { ok: false, reason: `payloadType is ${e.payloadType}, expected ${expectedType}` }
  if (e.signatures.length !== 1)
    return { ok: false, reason: `the envelope has ${e.signatures.length} signatures; exactly one is accepted` }
  const sig = typeof e.signatures[0]?.sig === 'string' ? decodeBase64(e.signatures[0].sig) : undefined
  const payload = decodeBase64(e.payload)
  if (!sig || !payload) return { ok: false, reason: 'payload or signature is not base64' }
  if (!verifyBytes(publicKey, pae(e.payloadType, payload), sig))
    return { ok: false, reason: 'the signature does not verify with the trusted key' }
  return { ok: true, payload }
}
