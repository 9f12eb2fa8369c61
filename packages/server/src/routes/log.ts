import {
  consistencyProof,
  ecPublicJwk,
  formatTlogProof,
  inclusionProof,
  parseStrictJsonBytes,
  publicKeyPem,
  verifierKey,
} from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { workspaceAccess } from '../auth/access.js'
import { ApiError } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { spkiPublicKey as keyOf } from '../services/instance-keys.js'
import { cachedTree } from '../services/log-tree.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const size = z.coerce
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1)

/** Public keys, checkpoints, proofs and entries of the transparency log (PLATFORM.md §5.20, EVIDENCE.md §9.6). */
export function logRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store
  const publicRoute = { config: { rateClass: 'public' as const } }

  const keyRows = () =>
    db
      .selectFrom('instance_keys')
      .select(['purpose', 'fingerprint', 'public_spki', 'status', 'created_at', 'retired_at', 'log_index'])
      .orderBy('created_at', 'desc')
      .orderBy('log_index', 'desc')
      .execute()

  r.get('/.well-known/jwks', { schema: { hide: true }, ...publicRoute }, async (_req, reply) => {
    const rows = (await keyRows()).filter((k) => k.purpose === 'instance')
    reply.header('Cache-Control', 'public, max-age=300')
    return {
      keys: rows.map((k) => ({
        ...ecPublicJwk(keyOf(k.public_spki)),
        warrant_status: ctx.evidence.master.insecure ? 'insecure' : k.status,
        warrant_created_at: k.created_at,
        warrant_retired_at: k.retired_at,
        warrant_log_index: k.log_index,
      })),
    }
  })

  r.get('/api/keys', { schema: { tags: ['log'] }, ...publicRoute }, async () => {
    const rows = await keyRows()
    const pem = (k: (typeof rows)[number]) => publicKeyPem(keyOf(k.public_spki))
    const base = (k: (typeof rows)[number]) => ({
      fingerprint: k.fingerprint,
      public_key_pem: pem(k),
      status: k.status,
      created_at: k.created_at,
      retired_at: k.retired_at,
      log_index: k.log_index,
    })
    return {
      instance_keys: rows.filter((k) => k.purpose === 'instance').map(base),
      log_keys: rows
        .filter((k) => k.purpose === 'log')
        .map((k) => {
          const vkey = verifierKey(ctx.evidence.origin, keyOf(k.public_spki))
          return { name: ctx.evidence.origin, key_id: vkey.split('+')[1], vkey, ...base(k) }
        }),
    }
  })

  const checkpointAt = async (treeSize?: number) => {
    let q = db.selectFrom('log_checkpoints').selectAll()
    q = treeSize === undefined ? q.orderBy('tree_size', 'desc').limit(1) : q.where('tree_size', '=', treeSize)
    return q.executeTakeFirst()
  }

  const signedCheckpoint = async (treeSize?: number) => {
    const checkpoint = await checkpointAt(treeSize)
    if (!checkpoint) throw new ApiError(422, 'tree_size_invalid', 'tree_size must be the size of a signed checkpoint')
    return checkpoint
  }

  /** The audit path of entry `index` in the tree of a signed size; 404 when the tree has no such entry. */
  const inclusion = async (treeSize: number, index: number | undefined) => {
    if (index === undefined || index >= treeSize)
      throw new ApiError(404, 'entry_not_found', 'no such entry in the tree of that size')
    const tree = await cachedTree(db, treeSize, { leaves: [index] })
    return { index, tree, hashes: inclusionProof(tree, index, treeSize) }
  }

  r.get('/api/log/checkpoint', { schema: { tags: ['log'] }, ...publicRoute }, async (_req, reply) => {
    const latest = await checkpointAt()
    if (!latest) throw new ApiError(503, 'checkpoint_unavailable', 'no checkpoint has been signed yet')
    return reply.header('Content-Type', 'text/plain; charset=utf-8').send(latest.note)
  })

  r.get(
    '/api/log/checkpoints',
    {
      schema: {
        tags: ['log'],
        querystring: z.strictObject({
          min_size: size.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
      ...publicRoute,
    },
    async (req) => {
      let q = db.selectFrom('log_checkpoints').selectAll()
      if (req.query.min_size !== undefined) q = q.where('tree_size', '>=', req.query.min_size)
      const rows = await q.orderBy('tree_size', 'desc').limit(req.query.limit).execute()
      return {
        items: rows.map((c) => ({
          tree_size: c.tree_size,
          root_hash: hex(c.root),
          note: c.note,
          created_at: c.created_at,
        })),
      }
    },
  )

  r.get(
    '/api/log/proof/inclusion',
    {
      schema: {
        tags: ['log'],
        querystring: z.strictObject({
          index: size.optional(),
          leaf_hash: z
            .string()
            .regex(/^[0-9a-f]{64}$/)
            .optional(),
          tree_size: size.optional(),
        }),
      },
      ...publicRoute,
    },
    async (req) => {
      const checkpoint = await signedCheckpoint(req.query.tree_size)
      let wanted = req.query.index
      if (wanted === undefined && req.query.leaf_hash) {
        const row = await db
          .selectFrom('log_leaves')
          .select('idx')
          .where('leaf_hash', '=', Buffer.from(req.query.leaf_hash, 'hex'))
          .executeTakeFirst()
        wanted = row?.idx
      }
      const { index, tree, hashes } = await inclusion(checkpoint.tree_size, wanted)
      return {
        origin: ctx.evidence.origin,
        index,
        tree_size: checkpoint.tree_size,
        leaf_hash: hex(tree.range(index, index + 1)),
        hashes: hashes.map(hex),
        checkpoint: checkpoint.note,
      }
    },
  )

  // The same proof as an offline C2SP tlog-proof file (EVIDENCE.md §9.6); the leaf itself is fetched separately.
  r.get(
    '/api/log/proof/tlog/:index',
    {
      schema: {
        tags: ['log'],
        params: z.strictObject({ index: size }),
        querystring: z.strictObject({ tree_size: size.optional() }),
      },
      ...publicRoute,
    },
    async (req, reply) => {
      const checkpoint = await signedCheckpoint(req.query.tree_size)
      const { index } = req.params
      const { hashes } = await inclusion(checkpoint.tree_size, index)
      return reply
        .header('Content-Type', 'text/plain; charset=utf-8')
        .send(formatTlogProof({ index, hashes, checkpoint: checkpoint.note }))
    },
  )

  r.get(
    '/api/log/proof/consistency',
    { schema: { tags: ['log'], querystring: z.strictObject({ first: size, second: size }) }, ...publicRoute },
    async (req) => {
      const [first, second] = await Promise.all([checkpointAt(req.query.first), checkpointAt(req.query.second)])
      if (!first || !second || req.query.first > req.query.second || req.query.first < 1)
        throw new ApiError(
          422,
          'tree_size_invalid',
          'first and second must be sizes of signed checkpoints with 1 ≤ first ≤ second',
        )
      const tree = await cachedTree(db, second.tree_size, { prefixes: [first.tree_size] })
      return {
        origin: ctx.evidence.origin,
        first: first.tree_size,
        second: second.tree_size,
        hashes: consistencyProof(tree, first.tree_size, second.tree_size).map(hex),
        first_checkpoint: first.note,
        second_checkpoint: second.note,
      }
    },
  )

  r.get(
    '/api/log/entries/:index',
    { schema: { tags: ['log'], params: z.strictObject({ index: size }) } },
    async (req) => {
      const entry = await db.selectFrom('log_leaves').selectAll().where('idx', '=', req.params.index).executeTakeFirst()
      if (!entry) throw new ApiError(404, 'entry_not_found', 'no log entry with this index')
      if (entry.chain !== '_instance') {
        try {
          await workspaceAccess(db, req.principal, entry.chain, 'read')
        } catch (e) {
          if (e instanceof ApiError && e.status !== 401)
            throw new ApiError(404, 'entry_not_found', 'no log entry with this index')
          throw e
        }
      }
      return {
        index: entry.idx,
        leaf: Buffer.from(entry.leaf).toString('base64'),
        leaf_hash: hex(entry.leaf_hash),
        record: parseStrictJsonBytes(entry.leaf),
      }
    },
  )
}
