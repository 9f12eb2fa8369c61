import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { workspaceAccess } from '../auth/access.js'
import { newApiKey } from '../auth/tokens.js'
import { json } from '../db/open.js'
import { ApiError, notFound } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { nowIso } from '../ids.js'
import { text } from '../schemas/fields.js'
import { apiKeyChanged } from '../services/change-events.js'
import { logActor } from '../services/controls.js'
import { appendEvent } from '../services/log.js'
import { actorOf } from './common.js'

type KeyRow = {
  id: string
  workspace_id: string
  scope: string
  label: string
  model_ids: unknown
  created_by: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
  revoked_by: string | null
}

const publicKey = (k: KeyRow, creatorDisabled: boolean) => ({
  id: k.id,
  workspace_id: k.workspace_id,
  scope: k.scope,
  prefix: k.scope === 'verifier' ? 'wv_' : 'wk_',
  label: k.label,
  model_ids: k.model_ids,
  created_by: k.created_by,
  created_at: k.created_at,
  expires_at: k.expires_at,
  last_used_at: k.last_used_at,
  revoked_at: k.revoked_at,
  revoked_by: k.revoked_by,
  suspended: creatorDisabled,
})

export function apiKeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const wsParams = z.strictObject({ ws: z.string().max(40) })

  r.get('/api/workspaces/:ws/api-keys', { schema: { tags: ['api-keys'], params: wsParams } }, async (req) => {
    const a = await workspaceAccess(db, req.principal, req.params.ws, 'person_member')
    let q = db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.created_by')
      .selectAll('api_keys')
      .select('users.disabled_at')
      .where('api_keys.workspace_id', '=', a.workspace.id)
    if (a.role !== 'owner') q = q.where('api_keys.created_by', '=', a.userId)
    const rows = await q.orderBy('api_keys.created_at', 'desc').execute()
    return { items: rows.map((k) => publicKey(k, k.disabled_at !== null)) }
  })

  r.post(
    '/api/workspaces/:ws/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        params: wsParams,
        body: z.strictObject({
          label: text({ min: 1, max: 100, code: 'title_too_long', what: 'label' }),
          scope: z.enum(['developer', 'verifier']),
          model_ids: z.array(z.string().max(40)).max(100).optional(),
          expires_at: z.iso.datetime({ offset: false }).optional(),
        }),
      },
    },
    async (req, reply) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'person_member')
      if (req.body.scope === 'verifier' && a.role !== 'owner')
        throw new ApiError(403, 'forbidden', 'only workspace owners create verifier keys')
      if (req.body.expires_at && req.body.expires_at <= nowIso())
        throw new ApiError(422, 'validation_failed', 'expires_at must be in the future', {
          errors: [{ path: '/expires_at', code: 'validation_failed', message: 'must be in the future' }],
        })
      if (req.body.model_ids?.length) {
        const found = await db
          .selectFrom('models')
          .select('id')
          .where('workspace_id', '=', a.workspace.id)
          .where('id', 'in', req.body.model_ids)
          .execute()
        const known = new Set(found.map((m) => m.id))
        const errors = req.body.model_ids
          .map((id, i) => ({ id, i }))
          .filter(({ id }) => !known.has(id))
          .map(({ id, i }) => ({
            path: `/model_ids/${i}`,
            code: 'validation_failed',
            message: `no model ${id} in this workspace`,
          }))
        if (errors.length) throw new ApiError(422, 'validation_failed', errors[0]!.message, { errors })
      }
      const key = newApiKey(req.body.scope)
      const row = {
        id: key.id,
        workspace_id: a.workspace.id,
        scope: req.body.scope,
        label: req.body.label,
        model_ids: req.body.model_ids?.length ? json(req.body.model_ids) : null,
        secret_hash: key.hash,
        created_by: a.userId,
        created_at: nowIso(),
        expires_at: req.body.expires_at ? new Date(req.body.expires_at).toISOString() : null,
        last_used_at: null,
        revoked_at: null,
        revoked_by: null,
      }
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('api_keys').values(row).execute()
        await appendEvent(
          trx,
          apiKeyChanged(row, 'created', logActor(actorOf(req.principal, a.userId)), row.created_at),
        )
      })
      return reply
        .status(201)
        .send({ api_key: publicKey({ ...row, model_ids: req.body.model_ids ?? null }, false), secret: key.secret })
    },
  )

  r.delete(
    '/api/workspaces/:ws/api-keys/:key',
    { schema: { tags: ['api-keys'], params: z.strictObject({ ws: z.string().max(40), key: z.string().max(40) }) } },
    async (req, reply) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'person_member')
      const key = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', req.params.key)
        .where('workspace_id', '=', a.workspace.id)
        .executeTakeFirst()
      if (!key) throw notFound('API key')
      // §7: members revoke only keys they created; another person's key is refused like any other missing right.
      if (a.role !== 'owner' && key.created_by !== a.userId)
        throw new ApiError(403, 'forbidden', 'only workspace owners revoke keys created by someone else')
      if (!key.revoked_at)
        await db.transaction().execute(async (trx) => {
          const at = nowIso()
          const revoked = await trx
            .updateTable('api_keys')
            .set({ revoked_at: at, revoked_by: a.userId })
            .where('id', '=', key.id)
            .where('revoked_at', 'is', null)
            .executeTakeFirst()
          if (Number(revoked.numUpdatedRows) === 1)
            await appendEvent(trx, apiKeyChanged(key, 'revoked', logActor(actorOf(req.principal, a.userId)), at))
        })
      return reply.status(204).send()
    },
  )
}
