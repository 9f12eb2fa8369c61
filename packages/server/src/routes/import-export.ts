import { type ExistingModel, type ModelFile, parseModelFile, serializeModelFile } from '@warrant/core'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { modelAccess, workspaceAccess } from '../auth/access.js'
import type { Db } from '../db/open.js'
import { json, lockModel } from '../db/open.js'
import { ApiError } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { newId, nowIso } from '../ids.js'
import { booleanQuery } from '../schemas/fields.js'
import { entityChanged, modelChanged } from '../services/change-events.js'
import { type Actor, logActor } from '../services/controls.js'
import { createControlFromFile, existingModel, planUpdate } from '../services/import-update.js'
import { appendEvents } from '../services/log.js'
import { presentModel } from '../services/present.js'
import { recompute } from '../services/recompute.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import { actorOf } from './common.js'

/** Reads the model file from the raw body: YAML or JSON by content type (PLATFORM.md §8.1), errors with positions. */
function readModelFile(req: FastifyRequest, existing?: ExistingModel): ModelFile {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  const format = type === 'application/json' ? 'json' : 'yaml'
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(req.rawBody ?? new Uint8Array())
  } catch {
    throw new ApiError(422, 'import_invalid', 'the model file is not valid UTF-8', {
      errors: [{ path: '', line: null, column: null, code: 'invalid_json', message: 'not UTF-8' }],
    })
  }
  const parsed = parseModelFile(text, format, existing ? { existing } : {})
  if (!parsed.ok) {
    const first = parsed.errors[0]!
    throw new ApiError(
      422,
      'import_invalid',
      `${parsed.errors.length} problem(s) in the model file; first: ${first.path || '/'}${first.line ? ` (line ${first.line}, column ${first.column})` : ''}: ${first.message}`,
      { errors: parsed.errors },
    )
  }
  return parsed.file
}

const counts = (f: ModelFile) => ({
  assets: f.assets.length,
  attackers: f.attackers.length,
  assumptions: f.assumptions.length,
  control_objectives: f.control_objectives.length,
  controls: f.controls.length,
  assertions: f.controls.reduce((n, c) => n + c.assertions.length, 0),
  evidence_links: f.controls.reduce((n, c) => n + c.evidence_links.length, 0),
})

/** Creates everything of a parsed model file in the caller's transaction (§8.3 create). */
async function createFromFile(
  trx: Db,
  workspaceId: string,
  file: ModelFile,
  actor: Actor,
  settings: WorkspaceSettings,
) {
  const now = nowIso()
  const modelId = newId('mdl')
  const model = await trx
    .insertInto('models')
    .values({
      id: modelId,
      workspace_id: workspaceId,
      title: file.model.title,
      description: file.model.description ?? '',
      repos: json((file.model.repos ?? []).map((r) => r.toLowerCase())),
      revision: 1,
      created_at: now,
      created_by: json(actor),
      updated_at: now,
      archived_at: null,
      archive_reason: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  await lockModel(trx, modelId)
  const items = (
    [
      ['assets', file.assets],
      ['attackers', file.attackers],
      ['assumptions', file.assumptions],
      ['control_objectives', file.control_objectives],
    ] as const
  ).flatMap(([kind, list]) => list.map(({ id, ...body }) => ({ kind, key: id, body })))
  if (items.length)
    await trx
      .insertInto('model_items')
      .values(
        items.map((i) => ({
          model_id: modelId,
          ...i,
          body: json(i.body),
          created_at: now,
          updated_at: now,
          deleted_at: null,
          delete_reason: null,
        })),
      )
      .execute()
  const by = logActor(actor)
  await appendEvents(trx, [
    modelChanged(model, 'imported', by, now),
    ...items.map((i) => entityChanged(model, i, 'created', by, now)),
  ])
  for (const [ci, c] of file.controls.entries()) await createControlFromFile(trx, model, c, ci, actor, now)
  await recompute(trx, modelId, settings)
  return modelId
}

/** The stored model as a model file (§8.3 export), assertion ids included. */
async function exportModel(
  db: Db,
  modelId: string,
  includeAssertions: boolean,
  includeDeleted: boolean,
): Promise<ModelFile> {
  const model = await db.selectFrom('models').selectAll().where('id', '=', modelId).executeTakeFirstOrThrow()
  let items = db.selectFrom('model_items').selectAll().where('model_id', '=', modelId)
  if (!includeDeleted) items = items.where('deleted_at', 'is', null)
  const rows = await items.orderBy('key').execute()
  const of = <T>(kind: string) =>
    rows.filter((r) => r.kind === kind).map((r) => ({ id: r.key, ...(r.body as object) }) as T)
  let controls = db.selectFrom('controls').selectAll().where('model_id', '=', modelId)
  if (!includeDeleted) controls = controls.where('deleted_at', 'is', null)
  const controlRows = await controls.orderBy('id').execute()
  const assertions = includeAssertions
    ? await db
        .selectFrom('assertions')
        .selectAll()
        .where('model_id', '=', modelId)
        .where('deleted_at', 'is', null)
        .orderBy('id')
        .execute()
    : []
  const links = await db
    .selectFrom('evidence_links')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .execute()
  return {
    format: 'warrant.model/v1',
    model: {
      title: model.title,
      ...(model.description ? { description: model.description } : {}),
      ...((model.repos as string[]).length ? { repos: model.repos as string[] } : {}),
    },
    assets: of('assets'),
    attackers: of('attackers'),
    assumptions: of('assumptions'),
    control_objectives: of('control_objectives'),
    controls: controlRows.map((c) => ({
      id: c.id,
      title: c.title,
      description: c.description,
      objective_ids: c.objective_ids as string[],
      ...((c.intents as string[]).length ? { intents: c.intents as ModelFile['controls'][number]['intents'] } : {}),
      implementation_status: c.implementation_status as 'implemented' | 'not_implemented',
      ...(c.implementation_notes ? { implementation_notes: c.implementation_notes } : {}),
      evidence_links: links
        .filter((l) => l.control_id === c.id)
        .map((l) => ({ kind: l.kind as 'url', label: l.label, ...(l.url ? { url: l.url } : {}) })),
      assertions: assertions
        .filter((a) => a.control_id === c.id)
        .map((a) => ({
          id: a.id,
          type: a.type,
          params: a.params as Record<string, unknown>,
          description: a.description,
          repo: a.repo,
        })),
    })),
  }
}

export function importRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store

  r.post(
    '/api/models/import',
    {
      schema: {
        tags: ['models'],
        querystring: z.strictObject({ workspace_id: z.string().max(40).optional(), dry_run: booleanQuery }),
      },
      config: { rateClass: 'submit', rawBody: true },
    },
    async (req, reply) => {
      const p = req.principal
      const workspaceId = req.query.workspace_id ?? (p.kind === 'api_key' ? p.key.workspace_id : undefined)
      if (!workspaceId) {
        if (p.kind === 'anonymous')
          throw new ApiError(401, 'unauthenticated', 'this route needs a session or an API key')
        throw new ApiError(422, 'workspace_required', 'pass workspace_id')
      }
      const a = await workspaceAccess(db, p, workspaceId, 'author')
      const file = readModelFile(req)
      if (req.query.dry_run)
        return reply.status(200).send({ plan: { create: counts(file), update: {}, delete: {}, unchanged: {} } })
      const settings = a.workspace.settings as WorkspaceSettings
      const modelId = await db
        .transaction()
        .execute((trx) => createFromFile(trx, workspaceId, file, actorOf(p, a.userId), settings))
      const model = await db.selectFrom('models').selectAll().where('id', '=', modelId).executeTakeFirstOrThrow()
      return reply.status(201).send({ model: presentModel(model), created: counts(file), warnings: [] })
    },
  )

  r.post(
    '/api/models/:m/import',
    {
      schema: {
        tags: ['models'],
        params: z.strictObject({ m: z.string().max(40) }),
        querystring: z.strictObject({ mode: z.enum(['merge', 'sync']).default('merge'), dry_run: booleanQuery }),
      },
      config: { rateClass: 'submit', rawBody: true },
    },
    async (req) => {
      const p = req.principal
      const { model, workspace, userId } = await modelAccess(db, p, req.params.m, 'author')
      const stored = await existingModel(db, model.id)
      const file = readModelFile(req, {
        assets: stored.items.filter((i) => i.kind === 'assets' && !i.deleted_at).map((i) => i.key),
        attackers: stored.items.filter((i) => i.kind === 'attackers' && !i.deleted_at).map((i) => i.key),
        control_objectives: stored.items
          .filter((i) => i.kind === 'control_objectives' && !i.deleted_at)
          .map((i) => i.key),
        controls_with_assertions: [...new Set(stored.assertions.map((a) => a.control_id))],
      })
      const actor = actorOf(p, userId)
      const settings = workspace.settings as WorkspaceSettings
      return db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const { plan, apply } = await planUpdate(trx, model, file, req.query.mode, actor)
        if (req.query.dry_run) return { plan }
        await apply(trx)
        await recompute(trx, model.id, settings)
        const updated = await trx.selectFrom('models').selectAll().where('id', '=', model.id).executeTakeFirstOrThrow()
        return {
          model: presentModel(updated),
          changes: {
            created: plan.create,
            updated: plan.update,
            refined: plan.refine,
            deleted: plan.delete,
            unchanged: plan.unchanged.length,
          },
          warnings: plan.refine.length
            ? [`${plan.refine.length} description change(s) wait as refinements for a reviewer`]
            : [],
        }
      })
    },
  )

  r.get(
    '/api/models/:m/export',
    {
      schema: {
        tags: ['models'],
        params: z.strictObject({ m: z.string().max(40) }),
        querystring: z.strictObject({
          format: z.enum(['yaml', 'json']).default('yaml'),
          include_assertions: booleanQuery,
          include_deleted: booleanQuery,
        }),
      },
    },
    async (req, reply) => {
      const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
      const file = await exportModel(
        db,
        model.id,
        req.query.include_assertions ?? true,
        req.query.include_deleted ?? false,
      )
      const format = req.query.format
      return reply
        .header(
          'Content-Type',
          format === 'json' ? 'application/json; charset=utf-8' : 'application/yaml; charset=utf-8',
        )
        .header('Content-Disposition', `attachment; filename="${model.id}.${format === 'json' ? 'json' : 'yaml'}"`)
        .send(serializeModelFile(file, format))
    },
  )
}
