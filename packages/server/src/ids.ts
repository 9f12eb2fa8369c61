import { randomBytes } from 'node:crypto'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
let lastTime = -1
let lastRandom = new Uint8Array(10)

/** A ULID (26 Crockford base32 characters), monotonic within one process so ids sort in creation order. */
export function ulid(now = Date.now()): string {
  if (now === lastTime) {
    // Same millisecond: increment the 80-bit random part instead of drawing a new one.
    for (let i = 9; i >= 0; i--) {
      lastRandom[i] = (lastRandom[i]! + 1) & 0xff
      if (lastRandom[i] !== 0) break
    }
  } else {
    lastTime = now
    lastRandom = new Uint8Array(randomBytes(10))
  }
  let time = ''
  let t = now
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time
    t = Math.floor(t / 32)
  }
  let bits = 0n
  for (const b of lastRandom) bits = (bits << 8n) | BigInt(b)
  let rand = ''
  for (let i = 0; i < 16; i++) {
    rand = CROCKFORD[Number(bits & 31n)] + rand
    bits >>= 5n
  }
  return time + rand
}

export type IdPrefix =
  | 'ws'
  | 'usr'
  | 'ses'
  | 'mdl'
  | 'asr'
  | 'run'
  | 'res'
  | 't2r'
  | 'fnd'
  | 'dft'
  | 'rvw'
  | 'ref'
  | 'evl'
  | 'job'
  | 'exp'
  | 'lnk'
  | 'req'

export const newId = (prefix: IdPrefix): string => `${prefix}_${ulid()}`

/** Lower-case base32 (RFC 4648 alphabet) for API key ids. */
export function base32Lower(bytes: Uint8Array, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let out = ''
  let buffer = 0
  let bits = 0
  for (const b of bytes) {
    buffer = (buffer << 8) | b
    bits += 8
    while (bits >= 5 && out.length < length) {
      out += alphabet[(buffer >> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return out
}

/** Server time in the contract's format: RFC 3339, UTC, milliseconds, `Z`. */
export const nowIso = (): string => new Date().toISOString()
