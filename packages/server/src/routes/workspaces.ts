import { canonicalJson, parseStrictJsonBytes, textDigest } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { workspaceAccess } from '../auth/access.js'
import { jwtOnlySubmits } from '../auth/workspace-jwt.js'
import { type Db, json } from '../db/open.js'
import { ApiError, notFound } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { nowIso } from '../ids.js'
import { text } from '../schemas/fields.js'
import { memberChanged, settingsChanged } from '../services/change-events.js'
import { logActor } from '../services/controls.js'
import { appendEvent } from '../services/log.js'
import { createWorkspace, publicWorkspace, slugify, type WorkspaceSettings } from '../services/workspaces.js'
import { actorOf } from './common.js'

const wsParams = z.strictObject({ ws: z.string().max(40) })
const slug = z.string().regex(/^[a-z0-9-]{2,40}$/, { message: 'slug: 2–40 lower-case letters, digits and dashes' })
const name = text({ min: 1, max: 100, code: 'title_too_long', what: 'name' })
const ROLES = ['owner', 'reviewer', 'member', 'auditor'] as const

const settingsPatch = z.strictObject({
  review_max_age_days: z.number().int().min(1).max(3650).optional(),
  separation_of_duties: z.boolean().optional(),
  keys_may_dismiss_findings: z.boolean().optional(),
  accept_code_snippets: z.boolean().optional(),
  coherence_mode: z.enum(['ai', 'heuristic']).optional(),
  sufficiency_mode: z.enum(['ai', 'human']).optional(),
  source_link_template: text({ max: 512, code: 'validation_failed', what: 'source_link_template' })
    .nullable()
    .optional(),
})

export function workspaceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store

  r.get('/api/workspaces', { schema: { tags: ['workspaces'] } }, async (req) => {
    const p = req.principal
    if (p.kind === 'anonymous') throw new ApiError(401, 'unauthenticated', 'this route needs a session or an API key')
    if (p.kind === 'workspace_jwt') throw jwtOnlySubmits()
    if (p.kind === 'api_key') {
      const w = await db
        .selectFrom('workspaces')
        .selectAll()
        .where('id', '=', p.key.workspace_id)
        .executeTakeFirstOrThrow()
      return { items: [publicWorkspace(w, null)] }
    }
    const rows = await db
      .selectFrom('workspaces')
      .innerJoin('memberships', 'memberships.workspace_id', 'workspaces.id')
      .selectAll('workspaces')
      .select('memberships.role')
      .where('memberships.user_id', '=', p.user.id)
      .orderBy('workspaces.created_at')
      .execute()
    return { items: rows.map((w) => publicWorkspace(w, w.role)) }
  })

  r.post(
    '/api/workspaces',
    { schema: { tags: ['workspaces'], body: z.strictObject({ name, slug: slug.optional() }) } },
    async (req, reply) => {
      const p = req.principal
      if (p.kind !== 'session')
        throw new ApiError(
          p.kind === 'anonymous' ? 401 : 403,
          p.kind === 'anonymous' ? 'unauthenticated' : 'forbidden',
          'creating a workspace needs a session',
        )
      if (ctx.config.workspaceCreation === 'admins' && !p.user.instance_admin)
        throw new ApiError(403, 'forbidden', 'only instance admins create workspaces on this server')
      const wanted = req.body.slug ?? slugify(req.body.name)
      const w = await db.transaction().execute(async (trx) => {
        const taken = await trx.selectFrom('workspaces').select('id').where('slug', '=', wanted).executeTakeFirst()
        if (taken) throw new ApiError(409, 'slug_taken', `the slug ${wanted} is taken; send another slug`)
        return createWorkspace(trx, {
          name: req.body.name,
          slug: wanted,
          ownerId: p.user.id,
          aiProvider: ctx.config.ai.provider !== 'none',
        })
      })
      return reply.status(201).send(publicWorkspace(w, 'owner'))
    },
  )

  r.get('/api/workspaces/:ws', { schema: { tags: ['workspaces'], params: wsParams } }, async (req) => {
    const a = await workspaceAccess(db, req.principal, req.params.ws, 'read')
    return publicWorkspace(a.workspace, a.role)
  })

  r.patch(
    '/api/workspaces/:ws',
    {
      schema: {
        tags: ['workspaces'],
        params: wsParams,
        body: z.strictObject({ name: name.optional(), slug: slug.optional() }),
      },
    },
    async (req) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'owner')
      const w = await db.transaction().execute(async (trx) => {
        if (req.body.slug && req.body.slug !== a.workspace.slug) {
          const taken = await trx
            .selectFrom('workspaces')
            .select('id')
            .where('slug', '=', req.body.slug)
            .executeTakeFirst()
          if (taken) throw new ApiError(409, 'slug_taken', `the slug ${req.body.slug} is taken`)
        }
        await trx.updateTable('workspaces').set(req.body).where('id', '=', a.workspace.id).execute()
        if (req.body.name !== undefined && req.body.name !== a.workspace.name)
          await appendEvent(trx, {
            chain: a.workspace.id,
            type: 'workspace.changed',
            actor: { kind: 'user', id: a.userId },
            model: null,
            subject: { kind: 'workspace', id: a.workspace.id },
            at: nowIso(),
            data: { change: 'renamed', name_digest: textDigest(req.body.name) },
          })
        return trx.selectFrom('workspaces').selectAll().where('id', '=', a.workspace.id).executeTakeFirstOrThrow()
      })
      return publicWorkspace(w, a.role)
    },
  )

  r.get('/api/workspaces/:ws/settings', { schema: { tags: ['workspaces'], params: wsParams } }, async (req) => {
    const a = await workspaceAccess(db, req.principal, req.params.ws, 'read')
    return a.workspace.settings
  })

  r.patch(
    '/api/workspaces/:ws/settings',
    { schema: { tags: ['workspaces'], params: wsParams, body: settingsPatch } },
    async (req) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'owner')
      if ((req.body.coherence_mode === 'ai' || req.body.sufficiency_mode === 'ai') && ctx.config.ai.provider === 'none')
        throw new ApiError(
          422,
          'provider_required',
          'the ai modes need an AI provider configured on the instance (WARRANT_AI_PROVIDER)',
        )
      const settings: WorkspaceSettings = { ...(a.workspace.settings as WorkspaceSettings), ...req.body }
      if (canonicalJson(settings) === canonicalJson(a.workspace.settings)) return settings
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('workspaces')
          .set({ settings: json(settings) })
          .where('id', '=', a.workspace.id)
          .execute()
        await appendEvent(
          trx,
          settingsChanged(a.workspace.id, settings, logActor(actorOf(req.principal, a.userId)), nowIso()),
        )
      })
      return settings
    },
  )

  r.get('/api/workspaces/:ws/security', { schema: { tags: ['workspaces'], params: wsParams } }, async (req) => {
    const a = await workspaceAccess(db, req.principal, req.params.ws, 'read')
    return publicWorkspace(a.workspace, a.role).security
  })

  r.delete(
    '/api/workspaces/:ws',
    { schema: { tags: ['workspaces'], params: wsParams, body: z.strictObject({ confirm: z.string().max(40) }) } },
    async (req) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'owner')
      if (req.body.confirm !== a.workspace.slug)
        throw new ApiError(422, 'confirmation_mismatch', `confirm must equal the workspace slug (${a.workspace.slug})`)
      return setArchived(a, nowIso(), 'archived')
    },
  )

  r.post('/api/workspaces/:ws/restore', { schema: { tags: ['workspaces'], params: wsParams } }, async (req) => {
    const a = await workspaceAccess(db, req.principal, req.params.ws, 'owner')
    return setArchived(a, null, 'restored')
  })

  /** Archiving keeps everything (the log references it) and makes the workspace read-only. */
  const setArchived = (
    a: Awaited<ReturnType<typeof workspaceAccess>>,
    at: string | null,
    change: 'archived' | 'restored',
  ) =>
    db.transaction().execute(async (trx) => {
      await trx.updateTable('workspaces').set({ archived_at: at }).where('id', '=', a.workspace.id).execute()
      await appendEvent(trx, {
        chain: a.workspace.id,
        type: 'workspace.changed',
        actor: { kind: 'user', id: a.userId },
        model: null,
        subject: { kind: 'workspace', id: a.workspace.id },
        at: at ?? nowIso(),
        data: { change, name_digest: textDigest(a.workspace.name) },
      })
      return publicWorkspace({ ...a.workspace, archived_at: at }, a.role)
    })

  r.get(
    '/api/workspaces/:ws/events',
    {
      schema: {
        tags: ['workspaces'],
        params: wsParams,
        querystring: z.strictObject({
          after_seq: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (req) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'private')
      const rows = await db
        .selectFrom('log_leaves')
        .select(['seq', 'idx', 'leaf'])
        .where('chain', '=', a.workspace.id)
        .where('seq', '>', req.query.after_seq)
        .orderBy('seq')
        .limit(req.query.limit + 1)
        .execute()
      const items = rows
        .slice(0, req.query.limit)
        .map((r) => ({ seq: r.seq, log_index: r.idx, record: parseStrictJsonBytes(r.leaf) }))
      return { items, next_cursor: rows.length > req.query.limit ? String(items.at(-1)!.seq) : null }
    },
  )

  r.get('/api/workspaces/:ws/members', { schema: { tags: ['workspaces'], params: wsParams } }, async (req) => {
    const a = await workspaceAccess(db, req.principal, req.params.ws, 'private')
    const items = await db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id as user_id', 'users.email', 'users.display_name', 'memberships.role', 'memberships.added_at'])
      .where('memberships.workspace_id', '=', a.workspace.id)
      .orderBy('memberships.added_at')
      .execute()
    return { items }
  })

  r.post(
    '/api/workspaces/:ws/members',
    {
      schema: {
        tags: ['workspaces'],
        params: wsParams,
        body: z.strictObject({ email: z.string().max(254), role: z.enum(ROLES) }),
      },
    },
    async (req, reply) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'owner')
      const row = await db.transaction().execute(async (trx) => {
        const user = await trx
          .selectFrom('users')
          .select('id')
          .where('email', '=', req.body.email.trim().toLowerCase())
          .executeTakeFirst()
        if (!user)
          throw new ApiError(404, 'user_not_found', 'no user with this email; an instance admin creates users first')
        const existing = await trx
          .selectFrom('memberships')
          .select('role')
          .where('workspace_id', '=', a.workspace.id)
          .where('user_id', '=', user.id)
          .executeTakeFirst()
        if (existing)
          throw new ApiError(409, 'already_member', `this user is already a ${existing.role} of the workspace`)
        const row = {
          workspace_id: a.workspace.id,
          user_id: user.id,
          role: req.body.role,
          added_at: nowIso(),
          added_by: a.userId,
        }
        await trx.insertInto('memberships').values(row).execute()
        await appendEvent(trx, memberChanged(row, 'added', logActor(actorOf(req.principal, a.userId)), row.added_at))
        return row
      })
      return reply.status(201).send(row)
    },
  )

  const memberParams = z.strictObject({ ws: z.string().max(40), usr: z.string().max(40) })
  const lastOwnerCheck = async (trx: Db, wsId: string, userId: string) => {
    const owners = await trx
      .selectFrom('memberships')
      .select('user_id')
      .where('workspace_id', '=', wsId)
      .where('role', '=', 'owner')
      .execute()
    if (owners.length === 1 && owners[0]!.user_id === userId)
      throw new ApiError(409, 'last_owner', 'the workspace would have no owner; make someone else owner first')
  }

  r.patch(
    '/api/workspaces/:ws/members/:usr',
    { schema: { tags: ['workspaces'], params: memberParams, body: z.strictObject({ role: z.enum(ROLES) }) } },
    async (req) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'owner')
      return db.transaction().execute(async (trx) => {
        const m = await trx
          .selectFrom('memberships')
          .selectAll()
          .where('workspace_id', '=', a.workspace.id)
          .where('user_id', '=', req.params.usr)
          .executeTakeFirst()
        if (!m) throw notFound('member')
        const next = { ...m, role: req.body.role }
        if (m.role === next.role) return next
        if (next.role !== 'owner') await lastOwnerCheck(trx, a.workspace.id, m.user_id)
        await trx
          .updateTable('memberships')
          .set({ role: next.role })
          .where('workspace_id', '=', a.workspace.id)
          .where('user_id', '=', m.user_id)
          .execute()
        await appendEvent(
          trx,
          memberChanged(next, 'role_changed', logActor(actorOf(req.principal, a.userId)), nowIso()),
        )
        return next
      })
    },
  )

  r.delete(
    '/api/workspaces/:ws/members/:usr',
    { schema: { tags: ['workspaces'], params: memberParams } },
    async (req, reply) => {
      const p = req.principal
      const self = p.kind === 'session' && p.user.id === req.params.usr
      const a = await workspaceAccess(db, p, req.params.ws, self ? 'read' : 'owner')
      if (a.role === null) throw new ApiError(403, 'forbidden', 'API keys cannot manage members')
      await db.transaction().execute(async (trx) => {
        const m = await trx
          .selectFrom('memberships')
          .selectAll()
          .where('workspace_id', '=', a.workspace.id)
          .where('user_id', '=', req.params.usr)
          .executeTakeFirst()
        if (!m) throw notFound('member')
        await lastOwnerCheck(trx, a.workspace.id, m.user_id)
        await trx
          .deleteFrom('memberships')
          .where('workspace_id', '=', a.workspace.id)
          .where('user_id', '=', m.user_id)
          .execute()
        await appendEvent(trx, memberChanged(m, 'removed', logActor(actorOf(p, a.userId)), nowIso()))
      })
      return reply.status(204).send()
    },
  )
}
