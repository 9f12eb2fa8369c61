import { publicKeyPem, verifierKey } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppContext } from '../http/app.js'
import { type KeyPurpose, spkiPublicKey } from '../services/instance-keys.js'
import { VERSION } from '../version.js'
import { instanceAdmin } from './users.js'

const confirm = z.strictObject({ confirm: z.literal(true) })

/**
 * Instance administration (PLATFORM.md §5.21): the status page, the instance keys, and the rotation of the instance
 * key and the log key (EVIDENCE.md §8.2). Instance admins only; private keys never leave the evidence service.
 */
export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store

  r.get('/api/admin/status', { schema: { tags: ['admin'] } }, async (req) => {
    instanceAdmin(req.principal)
    const latest = await db
      .selectFrom('log_checkpoints')
      .select(['tree_size', 'created_at'])
      .orderBy('tree_size', 'desc')
      .limit(1)
      .executeTakeFirst()
    const ai = ctx.ai.config
    const health = ctx.ai.health()
    return {
      version: VERSION,
      database: { kind: ctx.store.kind },
      ai_provider:
        ai.provider === 'none'
          ? { kind: 'none', model: null, host: null, reachable: null }
          : {
              kind: ai.provider,
              model: ai.model,
              // Without a base URL the provider's own endpoint is used.
              host: ai.baseUrl ? new URL(ai.baseUrl).host : null,
              // Known only after a call: the outcome of the latest one.
              reachable: health === 'ok' ? true : health === 'failing' ? false : null,
            },
      sigstore_trust_roots: ctx.oidc.sigstoreRoots.map(({ name, sha256, thresholds, issuers }) => ({
        name,
        sha256,
        thresholds,
        issuers,
      })),
      log: {
        origin: ctx.evidence.origin,
        tree_size: latest?.tree_size ?? 0,
        last_checkpoint_at: latest?.created_at ?? null,
        integrity: ctx.evidence.integrity,
      },
      instance_key_fingerprint: ctx.evidence.instanceKey.fingerprint,
      master_key_id: ctx.evidence.master.id,
    }
  })

  /** Keys as §5.21 lists them, newest first; `fingerprint` picks one. */
  const keyItems = async (purpose: KeyPurpose, fingerprint?: string) => {
    let q = db
      .selectFrom('instance_keys')
      .select(['fingerprint', 'public_spki', 'status', 'created_at', 'retired_at'])
      .where('purpose', '=', purpose)
    if (fingerprint) q = q.where('fingerprint', '=', fingerprint)
    const rows = await q.orderBy('created_at', 'desc').orderBy('log_index', 'desc').execute()
    return rows.map(({ public_spki, ...k }) => ({
      fingerprint: k.fingerprint,
      public_key_pem: publicKeyPem(spkiPublicKey(public_spki)),
      status: k.status,
      created_at: k.created_at,
      retired_at: k.retired_at,
    }))
  }

  r.get('/api/admin/instance-keys', { schema: { tags: ['admin'] } }, async (req) => {
    instanceAdmin(req.principal)
    return { items: await keyItems('instance') }
  })

  r.post('/api/admin/instance-keys/rotate', { schema: { tags: ['admin'], body: confirm } }, async (req, reply) => {
    const s = instanceAdmin(req.principal)
    const key = await ctx.evidence.rotate('instance', { kind: 'user', id: s.user.id })
    return reply.status(201).send((await keyItems('instance', key.fingerprint))[0])
  })

  r.post('/api/admin/log-keys/rotate', { schema: { tags: ['admin'], body: confirm } }, async (req, reply) => {
    const s = instanceAdmin(req.principal)
    const key = await ctx.evidence.rotate('log', { kind: 'user', id: s.user.id })
    const vkey = verifierKey(ctx.evidence.origin, key.publicKey)
    return reply.status(201).send({
      name: ctx.evidence.origin,
      key_id: vkey.split('+')[1],
      vkey,
      ...(await keyItems('log', key.fingerprint))[0],
    })
  })
}
