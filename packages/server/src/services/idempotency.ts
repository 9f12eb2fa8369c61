import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { credentialId } from '../auth/principal.js'
import type { Db } from '../db/open.js'
import { json } from '../db/open.js'
import { ApiError } from '../errors.js'

const KEY = /^[\x21-\x7e]{1,128}$/
const TTL_MS = 24 * 3_600_000

export interface Outcome {
  status: number
  body: unknown
  headers?: Record<string, string>
}

/**
 * Idempotency-Key handling (PLATFORM.md §5.1): per credential, the same key and body replay the stored response with
 * `Idempotent-Replayed: true`; the same key with another body is `409 idempotency_key_reused`.
 */
export async function withIdempotency(
  db: Db,
  req: FastifyRequest,
  run: () => Promise<Outcome>,
): Promise<Required<Outcome>> {
  const key = req.headers['idempotency-key']
  if (key === undefined) return { headers: {}, ...(await run()) }
  if (typeof key !== 'string' || !KEY.test(key))
    throw new ApiError(422, 'validation_failed', 'Idempotency-Key must be 1–128 printable ASCII characters')
  const credential = credentialId(req.principal, req.ip)
  const digest = createHash('sha256')
    .update(`${req.method} ${req.url.split('?')[0]}\n`)
    .update(req.rawBody ?? Buffer.alloc(0))
    .digest('hex')
  const now = new Date().toISOString()
  const stored = await db
    .selectFrom('idempotency_records')
    .selectAll()
    .where('credential_id', '=', credential)
    .where('key', '=', key)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  if (stored) {
    if (stored.request_digest !== digest)
      throw new ApiError(
        409,
        'idempotency_key_reused',
        'this Idempotency-Key was used with a different request body; use a new key',
      )
    return { status: stored.status, body: stored.response, headers: { 'Idempotent-Replayed': 'true' } }
  }
  const outcome = await run()
  await db
    .insertInto('idempotency_records')
    .values({
      credential_id: credential,
      key,
      request_digest: digest,
      status: outcome.status,
      response: json(outcome.body),
      expires_at: new Date(Date.now() + TTL_MS).toISOString(),
    })
    .onConflict((oc) =>
      oc.columns(['credential_id', 'key']).doUpdateSet({
        request_digest: digest,
        status: outcome.status,
        response: json(outcome.body),
        expires_at: new Date(Date.now() + TTL_MS).toISOString(),
      }),
    )
    .execute()
  return { headers: {}, ...outcome }
}
