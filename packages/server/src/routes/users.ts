import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Principal } from '../auth/principal.js'
import { randomToken, sha256Hex } from '../auth/tokens.js'
import { ApiError, notFound } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { nowIso } from '../ids.js'
import { cursor, limit, title } from '../schemas/fields.js'
import { apiKeyChanged, type UserChange, userChanged } from '../services/change-events.js'
import { appendEvents } from '../services/log.js'
import { memberships, publicUser } from '../services/sessions.js'

const session = (p: Principal) => {
  if (p.kind !== 'session')
    throw new ApiError(
      p.kind === 'anonymous' ? 401 : 403,
      p.kind === 'anonymous' ? 'unauthenticated' : 'person_required',
      'this route needs a session',
    )
  return p
}
/** `S ia` (PLATFORM.md §7): a session of an instance admin. */
export const instanceAdmin = (p: Principal) => {
  const s = session(p)
  if (!s.user.instance_admin)
    throw new ApiError(403, 'forbidden', 'only an instance admin manages users, keys and the instance')
  return s
}

/** Users and sessions (PLATFORM.md §5.2): instance admins manage accounts; everyone manages their own sessions. */
export function userRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const usrParams = z.strictObject({ usr: z.string().max(40) })

  r.get(
    '/api/users',
    { schema: { tags: ['users'], querystring: z.strictObject({ q: z.string().max(254).optional(), limit, cursor }) } },
    async (req) => {
      instanceAdmin(req.principal)
      let q = db.selectFrom('users').selectAll()
      if (req.query.q)
        q = q.where((eb) =>
          eb.or([eb('email', 'like', `%${req.query.q}%`), eb('display_name', 'ilike', `%${req.query.q}%`)]),
        )
      if (req.query.cursor) q = q.where('id', '>', req.query.cursor)
      const rows = await q
        .orderBy('id')
        .limit(req.query.limit + 1)
        .execute()
      const items = rows.slice(0, req.query.limit).map(publicUser)
      return { items, next_cursor: rows.length > req.query.limit ? items.at(-1)!.id : null }
    },
  )

  r.get('/api/users/:usr', { schema: { tags: ['users'], params: usrParams } }, async (req) => {
    const s = session(req.principal)
    if (!s.user.instance_admin && s.user.id !== req.params.usr) throw notFound('user')
    const user = await db.selectFrom('users').selectAll().where('id', '=', req.params.usr).executeTakeFirst()
    if (!user) throw notFound('user')
    return { user: publicUser(user), memberships: await memberships(db, user.id) }
  })

  r.patch(
    '/api/users/:usr',
    {
      schema: {
        tags: ['users'],
        params: usrParams,
        body: z.strictObject({
          display_name: title('display_name').optional(),
          instance_admin: z.boolean().optional(),
          disabled: z.boolean().optional(),
        }),
      },
    },
    async (req) => {
      const s = session(req.principal)
      const self = s.user.id === req.params.usr
      if (!s.user.instance_admin && !(self && req.body.instance_admin === undefined && req.body.disabled === undefined))
        throw self ? new ApiError(403, 'forbidden', 'you may change only your display name') : notFound('user')
      return db.transaction().execute(async (trx) => {
        const user = await trx.selectFrom('users').selectAll().where('id', '=', req.params.usr).executeTakeFirst()
        if (!user) throw notFound('user')
        const losesAdmin = user.instance_admin && (req.body.instance_admin === false || req.body.disabled === true)
        if (losesAdmin) {
          const admins = await trx
            .selectFrom('users')
            .select('id')
            .where('instance_admin', '=', true)
            .where('disabled_at', 'is', null)
            .execute()
          if (admins.length <= 1)
            throw new ApiError(409, 'last_instance_admin', 'the instance would have no active admin')
        }
        const now = nowIso()
        const set: { display_name?: string; instance_admin?: boolean; disabled_at?: string | null } = {}
        if (req.body.display_name !== undefined) set.display_name = req.body.display_name
        if (req.body.instance_admin !== undefined) set.instance_admin = req.body.instance_admin
        if (req.body.disabled !== undefined) set.disabled_at = req.body.disabled ? (user.disabled_at ?? now) : null
        if (Object.keys(set).length) await trx.updateTable('users').set(set).where('id', '=', user.id).execute()
        // Disabling ends every session; the user's API keys are suspended while the account is disabled (§1.3).
        if (req.body.disabled)
          await trx
            .updateTable('sessions')
            .set({ ended_at: now })
            .where('user_id', '=', user.id)
            .where('ended_at', 'is', null)
            .execute()
        const changes: UserChange[] = []
        if (req.body.disabled === true && !user.disabled_at) changes.push('disabled')
        if (req.body.disabled === false && user.disabled_at) changes.push('enabled')
        if (req.body.instance_admin === true && !user.instance_admin) changes.push('admin_granted')
        if (req.body.instance_admin === false && user.instance_admin) changes.push('admin_revoked')
        const actor = { kind: 'user' as const, id: s.user.id }
        // Suspension is computed from the creator's account, so its start and end are logged here for the keys
        // that would otherwise authenticate: neither revoked nor expired.
        const suspension = changes.includes('disabled') ? 'suspended' : changes.includes('enabled') ? 'restored' : null
        const keyEvents = suspension
          ? (
              await trx
                .selectFrom('api_keys')
                .select(['id', 'workspace_id', 'scope'])
                .where('created_by', '=', user.id)
                .where('revoked_at', 'is', null)
                .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
                .orderBy('id')
                .execute()
            ).map((k) => apiKeyChanged(k, suspension, actor, now))
          : []
        await appendEvents(trx, [...changes.map((change) => userChanged(user.id, change, actor, now)), ...keyEvents])
        return publicUser({ ...user, ...set })
      })
    },
  )

  r.post('/api/users/:usr/password-reset', { schema: { tags: ['users'], params: usrParams } }, async (req, reply) => {
    instanceAdmin(req.principal)
    const user = await db.selectFrom('users').select('id').where('id', '=', req.params.usr).executeTakeFirst()
    if (!user) throw notFound('user')
    const token = randomToken(32)
    const expires = new Date(Date.now() + 72 * 3_600_000).toISOString()
    await db
      .insertInto('password_resets')
      .values({ token_hash: sha256Hex(token), user_id: user.id, expires_at: expires, used_at: null })
      .execute()
    return reply.status(201).send({ reset_token: token, expires_at: expires })
  })

  r.get('/api/auth/sessions', { schema: { tags: ['auth'] } }, async (req) => {
    const s = session(req.principal)
    const rows = await db
      .selectFrom('sessions')
      .select(['id', 'user_id', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent'])
      .where('user_id', '=', s.user.id)
      .where('ended_at', 'is', null)
      .where('expires_at', '>', nowIso())
      .orderBy('created_at', 'desc')
      .execute()
    return { items: rows.map((x) => ({ ...x, current: x.id === s.session.id })) }
  })

  r.delete(
    '/api/auth/sessions/:ses',
    { schema: { tags: ['auth'], params: z.strictObject({ ses: z.string().max(40) }) } },
    async (req, reply) => {
      const s = session(req.principal)
      const res = await db
        .updateTable('sessions')
        .set({ ended_at: nowIso() })
        .where('id', '=', req.params.ses)
        .where('user_id', '=', s.user.id)
        .where('ended_at', 'is', null)
        .executeTakeFirst()
      if (Number(res.numUpdatedRows) === 0) throw notFound('session')
      return reply.status(204).send()
    },
  )
}
