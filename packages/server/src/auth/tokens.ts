import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { base32Lower } from '../ids.js'

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex')
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url')

export const safeEqualHex = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'))

export type KeyScope = 'developer' | 'verifier'
const PREFIX: Record<KeyScope, string> = { developer: 'wk_', verifier: 'wv_' }
export const API_KEY = /^(wk|wv)_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/

/** A new API key (PLATFORM.md §1.2): `wk_|wv_` + 12 base32 id + `_` + 43 base64url secret (32 random bytes). */
export function newApiKey(scope: KeyScope): { id: string; secret: string; hash: string } {
  const id = base32Lower(randomBytes(8), 12)
  const secret = `${PREFIX[scope]}${id}_${randomToken(32)}`
  return { id: `key_${id}`, secret, hash: sha256Hex(secret) }
}

/** The earlier of two contract timestamps (fixed-format RFC 3339 strings compare chronologically). */
export const earlier = (a: string, b: string): string => (a < b ? a : b)
