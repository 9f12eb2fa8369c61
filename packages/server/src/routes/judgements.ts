import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { modelAccess } from '../auth/access.js'
import type { Db } from '../db/open.js'
import { lockModel } from '../db/open.js'
import { ApiError } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { newId, nowIso } from '../ids.js'
import { text } from '../schemas/fields.js'
import { coherenceEvaluated, tier2Reviewed } from '../services/change-events.js'
import { type Actor, logActor } from '../services/controls.js'
import { upsertVerdicts } from '../services/ingest.js'
import { appendEvent } from '../services/log.js'
import { presentAssertion, presentControl } from '../services/present.js'
import { objectiveStatements, renderTier2Prompt } from '../services/prompts.js'
import { recompute } from '../services/recompute.js'
import type { AssertionRow } from '../services/state.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import { loadAssertion } from './assertions.js'
import { actorOf } from './common.js'
import { loadControl } from './controls.js'

const aParams = z.strictObject({ m: z.string().max(40), a: z.string().max(40) })
const DIGEST = /^sha256:[0-9a-f]{64}$/

/** §4.11: a person may not judge an assertion they created, directly or through a key they created. */
function checkNotCreator(settings: WorkspaceSettings, a: AssertionRow, userId: string) {
  if (settings.separation_of_duties && (a.created_by as Actor).user_id === userId)
    throw new ApiError(403, 'separation_of_duties', 'you created this assertion; another reviewer must judge it')
}

/** Human judgements on one assertion: coherence overrides (§5.12) and Tier 2 reviews (§5.16). */
export function judgementRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const settingsOf = (w: { settings: unknown }) => w.settings as WorkspaceSettings
  const coherenceHistory = (db: Db, id: string) =>
    db
      .selectFrom('coherence_evaluations')
      .selectAll()
      .where('assertion_id', '=', id)
      .orderBy('evaluated_at', 'desc')
      .orderBy('id', 'desc')
      .execute()

  r.get('/api/models/:m/assertions/:a/coherence', { schema: { tags: ['coherence'], params: aParams } }, async (req) => {
    const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
    const a = await loadAssertion(db, model.id, req.params.a)
    const control = await loadControl(db, model.id, a.control_id)
    const history = await coherenceHistory(db, a.id)
    return { current: history.find((h) => h.control_revision === control.revision) ?? null, history }
  })

  r.post(
    '/api/models/:m/assertions/:a/coherence/override',
    {
      schema: {
        tags: ['coherence'],
        params: aParams,
        body: z.strictObject({
          verdict: z.enum(['coherent', 'incoherent']),
          rationale: text({ min: 20, max: 2048, code: 'validation_failed', what: 'rationale' }),
        }),
      },
    },
    async (req, reply) => {
      const { model, workspace, userId } = await modelAccess(db, req.principal, req.params.m, 'judge')
      const row = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const a = await loadAssertion(trx, model.id, req.params.a)
        if (a.deleted_at) throw new ApiError(409, 'already_deleted', `assertion ${a.id} is deleted`)
        checkNotCreator(settingsOf(workspace), a, userId)
        const control = await loadControl(trx, model.id, a.control_id)
        const current = (await coherenceHistory(trx, a.id)).find((h) => h.control_revision === control.revision)
        const evaluation = {
          id: newId('evl'),
          assertion_id: a.id,
          control_revision: control.revision,
          verdict: req.body.verdict,
          method: 'human',
          reason: req.body.rationale,
          heuristic_version: null,
          overrides: current?.id ?? null,
          evaluated_by: userId,
          evaluated_at: nowIso(),
          job: 'done',
          last_error: null,
        }
        const stored = await trx
          .insertInto('coherence_evaluations')
          .values(evaluation)
          .returningAll()
          .executeTakeFirstOrThrow()
        await appendEvent(
          trx,
          coherenceEvaluated(model, stored, logActor(actorOf(req.principal, userId)), evaluation.evaluated_at),
        )
        await recompute(trx, model.id, settingsOf(workspace))
        return evaluation
      })
      return reply.status(201).send(row)
    },
  )

  r.get('/api/models/:m/assertions/:a/tier2-reviews', { schema: { tags: ['tier2'], params: aParams } }, async (req) => {
    const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
    await loadAssertion(db, model.id, req.params.a)
    return {
      items: await db
        .selectFrom('tier2_reviews')
        .selectAll()
        .where('assertion_id', '=', req.params.a)
        .orderBy('created_at', 'desc')
        .execute(),
    }
  })

  r.post(
    '/api/models/:m/assertions/:a/tier2-reviews',
    {
      schema: {
        tags: ['tier2'],
        params: aParams,
        body: z.strictObject({
          repo: z.string().max(200),
          verdict: z.enum(['pass', 'fail']),
          rationale: text({ min: 20, max: 4096, code: 'validation_failed', what: 'rationale' }),
          anchor_result_id: z.string().max(40),
          evidence_digest: z.string().regex(DIGEST).optional(),
          prompt_hash: z.string().regex(DIGEST),
        }),
      },
    },
    async (req, reply) => {
      const { model, workspace, userId } = await modelAccess(db, req.principal, req.params.m, 'judge')
      const settings = settingsOf(workspace)
      const b = req.body
      const repo = b.repo.toLowerCase()
      const out = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const a = await loadAssertion(trx, model.id, req.params.a)
        if (a.deleted_at) throw new ApiError(409, 'already_deleted', `assertion ${a.id} is deleted`)
        checkNotCreator(settings, a, userId)
        const control = await loadControl(trx, model.id, a.control_id)
        const anchor = await trx
          .selectFrom('latest_results')
          .selectAll()
          .where('assertion_id', '=', a.id)
          .where('repo', '=', repo)
          .where('tier', '=', 1)
          .where('slot', '=', 'any')
          .executeTakeFirst()
        if (!anchor || anchor.result_id !== b.anchor_result_id || anchor.result !== 'pass')
          throw new ApiError(
            409,
            'anchor_not_current',
            'the Tier 1 result you reviewed is no longer the current passing one; reload and review again',
            {
              current_anchor_result_id: anchor?.result_id ?? null,
            },
          )
        if (
          renderTier2Prompt(a, control, await objectiveStatements(trx, model.id, control)).prompt_hash !== b.prompt_hash
        )
          throw new ApiError(
            409,
            'prompt_changed',
            'the control or the Tier 2 prompt changed since you read it; reload and review again',
          )
        const review = {
          id: newId('t2r'),
          model_id: model.id,
          assertion_id: a.id,
          repo,
          verdict: b.verdict,
          rationale: b.rationale,
          commit_sha: anchor.commit_sha,
          anchor_result_id: anchor.result_id,
          evidence_digest: anchor.evidence_digest,
          prompt_hash: b.prompt_hash,
          control_revision: control.revision,
          reviewer: userId,
          created_at: nowIso(),
        }
        await trx.insertInto('tier2_reviews').values(review).execute()
        await appendEvent(trx, tier2Reviewed(model, review, logActor(actorOf(req.principal, userId))))
        await upsertVerdicts(trx, [
          {
            assertion_id: a.id,
            repo,
            evidence_key: anchor.evidence_digest ?? `anchor:${anchor.result_id}`,
            model_id: model.id,
            source: 'human',
            record_id: review.id,
            result: review.verdict,
            at: review.created_at,
            anchor_result_id: anchor.result_id,
            evidence_digest: anchor.evidence_digest,
            control_revision: control.revision,
          },
        ])
        const { state } = await recompute(trx, model.id, settings)
        return {
          review,
          assertion: presentAssertion(a, state.assertions.get(a.id)),
          control: presentControl(control, state.controls.get(control.id)),
        }
      })
      return reply.status(201).send(out)
    },
  )
}
