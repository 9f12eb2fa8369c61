import type { FastifyReply } from 'fastify'
import { cookieName, type UserRow } from '../auth/principal.js'
import { earlier, randomToken, sha256Hex } from '../auth/tokens.js'
import type { ServerConfig } from '../config.js'
import type { Db } from '../db/open.js'
import { newId, nowIso } from '../ids.js'

/** Starts a session: 32 random bytes in the cookie, their SHA-256 in the store (PLATFORM.md §1.3). */
export async function startSession(
  db: Db,
  config: ServerConfig,
  reply: FastifyReply,
  user: UserRow,
  meta: { ip: string; userAgent: string | undefined },
): Promise<{ csrf_token: string; expires_at: string }> {
  const token = randomToken(32)
  const now = Date.now()
  const idle = new Date(now + config.sessionIdleHours * 3_600_000).toISOString()
  const absolute = new Date(now + config.sessionAbsoluteDays * 86_400_000).toISOString()
  const csrf = randomToken(24)
  await db
    .insertInto('sessions')
    .values({
      id: newId('ses'),
      token_hash: sha256Hex(token),
      user_id: user.id,
      csrf_token: csrf,
      created_at: nowIso(),
      last_seen_at: nowIso(),
      expires_at: earlier(idle, absolute),
      absolute_expires_at: absolute,
      ip: meta.ip,
      user_agent: meta.userAgent ? Buffer.from(meta.userAgent).subarray(0, 256).toString() : null,
    })
    .execute()
  reply.setCookie(cookieName(config.publicUrl), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: config.publicUrl.startsWith('https:'),
    expires: new Date(absolute),
  })
  return { csrf_token: csrf, expires_at: earlier(idle, absolute) }
}

export const publicUser = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  display_name: u.display_name,
  instance_admin: u.instance_admin,
  created_at: u.created_at,
  last_login_at: u.last_login_at,
  password_changed_at: u.password_changed_at,
  disabled_at: u.disabled_at,
})

export async function memberships(db: Db, userId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
    .select(['workspaces.id as workspace_id', 'workspaces.name', 'workspaces.slug', 'memberships.role'])
    .where('memberships.user_id', '=', userId)
    .orderBy('workspaces.created_at')
    .execute()
}
