import { verify } from 'node:crypto'
import {
  canonicalJson,
  decodeStrictUtf8,
  digest,
  normalizeFingerprint,
  parseStrictJson,
  publicKeyFromPem,
} from '@warrant/core'
import type { Db } from '../db/open.js'
import { ApiError } from '../errors.js'

const SKEW_S = 60
const MAX_LIFETIME_S = 300
const SEGMENT = /^[A-Za-z0-9_-]+$/
const JTI = /^[\x20-\x7e]{16,128}$/

/** A workspace authenticated by its active signing key (PLATFORM.md §1.2, EVIDENCE.md §6.3). */
export interface WorkspaceJwt {
  workspaceId: string
  fingerprint: string
  /** The replay record of §6.8, written in the run's transaction. */
  replay: { kind: 'jwt_jti'; value_digest: string; expires_at: string }
}

/** A workspace JWT on any route but results submission (PLATFORM.md §7: `—`). */
export const jwtOnlySubmits = (): ApiError =>
  new ApiError(403, 'forbidden', 'a workspace JWT authenticates only the submission of verification results')

const invalid = (check: string, message: string) =>
  new ApiError(401, 'jwt_invalid', `workspace JWT check ${check} failed: ${message}`, { check })

const jsonObject = (segment: string): Record<string, unknown> | undefined => {
  try {
    const value = parseStrictJson(decodeStrictUtf8(Buffer.from(segment, 'base64url')))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** The replay key `(workspace, jti)` of §6.8 as stored in `replay_records.value_digest`. */
export const jwtReplayDigest = (workspaceId: string, jti: string): string => digest(canonicalJson([workspaceId, jti]))

/** EVIDENCE.md §6.3: the ten checks, in order; each failure is `401 jwt_invalid` naming the check (replay: see below). */
export async function verifyWorkspaceJwt(
  db: Db,
  token: string,
  opts: { audience: string; now: Date },
): Promise<WorkspaceJwt> {
  // 1. jwt_format
  const parts = token.split('.')
  // An empty signature (as with alg none) is well-formed here and fails at jwt_alg.
  if (parts.length !== 3 || !SEGMENT.test(parts[0]!) || !SEGMENT.test(parts[1]!) || !/^[A-Za-z0-9_-]*$/.test(parts[2]!))
    throw invalid('jwt_format', 'expected three base64url segments')
  const header = jsonObject(parts[0]!)
  const claims = jsonObject(parts[1]!)
  if (!header || !claims) throw invalid('jwt_format', 'the header and claims must be JSON objects')
  // 2. jwt_alg
  if (header.alg !== 'ES256') throw invalid('jwt_alg', `alg must be ES256, not ${JSON.stringify(header.alg)}`)
  if (header.typ !== undefined && header.typ !== 'JWT') throw invalid('jwt_alg', 'typ, if present, must be JWT')
  if (header.crit !== undefined) throw invalid('jwt_alg', 'crit is not accepted')
  // 3. jwt_workspace
  const workspace =
    typeof claims.sub === 'string'
      ? await db.selectFrom('workspaces').select(['id', 'archived_at']).where('id', '=', claims.sub).executeTakeFirst()
      : undefined
  if (!workspace || workspace.archived_at)
    throw invalid('jwt_workspace', 'sub must name an existing, non-archived workspace')
  // 4. jwt_no_active_key
  const key = await db
    .selectFrom('signing_keys')
    .select(['fingerprint', 'public_key_pem'])
    .where('workspace_id', '=', workspace.id)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (!key) throw invalid('jwt_no_active_key', 'the workspace has no active signing key')
  // 5. jwt_kid
  if (
    header.kid !== undefined &&
    (typeof header.kid !== 'string' || normalizeFingerprint(header.kid) !== key.fingerprint)
  )
    throw invalid('jwt_kid', "kid is not the fingerprint of the workspace's active signing key")
  // 6. jwt_signature: JWS ES256 is the 64-byte r ‖ s, never DER; only the active key authenticates.
  const signature = Buffer.from(parts[2]!, 'base64url')
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`)
  const publicKey = publicKeyFromPem(key.public_key_pem, ['ecdsa-p256'])
  if (signature.length !== 64 || !verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature))
    throw invalid('jwt_signature', "the signature does not verify with the workspace's active signing key")
  // 7. jwt_audience
  const aud = claims.aud
  if (!(aud === opts.audience || (Array.isArray(aud) && aud.includes(opts.audience))))
    throw invalid('jwt_audience', `aud must be ${JSON.stringify(opts.audience)} (GET /api/verification/config)`)
  // 8. jwt_time
  const now = opts.now.getTime() / 1000
  const { iat, exp, nbf } = claims
  if (typeof iat !== 'number' || typeof exp !== 'number') throw invalid('jwt_time', 'iat and exp are required numbers')
  if (iat > now + SKEW_S) throw invalid('jwt_time', 'iat is in the future')
  if (exp <= now - SKEW_S) throw invalid('jwt_time', 'the token has expired')
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + SKEW_S))
    throw invalid('jwt_time', 'nbf is in the future')
  // 9. jwt_lifetime
  if (exp - iat > MAX_LIFETIME_S || exp <= iat) throw invalid('jwt_lifetime', 'exp - iat must be between 1 and 300 s')
  // 10. jwt_jti
  if (typeof claims.jti !== 'string' || !JTI.test(claims.jti))
    throw invalid('jwt_jti', 'jti must be 16 to 128 printable ASCII characters')
  // The `(workspace, jti)` replay record is written in the run's transaction (409 jwt_replayed there), after the
  // idempotency store has answered a retry of the same request (§6.8).
  const value_digest = jwtReplayDigest(workspace.id, claims.jti)
  return {
    workspaceId: workspace.id,
    fingerprint: key.fingerprint,
    replay: { kind: 'jwt_jti', value_digest, expires_at: new Date((exp + SKEW_S) * 1000).toISOString() },
  }
}
