import type { FastifyRequest } from 'fastify'
import type { Selectable } from 'kysely'
import type { Db } from '../db/open.js'
import type { ApiKeysTable, SessionsTable, UsersTable } from '../db/schema.js'
import { ApiError } from '../errors.js'
import { nowIso } from '../ids.js'
import { API_KEY, earlier, safeEqualHex, sha256Hex } from './tokens.js'
import { verifyWorkspaceJwt, type WorkspaceJwt } from './workspace-jwt.js'

export type UserRow = Selectable<UsersTable>
export type SessionRow = Selectable<SessionsTable>
export type ApiKeyRow = Selectable<ApiKeysTable>

/** Who is calling: resolved once per request from its single credential (PLATFORM.md §1.2). */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'session'; user: UserRow; session: SessionRow }
  | { kind: 'api_key'; key: ApiKeyRow; scope: 'developer' | 'verifier' }
  | { kind: 'workspace_jwt'; jwt: WorkspaceJwt }

/** The id rate limits and idempotency records are kept under: the key, the user, the workspace key, or the IP. */
export const credentialId = (p: Principal, ip: string): string =>
  p.kind === 'api_key'
    ? p.key.id
    : p.kind === 'session'
      ? p.user.id
      : p.kind === 'workspace_jwt'
        ? `workspace_key:${p.jwt.fingerprint}`
        : `ip:${ip}`

/** A session cookie that names no live session: answered 401 on API routes, and cleared so the browser recovers. */
export class StaleSessionError extends ApiError {}

export const cookieName = (publicUrl: string): string =>
  publicUrl.startsWith('https:') ? '__Host-warrant_session' : 'warrant_session'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
/** Throttle bookkeeping writes (last_used_at, last_seen_at) to one per credential per minute. */
const TOUCH_MS = 60_000

export async function resolvePrincipal(
  db: Db,
  req: FastifyRequest,
  opts: { cookie: string; sessionIdleHours: number; audience: string; now: () => Date },
): Promise<Principal> {
  const authorization = req.headers.authorization
  const apiKeyHeader = req.headers['x-api-key']
  const cookie = req.cookies?.[opts.cookie]
  const sent = [authorization, apiKeyHeader, cookie].filter((c) => c !== undefined && c !== '')
  if (sent.length > 1)
    throw new ApiError(
      400,
      'credential_ambiguous',
      'send one credential: a session cookie, a Bearer token or X-API-Key',
    )
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization)
    if (!match)
      throw new ApiError(401, 'api_key_invalid', 'the Authorization header must be "Bearer <API key or workspace JWT>"')
    // A compact JWS has two dots; API keys have none (PLATFORM.md §1.2).
    if (match[1]!.split('.').length === 3)
      return {
        kind: 'workspace_jwt',
        jwt: await verifyWorkspaceJwt(db, match[1]!, { audience: opts.audience, now: opts.now() }),
      }
    return apiKeyPrincipal(db, match[1]!)
  }
  if (typeof apiKeyHeader === 'string') return apiKeyPrincipal(db, apiKeyHeader)
  if (cookie) return sessionPrincipal(db, req, cookie, opts.sessionIdleHours)
  return { kind: 'anonymous' }
}

async function apiKeyPrincipal(db: Db, secret: string): Promise<Principal> {
  const match = API_KEY.exec(secret)
  if (!match) throw new ApiError(401, 'api_key_invalid', 'the API key is malformed; keys look like wk_… or wv_…')
  const key = await db.selectFrom('api_keys').selectAll().where('id', '=', `key_${match[2]}`).executeTakeFirst()
  const invalid = new ApiError(401, 'api_key_invalid', 'unknown, revoked, expired or suspended API key')
  if (!key || !safeEqualHex(key.secret_hash, sha256Hex(secret))) throw invalid
  const now = nowIso()
  if (key.revoked_at || (key.expires_at && key.expires_at <= now)) throw invalid
  const creator = await db.selectFrom('users').select('disabled_at').where('id', '=', key.created_by).executeTakeFirst()
  if (!creator || creator.disabled_at) throw invalid
  if (!key.last_used_at || Date.parse(now) - Date.parse(key.last_used_at) > TOUCH_MS) {
    await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', key.id).execute()
    key.last_used_at = now
  }
  return { kind: 'api_key', key, scope: key.scope as 'developer' | 'verifier' }
}

async function sessionPrincipal(db: Db, req: FastifyRequest, token: string, idleHours: number): Promise<Principal> {
  const session = await db
    .selectFrom('sessions')
    .selectAll()
    .where('token_hash', '=', sha256Hex(token))
    .executeTakeFirst()
  const now = nowIso()
  if (!session || session.ended_at || session.expires_at <= now || session.absolute_expires_at <= now)
    throw new StaleSessionError(401, 'unauthenticated', 'the session has expired; log in again')
  const user = await db.selectFrom('users').selectAll().where('id', '=', session.user_id).executeTakeFirstOrThrow()
  if (user.disabled_at) throw new ApiError(403, 'account_disabled', 'this account is disabled')
  if (!SAFE_METHODS.has(req.method) && req.headers['x-csrf-token'] !== session.csrf_token)
    throw new ApiError(403, 'csrf_token_invalid', 'state-changing requests need the X-CSRF-Token of the session')
  if (Date.parse(now) - Date.parse(session.last_seen_at) > TOUCH_MS) {
    const idle = new Date(Date.parse(now) + idleHours * 3_600_000).toISOString()
    const expires = earlier(idle, session.absolute_expires_at)
    await db
      .updateTable('sessions')
      .set({ last_seen_at: now, expires_at: expires })
      .where('id', '=', session.id)
      .execute()
  }
  return { kind: 'session', user, session }
}
