import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { checkPasswordPolicy, hashPassword, needsRehash, verifyPassword } from '../auth/passwords.js'
import { cookieName, type Principal } from '../auth/principal.js'
import { randomToken, safeEqualHex, sha256Hex } from '../auth/tokens.js'
import type { Db } from '../db/open.js'
import { ApiError } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { newId, nowIso } from '../ids.js'
import { title } from '../schemas/fields.js'
import { userCreated } from '../services/change-events.js'
import { appendEvents } from '../services/log.js'
import { memberships, publicUser, startSession } from '../services/sessions.js'
import { createWorkspace, publicWorkspace, slugify } from '../services/workspaces.js'
import { VERSION } from '../version.js'

const email = z.string().trim().toLowerCase().max(254).email({ message: 'must be an email address' })
const password = z.string().min(1).max(1024)

/**
 * First run (PLATFORM.md §1.3): while no user exists, a one-time setup token is printed to the log and written to
 * `$WARRANT_DATA/setup-token` (0600). Returns the token, or null when setup is done.
 */
export async function prepareSetup(
  db: Db,
  ctx: { dataDir: string; presetToken: string | undefined },
): Promise<string | null> {
  const user = await db.selectFrom('users').select('id').limit(1).executeTakeFirst()
  if (user) return null
  const token = ctx.presetToken ?? randomToken(24)
  await db
    .insertInto('setup_state')
    .values({ id: 1, token_hash: sha256Hex(token), completed_at: null })
    .onConflict((oc) => oc.column('id').doUpdateSet({ token_hash: sha256Hex(token) }))
    .execute()
  writeFileSync(join(ctx.dataDir, 'setup-token'), `${token}\n`, { mode: 0o600 })
  return token
}

/**
 * Session-only routes: no credential is `401 unauthenticated`; an API key is a valid credential of the wrong kind,
 * refused with `403 person_required` (as in users.ts), never a 401 that would tell the client its key is bad.
 */
function requireSession(p: Principal, message: string): asserts p is Extract<Principal, { kind: 'session' }> {
  if (p.kind === 'anonymous') throw new ApiError(401, 'unauthenticated', message)
  if (p.kind !== 'session') throw new ApiError(403, 'person_required', `${message}; API keys cannot use this route`)
}

const LOGIN_WINDOW_MS = 15 * 60_000

async function throttled(db: Db, keys: { account: string; ip: string }): Promise<boolean> {
  const since = new Date(Date.now() - LOGIN_WINDOW_MS).toISOString()
  const count = async (key: string) =>
    (
      await db
        .selectFrom('login_failures')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('key', '=', key)
        .where('at', '>', since)
        .executeTakeFirstOrThrow()
    ).n
  return Number(await count(keys.account)) >= 5 || Number(await count(keys.ip)) >= 20
}

export function setupAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store

  r.get('/api/setup', { schema: { tags: ['setup'] } }, async () => {
    const user = await db.selectFrom('users').select('id').limit(1).executeTakeFirst()
    return { needs_setup: !user, version: VERSION }
  })

  r.post(
    '/api/setup',
    {
      schema: {
        tags: ['setup'],
        body: z.strictObject({
          setup_token: z.string().max(200),
          email,
          display_name: title('display_name'),
          password,
          workspace_name: title('workspace_name'),
        }),
      },
      config: { rateClass: 'login' },
    },
    async (req, reply) => {
      const b = req.body
      const result = await db.transaction().execute(async (trx) => {
        const state = await trx.selectFrom('setup_state').selectAll().forUpdate().executeTakeFirst()
        const anyUser = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst()
        if (anyUser || state?.completed_at)
          throw new ApiError(409, 'setup_already_completed', 'setup has already run; log in instead')
        if (!state?.token_hash || !safeEqualHex(state.token_hash, sha256Hex(b.setup_token)))
          throw new ApiError(
            403,
            'setup_token_invalid',
            `the setup token is wrong; read it from ${join(ctx.config.dataDir, 'setup-token')} or the server log`,
          )
        checkPasswordPolicy(b.password, b.email)
        const now = nowIso()
        const user = {
          id: newId('usr'),
          email: b.email,
          display_name: b.display_name,
          password_hash: await hashPassword(b.password, ctx.config.fastPasswordHashing),
          instance_admin: true,
          created_at: now,
          last_login_at: now,
          password_changed_at: now,
          disabled_at: null,
        }
        await trx.insertInto('users').values(user).execute()
        await appendEvents(trx, userCreated(user, { kind: 'user', id: user.id }, now))
        await trx.updateTable('setup_state').set({ completed_at: now, token_hash: null }).where('id', '=', 1).execute()
        const workspace = await createWorkspace(trx, {
          name: b.workspace_name,
          slug: slugify(b.workspace_name),
          ownerId: user.id,
          aiProvider: ctx.config.ai.provider !== 'none',
        })
        return { user, workspace }
      })
      const session = await startSession(db, ctx.config, reply, result.user, {
        ip: req.ip,
        userAgent: req.headers['user-agent'],
      })
      return reply.status(201).send({
        user: publicUser(result.user),
        workspace: publicWorkspace(result.workspace, 'owner'),
        csrf_token: session.csrf_token,
      })
    },
  )

  r.post(
    '/api/auth/login',
    {
      schema: { tags: ['auth'], body: z.strictObject({ email: z.string().max(254), password }) },
      config: { rateClass: 'login' },
    },
    async (req, reply) => {
      const address = req.body.email.trim().toLowerCase()
      const keys = { account: `acct:${address}`, ip: `ip:${req.ip}` }
      if (await throttled(db, keys))
        throw new ApiError(429, 'rate_limited', 'too many failed logins; wait 15 minutes', undefined, {
          'Retry-After': '900',
        })
      const user = await db.selectFrom('users').selectAll().where('email', '=', address).executeTakeFirst()
      // Verify against a dummy hash when the account is unknown, so timing does not reveal which emails exist.
      const ok = await verifyPassword(
        user?.password_hash ?? (await dummyHash(ctx.config.fastPasswordHashing)),
        req.body.password,
      )
      if (!user || !ok) {
        const at = nowIso()
        await db
          .insertInto('login_failures')
          .values([
            { key: keys.account, at },
            { key: keys.ip, at },
          ])
          .execute()
        throw new ApiError(401, 'invalid_credentials', 'wrong email or password')
      }
      if (user.disabled_at)
        throw new ApiError(403, 'account_disabled', 'this account is disabled; ask an instance admin')
      const now = nowIso()
      const update: { last_login_at: string; password_hash?: string } = { last_login_at: now }
      if (needsRehash(user.password_hash, ctx.config.fastPasswordHashing))
        update.password_hash = await hashPassword(req.body.password, ctx.config.fastPasswordHashing)
      await db.updateTable('users').set(update).where('id', '=', user.id).execute()
      const session = await startSession(db, ctx.config, reply, user, {
        ip: req.ip,
        userAgent: req.headers['user-agent'],
      })
      return {
        user: publicUser({ ...user, last_login_at: now }),
        memberships: await memberships(db, user.id),
        ...session,
      }
    },
  )

  r.post('/api/auth/logout', { schema: { tags: ['auth'] } }, async (req, reply) => {
    const p = req.principal
    requireSession(p, 'no session to end')
    await db.updateTable('sessions').set({ ended_at: nowIso() }).where('id', '=', p.session.id).execute()
    reply.clearCookie(cookieName(ctx.config.publicUrl), { path: '/' })
    return reply.status(204).send()
  })

  r.get('/api/auth/session', { schema: { tags: ['auth'] } }, async (req) => {
    const p = req.principal
    requireSession(p, 'no session; log in first')
    return {
      user: publicUser(p.user),
      memberships: await memberships(db, p.user.id),
      csrf_token: p.session.csrf_token,
      expires_at: p.session.expires_at,
    }
  })

  r.post(
    '/api/auth/password',
    { schema: { tags: ['auth'], body: z.strictObject({ current_password: password, new_password: password }) } },
    async (req, reply) => {
      const p = req.principal
      requireSession(p, 'changing a password needs a session')
      if (!(await verifyPassword(p.user.password_hash, req.body.current_password)))
        throw new ApiError(401, 'invalid_credentials', 'the current password is wrong')
      checkPasswordPolicy(req.body.new_password, p.user.email)
      const hash = await hashPassword(req.body.new_password, ctx.config.fastPasswordHashing)
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ password_hash: hash, password_changed_at: nowIso() })
          .where('id', '=', p.user.id)
          .execute()
        await trx
          .updateTable('sessions')
          .set({ ended_at: nowIso() })
          .where('user_id', '=', p.user.id)
          .where('id', '!=', p.session.id)
          .where('ended_at', 'is', null)
          .execute()
      })
      return reply.status(204).send()
    },
  )

  r.post(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        body: z.strictObject({
          email,
          display_name: title('display_name'),
          password: password.optional(),
          instance_admin: z.boolean().optional(),
        }),
      },
    },
    async (req, reply) => {
      const p = req.principal
      requireSession(p, 'managing users needs a session')
      if (!p.user.instance_admin) throw new ApiError(403, 'forbidden', 'only an instance admin manages users')
      const b = req.body
      if (b.password !== undefined) checkPasswordPolicy(b.password, b.email)
      const existing = await db.selectFrom('users').select('id').where('email', '=', b.email).executeTakeFirst()
      if (existing) throw new ApiError(409, 'email_taken', 'a user with this email exists')
      const now = nowIso()
      const user = {
        id: newId('usr'),
        email: b.email,
        display_name: b.display_name,
        // Without a password the account cannot log in until the reset token is used.
        password_hash: b.password ? await hashPassword(b.password, ctx.config.fastPasswordHashing) : '!',
        instance_admin: b.instance_admin ?? false,
        created_at: now,
        last_login_at: null,
        password_changed_at: now,
        disabled_at: null,
      }
      let reset: { reset_token: string; reset_expires_at: string } | undefined
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(user).execute()
        await appendEvents(trx, userCreated(user, { kind: 'user', id: p.user.id }, now))
        if (!b.password) {
          const token = randomToken(32)
          const expires = new Date(Date.now() + 72 * 3_600_000).toISOString()
          await trx
            .insertInto('password_resets')
            .values({ token_hash: sha256Hex(token), user_id: user.id, expires_at: expires, used_at: null })
            .execute()
          reset = { reset_token: token, reset_expires_at: expires }
        }
      })
      return reply.status(201).send({ user: publicUser(user), ...(reset ?? {}) })
    },
  )

  r.post(
    '/api/auth/password-reset',
    {
      schema: { tags: ['auth'], body: z.strictObject({ reset_token: z.string().max(200), new_password: password }) },
      config: { rateClass: 'login' },
    },
    async (req, reply) => {
      const row = await db
        .selectFrom('password_resets')
        .selectAll()
        .where('token_hash', '=', sha256Hex(req.body.reset_token))
        .executeTakeFirst()
      if (!row || row.used_at || row.expires_at <= nowIso())
        throw new ApiError(403, 'reset_token_invalid', 'the reset token is unknown, used or expired')
      const user = await db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirstOrThrow()
      checkPasswordPolicy(req.body.new_password, user.email)
      const hash = await hashPassword(req.body.new_password, ctx.config.fastPasswordHashing)
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('password_resets')
          .set({ used_at: nowIso() })
          .where('token_hash', '=', row.token_hash)
          .execute()
        await trx
          .updateTable('users')
          .set({ password_hash: hash, password_changed_at: nowIso() })
          .where('id', '=', user.id)
          .execute()
        await trx
          .updateTable('sessions')
          .set({ ended_at: nowIso() })
          .where('user_id', '=', user.id)
          .where('ended_at', 'is', null)
          .execute()
      })
      return reply.status(204).send()
    },
  )
}

/** An argon2id hash of a random value with the configured cost, so unknown accounts take as long as known ones. */
const dummyHashes = new Map<boolean, Promise<string>>()
function dummyHash(fast: boolean): Promise<string> {
  const known = dummyHashes.get(fast)
  if (known) return known
  const h = hashPassword(randomToken(16), fast)
  dummyHashes.set(fast, h)
  return h
}
