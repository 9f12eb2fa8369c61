import { docDigest, fingerprint, KeyError, publicKeyFromPem, publicKeyPem } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { decodeJwt } from 'jose'
import { sql } from 'kysely'
import { z } from 'zod'
import { workspaceAccess } from '../auth/access.js'
import { json } from '../db/open.js'
import { ApiError, notFound } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { nowIso } from '../ids.js'
import { title } from '../schemas/fields.js'
import { recount } from '../services/counting.js'
import { appendEvent, appendEvents } from '../services/log.js'
import { verifyOidcToken } from '../services/oidc/verify-token.js'
import {
  patchSecurity,
  recordSecurityPolicy,
  type SecuritySettings,
  securityPatch,
} from '../services/security-settings.js'
import { publicWorkspace, type WorkspaceSettings } from '../services/workspaces.js'

const wsParams = z.strictObject({ ws: z.string().max(40) })
const fpParams = wsParams.extend({ fp: z.string().max(80) })

/** Workspace signing keys (PLATFORM.md §5.5) and the attestation requirement (§5.6). */
export function securityRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const keys = (workspaceId: string) =>
    db
      .selectFrom('signing_keys')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('added_at', 'desc')
      .execute()

  r.get('/api/workspaces/:ws/signing-keys', { schema: { tags: ['security'], params: wsParams } }, async (req) => {
    const a = await workspaceAccess(db, req.principal, req.params.ws, 'read')
    const items = await keys(a.workspace.id)
    return { active: items.find((k) => k.status === 'active')?.fingerprint ?? null, items }
  })

  r.get('/api/workspaces/:ws/signing-keys/:fp', { schema: { tags: ['security'], params: fpParams } }, async (req) => {
    const a = await workspaceAccess(db, req.principal, req.params.ws, 'read')
    const key = (await keys(a.workspace.id)).find((k) => k.fingerprint === req.params.fp.replace(/^sha256:/, ''))
    if (!key) throw notFound('signing key')
    return key
  })

  r.post(
    '/api/workspaces/:ws/signing-keys',
    {
      schema: {
        tags: ['security'],
        params: wsParams,
        body: z.strictObject({ public_key_pem: z.string().max(4096), label: title('label') }),
      },
    },
    async (req, reply) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'owner')
      let pem: string
      let fp: string
      try {
        const key = publicKeyFromPem(req.body.public_key_pem, ['ecdsa-p256'])
        pem = publicKeyPem(key)
        fp = fingerprint(key)
      } catch (e) {
        if (e instanceof KeyError)
          throw new ApiError(422, 'public_key_invalid', `${e.message}; upload the SPKI PEM that warrant keygen writes`)
        throw e
      }
      const row = await db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('signing_keys')
          .select('fingerprint')
          .where('fingerprint', '=', fp)
          .executeTakeFirst()
        if (existing)
          throw new ApiError(409, 'key_already_registered', `key ${fp} is already registered; a key is never reused`)
        const now = nowIso()
        const previous = await trx
          .selectFrom('signing_keys')
          .select('fingerprint')
          .where('workspace_id', '=', a.workspace.id)
          .where('status', '=', 'active')
          .executeTakeFirst()
        await trx
          .updateTable('signing_keys')
          .set({ status: 'revoked', revoked_at: now, revocation_reason: 'superseded', superseded_by: fp })
          .where('workspace_id', '=', a.workspace.id)
          .where('status', '=', 'active')
          .execute()
        const created = {
          fingerprint: fp,
          workspace_id: a.workspace.id,
          public_key_pem: pem,
          label: req.body.label,
          status: 'active',
          added_at: now,
          added_by: a.userId,
          revoked_at: null,
          revocation_reason: null,
          compromised_since: null,
          superseded_by: null,
        }
        await trx.insertInto('signing_keys').values(created).execute()
        await appendEvent(trx, {
          chain: a.workspace.id,
          type: 'signing_key.added',
          actor: { kind: 'user', id: a.userId },
          model: null,
          subject: { kind: 'signing_key', id: fp },
          at: now,
          data: { fingerprint: fp, previous_fingerprint: previous?.fingerprint ?? null },
        })
        return created
      })
      return reply.status(201).send(row)
    },
  )

  r.post(
    '/api/workspaces/:ws/signing-keys/:fp/revoke',
    {
      schema: {
        tags: ['security'],
        params: fpParams,
        body: z.strictObject({
          reason: z.enum(['withdrawn', 'compromised']),
          compromised_since: z.iso.datetime({ offset: false }).optional(),
        }),
      },
    },
    async (req) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'owner')
      const b = req.body
      if (b.reason === 'compromised' && !b.compromised_since)
        throw new ApiError(422, 'validation_failed', 'compromised_since is required for a compromised key', {
          errors: [
            { path: '/compromised_since', code: 'validation_failed', message: 'required when reason is compromised' },
          ],
        })
      const since = b.compromised_since ? new Date(b.compromised_since).toISOString() : null
      if (since && since > nowIso())
        throw new ApiError(422, 'validation_failed', 'compromised_since must not be in the future')
      return db.transaction().execute(async (trx) => {
        const fp = req.params.fp.replace(/^sha256:/, '')
        const key = await trx
          .selectFrom('signing_keys')
          .selectAll()
          .where('workspace_id', '=', a.workspace.id)
          .where('fingerprint', '=', fp)
          .executeTakeFirst()
        if (!key) throw notFound('signing key')
        // A superseded key may still be marked compromised later; anything else is revoked only once.
        const upgradable = key.revocation_reason === 'superseded' && b.reason === 'compromised'
        if (key.status === 'revoked' && !upgradable)
          throw new ApiError(409, 'already_revoked', `key ${fp} is already revoked (${key.revocation_reason})`)
        const now = nowIso()
        await trx
          .updateTable('signing_keys')
          .set({
            status: 'revoked',
            revoked_at: key.revoked_at ?? now,
            revocation_reason: b.reason,
            compromised_since: since,
          })
          .where('fingerprint', '=', fp)
          .execute()
        let revoked: { id: string; model_id: string }[] = []
        if (since) {
          const updated = await sql<{ id: string; model_id: string }>`
            update runs set attestation = attestation || ${json({ revoked: true, revoked_reason: 'signing_key_compromised' })}::jsonb
            where workspace_id = ${a.workspace.id} and attestation->>'key_fingerprint' = ${fp} and accepted_at >= ${since}
              and not coalesce((attestation->>'revoked')::boolean, false)
            returning id, model_id`.execute(trx)
          revoked = updated.rows.sort((x, y) => (x.id < y.id ? -1 : 1))
          await recount(trx, a.workspace.id, a.workspace.settings as WorkspaceSettings)
        }
        await appendEvent(trx, {
          chain: a.workspace.id,
          type: 'signing_key.revoked',
          actor: { kind: 'user', id: a.userId },
          model: null,
          subject: { kind: 'signing_key', id: fp },
          at: now,
          data: { fingerprint: fp, reason: b.reason, compromised_since: since, runs_revoked: revoked.length },
        })
        await appendEvents(
          trx,
          revoked.map((run) => ({
            chain: a.workspace.id,
            type: 'run.revoked',
            actor: { kind: 'user' as const, id: a.userId },
            model: run.model_id,
            subject: { kind: 'run', id: run.id },
            at: now,
            data: { run_id: run.id, reason: 'signing_key_compromised', signing_key: fp },
          })),
        )
        const signing_key = await trx
          .selectFrom('signing_keys')
          .selectAll()
          .where('fingerprint', '=', fp)
          .executeTakeFirstOrThrow()
        return { signing_key, runs_revoked: revoked.length }
      })
    },
  )

  r.patch(
    '/api/workspaces/:ws/security',
    { schema: { tags: ['security'], params: wsParams, body: securityPatch } },
    async (req) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'owner')
      const b = req.body
      const security = patchSecurity(a.workspace.security as SecuritySettings, b, ctx.config.allowLoopbackIssuers)
      return db.transaction().execute(async (trx) => {
        await trx
          .updateTable('workspaces')
          .set({ security: json(security) })
          .where('id', '=', a.workspace.id)
          .execute()
        const runs_no_longer_counting = await recount(trx, a.workspace.id, a.workspace.settings as WorkspaceSettings)
        const at = nowIso()
        const logged = await appendEvent(trx, {
          chain: a.workspace.id,
          type: 'security.changed',
          actor: { kind: 'user', id: a.userId },
          model: null,
          subject: { kind: 'workspace', id: a.workspace.id },
          at,
          data: {
            policy_digest: docDigest(security),
            require_attestation: security.require_attestation,
            runs_no_longer_counting,
          },
        })
        await recordSecurityPolicy(trx, a.workspace.id, security, { index: logged.index, at })
        const active = await trx
          .selectFrom('signing_keys')
          .select('fingerprint')
          .where('workspace_id', '=', a.workspace.id)
          .where('status', '=', 'active')
          .executeTakeFirst()
        return {
          ...publicWorkspace({ ...a.workspace, security }, a.role).security,
          active_signing_key: active?.fingerprint ?? null,
          ...(b.require_attestation ? { runs_no_longer_counting } : {}),
        }
      })
    },
  )

  r.post(
    '/api/workspaces/:ws/security/test-token',
    { schema: { tags: ['security'], params: wsParams, body: z.strictObject({ token: z.string().max(16_384) }) } },
    async (req) => {
      const a = await workspaceAccess(db, req.principal, req.params.ws, 'owner')
      // A dry run of EVIDENCE.md §6.7: nothing is stored and the jti is not consumed.
      const out = await verifyOidcToken(db, ctx.oidc, a.workspace.security as SecuritySettings, req.body.token)
      let claims: unknown = null
      try {
        claims = decodeJwt(req.body.token)
      } catch {
        claims = null
      }
      return {
        valid: out.ok,
        issuer: out.ok ? out.issuer : ((claims as { iss?: unknown } | null)?.iss ?? null),
        claims,
        identity: out.ok ? out.identity : null,
        failures: out.ok ? [] : [{ check: out.check, message: out.message }],
      }
    },
  )
}
