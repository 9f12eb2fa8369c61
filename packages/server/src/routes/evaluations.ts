import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { queueCoherence, queueSufficiency, runNow } from '../ai/jobs.js'
import { modelAccess } from '../auth/access.js'
import { lockModel } from '../db/open.js'
import { ApiError } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { judgeCoherence } from '../services/controls.js'
import { recompute } from '../services/recompute.js'
import { loadModelState } from '../services/state.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import { loadAssertion } from './assertions.js'
import { loadControl } from './controls.js'

const providerRequired = (what: string) =>
  new ApiError(
    422,
    'provider_required',
    `${what} needs an AI provider on the instance (WARRANT_AI_PROVIDER) and the workspace's ai mode`,
  )
const inProgress = () =>
  new ApiError(409, 'evaluation_in_progress', 'an evaluation is already queued or running; poll it instead')

/**
 * On-demand coherence and sufficiency evaluations (PLATFORM.md §5.12). In an `ai` mode they queue a job and answer 202
 * at once (a job waiting for its retry is made due now instead); heuristic coherence is judged synchronously.
 */
export function evaluationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const configured = ctx.ai.config.provider !== 'none'

  r.post(
    '/api/models/:m/assertions/:a/coherence/evaluate',
    { schema: { tags: ['coherence'], params: z.strictObject({ m: z.string().max(40), a: z.string().max(40) }) } },
    async (req, reply) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'author')
      const settings = workspace.settings as WorkspaceSettings
      const ai = settings.coherence_mode === 'ai'
      if (ai && !configured) throw providerRequired('AI coherence')
      const id = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const a = await loadAssertion(trx, model.id, req.params.a)
        if (a.deleted_at) throw new ApiError(409, 'already_deleted', `assertion ${a.id} is deleted`)
        const control = await loadControl(trx, model.id, a.control_id)
        if (!ai) {
          const [row] = await judgeCoherence(trx, control, [a])
          await recompute(trx, model.id, settings)
          return row!.id
        }
        const open = await trx
          .selectFrom('coherence_evaluations')
          .select('id')
          .where('assertion_id', '=', a.id)
          .where('control_revision', '=', control.revision)
          .where('job', '!=', 'done')
          .orderBy('id', 'desc')
          .executeTakeFirst()
        const retry = open ? await runNow(trx, open.id) : 'none'
        if (retry === 'in_progress') throw inProgress()
        if (retry === 'retried') return open!.id
        return (await queueCoherence(trx, workspace.id, model.id, a.id, control.revision)).evaluation
      })
      ctx.ai.kick()
      return reply
        .status(202)
        .send(await db.selectFrom('coherence_evaluations').selectAll().where('id', '=', id).executeTakeFirstOrThrow())
    },
  )

  r.post(
    '/api/models/:m/controls/:c/sufficiency/evaluate',
    { schema: { tags: ['sufficiency'], params: z.strictObject({ m: z.string().max(40), c: z.string().max(40) }) } },
    async (req, reply) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'author')
      const settings = workspace.settings as WorkspaceSettings
      if (!configured || settings.sufficiency_mode !== 'ai') throw providerRequired('AI sufficiency')
      const id = await db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const control = await loadControl(trx, model.id, req.params.c)
        if (control.deleted_at) throw new ApiError(409, 'control_deleted', `control ${control.id} is deleted`)
        const state = await loadModelState(trx, model.id, settings, { controlIds: [control.id] })
        const current = state.controls.get(control.id)!
        if (current.assertions.length === 0)
          throw new ApiError(422, 'no_assertions', `control ${control.id} has no assertions to evaluate`)
        const existing = current.sufficiency.evaluation_id
        const retry = existing ? await runNow(trx, existing) : 'none'
        if (retry === 'in_progress') throw inProgress()
        if (retry === 'retried') return existing!
        return (
          await queueSufficiency(
            trx,
            workspace.id,
            model.id,
            control.id,
            control.revision,
            current.sufficiency.assertion_set_digest,
          )
        ).evaluation
      })
      ctx.ai.kick()
      const row = await db
        .selectFrom('sufficiency_evaluations')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      return reply.status(202).send(row)
    },
  )
}
