import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Selectable } from 'kysely'
import { z } from 'zod'
import { modelAccess } from '../auth/access.js'
import { json } from '../db/open.js'
import type { AuditPackagesTable } from '../db/schema.js'
import { ApiError, notFound } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { newId } from '../ids.js'
import type { ExportParams } from '../services/audit-package.js'
import type { BuildFailure } from '../services/audit-package-builds.js'

const DAY = 86_400_000
const time = z.string().datetime({ precision: 3 })
const mParams = z.strictObject({ m: z.string().max(40) })
const expParams = z.strictObject({ exp: z.string().max(40) })

type Row = Selectable<AuditPackagesTable>

/**
 * Audit packages (PLATFORM.md §5.19, EVIDENCE.md §10). The POST validates and queues a record (`202`, state `queued`);
 * the builder of the server process (services/audit-package-builds.ts) makes it `ready` or `failed`.
 */
export function auditPackageRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const { auditPackages } = ctx

  /** The record; a ready package past `expires_at` shows `expired` before the sweep drops its bytes. */
  const present = (r: Row) => ({
    id: r.id,
    model_id: r.model_id,
    requested_by: r.requested_by,
    params: r.params,
    state:
      r.state === 'ready' && r.expires_at !== null && r.expires_at <= auditPackages.now().toISOString()
        ? 'expired'
        : r.state,
    manifest_digest: r.manifest_digest,
    size_bytes: r.size_bytes,
    created_at: r.created_at,
    ready_at: r.ready_at,
    expires_at: r.expires_at,
    failure: r.failure as BuildFailure | null,
  })

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
      const created = auditPackages.now().toISOString()
      const to = body.to ?? created
      const from = body.from ?? new Date(Date.parse(to) - 90 * DAY).toISOString()
      if (from > to) throw new ApiError(422, 'validation_failed', 'from must not be after to')
      const params: ExportParams = {
        from,
        to,
        repos: body.repos ? [...new Set(body.repos.map((x) => x.toLowerCase()))].sort() : null,
        consistency_from: body.consistency_from ?? [],
      }
      const row: Row = {
        id: newId('exp'),
        model_id: a.model.id,
        workspace_id: a.workspace.id,
        requested_by: a.userId,
        params,
        state: 'queued',
        manifest_digest: null,
        size_bytes: null,
        package: null,
        created_at: created,
        ready_at: null,
        expires_at: null,
        failure: null,
      }
      await db
        .insertInto('audit_packages')
        .values({ ...row, params: json(params) })
        .execute()
      void auditPackages.kick()
      return reply.status(202).send(present(row))
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
