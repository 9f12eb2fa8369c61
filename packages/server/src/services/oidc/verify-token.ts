import {
  canonicalJson,
  checkIdentity,
  digest,
  type IdentityCheck,
  type IdentityPolicy,
  trustedIssuer,
} from '@warrant/core'
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  exportJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from 'jose'
import type { Db } from '../../db/open.js'
import type { SigstoreRoot } from '../sigstore/trust.js'
import type { IssuerKeys } from './issuer-keys.js'

const MAX_TOKEN_BYTES = 8192
const MAX_LIFETIME_S = 3600
const SKEW_S = 60

export interface OidcContext {
  keys: IssuerKeys
  /** The instance's attestation audience (`WARRANT_ATTESTATION_AUDIENCE`). */
  audience: string
  now: () => Date
  /** The deployment's Sigstore trust roots (`WARRANT_SIGSTORE_TRUST`, EVIDENCE.md §6.4); empty when none. */
  sigstoreRoots: readonly SigstoreRoot[]
}

export type TokenCheck =
  | IdentityCheck
  | 'token_format'
  | 'issuer_discovery'
  | 'issuer_unreachable'
  | 'token_key_unknown'
  | 'token_signature'
  | 'token_time'
  | 'token_replayed'

export interface VerifiedToken {
  ok: true
  issuer: string
  subject: string
  identity: 'pinned' | 'unpinned'
  /** Every claim of the token (for `test-token`); runs store `recorded_claims` only. */
  claims: JWTPayload
  recorded_claims: Record<string, string>
  repository: string | null
  token_digest: string
  /** What the audit package needs to re-check the signature offline (EVIDENCE.md §10.3 `material.oidc`). */
  material: { token: string; jwk: JWK; jwks_uri: string }
  /** The replay record of §6.8, written in the run's transaction. */
  replay: { kind: 'oidc_jti'; value_digest: string; expires_at: string }
}

export type TokenFailure = { ok: false; check: TokenCheck; message: string; details?: Record<string, unknown> }

const fail = (check: TokenCheck, message: string, details?: Record<string, unknown>): TokenFailure => ({
  ok: false,
  check,
  message,
  ...(details ? { details } : {}),
})

export const REPLAYED_JTI_MESSAGE = 'this OIDC token (iss, jti) was already used; request a fresh one'

/** The replay key `(iss, jti)` of §6.8 as stored in `replay_records.value_digest`. */
export const oidcReplayDigest = (iss: string, jti: string): string => digest(canonicalJson([iss, jti]))

/** EVIDENCE.md §6.7: the checks of a raw OIDC token, in order; the first failure is returned. Reads, never writes. */
export async function verifyOidcToken(
  db: Db,
  ctx: OidcContext,
  policy: IdentityPolicy,
  token: string,
): Promise<VerifiedToken | TokenFailure> {
  // 1. token_format
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return fail('token_format', 'the token is larger than 8 KiB')
  let header: ReturnType<typeof decodeProtectedHeader>
  let unverified: JWTPayload
  try {
    if (token.split('.').length !== 3) throw new Error('not a compact JWS')
    header = decodeProtectedHeader(token)
    unverified = decodeJwt(token)
  } catch {
    return fail('token_format', 'the token is not a compact JWS with JSON header and claims')
  }
  if (header.alg !== 'RS256' && header.alg !== 'ES256')
    return fail('token_format', `alg ${JSON.stringify(header.alg)} is not accepted; tokens are RS256 or ES256`)
  if (typeof header.kid !== 'string' || header.kid === '') return fail('token_format', 'the token header has no kid')
  const kid = header.kid
  // 2. issuer_not_trusted (on the unverified iss, before anything is fetched)
  const iss = unverified.iss
  if (typeof iss !== 'string' || !trustedIssuer(policy, iss))
    return fail(
      'issuer_not_trusted',
      `issuer ${JSON.stringify(iss)} is not an enabled trusted issuer of this workspace`,
    )
  // 3, 4. issuer_discovery / issuer_unreachable, token_key_unknown
  const jwksUri = await ctx.keys.jwksUri(iss)
  if (!jwksUri.ok) return fail(jwksUri.check, jwksUri.message)
  const set = await ctx.keys.keySet(iss, jwksUri.value, kid)
  if (!set.ok) return fail(set.check, set.message)
  // 5. token_signature
  const now = ctx.now()
  const local = createLocalJWKSet(set.value)
  let used: Awaited<ReturnType<typeof local>> | undefined
  let claims: JWTPayload
  try {
    ;({ payload: claims } = await jwtVerify(
      token,
      async (h, t) => {
        used = await local(h, t)
        return used
      },
      {
        algorithms: ['RS256', 'ES256'],
        issuer: iss,
        audience: ctx.audience,
        clockTolerance: SKEW_S,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
        currentDate: now,
      },
    ))
  } catch (e) {
    const reason = e instanceof errors.JOSEError ? e.code : 'ERR_UNKNOWN'
    const claim = e instanceof errors.JWTClaimValidationFailed ? e.claim : undefined
    return fail('token_signature', `the token does not verify: ${(e as Error).message}`, {
      reason,
      ...(claim ? { claim } : {}),
    })
  }
  // 6. token_time
  const iat = claims.iat!
  const exp = claims.exp!
  if (exp - iat > MAX_LIFETIME_S) return fail('token_time', 'the token lives longer than one hour (exp - iat > 3600)')
  if (iat < now.getTime() / 1000 - MAX_LIFETIME_S - SKEW_S)
    return fail('token_time', 'the token was issued over an hour ago')
  // 7. claims_mismatch
  const identity = checkIdentity(policy, claims)
  if (!identity.ok) return fail(identity.check, identity.message, identity.details)
  // 8. replay
  const jti = claims.jti!
  const value_digest = oidcReplayDigest(iss, jti)
  const seen = await db
    .selectFrom('replay_records')
    .select('kind')
    .where('kind', '=', 'oidc_jti')
    .where('value_digest', '=', value_digest)
    .executeTakeFirst()
  if (seen) return fail('token_replayed', REPLAYED_JTI_MESSAGE)
  const keepUntil = Math.max((exp + SKEW_S) * 1000, now.getTime() + 10 * 60_000)
  return {
    ok: true,
    issuer: iss,
    subject: claims.sub!,
    identity: identity.identity,
    claims,
    recorded_claims: identity.recorded_claims,
    repository: identity.repository,
    token_digest: digest(token),
    material: { token, jwk: { ...(await exportJWK(used!)), kid, alg: header.alg }, jwks_uri: jwksUri.value },
    replay: { kind: 'oidc_jti', value_digest, expires_at: new Date(keepUntil).toISOString() },
  }
}
