import { checkFindingTransition, docDigest, parseStrictJson, textDigest } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { modelAccess } from '../auth/access.js'
import type { Db } from '../db/open.js'
import { json, lockModel } from '../db/open.js'
import { ApiError, notFound, validationError } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { newId, nowIso } from '../ids.js'
import { cursor, limit } from '../schemas/fields.js'
import { findingItem, findingPatch } from '../schemas/finding.js'
import { logActor } from '../services/controls.js'
import { withIdempotency } from '../services/idempotency.js'
import { appendEvents } from '../services/log.js'
import { recompute } from '../services/recompute.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import { actorOf, parseJsonMember } from './common.js'

export const MAX_FINDINGS_PER_CALL = 100

/** The value behind a jsonb column value prepared with `json()`. */
const JSON_VALUE = (text: string): unknown => parseStrictJson(text)

type FindingRow = Awaited<ReturnType<typeof loadFinding>>
const present = (f: FindingRow) => ({
  id: f.id,
  model_id: f.model_id,
  control_id: f.control_id,
  title: f.title,
  description: f.description,
  severity: f.severity,
  lifecycle_status: f.lifecycle_status,
  status: f.verified ? 'verified' : f.lifecycle_status,
  checked_locations: f.checked_locations,
  checked_patterns: f.checked_patterns,
  expected_evidence: f.expected_evidence,
  notes: f.notes,
  dismissal_reason: f.dismissal_reason,
  remediation_assertion_ids: f.remediation_assertion_ids,
  source: f.source,
  created_by: f.created_by,
  created_at: f.created_at,
  updated_at: f.updated_at,
  verified_since: f.verified_since,
})

async function loadFinding(db: Db, modelId: string, id: string) {
  const f = await db
    .selectFrom('findings')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!f) throw notFound('finding')
  return f
}

export function findingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const mParams = z.strictObject({ m: z.string().max(40) })
  const fParams = z.strictObject({ m: z.string().max(40), f: z.string().max(40) })

  r.post(
    '/api/models/:m/findings',
    { schema: { tags: ['findings'], params: mParams }, config: { rateClass: 'submit' } },
    async (req, reply) => {
      const p = req.principal
      const { model, workspace, userId } = await modelAccess(db, p, req.params.m, 'author')
      const body = req.body as Record<string, unknown> | null
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new ApiError(422, 'validation_failed', 'the body must be {"findings": [...]}')
      const extra = Object.keys(body).filter((k) => k !== 'findings' && k !== 'findings_json')
      if (extra.length)
        throw validationError(
          extra.map((k) => ({
            path: `/${k}`,
            code: 'unknown_field',
            message: `'${k}' is not a member of this request`,
          })),
        )
      let items = body.findings ?? body.findings_json
      if (typeof items === 'string')
        items = parseJsonMember(items, body.findings !== undefined ? '/findings' : '/findings_json')
      if (!Array.isArray(items) || items.length === 0)
        throw validationError([
          { path: '/findings', code: 'validation_failed', message: 'send 1–100 findings as an array' },
        ])
      if (items.length > MAX_FINDINGS_PER_CALL)
        throw new ApiError(422, 'too_many_findings', `at most ${MAX_FINDINGS_PER_CALL} findings per call`)
      const parsed = z.array(findingItem).safeParse(items)
      if (!parsed.success) {
        const { fieldErrors } = await import('../http/validation.js')
        throw validationError(fieldErrors(parsed.error.issues, '/findings'))
      }
      const acceptSnippets = (workspace.settings as WorkspaceSettings).accept_code_snippets
      const out = await withIdempotency(db, req, async () => {
        const created = await db.transaction().execute(async (trx) => {
          await lockModel(trx, model.id)
          const controls = new Set(
            (
              await trx
                .selectFrom('controls')
                .select('id')
                .where('model_id', '=', model.id)
                .where('deleted_at', 'is', null)
                .execute()
            ).map((c) => c.id),
          )
          const unknown = parsed.data.flatMap((f, i) =>
            controls.has(f.control_id)
              ? []
              : [
                  {
                    path: `/findings/${i}/control_id`,
                    code: 'control_unknown',
                    message: `no active control ${f.control_id}`,
                  },
                ],
          )
          if (unknown.length) throw validationError(unknown)
          let withheld = 0
          const now = nowIso()
          const rows = parsed.data.map((f) => ({
            id: newId('fnd'),
            model_id: model.id,
            control_id: f.control_id,
            title: f.title,
            description: f.description,
            severity: f.severity ?? 'medium',
            lifecycle_status: 'discovered',
            verified: false,
            checked_locations: json(
              (f.checked_locations ?? []).map((l) => {
                if (l.snippet === undefined) return l
                const snippet_digest = textDigest(l.snippet)
                if (acceptSnippets) return { ...l, snippet_digest }
                withheld++
                return { path: l.path, start_line: l.start_line, end_line: l.end_line, snippet_digest }
              }),
            ),
            checked_patterns: json(f.checked_patterns ?? []),
            expected_evidence: f.expected_evidence ?? '',
            notes: '',
            dismissal_reason: null,
            remediation_assertion_ids: json([]),
            source: 'api',
            created_by: json(actorOf(p, userId)),
            created_at: now,
            updated_at: now,
            verified_since: null,
          }))
          await trx.insertInto('findings').values(rows).execute()
          await trx
            .insertInto('finding_events')
            .values(
              rows.map((f) => ({
                finding_id: f.id,
                at: now,
                actor: json(actorOf(p, userId)),
                kind: 'created',
                from_status: null,
                to_status: 'discovered',
                reason: null,
                assertion_ids: null,
                run_id: null,
                drift_id: null,
              })),
            )
            .execute()
          await appendEvents(
            trx,
            rows.map((f) => ({
              chain: model.workspace_id,
              type: 'finding.created',
              actor: logActor(actorOf(p, userId)),
              model: model.id,
              subject: { kind: 'finding', id: f.id },
              at: now,
              data: {
                finding_id: f.id,
                control_id: f.control_id,
                severity: f.severity,
                content_digest: docDigest({
                  control_id: f.control_id,
                  title: f.title,
                  description: f.description,
                  severity: f.severity,
                  checked_locations: JSON_VALUE(f.checked_locations),
                  checked_patterns: JSON_VALUE(f.checked_patterns),
                  expected_evidence: f.expected_evidence,
                }),
              },
            })),
          )
          const stored = await trx
            .selectFrom('findings')
            .selectAll()
            .where(
              'id',
              'in',
              rows.map((f) => f.id),
            )
            .orderBy('id')
            .execute()
          return { items: stored.map(present), snippets_withheld: withheld }
        })
        return { status: 201, body: created }
      })
      return reply.status(out.status).headers(out.headers).send(out.body)
    },
  )

  r.get(
    '/api/models/:m/findings',
    {
      schema: {
        tags: ['findings'],
        params: mParams,
        querystring: z.strictObject({
          control_id: z.string().max(40).optional(),
          status: z.enum(['discovered', 'acknowledged', 'remediated', 'dismissed', 'verified']).optional(),
          severity: z.enum(['critical', 'high', 'medium', 'low', 'info']).optional(),
          limit,
          cursor,
        }),
      },
    },
    async (req) => {
      const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
      let q = db.selectFrom('findings').selectAll().where('model_id', '=', model.id)
      if (req.query.control_id) q = q.where('control_id', '=', req.query.control_id)
      if (req.query.severity) q = q.where('severity', '=', req.query.severity)
      if (req.query.status === 'verified') q = q.where('verified', '=', true)
      else if (req.query.status) q = q.where('lifecycle_status', '=', req.query.status).where('verified', '=', false)
      if (req.query.cursor) q = q.where('id', '<', req.query.cursor)
      const rows = await q
        .orderBy('id', 'desc')
        .limit(req.query.limit + 1)
        .execute()
      const items = rows.slice(0, req.query.limit).map(present)
      return { items, next_cursor: rows.length > req.query.limit ? items.at(-1)!.id : null }
    },
  )

  r.get('/api/models/:m/findings/:f', { schema: { tags: ['findings'], params: fParams } }, async (req) => {
    const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
    return present(await loadFinding(db, model.id, req.params.f))
  })

  r.get('/api/models/:m/findings/:f/history', { schema: { tags: ['findings'], params: fParams } }, async (req) => {
    const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
    await loadFinding(db, model.id, req.params.f)
    const rows = await db
      .selectFrom('finding_events')
      .selectAll()
      .where('finding_id', '=', req.params.f)
      .orderBy('seq')
      .execute()
    return {
      items: rows.map(({ seq: _seq, from_status, to_status, ...e }) => ({ ...e, from: from_status, to: to_status })),
    }
  })

  r.patch(
    '/api/models/:m/findings/:f',
    {
      schema: {
        tags: ['findings'],
        params: fParams,
        body: findingPatch,
      },
    },
    async (req) => {
      const p = req.principal
      const { model, workspace, userId } = await modelAccess(db, p, req.params.m, 'author')
      const b = req.body
      const settings = workspace.settings as WorkspaceSettings
      const actor = json(actorOf(p, userId))
      return db.transaction().execute(async (trx) => {
        await lockModel(trx, model.id)
        const f = await loadFinding(trx, model.id, req.params.f)
        const now = nowIso()
        const events: {
          kind: string
          from_status?: string
          to_status?: string
          reason?: string | null
          assertion_ids?: string
        }[] = []
        let linked = f.remediation_assertion_ids as string[]
        const link = [...(b.link_assertion_ids ?? []), ...(b.remediation_assertion_ids ?? [])]
        const unlink = b.unlink_assertion_ids ?? []
        if (link.length || unlink.length) {
          if (f.lifecycle_status === 'dismissed')
            throw new ApiError(409, 'invalid_transition', 'a dismissed finding cannot be linked to assertions')
          if (link.length) {
            const found = await trx
              .selectFrom('assertions')
              .select('id')
              .where('model_id', '=', model.id)
              .where('id', 'in', link)
              .execute()
            const known = new Set(found.map((a) => a.id))
            const missing = link.filter((id) => !known.has(id))
            if (missing.length)
              throw new ApiError(422, 'assertion_not_in_model', `not assertions of this model: ${missing.join(', ')}`)
          }
          const before = new Set(linked)
          linked = [...new Set([...linked.filter((id) => !unlink.includes(id)), ...link])]
          const added = linked.filter((id) => !before.has(id))
          const removed = [...before].filter((id) => !linked.includes(id))
          if (added.length) events.push({ kind: 'linked', assertion_ids: json(added) })
          if (removed.length) events.push({ kind: 'unlinked', assertion_ids: json(removed) })
        }
        let lifecycle = f.lifecycle_status
        let dismissal = f.dismissal_reason
        if (b.status !== undefined) {
          const check = checkFindingTransition(f.lifecycle_status as 'discovered', b.status, b.reason)
          if (!check.ok) throw new ApiError(check.status, check.code, check.message)
          if (b.status === 'dismissed') {
            if (p.kind === 'api_key' && !settings.keys_may_dismiss_findings)
              throw new ApiError(
                403,
                'dismissal_requires_person',
                'API keys may not dismiss findings in this workspace; a person must',
              )
            if (Buffer.byteLength(b.reason ?? '') < 20)
              throw new ApiError(422, 'reason_required', 'dismissing needs a reason of at least 20 bytes')
            dismissal = b.reason!
          }
          events.push({
            kind: 'transitioned',
            from_status: f.lifecycle_status,
            to_status: b.status,
            reason: b.reason ?? null,
          })
          lifecycle = b.status
        }
        if (b.notes !== undefined) events.push({ kind: 'noted' })
        await trx
          .updateTable('findings')
          .set({
            lifecycle_status: lifecycle,
            dismissal_reason: dismissal,
            remediation_assertion_ids: json(linked),
            ...(b.notes !== undefined ? { notes: b.notes } : {}),
            updated_at: now,
          })
          .where('id', '=', f.id)
          .execute()
        if (events.length)
          await trx
            .insertInto('finding_events')
            .values(
              events.map((e) => ({
                finding_id: f.id,
                at: now,
                actor,
                kind: e.kind,
                from_status: e.from_status ?? null,
                to_status: e.to_status ?? null,
                reason: e.reason ?? null,
                assertion_ids: e.assertion_ids ?? null,
                run_id: null,
                drift_id: null,
              })),
            )
            .execute()
        const logged = events.flatMap((e): { type: string; data: Record<string, unknown> }[] =>
          e.kind === 'transitioned'
            ? [
                {
                  type: 'finding.transitioned',
                  data: {
                    finding_id: f.id,
                    from: e.from_status,
                    to: e.to_status,
                    reason_digest: e.reason ? textDigest(e.reason) : null,
                  },
                },
              ]
            : e.kind === 'linked' || e.kind === 'unlinked'
              ? [
                  {
                    type: 'finding.linked',
                    data: {
                      finding_id: f.id,
                      linked: e.kind === 'linked' ? JSON_VALUE(e.assertion_ids!) : [],
                      unlinked: e.kind === 'unlinked' ? JSON_VALUE(e.assertion_ids!) : [],
                    },
                  },
                ]
              : [],
        )
        await appendEvents(
          trx,
          logged.map((e) => ({
            chain: model.workspace_id,
            type: e.type,
            actor: logActor(actorOf(p, userId)),
            model: model.id,
            subject: { kind: 'finding', id: f.id },
            at: now,
            data: e.data,
          })),
        )
        await recompute(trx, model.id, settings)
        return present(await loadFinding(trx, model.id, f.id))
      })
    },
  )
}
