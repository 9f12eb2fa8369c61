import { assertionSetDigest } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { queueJob } from '../ai/jobs.js'
import { modelAccess } from '../auth/access.js'
import type { Db } from '../db/open.js'
import { json, lockModel } from '../db/open.js'
import { ApiError, notFound } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { newId, nowIso } from '../ids.js'
import { booleanQuery, cursor, limit, note, text } from '../schemas/fields.js'
import {
  controlCreate,
  controlPatch,
  evidenceLinkCreate,
  implementationBody,
  reasonBody,
  refineBody,
} from '../schemas/model.js'
import {
  controlReviewed,
  implementationChanged,
  refinementChanged,
  sufficiencyEvaluated,
} from '../services/change-events.js'
import {
  type Actor,
  addEvidenceLinks,
  checkObjectives,
  createControl,
  deleteControl,
  logActor,
  nextLocalKey,
  removeEvidenceLink,
  reviseControl,
} from '../services/controls.js'
import { appendEvent } from '../services/log.js'
import { presentAssertion, presentControl } from '../services/present.js'
import { recompute } from '../services/recompute.js'
import { decideRefinement, proposeRefinement } from '../services/refinements.js'
import { type ControlRow, loadModelState } from '../services/state.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import { actorOf } from './common.js'

const cParams = z.strictObject({ m: z.string().max(40), c: z.string().max(40) })

export async function loadControl(db: Db, modelId: string, controlId: string): Promise<ControlRow> {
  const c = await db
    .selectFrom('controls')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('id', '=', controlId)
    .executeTakeFirst()
  if (!c) throw notFound('control')
  return c
}

const activeControl = async (db: Db, modelId: string, controlId: string) => {
  const c = await loadControl(db, modelId, controlId)
  if (c.deleted_at) throw new ApiError(409, 'control_deleted', `control ${controlId} is deleted`)
  return c
}

export function controlRoutes(app: FastifyInstance, ctx: AppContext): void {
  refinementRoutes(app, ctx)
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const settingsOf = (w: { settings: unknown }) => w.settings as WorkspaceSettings

  r.get(
    '/api/models/:m/controls',
    {
      schema: {
        tags: ['controls'],
        params: z.strictObject({ m: z.string().max(40) }),
        querystring: z.strictObject({
          implementation_status: z.enum(['implemented', 'not_implemented']).optional(),
          verification_status: z.enum(['verified', 'partially_verified', 'pending', 'unverified']).optional(),
          status: z.string().max(40).optional(),
          objective_id: z.string().max(40).optional(),
          intent: z.string().max(40).optional(),
          q: z.string().max(200).optional(),
          summary_only: booleanQuery,
          include_deleted: booleanQuery,
          limit,
          cursor,
        }),
      },
    },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      const q = req.query
      const state = await loadModelState(db, model.id, settingsOf(workspace))
      const findings = await openFindings(db, model.id)
      let rows = q.include_deleted
        ? await db.selectFrom('controls').selectAll().where('model_id', '=', model.id).orderBy('id').execute()
        : [...state.controls.values()].map((c) => c.row)
      const statusOf = (c: ControlRow) => state.controls.get(c.id)?.verification_status ?? c.verification_status
      rows = rows.filter(
        (c) =>
          (!q.implementation_status || c.implementation_status === q.implementation_status) &&
          (!q.verification_status || statusOf(c) === q.verification_status) &&
          (!q.status || c.implementation_status === q.status || statusOf(c) === q.status) &&
          (!q.objective_id || (c.objective_ids as string[]).includes(q.objective_id)) &&
          (!q.intent || (c.intents as string[]).includes(q.intent)) &&
          (!q.q || `${c.id} ${c.title} ${c.description}`.toLowerCase().includes(q.q.toLowerCase())),
      )
      const total = rows.length
      const after = q.cursor ? rows.filter((c) => c.id > q.cursor!) : rows
      const pageRows = after.slice(0, q.limit)
      const items = pageRows.map((c) => {
        const e = state.controls.get(c.id)
        return q.summary_only
          ? {
              id: c.id,
              title: c.title,
              implementation_status: c.implementation_status,
              verification_status: statusOf(c),
              assertion_count: e?.assertions.length ?? 0,
            }
          : presentControl(c, e, findings.get(c.id) ?? 0)
      })
      return { items, total, next_cursor: after.length > q.limit ? pageRows.at(-1)!.id : null }
    },
  )

  r.post(
    '/api/models/:m/controls',
    { schema: { tags: ['controls'], params: z.strictObject({ m: z.string().max(40) }), body: controlCreate } },
    async (req, reply) => {
      const p = req.principal
      const { model, workspace, userId } = await modelAccess(db, p, req.params.m, 'author')
      const control = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        await checkObjectives(trx, model.id, req.body.objective_ids)
        const id = req.body.id ?? (await nextLocalKey(trx, model.id, 'controls', 'CTRL'))
        const c = await createControl(trx, model.id, { ...req.body, id }, actorOf(p, userId), 'create')
        await recompute(trx, model.id, settingsOf(workspace))
        return c
      })
      const state = await loadModelState(db, model.id, settingsOf(workspace))
      return reply.status(201).send(presentControl(control, state.controls.get(control.id)))
    },
  )

  r.get(
    '/api/models/:m/controls/:c',
    {
      schema: {
        tags: ['controls'],
        params: cParams,
        querystring: z.strictObject({ include: z.string().max(200).optional() }),
      },
    },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      const control = await loadControl(db, model.id, req.params.c)
      const state = await loadModelState(db, model.id, settingsOf(workspace))
      const out: Record<string, unknown> = presentControl(
        control,
        state.controls.get(control.id),
        (await openFindings(db, model.id)).get(control.id) ?? 0,
      )
      for (const inc of (req.query.include ?? '').split(',').filter(Boolean)) {
        if (inc === 'assertions')
          out.assertions = (state.controls.get(control.id)?.assertions ?? []).map((e) => presentAssertion(e.row, e))
        else if (inc === 'findings')
          out.findings = await db
            .selectFrom('findings')
            .selectAll()
            .where('model_id', '=', model.id)
            .where('control_id', '=', control.id)
            .execute()
        else if (inc === 'drift')
          out.drift = await db
            .selectFrom('drift_events')
            .selectAll()
            .where('model_id', '=', model.id)
            .where('control_id', '=', control.id)
            .orderBy('detected_at', 'desc')
            .execute()
        else if (inc === 'revisions')
          out.revisions = await db
            .selectFrom('control_revisions')
            .selectAll()
            .where('model_id', '=', model.id)
            .where('control_id', '=', control.id)
            .orderBy('revision')
            .execute()
        else if (inc === 'reviews')
          out.reviews = await db
            .selectFrom('control_reviews')
            .selectAll()
            .where('model_id', '=', model.id)
            .where('control_id', '=', control.id)
            .orderBy('created_at', 'desc')
            .execute()
        else if (inc === 'evidence_links') out.evidence_links = await links(db, model.id, control.id)
        else if (inc === 'refinements')
          out.refinements = await db
            .selectFrom('refinements')
            .selectAll()
            .where('model_id', '=', model.id)
            .where('control_id', '=', control.id)
            .orderBy('created_at', 'desc')
            .execute()
        else throw new ApiError(422, 'validation_failed', `include: unknown collection ${inc}`)
      }
      return out
    },
  )

  r.patch(
    '/api/models/:m/controls/:c',
    { schema: { tags: ['controls'], params: cParams, body: controlPatch } },
    async (req) => {
      if (req.body.description !== undefined)
        throw new ApiError(
          422,
          'use_refine',
          'a control description changes only through a refinement (POST …/refine) with a justification',
        )
      const p = req.principal
      const { model, workspace, userId } = await modelAccess(db, p, req.params.m, 'author')
      const control = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const c = await activeControl(trx, model.id, req.params.c)
        if (req.body.objective_ids) await checkObjectives(trx, model.id, req.body.objective_ids)
        const { description: _refineOnly, ...patch } = req.body
        const next = await reviseControl(trx, model.id, c, patch, actorOf(p, userId), 'update')
        if (req.body.implementation_notes !== undefined && req.body.implementation_notes !== c.implementation_notes) {
          const at = nowIso()
          await trx
            .updateTable('controls')
            .set({ implementation_notes: req.body.implementation_notes, updated_at: at })
            .where('model_id', '=', model.id)
            .where('id', '=', c.id)
            .execute()
          next.implementation_notes = req.body.implementation_notes
          await appendEvent(trx, implementationChanged(model, next, logActor(actorOf(p, userId)), at))
        }
        await recompute(trx, model.id, settingsOf(workspace))
        return next
      })
      const state = await loadModelState(db, model.id, settingsOf(workspace))
      return presentControl(control, state.controls.get(control.id))
    },
  )

  r.delete(
    '/api/models/:m/controls/:c',
    { schema: { tags: ['controls'], params: cParams, body: reasonBody } },
    async (req) => {
      const p = req.principal
      const { model, workspace, userId } = await modelAccess(db, p, req.params.m, 'author')
      const control = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const c = await activeControl(trx, model.id, req.params.c)
        const now = nowIso()
        const reason = req.body?.reason ?? null
        await deleteControl(trx, model, c.id, reason, actorOf(p, userId), now)
        await recompute(trx, model.id, settingsOf(workspace))
        return { ...c, deleted_at: now, delete_reason: reason }
      })
      return presentControl(control, undefined)
    },
  )

  r.put(
    '/api/models/:m/controls/:c/implementation',
    {
      schema: {
        tags: ['controls'],
        params: cParams,
        body: implementationBody,
      },
    },
    async (req) => {
      const { model, workspace, userId } = await modelAccess(db, req.principal, req.params.m, 'author')
      await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const c = await activeControl(trx, model.id, req.params.c)
        if (req.body.status === 'implemented') {
          const n = await trx
            .selectFrom('assertions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('model_id', '=', model.id)
            .where('control_id', '=', c.id)
            .where('deleted_at', 'is', null)
            .executeTakeFirstOrThrow()
          if (Number(n.n) === 0)
            throw new ApiError(
              422,
              'assertions_required',
              `control ${c.id} has no assertions; submit at least one before marking it implemented`,
            )
        }
        const at = nowIso()
        const next = await trx
          .updateTable('controls')
          .set({
            implementation_status: req.body.status,
            ...(req.body.notes !== undefined ? { implementation_notes: req.body.notes } : {}),
            updated_at: at,
          })
          .where('model_id', '=', model.id)
          .where('id', '=', c.id)
          .returningAll()
          .executeTakeFirstOrThrow()
        await appendEvent(trx, implementationChanged(model, next, logActor(actorOf(req.principal, userId)), at))
        await recompute(trx, model.id, settingsOf(workspace))
      })
      const state = await loadModelState(db, model.id, settingsOf(workspace))
      return presentControl(await loadControl(db, model.id, req.params.c), state.controls.get(req.params.c))
    },
  )

  r.get(
    '/api/models/:m/controls/:c/evidence-links',
    { schema: { tags: ['controls'], params: cParams } },
    async (req) => {
      const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
      await loadControl(db, model.id, req.params.c)
      return { items: await links(db, model.id, req.params.c) }
    },
  )

  r.post(
    '/api/models/:m/controls/:c/evidence-links',
    { schema: { tags: ['controls'], params: cParams, body: evidenceLinkCreate } },
    async (req, reply) => {
      const p = req.principal
      const { model, userId } = await modelAccess(db, p, req.params.m, 'author')
      const [row] = await db.transaction().execute(async (trx) => {
        await activeControl(trx, model.id, req.params.c)
        return addEvidenceLinks(trx, model, req.params.c, [req.body], actorOf(p, userId), nowIso())
      })
      return reply.status(201).send(row)
    },
  )

  r.delete(
    '/api/models/:m/controls/:c/evidence-links/:lnk',
    { schema: { tags: ['controls'], params: cParams.extend({ lnk: z.string().max(40) }) } },
    async (req, reply) => {
      const { model, userId } = await modelAccess(db, req.principal, req.params.m, 'author')
      await db.transaction().execute(async (trx) => {
        const actor = actorOf(req.principal, userId)
        if (!(await removeEvidenceLink(trx, model, req.params.c, req.params.lnk, actor, nowIso())))
          throw notFound('evidence link')
      })
      return reply.status(204).send()
    },
  )

  r.get('/api/models/:m/controls/:c/reviews', { schema: { tags: ['controls'], params: cParams } }, async (req) => {
    const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
    await loadControl(db, model.id, req.params.c)
    return {
      items: await db
        .selectFrom('control_reviews')
        .selectAll()
        .where('model_id', '=', model.id)
        .where('control_id', '=', req.params.c)
        .orderBy('created_at', 'desc')
        .execute(),
    }
  })

  r.post(
    '/api/models/:m/controls/:c/reviews',
    {
      schema: {
        tags: ['controls'],
        params: cParams,
        body: z.strictObject({ outcome: z.enum(['confirmed', 'changes_requested']), note: note('note') }),
      },
    },
    async (req, reply) => {
      const { model, workspace, userId } = await modelAccess(db, req.principal, req.params.m, 'judge')
      const review = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const c = await activeControl(trx, model.id, req.params.c)
        await separationOfDuties(trx, settingsOf(workspace), model.id, c.id, userId)
        const row = {
          id: newId('rvw'),
          model_id: model.id,
          control_id: c.id,
          control_revision: c.revision,
          outcome: req.body.outcome,
          note: req.body.note,
          verification_status_at_review: c.verification_status,
          reviewer: userId,
          created_at: nowIso(),
        }
        await trx.insertInto('control_reviews').values(row).execute()
        await trx
          .updateTable('controls')
          .set({ last_reviewed_at: row.created_at, last_reviewed_by: userId })
          .where('model_id', '=', model.id)
          .where('id', '=', c.id)
          .execute()
        await appendEvent(trx, controlReviewed(model, row, logActor(actorOf(req.principal, userId))))
        return row
      })
      return reply.status(201).send(review)
    },
  )

  r.get(
    '/api/models/:m/controls/:c/sufficiency',
    { schema: { tags: ['sufficiency'], params: cParams } },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      const control = await loadControl(db, model.id, req.params.c)
      const state = await loadModelState(db, model.id, settingsOf(workspace))
      const history = await db
        .selectFrom('sufficiency_evaluations')
        .selectAll()
        .where('model_id', '=', model.id)
        .where('control_id', '=', control.id)
        .orderBy('created_at', 'desc')
        .execute()
      const current = state.controls.get(control.id)?.sufficiency
      return {
        current: current ?? null,
        history,
        assertion_set_digest: current?.assertion_set_digest ?? assertionSetDigest([]),
      }
    },
  )

  r.post(
    '/api/models/:m/controls/:c/sufficiency/sign-off',
    {
      schema: {
        tags: ['sufficiency'],
        params: cParams,
        body: z.strictObject({
          status: z.enum(['sufficient', 'insufficient']),
          details: text({ min: 1, max: 4096, code: 'validation_failed', what: 'details' }),
          missing_aspects: z
            .array(text({ min: 1, max: 512, code: 'validation_failed', what: 'missing aspect' }))
            .max(20)
            .optional(),
          assertion_set_digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
        }),
      },
    },
    async (req, reply) => {
      const { model, workspace, userId } = await modelAccess(db, req.principal, req.params.m, 'judge')
      const evaluation = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const c = await activeControl(trx, model.id, req.params.c)
        const assertions = await trx
          .selectFrom('assertions')
          .select('digest')
          .where('model_id', '=', model.id)
          .where('control_id', '=', c.id)
          .where('deleted_at', 'is', null)
          .execute()
        if (assertions.length === 0)
          throw new ApiError(422, 'no_assertions', `control ${c.id} has no assertions to judge`)
        const digest = assertionSetDigest(assertions.map((a) => a.digest))
        if (digest !== req.body.assertion_set_digest)
          throw new ApiError(
            409,
            'assertion_set_changed',
            'the assertions changed since you looked; reload and judge the current set',
            { assertion_set_digest: digest },
          )
        await separationOfDuties(trx, settingsOf(workspace), model.id, c.id, userId)
        const now = nowIso()
        const row = {
          id: newId('evl'),
          model_id: model.id,
          control_id: c.id,
          control_revision: c.revision,
          assertion_set_digest: digest,
          status: req.body.status,
          method: 'human',
          details: req.body.details,
          missing_aspects: json(req.body.missing_aspects ?? []),
          overrides: null,
          evaluated_by: userId,
          evaluated_at: now,
          job: 'done',
          last_error: null,
          created_at: now,
        }
        const stored = await trx
          .insertInto('sufficiency_evaluations')
          .values(row)
          .returningAll()
          .executeTakeFirstOrThrow()
        await appendEvent(trx, sufficiencyEvaluated(model, stored, logActor(actorOf(req.principal, userId)), now))
        await recompute(trx, model.id, settingsOf(workspace))
        return { ...row, missing_aspects: req.body.missing_aspects ?? [] }
      })
      return reply.status(201).send(evaluation)
    },
  )
}

function refinementRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const settingsOf = (w: { settings: unknown }) => w.settings as WorkspaceSettings
  const refParams = cParams.extend({ ref: z.string().max(40) })

  r.post(
    '/api/models/:m/controls/:c/refine',
    {
      schema: {
        tags: ['controls'],
        params: cParams,
        body: refineBody,
      },
    },
    async (req, reply) => {
      const p = req.principal
      const { model, workspace, userId } = await modelAccess(db, p, req.params.m, 'author')
      const ai = ctx.ai.config.provider !== 'none'
      const { refinement, job } = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const c = await activeControl(trx, model.id, req.params.c)
        const refinement = await proposeRefinement(trx, model.id, c, req.body, actorOf(p, userId), ai)
        const job = ai
          ? await queueJob(trx, {
              workspaceId: workspace.id,
              modelId: model.id,
              kind: 'refinement',
              subjectId: refinement.id,
            })
          : null
        return { refinement, job }
      })
      if (!job) return reply.status(202).send({ accepted: null, refinement })
      ctx.ai.kick()
      await ctx.ai.waitForJobs([job])
      const decided = await db
        .selectFrom('refinements')
        .selectAll()
        .where('id', '=', refinement.id)
        .executeTakeFirstOrThrow()
      if (decided.status === 'rejected')
        throw new ApiError(422, 'refinement_rejected', decided.decision_note ?? 'the refinement weakens the control', {
          refinement_id: decided.id,
          reason: decided.decision_note,
          per_objective: decided.per_objective,
        })
      if (decided.status !== 'accepted') return reply.status(202).send({ accepted: null, refinement: decided })
      const control = await loadControl(db, model.id, decided.control_id)
      const state = await loadModelState(db, model.id, settingsOf(workspace), { controlIds: [control.id] })
      return { accepted: true, refinement: decided, control: presentControl(control, state.controls.get(control.id)) }
    },
  )

  r.get('/api/models/:m/controls/:c/refinements', { schema: { tags: ['controls'], params: cParams } }, async (req) => {
    const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
    await loadControl(db, model.id, req.params.c)
    return {
      items: await db
        .selectFrom('refinements')
        .selectAll()
        .where('model_id', '=', model.id)
        .where('control_id', '=', req.params.c)
        .orderBy('created_at', 'desc')
        .execute(),
    }
  })

  r.post(
    '/api/models/:m/controls/:c/refinements/:ref/decision',
    {
      schema: {
        tags: ['controls'],
        params: refParams,
        body: z.strictObject({ decision: z.enum(['accept', 'reject']), note: note('note') }),
      },
    },
    async (req) => {
      const { model, workspace, userId } = await modelAccess(db, req.principal, req.params.m, 'judge')
      const out = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const c = await activeControl(trx, model.id, req.params.c)
        const decided = await decideRefinement(trx, model.id, c, req.params.ref, {
          accept: req.body.decision === 'accept',
          note: req.body.note,
          userId,
          separationOfDuties: settingsOf(workspace).separation_of_duties,
        })
        await recompute(trx, model.id, settingsOf(workspace))
        return decided
      })
      const state = await loadModelState(db, model.id, settingsOf(workspace))
      return { refinement: out.refinement, control: presentControl(out.control, state.controls.get(out.control.id)) }
    },
  )

  r.post(
    '/api/models/:m/controls/:c/refinements/:ref/withdraw',
    { schema: { tags: ['controls'], params: refParams } },
    async (req) => {
      const p = req.principal
      const { model, userId } = await modelAccess(db, p, req.params.m, 'author')
      return db.transaction().execute(async (trx) => {
        const ref = await trx
          .selectFrom('refinements')
          .selectAll()
          .where('model_id', '=', model.id)
          .where('control_id', '=', req.params.c)
          .where('id', '=', req.params.ref)
          .executeTakeFirst()
        const proposer = ref?.created_by as Actor | undefined
        const mine = proposer && (p.kind === 'api_key' ? proposer.id === p.key.id : proposer.user_id === userId)
        if (!ref) throw notFound('refinement')
        // Refinements are readable by the whole workspace: someone else's is refused (§7), not hidden.
        if (!mine) throw new ApiError(403, 'forbidden', 'only the proposer withdraws a refinement')
        if (ref.status !== 'pending_review' && ref.status !== 'evaluating')
          throw new ApiError(409, 'refinement_not_pending', `refinement ${ref.id} is ${ref.status}`)
        const at = nowIso()
        const withdrawn = await trx
          .updateTable('refinements')
          .set({ status: 'withdrawn', decided_at: at })
          .where('id', '=', ref.id)
          .returningAll()
          .executeTakeFirstOrThrow()
        await appendEvent(trx, refinementChanged(model, withdrawn, logActor(actorOf(p, userId)), at))
        return withdrawn
      })
    },
  )
}

/** §4.11: with separation of duties on, nobody judges a control whose active assertions they created. */
async function separationOfDuties(
  trx: Db,
  settings: WorkspaceSettings,
  modelId: string,
  controlId: string,
  userId: string,
) {
  if (!settings.separation_of_duties) return
  const own = await trx
    .selectFrom('assertions')
    .select('id')
    .where('model_id', '=', modelId)
    .where('control_id', '=', controlId)
    .where('deleted_at', 'is', null)
    .execute()
  const rows = await trx
    .selectFrom('assertions')
    .select('created_by')
    .where('id', 'in', own.length ? own.map((a) => a.id) : [''])
    .execute()
  if (rows.some((r) => (r.created_by as { user_id: string }).user_id === userId))
    throw new ApiError(
      403,
      'separation_of_duties',
      'you created assertions of this control; another reviewer must judge it',
    )
}

async function links(db: Db, modelId: string, controlId: string) {
  return db
    .selectFrom('evidence_links')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('control_id', '=', controlId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .execute()
}

export async function openFindings(db: Db, modelId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('findings')
    .select(['control_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('model_id', '=', modelId)
    .where('lifecycle_status', 'in', ['discovered', 'acknowledged'])
    .groupBy('control_id')
    .execute()
  return new Map(rows.map((r) => [r.control_id, Number(r.n)]))
}
