import { type KeyObject, randomBytes, sign } from 'node:crypto'
import { fingerprint, publicOf } from '@warrant/core'
import { readSigningKey } from '../attest.js'
import { type Io, UsageError } from '../io.js'

/** EVIDENCE.md §6.3: at most 300 s between `iat` and `exp`. */
const LIFETIME_S = 300

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * A workspace ES256 JWT (EVIDENCE.md §6.3): `kid` is the key's fingerprint, the signature the 64-byte `r ‖ s` of
 * JWS (never DER), a fresh random `jti` each time.
 */
export function mintWorkspaceJwt(key: KeyObject, opts: { workspace: string; audience: string; now: Date }): string {
  const iat = Math.floor(opts.now.getTime() / 1000)
  const input = `${segment({ alg: 'ES256', typ: 'JWT', kid: fingerprint(publicOf(key)) })}.${segment({
    sub: opts.workspace,
    aud: opts.audience,
    iat,
    exp: iat + LIFETIME_S,
    jti: randomBytes(24).toString('base64url'),
  })}`
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  return `${input}.${signature.toString('base64url')}`
}

/**
 * `warrant sign jwt`: prints a workspace JWT for `Authorization: Bearer …` on `POST …/verification/results`. The
 * audience is the platform's attestation audience (`GET /api/verification/config`), by default `WARRANT_URL`.
 */
export function signJwt(
  opts: { signingKey: string; workspace: string; audience?: string; now?: Date },
  io: Io,
): number {
  const audience = opts.audience ?? (io.env ?? process.env).WARRANT_URL
  if (!audience)
    throw new UsageError('give --audience (attestation_audience of GET /api/verification/config) or set WARRANT_URL')
  if (!/^ws_[0-9A-Za-z]+$/.test(opts.workspace)) throw new UsageError(`--workspace ${opts.workspace} is not a ws_… id`)
  const key = readSigningKey(opts.signingKey, io.cwd)
  io.stdout(`${mintWorkspaceJwt(key, { workspace: opts.workspace, audience, now: opts.now ?? new Date() })}\n`)
  return 0
}
