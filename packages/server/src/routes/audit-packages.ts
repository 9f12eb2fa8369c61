import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Selectable } from 'kysely'
import { z } from 'zod'
import { modelAccess } from '../auth/access.js'
import { json } from '../db/open.js'
import type { AuditPackagesTable } from '../db/schema.js'
import { ApiError, notFound } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { newId, nowIso } from '../ids.js'
import { buildAuditPackage, type ExportParams } from '../services/audit-package.js'
import { appendEvent } from '../services/log.js'

const DAY = 86_400_000
const time = z.string().datetime({ precision: 3 })
const mParams = z.strictObject({ m: z.string().max(40) })
const expParams = z.strictObject({ exp: z.string().max(40) })

type Row = Selectable<AuditPackagesTable>

const present = (r: Row) => ({
  id: r.id,
  model_id: r.model_id,
  requested_by: r.requested_by,
  params: r.params,
  state: r.expires_at !== null && r.expires_at < nowIso() ? 'expired' : r.state,
  manifest_digest: r.manifest_digest,
  size_bytes: r.size_bytes,
  created_at: r.created_at,
  ready_at: r.ready_at,
  expires_at: r.expires_at,
})

/**
 * Audit packages (PLATFORM.md §5.19, EVIDENCE.md §10). This slice builds the package synchronously inside the request
 * and answers `201` with the record already `ready`; queued building is a later step.
 */
export function auditPackageRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store

  r.post(
    '/api/models/:m/audit-packages',
    {
      schema: {
        tags: ['audit'],
        params: mParams,
        body: z
          .strictObject({
            from: time.optional(),
            to: time.optional(),
            repos: z.array(z.string().max(256)).max(100).optional(),
            consistency_from: z
              .array(
                z
                  .number()
                  .int()
                  .min(1)
                  .max(2 ** 31 - 1),
              )
              .max(16)
              .optional(),
          })
          .optional(),
      },
    },
    async (req, reply) => {
      const a = await modelAccess(db, req.principal, req.params.m, 'export')
      const body = req.body ?? {}
      const to = body.to ?? nowIso()
      const from = body.from ?? new Date(Date.parse(to) - 90 * DAY).toISOString()
      if (from > to) throw new ApiError(422, 'validation_failed', 'from must not be after to')
      const params: ExportParams = {
        from,
        to,
        repos: body.repos ? [...new Set(body.repos.map((x) => x.toLowerCase()))].sort() : null,
        consistency_from: body.consistency_from ?? [],
      }
      const id = newId('exp')
      const built = await buildAuditPackage(db, ctx.evidence, {
        packageId: id,
        publicUrl: ctx.config.publicUrl,
        workspace: a.workspace,
        model: a.model,
        userId: a.userId,
        params,
      })
      const created = nowIso()
      const row: Row = {
        id,
        model_id: a.model.id,
        workspace_id: a.workspace.id,
        requested_by: a.userId,
        params,
        state: 'ready',
        manifest_digest: built.manifest_digest,
        size_bytes: built.bytes.length,
        package: built.bytes,
        created_at: created,
        ready_at: created,
        expires_at: new Date(Date.parse(created) + 7 * DAY).toISOString(),
      }
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('audit_packages')
          .values({ ...row, params: json(params) })
          .execute()
        await appendEvent(trx, {
          chain: a.workspace.id,
          type: 'audit_package.exported',
          actor: { kind: 'user', id: a.userId },
          model: a.model.id,
          subject: { kind: 'audit_package', id },
          data: { package_id: id, model_id: a.model.id, manifest_digest: built.manifest_digest },
          at: created,
        })
      })
      ctx.evidence.scheduleCheckpoint()
      return reply.status(201).send(present(row))
    },
  )

  r.get('/api/models/:m/audit-packages', { schema: { tags: ['audit'], params: mParams } }, async (req) => {
    const a = await modelAccess(db, req.principal, req.params.m, 'export')
    const rows = await db
      .selectFrom('audit_packages')
      .selectAll()
      .where('model_id', '=', a.model.id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute()
    return { items: rows.map(present) }
  })

  const load = async (req: { principal: Parameters<typeof modelAccess>[1] }, exp: string) => {
    const row = await db.selectFrom('audit_packages').selectAll().where('id', '=', exp).executeTakeFirst()
    if (!row) throw notFound('audit package')
    try {
      await modelAccess(db, req.principal, row.model_id, 'export')
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw notFound('audit package')
      throw e
    }
    return row
  }

  r.get('/api/audit-packages/:exp', { schema: { tags: ['audit'], params: expParams } }, async (req) =>
    present(await load(req, req.params.exp)),
  )

  r.get('/api/audit-packages/:exp/download', { schema: { tags: ['audit'], params: expParams } }, async (req, reply) => {
    const row = await load(req, req.params.exp)
    const shown = present(row)
    if (shown.state === 'expired') throw new ApiError(410, 'export_expired', 'the package expired; export again')
    if (shown.state !== 'ready' || !row.package)
      throw new ApiError(409, 'export_not_ready', `the package is ${shown.state}`)
    return reply
      .header('Content-Type', 'application/json')
      .header('Content-Disposition', `attachment; filename="${row.id}.warrant-audit.json"`)
      .send(Buffer.from(row.package))
  })
}
