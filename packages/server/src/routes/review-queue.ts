import { compareReviewItems, controlReviewReasons, tier2VerdictRepos } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { workspaceAccess } from '../auth/access.js'
import type { Principal } from '../auth/principal.js'
import { ApiError } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { cursor, limit } from '../schemas/fields.js'
import { loadModelState } from '../services/state.js'
import type { WorkspaceSettings } from '../services/workspaces.js'

const KINDS = ['control', 'tier2_verdict', 'sufficiency_signoff', 'coherence_check', 'refinement'] as const
const query = z.strictObject({
  model_id: z.string().max(40).optional(),
  kind: z.enum(KINDS).optional(),
  limit,
  cursor,
  workspace_id: z.string().max(40).optional(),
})

type ReviewItem = {
  kind: (typeof KINDS)[number]
  model_id: string
  model_title: string
  control_id: string
  control_title: string
  assertion_id?: string
  repo?: string
  refinement_id?: string
  reasons: string[]
  last_verified_at: string | null
  last_reviewed_at: string | null
  days_since_verified: number | null
  days_since_review: number | null
  open_drift: number
  since: string
}

const days = (since: string | null, now: number) => (since ? Math.floor((now - Date.parse(since)) / 86_400_000) : null)

/** The review queue of PLATFORM.md §4.12, computed on read. */
export function reviewQueueRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store

  const queue = async (principal: Principal, workspaceId: string, q: z.infer<typeof query>) => {
    const a = await workspaceAccess(db, principal, workspaceId, 'read')
    const settings = a.workspace.settings as WorkspaceSettings
    let models = db
      .selectFrom('models')
      .select(['id', 'title'])
      .where('workspace_id', '=', workspaceId)
      .where('archived_at', 'is', null)
    if (q.model_id) models = models.where('id', '=', q.model_id)
    if (principal.kind === 'api_key' && principal.key.model_ids)
      models = models.where('id', 'in', principal.key.model_ids as string[])
    const now = Date.now()
    const items: ReviewItem[] = []
    for (const m of await models.execute()) {
      const state = await loadModelState(db, m.id, settings)
      const pendingRefinements = await db
        .selectFrom('refinements')
        .select(['id', 'control_id', 'created_at'])
        .where('model_id', '=', m.id)
        .where('status', '=', 'pending_review')
        .execute()
      const reviewed = new Set(
        (await db.selectFrom('control_reviews').select('control_id').where('model_id', '=', m.id).execute()).map(
          (x) => x.control_id,
        ),
      )
      for (const c of state.controls.values()) {
        const base = {
          model_id: m.id,
          model_title: m.title,
          control_id: c.row.id,
          control_title: c.row.title,
          last_verified_at: c.row.last_verified_at,
          last_reviewed_at: c.row.last_reviewed_at,
          days_since_verified: days(c.row.last_verified_at, now),
          days_since_review: days(c.row.last_reviewed_at, now),
          open_drift: c.open_drift,
        }
        if (c.row.implementation_status === 'implemented') {
          const reasons = controlReviewReasons({
            last_verified_at: c.row.last_verified_at,
            open_drift: c.open_drift,
            reviewed: reviewed.has(c.row.id),
            now: new Date(now),
            review_max_age_days: settings.review_max_age_days,
          })
          if (reasons.length)
            items.push({
              kind: 'control' as const,
              ...base,
              reasons,
              since: c.row.last_verified_at ?? c.row.created_at,
            })
        }
        if (c.sufficiency.status === 'pending' && c.assertions.length > 0 && settings.sufficiency_mode === 'human')
          items.push({ kind: 'sufficiency_signoff' as const, ...base, reasons: [], since: c.row.updated_at })
        for (const ref of pendingRefinements.filter((x) => x.control_id === c.row.id))
          items.push({
            kind: 'refinement' as const,
            ...base,
            refinement_id: ref.id,
            reasons: [],
            since: ref.created_at,
          })
        for (const e of c.assertions) {
          for (const repo of tier2VerdictRepos(e.evaluation.per_repo))
            items.push({
              kind: 'tier2_verdict' as const,
              ...base,
              assertion_id: e.row.id,
              repo,
              reasons: [],
              since: e.row.created_at,
            })
          // §4.12: incoherent by heuristic, or pending with a failed AI job.
          if (
            (e.coherence.verdict === 'incoherent' && e.coherence.method === 'heuristic') ||
            (e.coherence.verdict === 'pending' && e.coherence.job === 'failed')
          )
            items.push({
              kind: 'coherence_check' as const,
              ...base,
              assertion_id: e.row.id,
              reasons: [],
              since: e.row.created_at,
            })
        }
      }
    }
    const filtered = (q.kind ? items.filter((i) => i.kind === q.kind) : items).sort(compareReviewItems)
    const counts_by_kind = Object.fromEntries(KINDS.map((k) => [k, items.filter((i) => i.kind === k).length]))
    const start = q.cursor ? Number(q.cursor) : 0
    if (!Number.isInteger(start) || start < 0) throw new ApiError(422, 'validation_failed', 'cursor is invalid')
    const pageItems = filtered.slice(start, start + q.limit)
    return {
      items: pageItems,
      counts_by_kind,
      next_cursor: start + q.limit < filtered.length ? String(start + q.limit) : null,
    }
  }

  r.get(
    '/api/workspaces/:ws/review-queue',
    { schema: { tags: ['review-queue'], params: z.strictObject({ ws: z.string().max(40) }), querystring: query } },
    async (req) => queue(req.principal, req.params.ws, req.query),
  )
  r.get('/api/review-queue', { schema: { tags: ['review-queue'], querystring: query } }, async (req) => {
    const p = req.principal
    if (p.kind === 'anonymous') throw new ApiError(401, 'unauthenticated', 'this route needs a session or an API key')
    // A key means its own workspace; naming another one answers 404 like every other route (§1.1).
    const ws = req.query.workspace_id ?? (p.kind === 'api_key' ? p.key.workspace_id : undefined)
    if (!ws) throw new ApiError(422, 'workspace_required', 'pass workspace_id')
    return queue(p, ws, req.query)
  })
}
