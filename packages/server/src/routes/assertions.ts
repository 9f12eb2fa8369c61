import { CATALOGUE, catalogueData, validateAssertionItem } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { modelAccess, workspaceAccess } from '../auth/access.js'
import type { Db } from '../db/open.js'
import { lockModel } from '../db/open.js'
import { ApiError, type FieldError, notFound, validationError } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { nowIso } from '../ids.js'
import { booleanQuery, cursor, limit, note } from '../schemas/fields.js'
import { type AssertionItem, deleteAssertions, insertAssertions } from '../services/controls.js'
import { withIdempotency } from '../services/idempotency.js'
import { presentAssertion, presentControl } from '../services/present.js'
import { recompute } from '../services/recompute.js'
import { loadModelState } from '../services/state.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import { actorOf, parseJsonMember } from './common.js'
import { loadControl } from './controls.js'

export const MAX_ASSERTIONS_PER_CALL = 500
export const CATALOGUE_VERSION = `${CATALOGUE.size}-types-1`

/** `assertions` as an array, or `assertions_json` as an array or a string holding one (§5.11). */
export function itemsOf(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(422, 'validation_failed', 'the body must be {"assertions": [...]}')
  const b = body as Record<string, unknown>
  const unknownKeys = Object.keys(b).filter((k) => k !== 'assertions' && k !== 'assertions_json')
  if (unknownKeys.length)
    throw validationError(
      unknownKeys.map((k) => ({
        path: `/${k}`,
        code: 'unknown_field',
        message: `'${k}' is not a member of this request`,
      })),
    )
  let items = b.assertions ?? b.assertions_json
  if (typeof items === 'string')
    items = parseJsonMember(items, b.assertions !== undefined ? '/assertions' : '/assertions_json')
  if (!Array.isArray(items) || items.length === 0)
    throw validationError([
      { path: '/assertions', code: 'validation_failed', message: 'send 1–500 assertions as an array' },
    ])
  if (items.length > MAX_ASSERTIONS_PER_CALL)
    throw new ApiError(
      422,
      'too_many_assertions',
      `at most ${MAX_ASSERTIONS_PER_CALL} assertions per call; this one has ${items.length}`,
    )
  return items
}

/** Validates every item against the catalogue, collecting every error with its JSON Pointer (§5.11 step 2). */
export function validateItems(
  items: unknown[],
  pathOf: (i: number) => string = (i) => `/assertions/${i}`,
): AssertionItem[] {
  const errors: FieldError[] = []
  const valid: AssertionItem[] = []
  items.forEach((item, i) => {
    const v = validateAssertionItem(item)
    if (v.ok) valid.push(v.value)
    else errors.push(...v.errors.map((e) => ({ ...e, path: pathOf(i) + e.path })))
  })
  if (errors.length) throw validationError(errors)
  return valid
}

const aParams = z.strictObject({ m: z.string().max(40), a: z.string().max(40) })

export function assertionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const settingsOf = (w: { settings: unknown }) => w.settings as WorkspaceSettings

  r.post(
    '/api/models/:m/controls/:c/assertions',
    {
      schema: { tags: ['assertions'], params: z.strictObject({ m: z.string().max(40), c: z.string().max(40) }) },
      config: { rateClass: 'submit' },
      bodyLimit: ctx.config.maxDecodedBytes,
    },
    async (req, reply) => {
      const p = req.principal
      const { model, workspace, userId } = await modelAccess(db, p, req.params.m, 'author')
      const items = validateItems(itemsOf(req.body))
      const out = await withIdempotency(db, req, async () => {
        const settings = settingsOf(workspace)
        const { inserted, jobs } = await db.transaction().execute(async (trx) => {
          await lockModel(trx, model.id)
          const control = await loadControl(trx, model.id, req.params.c)
          if (control.deleted_at) throw new ApiError(409, 'control_deleted', `control ${control.id} is deleted`)
          const inserted = await insertAssertions(trx, model.id, control, items, actorOf(p, userId), 'api')
          const { queued_jobs } = await recompute(trx, model.id, settings)
          return { inserted, jobs: queued_jobs }
        })
        // Steps 5–6: queued AI evaluations get up to WARRANT_AI_SYNC_BUDGET_MS before the answer says what is known.
        ctx.ai.kick()
        await ctx.ai.waitForJobs(jobs)
        const pending = jobs.length
          ? await db
              .selectFrom('evaluation_jobs')
              .select('id')
              .where('id', 'in', jobs)
              .where('state', '!=', 'done')
              .execute()
          : []
        const control = await loadControl(db, model.id, req.params.c)
        const state = await loadModelState(db, model.id, settings, { controlIds: [control.id] })
        const ec = state.controls.get(control.id)
        const evaluated = inserted.created.map((a) => ({ a, e: state.assertions.get(a.id) }))
        return {
          status: 201,
          body: {
            assertions: evaluated.map(({ a, e }) => presentAssertion(a, e)),
            unchanged_ids: inserted.unchanged_ids,
            coherence_warnings: evaluated.flatMap(({ a, e }) =>
              e && e.coherence.verdict !== 'coherent'
                ? [
                    {
                      assertion_id: a.id,
                      verdict: e.coherence.verdict,
                      method: e.coherence.method,
                      reason: e.coherence.reason,
                    },
                  ]
                : [],
            ),
            sufficiency: ec?.sufficiency ?? null,
            control: presentControl(control, ec),
            evaluation_pending: pending.length > 0,
          },
        }
      })
      return reply.status(out.status).headers(out.headers).send(out.body)
    },
  )

  const listAssertions = async (
    modelId: string,
    settings: WorkspaceSettings,
    q: {
      control_id?: string | undefined
      repo?: string | undefined
      type?: string | undefined
      evaluation?: string | undefined
      include_deleted?: boolean | undefined
    },
  ) => {
    const state = await loadModelState(db, modelId, settings)
    let query = db.selectFrom('assertions').selectAll().where('model_id', '=', modelId)
    if (!q.include_deleted) query = query.where('deleted_at', 'is', null)
    if (q.control_id) query = query.where('control_id', '=', q.control_id)
    if (q.type) query = query.where('type', '=', q.type)
    if (q.repo !== undefined)
      query = q.repo === '' ? query.where('repo', 'is', null) : query.where('repo', '=', q.repo.toLowerCase())
    const rows = await query.orderBy('id').execute()
    return rows
      .map((a) => presentAssertion(a, state.assertions.get(a.id)))
      .filter((a) => !q.evaluation || a.evaluation === q.evaluation)
  }

  r.get(
    '/api/models/:m/controls/:c/assertions',
    {
      schema: {
        tags: ['assertions'],
        params: z.strictObject({ m: z.string().max(40), c: z.string().max(40) }),
        querystring: z.strictObject({ repo: z.string().max(200).optional(), include_deleted: booleanQuery }),
      },
    },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      await loadControl(db, model.id, req.params.c)
      return {
        items: await listAssertions(model.id, settingsOf(workspace), { ...req.query, control_id: req.params.c }),
      }
    },
  )

  r.get(
    '/api/models/:m/assertions',
    {
      schema: {
        tags: ['assertions'],
        params: z.strictObject({ m: z.string().max(40) }),
        querystring: z.strictObject({
          control_id: z.string().max(40).optional(),
          repo: z.string().max(200).optional(),
          type: z.string().max(64).optional(),
          evaluation: z.enum(['passing', 'failing', 'incoherent', 'awaiting']).optional(),
          include_deleted: booleanQuery,
          limit,
          cursor,
        }),
      },
    },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      const all = await listAssertions(model.id, settingsOf(workspace), req.query)
      const after = req.query.cursor ? all.filter((a) => a.id > req.query.cursor!) : all
      const items = after.slice(0, req.query.limit)
      return { items, next_cursor: after.length > req.query.limit ? items.at(-1)!.id : null }
    },
  )

  r.get('/api/models/:m/assertions/:a', { schema: { tags: ['assertions'], params: aParams } }, async (req) => {
    const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
    const a = await loadAssertion(db, model.id, req.params.a)
    const state = await loadModelState(db, model.id, settingsOf(workspace))
    return presentAssertion(a, state.assertions.get(a.id))
  })

  const deleteHandler = async (req: {
    principal: import('../auth/principal.js').Principal
    params: { m: string; a: string; c?: string }
    body?: unknown
    query?: unknown
  }) => {
    const p = req.principal
    const { model, workspace, userId } = await modelAccess(db, p, req.params.m, 'author')
    const reason =
      (req.body as { reason?: string } | undefined)?.reason ??
      (req.query as { reason?: string } | undefined)?.reason ??
      null
    return db.transaction().execute(async (trx) => {
      await lockModel(trx, model.id)
      const a = await loadAssertion(trx, model.id, req.params.a)
      if (req.params.c !== undefined && a.control_id !== req.params.c) throw notFound('assertion')
      if (a.deleted_at) throw new ApiError(409, 'already_deleted', `assertion ${a.id} is already deleted`)
      const control = await loadControl(trx, model.id, a.control_id)
      if (control.implementation_status === 'implemented') {
        const n = await trx
          .selectFrom('assertions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('model_id', '=', model.id)
          .where('control_id', '=', control.id)
          .where('deleted_at', 'is', null)
          .executeTakeFirstOrThrow()
        if (Number(n.n) <= 1)
          throw new ApiError(
            409,
            'last_assertion_of_implemented_control',
            `this is the last assertion of implemented control ${control.id}; submit the replacement first, or set not_implemented first`,
          )
      }
      const now = nowIso()
      await deleteAssertions(trx, model, [a.id], reason, actorOf(p, userId), now)
      await recompute(trx, model.id, settingsOf(workspace))
      return presentAssertion(
        { ...a, deleted_at: now, deleted_by: actorOf(p, userId), delete_reason: reason },
        undefined,
      )
    })
  }
  const deleteSchema = {
    // A DELETE without a body reaches the validator as null.
    body: z.strictObject({ reason: note('reason').optional() }).nullish(),
    querystring: z.strictObject({ reason: note('reason').optional() }),
  }
  r.delete(
    '/api/models/:m/assertions/:a',
    { schema: { tags: ['assertions'], params: aParams, ...deleteSchema } },
    (req) => deleteHandler(req),
  )
  r.delete(
    '/api/models/:m/controls/:c/assertions/:a',
    { schema: { tags: ['assertions'], params: aParams.extend({ c: z.string().max(40) }), ...deleteSchema } },
    (req) => deleteHandler(req),
  )

  r.get(
    '/api/models/:m/assertions/:a/results',
    {
      schema: {
        tags: ['assertions'],
        params: aParams,
        querystring: z.strictObject({
          repo: z.string().max(200).optional(),
          tier: z.enum(['1', '2']).optional(),
          limit,
          cursor,
        }),
      },
    },
    async (req) => {
      const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
      await loadAssertion(db, model.id, req.params.a)
      let q = db
        .selectFrom('results')
        .innerJoin('runs', 'runs.id', 'results.run_id')
        .selectAll('results')
        .select(['runs.commit_sha', 'runs.counting'])
        .where('results.assertion_id', '=', req.params.a)
      if (req.query.repo !== undefined) q = q.where('results.repo', '=', req.query.repo.toLowerCase())
      if (req.query.tier) q = q.where('results.tier', '=', Number(req.query.tier))
      if (req.query.cursor) q = q.where('results.id', '<', req.query.cursor)
      const rows = await q
        .orderBy('results.id', 'desc')
        .limit(req.query.limit + 1)
        .execute()
      const items = rows.slice(0, req.query.limit).map(({ commit_sha, counting, ...res }) => ({
        ...res,
        run: { id: res.run_id, accepted_at: res.accepted_at, commit_sha, counting },
      }))
      return { items, next_cursor: rows.length > req.query.limit ? items.at(-1)!.id : null }
    },
  )

  r.get('/api/assertion-types', { schema: { tags: ['catalogue'] } }, async (req) => {
    if (req.principal.kind === 'anonymous')
      throw new ApiError(401, 'unauthenticated', 'this route needs a session or an API key')
    return {
      catalogue_version: CATALOGUE_VERSION,
      types: catalogueData().map((t) => ({ ...t, summary: t.claim, params: t.json_schema })),
    }
  })

  r.post(
    '/api/assertion-types/validate',
    { schema: { tags: ['catalogue'], body: z.record(z.string(), z.unknown()) } },
    async (req) => {
      if (req.principal.kind === 'anonymous')
        throw new ApiError(401, 'unauthenticated', 'this route needs a session or an API key')
      if (req.principal.kind === 'api_key')
        await workspaceAccess(db, req.principal, req.principal.key.workspace_id, 'read')
      const v = validateAssertionItem({ description: '(not given)', ...req.body })
      return v.ok
        ? { valid: true, errors: [], normalized_params: v.value.params }
        : { valid: false, errors: v.errors, normalized_params: null }
    },
  )
}

export async function loadAssertion(db: Db, modelId: string, id: string) {
  const a = await db
    .selectFrom('assertions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!a) throw notFound('assertion')
  return a
}
