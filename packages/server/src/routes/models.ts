import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { sql } from 'kysely'
import { z } from 'zod'
import { modelAccess, workspaceAccess } from '../auth/access.js'
import { type Db, json, lockModel } from '../db/open.js'
import { ApiError, notFound } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { newId, nowIso } from '../ids.js'
import { booleanQuery, cursor, limit } from '../schemas/fields.js'
import {
  ITEM_KINDS,
  ITEM_PREFIX,
  type ItemKind,
  itemSchemas,
  modelCreate,
  modelPatch,
  reasonBody,
} from '../schemas/model.js'
import { entityChanged, modelChanged } from '../services/change-events.js'
import { type Actor, checkObjectives, logActor, nextLocalKey } from '../services/controls.js'
import { appendEvent } from '../services/log.js'
import { presentModel } from '../services/present.js'
import { loadModelState } from '../services/state.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import { actorOf, page } from './common.js'

const mParams = z.strictObject({ m: z.string().max(40) })

export function modelRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store

  r.get(
    '/api/models',
    {
      schema: {
        tags: ['models'],
        querystring: z.strictObject({
          workspace_id: z.string().max(40).optional(),
          include_archived: booleanQuery,
          limit,
          cursor,
        }),
      },
    },
    async (req) => {
      const p = req.principal
      let workspaceId = req.query.workspace_id
      if (p.kind === 'api_key') workspaceId ??= p.key.workspace_id
      if (p.kind === 'session' && !workspaceId) {
        const ms = await db.selectFrom('memberships').select('workspace_id').where('user_id', '=', p.user.id).execute()
        if (ms.length !== 1)
          throw new ApiError(422, 'workspace_required', 'you belong to several workspaces; pass workspace_id')
        workspaceId = ms[0]!.workspace_id
      }
      if (!workspaceId) throw new ApiError(401, 'unauthenticated', 'this route needs a session or an API key')
      await workspaceAccess(db, p, workspaceId, 'read')
      let q = db.selectFrom('models').selectAll().where('workspace_id', '=', workspaceId)
      if (!req.query.include_archived) q = q.where('archived_at', 'is', null)
      if (p.kind === 'api_key' && p.key.model_ids) q = q.where('id', 'in', p.key.model_ids as string[])
      if (req.query.cursor) q = q.where('id', '<', req.query.cursor)
      const rows = await q
        .orderBy('id', 'desc')
        .limit(req.query.limit + 1)
        .execute()
      return page(rows.map(presentModel), req.query.limit, (m) => m.id)
    },
  )

  r.post(
    '/api/models',
    { schema: { tags: ['models'], body: modelCreate }, config: { rateClass: 'write' } },
    async (req, reply) => {
      const p = req.principal
      if (p.kind === 'anonymous') throw new ApiError(401, 'unauthenticated', 'this route needs a session or an API key')
      const workspaceId = req.body.workspace_id ?? (p.kind === 'api_key' ? p.key.workspace_id : undefined)
      if (!workspaceId) throw new ApiError(422, 'workspace_required', 'pass workspace_id')
      const a = await workspaceAccess(db, p, workspaceId, 'author')
      const now = nowIso()
      const actor = actorOf(p, a.userId)
      const row = {
        id: newId('mdl'),
        workspace_id: workspaceId,
        title: req.body.title,
        description: req.body.description ?? '',
        repos: json((req.body.repos ?? []).map((r) => r.toLowerCase())),
        revision: 1,
        created_at: now,
        created_by: json(actor),
        updated_at: now,
        archived_at: null,
        archive_reason: null,
      }
      const created = await db.transaction().execute(async (trx) => {
        const stored = await trx.insertInto('models').values(row).returningAll().executeTakeFirstOrThrow()
        await appendEvent(trx, modelChanged(stored, 'created', logActor(actor), now))
        return stored
      })
      return reply.status(201).send(presentModel(created))
    },
  )

  r.get(
    '/api/models/:m',
    {
      schema: {
        tags: ['models'],
        params: mParams,
        querystring: z.strictObject({ include: z.string().max(200).optional() }),
      },
    },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      const include = new Set((req.query.include ?? '').split(',').filter(Boolean))
      const out: Record<string, unknown> = { ...presentModel(model) }
      const state = include.size
        ? await loadModelState(db, model.id, workspace.settings as WorkspaceSettings)
        : undefined
      for (const kind of include) {
        if (kind === 'controls')
          out.controls = [...(state?.controls.values() ?? [])].map((c) => ({
            id: c.row.id,
            title: c.row.title,
            implementation_status: c.row.implementation_status,
            verification_status: c.verification_status,
            assertion_count: c.assertions.length,
          }))
        else if ((ITEM_KINDS as readonly string[]).includes(kind) || kind === 'control_objectives')
          out[kind] = (
            await db
              .selectFrom('model_items')
              .selectAll()
              .where('model_id', '=', model.id)
              .where('kind', '=', kind)
              .where('deleted_at', 'is', null)
              .orderBy('key')
              .execute()
          ).map((i) => ({
            id: i.key,
            ...(i.body as object),
            ...(kind === 'control_objectives' ? computedObjective(state!, i.key) : {}),
          }))
        else throw new ApiError(422, 'validation_failed', `include: unknown collection ${kind}`)
      }
      return out
    },
  )

  /**
   * Applies a change to a model and logs it in one transaction. Archiving and restoring apply only to a model that is
   * (`archived`) or is not archived, so one a concurrent request already made writes and logs nothing.
   */
  const changeModel = (
    modelId: string,
    set: Record<string, unknown>,
    archived: boolean | null,
    change: 'updated' | 'archived' | 'restored',
    actor: Actor,
  ) =>
    db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('models')
        .set(set)
        .where('id', '=', modelId)
        .$if(archived !== null, (q) => q.where('archived_at', archived ? 'is not' : 'is', null))
        .returningAll()
        .executeTakeFirst()
      if (updated) await appendEvent(trx, modelChanged(updated, change, logActor(actor), nowIso()))
      return presentModel(
        updated ?? (await trx.selectFrom('models').selectAll().where('id', '=', modelId).executeTakeFirstOrThrow()),
      )
    })

  r.patch('/api/models/:m', { schema: { tags: ['models'], params: mParams, body: modelPatch } }, async (req) => {
    const { model, userId } = await modelAccess(db, req.principal, req.params.m, 'author')
    const set: Record<string, unknown> = { updated_at: nowIso(), revision: sql`revision + 1` }
    if (req.body.title !== undefined) set.title = req.body.title
    if (req.body.description !== undefined) set.description = req.body.description
    if (req.body.repos !== undefined) set.repos = json(req.body.repos.map((r) => r.toLowerCase()))
    return changeModel(model.id, set, null, 'updated', actorOf(req.principal, userId))
  })

  r.delete('/api/models/:m', { schema: { tags: ['models'], params: mParams, body: reasonBody } }, async (req) => {
    const { model, userId } = await modelAccess(db, req.principal, req.params.m, 'owner')
    const set = { archived_at: nowIso(), archive_reason: req.body?.reason ?? null }
    return changeModel(model.id, set, false, 'archived', actorOf(req.principal, userId))
  })

  r.post('/api/models/:m/restore', { schema: { tags: ['models'], params: mParams } }, async (req) => {
    const p = req.principal
    const { model } = await modelAccess(db, p, req.params.m, 'read')
    const { userId } = await workspaceAccess(db, p, model.workspace_id, 'owner')
    const set = { archived_at: null, archive_reason: null }
    return changeModel(model.id, set, true, 'restored', actorOf(p, userId))
  })

  for (const kind of [...ITEM_KINDS, 'control_objectives'] as const) itemRoutes(app, ctx, kind)
}

function computedObjective(state: Awaited<ReturnType<typeof loadModelState>>, key: string) {
  const o = state.objectives.find((x) => x.id === key)
  return o ? { control_ids: o.control_ids, assurance: o.assurance, open_drift: o.open_drift } : {}
}

/** CRUD of assets, attackers, assumptions and control objectives (PLATFORM.md §5.8–5.9), one generic table. */
function itemRoutes(app: FastifyInstance, ctx: AppContext, kind: ItemKind): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const path = kind === 'control_objectives' ? 'control-objectives' : kind
  const schema = itemSchemas[kind]
  const idParams = z.strictObject({ m: z.string().max(40), id: z.string().max(40) })
  const present = (i: { key: string; body: unknown; deleted_at: string | null }) => ({
    id: i.key,
    ...(i.body as object),
    deleted_at: i.deleted_at,
  })

  // Checked inside the write's transaction: PGlite has one connection, and the reference must still exist at commit.
  const checkRefs = async (trx: Db, modelId: string, body: Record<string, unknown>) => {
    if (typeof body.asset_id === 'string') await checkItem(trx, modelId, 'assets', body.asset_id, '/asset_id')
    if (typeof body.attacker_id === 'string')
      await checkItem(trx, modelId, 'attackers', body.attacker_id, '/attacker_id')
    if (Array.isArray(body.objective_ids)) await checkObjectives(trx, modelId, body.objective_ids as string[])
  }
  const checkItem = async (trx: Db, modelId: string, k: ItemKind, key: string, at: string) => {
    const found = await trx
      .selectFrom('model_items')
      .select('key')
      .where('model_id', '=', modelId)
      .where('kind', '=', k)
      .where('key', '=', key)
      .executeTakeFirst()
    if (!found)
      throw new ApiError(422, 'reference_unknown', `no ${k.replace(/s$/, '')} ${key} in this model`, {
        errors: [{ path: at, code: 'reference_unknown', message: `unknown ${key}` }],
      })
  }

  r.get(
    `/api/models/:m/${path}`,
    {
      schema: {
        tags: ['models'],
        params: z.strictObject({ m: z.string().max(40) }),
        querystring: z.strictObject({ include_deleted: booleanQuery, limit, cursor }).partial(),
      },
    },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      let q = db.selectFrom('model_items').selectAll().where('model_id', '=', model.id).where('kind', '=', kind)
      if (!req.query.include_deleted) q = q.where('deleted_at', 'is', null)
      const rows = await q.orderBy('key').execute()
      const state =
        kind === 'control_objectives'
          ? await loadModelState(db, model.id, workspace.settings as WorkspaceSettings)
          : undefined
      return {
        items: rows.map((i) => ({ ...present(i), ...(state ? computedObjective(state, i.key) : {}) })),
        next_cursor: null,
      }
    },
  )

  r.post(
    `/api/models/:m/${path}`,
    { schema: { tags: ['models'], params: z.strictObject({ m: z.string().max(40) }), body: schema } },
    async (req, reply) => {
      const { model, userId } = await modelAccess(db, req.principal, req.params.m, 'author')
      const body = req.body as Record<string, unknown> & { id?: string }
      const actor = logActor(actorOf(req.principal, userId))
      const created = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        await checkRefs(trx, model.id, body)
        const key = body.id ?? (await nextLocalKey(trx, model.id, 'model_items', ITEM_PREFIX[kind], kind))
        const taken = await trx
          .selectFrom('model_items')
          .select('key')
          .where('model_id', '=', model.id)
          .where('kind', '=', kind)
          .where('key', '=', key)
          .executeTakeFirst()
        if (taken) throw new ApiError(409, 'id_conflict', `${key} exists in this model (ids are never reused)`)
        const { id: _id, ...fields } = body
        const row = {
          model_id: model.id,
          kind,
          key,
          body: json(fields),
          created_at: nowIso(),
          updated_at: nowIso(),
          deleted_at: null,
          delete_reason: null,
        }
        await trx.insertInto('model_items').values(row).execute()
        await appendEvent(trx, entityChanged(model, { kind, key, body: fields }, 'created', actor, row.created_at))
        return { key, body: fields, deleted_at: null }
      })
      return reply.status(201).send(present(created))
    },
  )

  const load = async (modelId: string, key: string) => {
    const row = await db
      .selectFrom('model_items')
      .selectAll()
      .where('model_id', '=', modelId)
      .where('kind', '=', kind)
      .where('key', '=', key)
      .executeTakeFirst()
    if (!row) throw notFound(kind.replace(/s$/, ''))
    return row
  }

  r.get(`/api/models/:m/${path}/:id`, { schema: { tags: ['models'], params: idParams } }, async (req) => {
    const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
    return present(await load(model.id, req.params.id))
  })

  r.patch(
    `/api/models/:m/${path}/:id`,
    { schema: { tags: ['models'], params: idParams, body: schema.partial() } },
    async (req) => {
      const { model, userId } = await modelAccess(db, req.principal, req.params.m, 'author')
      const row = await load(model.id, req.params.id)
      const { id: _id, ...patch } = req.body as Record<string, unknown>
      const body = { ...(row.body as object), ...patch }
      const at = nowIso()
      const actor = logActor(actorOf(req.principal, userId))
      await db.transaction().execute(async (trx) => {
        await checkRefs(trx, model.id, patch)
        await trx
          .updateTable('model_items')
          .set({ body: json(body), updated_at: at })
          .where('model_id', '=', model.id)
          .where('kind', '=', kind)
          .where('key', '=', row.key)
          .execute()
        await appendEvent(trx, entityChanged(model, { kind, key: row.key, body }, 'updated', actor, at))
      })
      return present({ ...row, body })
    },
  )

  r.delete(
    `/api/models/:m/${path}/:id`,
    { schema: { tags: ['models'], params: idParams, body: reasonBody } },
    async (req) => {
      const { model, userId } = await modelAccess(db, req.principal, req.params.m, 'author')
      const row = await load(model.id, req.params.id)
      if (row.deleted_at) return present(row)
      const at = nowIso()
      const actor = logActor(actorOf(req.principal, userId))
      await db.transaction().execute(async (trx) => {
        const deleted = await trx
          .updateTable('model_items')
          .set({ deleted_at: at, delete_reason: req.body?.reason ?? null })
          .where('model_id', '=', model.id)
          .where('kind', '=', kind)
          .where('key', '=', row.key)
          .where('deleted_at', 'is', null)
          .executeTakeFirst()
        if (Number(deleted.numUpdatedRows) === 1)
          await appendEvent(trx, entityChanged(model, { kind, key: row.key, body: row.body }, 'deleted', actor, at))
      })
      return present({ ...row, deleted_at: at })
    },
  )
}

export type { Actor }
