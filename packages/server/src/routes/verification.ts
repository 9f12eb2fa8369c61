import { isValidRepo, RULES_VERSION } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { sql } from 'kysely'
import { z } from 'zod'
import { modelAccess } from '../auth/access.js'
import { ApiError, notFound } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { nowIso } from '../ids.js'
import { booleanQuery, cursor, limit, text } from '../schemas/fields.js'
import { MAX_RESULTS, type ResultsBody, resultsBody } from '../schemas/results.js'
import { withIdempotency } from '../services/idempotency.js'
import { type IngestInput, ingestRun } from '../services/ingest.js'
import { recordPrompts, renderTier2Prompt } from '../services/prompts.js'
import { buildReport } from '../services/report.js'
import { loadModelState } from '../services/state.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import { CATALOGUE_VERSION } from './assertions.js'

const mParams = z.strictObject({ m: z.string().max(40) })
const repoQuery = z
  .string()
  .max(200)
  .refine((r) => r === '' || isValidRepo(r), {
    message: 'must be owner/name, or empty for the default codebase',
    params: { code: 'repo_invalid' },
  })
  .optional()

export function verificationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const settingsOf = (w: { settings: unknown }) => w.settings as WorkspaceSettings

  const pendingPayload = async (
    modelId: string,
    settings: WorkspaceSettings,
    repoParam: string | undefined,
    filter?: { tier: 1 | 2; staleAfterHours: number },
  ) => {
    const repo = (repoParam ?? '').toLowerCase()
    const model = await db.selectFrom('models').select(['revision']).where('id', '=', modelId).executeTakeFirstOrThrow()
    const state = await loadModelState(db, modelId, settings)
    const objectives = new Map(state.objectives.map((o) => [o.id, o.statement]))
    const staleBefore = filter ? new Date(Date.now() - filter.staleAfterHours * 3_600_000).toISOString() : ''
    const picked = [...state.assertions.values()].filter((e) => {
      if (e.row.repo !== null && e.row.repo !== repo) return false
      if (!filter) return true
      const perRepo = e.evaluation.per_repo.find((p) => p.repo === repo)
      const t1 = perRepo?.tier1.result ?? 'pending'
      if (filter.tier === 1) return t1 !== 'pass' || (perRepo?.tier1.anchor?.accepted_at ?? '') < staleBefore
      return t1 === 'pass' && ['pending', 'skipped'].includes(perRepo?.tier2.result ?? 'pending')
    })
    const prompts: { prompt_hash: string; assertion_id: string; control_revision: number; template: string }[] = []
    const controls: Record<string, string[]> = {}
    const assertions = picked.map((e) => {
      const a = e.row
      const c = state.controls.get(a.control_id)!.row
      const prompt = renderTier2Prompt(
        a,
        c,
        (c.objective_ids as string[]).flatMap((id) => objectives.get(id) ?? []),
      )
      prompts.push({
        prompt_hash: prompt.prompt_hash,
        assertion_id: a.id,
        control_revision: c.revision,
        template: `${prompt.template.id}@${prompt.template.version}`,
      })
      controls[c.id] = [...(controls[c.id] ?? []), a.id]
      const perRepo = e.evaluation.per_repo.find((p) => p.repo === repo)
      return {
        id: a.id,
        control_id: a.control_id,
        type: a.type,
        params: a.params,
        description: a.description,
        repo: a.repo,
        digest: a.digest,
        control: {
          id: c.id,
          title: c.title,
          description: c.description,
          revision: c.revision,
          objectives: (c.objective_ids as string[]).map((id) => ({ id, statement: objectives.get(id) ?? '' })),
        },
        tier2_prompt: prompt.prompt,
        tier2_prompt_hash: prompt.prompt_hash,
        tier2_template: prompt.template,
        last: {
          tier1: perRepo?.tier1.anchor ? { ...perRepo.tier1.anchor, result: perRepo.tier1.result } : null,
          tier2: perRepo?.tier2.verdict ? { ...perRepo.tier2.verdict, result: perRepo.tier2.result } : null,
        },
      }
    })
    await recordPrompts(db, prompts)
    return {
      model_id: modelId,
      model_revision: model.revision,
      repo,
      catalogue_version: CATALOGUE_VERSION,
      rules_version: RULES_VERSION,
      assertions,
      controls,
    }
  }

  r.get(
    '/api/models/:m/verification/assertions',
    { schema: { tags: ['verification'], params: mParams, querystring: z.strictObject({ repo: repoQuery }) } },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      return pendingPayload(model.id, settingsOf(workspace), req.query.repo)
    },
  )

  r.get(
    '/api/models/:m/verification/pending',
    {
      schema: {
        tags: ['verification'],
        params: mParams,
        querystring: z.strictObject({
          tier: z.enum(['1', '2'], { error: 'tier must be 1 or 2' }).optional(),
          repo: repoQuery,
          stale_after_hours: z.coerce.number().int().min(0).max(87600).default(24),
        }),
      },
    },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      return pendingPayload(model.id, settingsOf(workspace), req.query.repo, {
        tier: req.query.tier === '2' ? 2 : 1,
        staleAfterHours: req.query.stale_after_hours,
      })
    },
  )

  r.post(
    '/api/models/:m/verification/results',
    {
      schema: { tags: ['verification'], params: mParams, body: resultsBody },
      config: { rateClass: 'results' },
      // Counted before the schema runs, so that an oversized run is refused without validating 20,000+ items.
      preValidation: async (req) => {
        const results = (req.body as { results?: unknown } | null)?.results
        if (Array.isArray(results) && results.length > MAX_RESULTS)
          throw new ApiError(
            422,
            'too_many_results',
            `a run holds at most ${MAX_RESULTS} results; this one has ${results.length}`,
          )
      },
      onRequest: async (req) => {
        const header = req.headers['x-ci-attestation']
        if (typeof header === 'string' && Buffer.byteLength(header) > 8192)
          throw new ApiError(413, 'header_too_large', 'X-CI-Attestation exceeds 8 KiB')
        await modelAccess(db, req.principal, (req.params as { m: string }).m, 'submit')
      },
    },
    async (req, reply) => {
      const p = req.principal
      const { model, workspace } = await modelAccess(db, p, req.params.m, 'submit')
      if (p.kind !== 'api_key' && p.kind !== 'workspace_jwt')
        throw new ApiError(403, 'verifier_required', 'results are submitted with a verifier key')
      const body = req.body as ResultsBody
      const out = await withIdempotency(db, req, async () => {
        const duplicate = await db
          .selectFrom('runs')
          .select('id')
          .where('model_id', '=', model.id)
          .where(sql<boolean>`pipeline->>'provider' = ${body.pipeline.provider}`)
          .where(sql<boolean>`pipeline->>'run_id' = ${body.pipeline.run_id}`)
          .where(sql<boolean>`coalesce(pipeline->>'run_attempt', '') = ${body.pipeline.run_attempt ?? ''}`)
          .where('repo', '=', (body.pipeline.repo ?? '').toLowerCase())
          .executeTakeFirst()
        if (duplicate)
          throw new ApiError(
            409,
            'run_already_submitted',
            `pipeline run ${body.pipeline.run_id} (attempt ${body.pipeline.run_attempt ?? '-'}) was already accepted as ${duplicate.id}; retry with the same Idempotency-Key to get its answer`,
            { run_id: duplicate.id },
          )
        const response = await ingestRun(db, {
          model,
          settings: settingsOf(workspace),
          security: workspace.security as IngestInput['security'],
          body,
          rawBody: req.rawBody!,
          attestationHeader: req.headers['x-ci-attestation'] as string | undefined,
          oidc: ctx.oidc,
          submittedBy:
            p.kind === 'api_key'
              ? { kind: 'api_key', id: p.key.id }
              : { kind: 'workspace_key', id: p.jwt.fingerprint, replay: p.jwt.replay },
          evidence: ctx.evidence,
          publicUrl: ctx.config.publicUrl,
        })
        return { status: 201, body: response }
      })
      return reply.status(out.status).headers(out.headers).send(out.body)
    },
  )

  r.get(
    '/api/models/:m/verification/report',
    {
      schema: {
        tags: ['verification'],
        params: mParams,
        querystring: z.strictObject({
          status: z.enum(['verified', 'partially_verified', 'pending', 'unverified']).optional(),
          repo: repoQuery,
          summary_only: booleanQuery,
          limit,
          cursor,
        }),
      },
    },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      return buildReport(db, model, settingsOf(workspace), req.query)
    },
  )

  r.get(
    '/api/models/:m/verification/runs',
    {
      schema: {
        tags: ['verification'],
        params: mParams,
        querystring: z.strictObject({ repo: repoQuery, counting: booleanQuery, limit, cursor }),
      },
    },
    async (req) => {
      const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
      let q = db
        .selectFrom('runs')
        .select([
          'id',
          'model_id',
          'workspace_id',
          'repo',
          'commit_sha',
          'ref',
          'pipeline',
          'verifier',
          'accepted_at',
          'submitted_by',
          'results_count',
          'counts',
          'results_hash',
          'submission_digest',
          'attestation',
          'counting',
          'drift_ids',
          'log_index',
        ])
        .where('model_id', '=', model.id)
      if (req.query.repo !== undefined) q = q.where('repo', '=', req.query.repo.toLowerCase())
      if (req.query.counting !== undefined) q = q.where('counting', '=', req.query.counting)
      if (req.query.cursor) q = q.where('id', '<', req.query.cursor)
      const rows = await q
        .orderBy('id', 'desc')
        .limit(req.query.limit + 1)
        .execute()
      const items = rows.slice(0, req.query.limit)
      return { items, next_cursor: rows.length > req.query.limit ? items.at(-1)!.id : null }
    },
  )

  const runParams = z.strictObject({ m: z.string().max(40), run: z.string().max(40) })
  const loadRun = async (modelId: string, runId: string) => {
    const run = await db
      .selectFrom('runs')
      .selectAll()
      .where('model_id', '=', modelId)
      .where('id', '=', runId)
      .executeTakeFirst()
    if (!run) throw notFound('run')
    return run
  }

  r.get(
    '/api/models/:m/verification/runs/:run',
    { schema: { tags: ['verification'], params: runParams } },
    async (req) => {
      const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
      const { submission: _bytes, attestation_material: _token, ...run } = await loadRun(model.id, req.params.run)
      return run
    },
  )

  r.get(
    '/api/models/:m/verification/runs/:run/results',
    {
      schema: {
        tags: ['verification'],
        params: runParams,
        querystring: z.strictObject({
          tier: z.enum(['1', '2']).optional(),
          result: z.enum(['pass', 'fail', 'error', 'skipped']).optional(),
          limit,
          cursor,
        }),
      },
    },
    async (req) => {
      const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
      await loadRun(model.id, req.params.run)
      let q = db.selectFrom('results').selectAll().where('run_id', '=', req.params.run)
      if (req.query.tier) q = q.where('tier', '=', Number(req.query.tier))
      if (req.query.result) q = q.where('result', '=', req.query.result)
      if (req.query.cursor) q = q.where('id', '>', req.query.cursor)
      const rows = await q
        .orderBy('id')
        .limit(req.query.limit + 1)
        .execute()
      const items = rows.slice(0, req.query.limit)
      return { items, next_cursor: rows.length > req.query.limit ? items.at(-1)!.id : null }
    },
  )

  r.get(
    '/api/models/:m/verification/runs/:run/submission',
    { schema: { tags: ['verification'], params: runParams } },
    async (req, reply) => {
      const { model } = await modelAccess(db, req.principal, req.params.m, 'private')
      const run = await loadRun(model.id, req.params.run)
      return reply
        .header('Content-Type', 'application/json')
        .header('X-Warrant-Digest', run.submission_digest)
        .send(Buffer.from(run.submission))
    },
  )

  r.get(
    '/api/models/:m/drift',
    {
      schema: {
        tags: ['drift'],
        params: mParams,
        querystring: z.strictObject({
          status: z.enum(['open', 'resolved', 'all']).default('open'),
          control_id: z.string().max(40).optional(),
          objective_id: z.string().max(40).optional(),
          repo: repoQuery,
          limit,
          cursor,
        }),
      },
    },
    async (req) => {
      const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
      const qs = req.query
      let q = db.selectFrom('drift_events').selectAll().where('model_id', '=', model.id)
      if (qs.status !== 'all') q = q.where('status', '=', qs.status)
      if (qs.control_id) q = q.where('control_id', '=', qs.control_id)
      if (qs.repo !== undefined) q = q.where('repo', '=', qs.repo.toLowerCase())
      if (qs.cursor) q = q.where('id', '<', qs.cursor)
      let rows = await q
        .orderBy('id', 'desc')
        .limit(qs.limit + 1)
        .execute()
      if (qs.objective_id) rows = rows.filter((d) => (d.objective_ids as string[]).includes(qs.objective_id!))
      const items = rows.slice(0, qs.limit)
      return { items, next_cursor: rows.length > qs.limit ? items.at(-1)!.id : null }
    },
  )

  r.post(
    '/api/models/:m/drift/:dft/acknowledge',
    {
      schema: {
        tags: ['drift'],
        params: z.strictObject({ m: z.string().max(40), dft: z.string().max(40) }),
        body: z.strictObject({ note: text({ min: 1, max: 2048, code: 'validation_failed', what: 'note' }) }),
      },
    },
    async (req) => {
      const { model, userId } = await modelAccess(db, req.principal, req.params.m, 'person_member')
      const d = await db
        .selectFrom('drift_events')
        .selectAll()
        .where('model_id', '=', model.id)
        .where('id', '=', req.params.dft)
        .executeTakeFirst()
      if (!d) throw notFound('drift event')
      const at = nowIso()
      await db
        .updateTable('drift_events')
        .set({ acknowledged_by: userId, acknowledged_at: at, acknowledge_note: req.body.note })
        .where('id', '=', d.id)
        .execute()
      return { ...d, acknowledged_by: userId, acknowledged_at: at, acknowledge_note: req.body.note }
    },
  )

  r.get('/api/models/:m/repos', { schema: { tags: ['verification'], params: mParams } }, async (req) => {
    const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
    return {
      items: await db.selectFrom('repo_states').selectAll().where('model_id', '=', model.id).orderBy('repo').execute(),
    }
  })
}
