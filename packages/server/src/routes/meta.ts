import { RULES_VERSION } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { AppContext } from '../http/app.js'
import { MAX_RESULTS } from '../schemas/results.js'
import { BUNDLE_MEDIA_TYPES } from '../services/attestation.js'
import { VERSION } from '../version.js'
import { CATALOGUE_VERSION, MAX_ASSERTIONS_PER_CALL } from './assertions.js'

export function metaRoutes(app: FastifyInstance, ctx: AppContext, state: { ready: boolean }): void {
  const { db } = ctx.store
  const databaseUp = async () => {
    try {
      await sql`select 1`.execute(db)
      return true
    } catch {
      return false
    }
  }

  app.get('/api/health', { schema: { tags: ['meta'] } }, async (_req, reply) => {
    const database = await databaseUp()
    const ai = ctx.ai.health()
    return reply.status(database ? 200 : 503).send({
      status: database && ctx.evidence.integrity === 'ok' && ai !== 'failing' ? 'ok' : 'degraded',
      checks: {
        database: database ? 'ok' : 'failed',
        log_integrity: ctx.evidence.integrity,
        ai_provider: ai,
      },
    })
  })
  // Liveness and readiness for orchestrators: alive while the process serves; ready once migrated and not stopping.
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }))
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const ok = state.ready && (await databaseUp())
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready' })
  })
  app.get('/api/version', { schema: { tags: ['meta'] } }, async () => ({
    version: VERSION,
    api: 1,
    rules_version: RULES_VERSION,
    catalogue_version: CATALOGUE_VERSION,
  }))
  app.get('/api/verification/config', { schema: { tags: ['meta'] } }, async () => ({
    attestation_audience: ctx.config.attestationAudience,
    accepted_bundle_media_types: BUNDLE_MEDIA_TYPES,
    instance_key_fingerprint: ctx.evidence.instanceKey.fingerprint,
    log_origin: ctx.evidence.origin,
    limits: {
      max_body_bytes: ctx.config.maxBodyBytes,
      max_decoded_bytes: ctx.config.maxDecodedBytes,
      results_per_run: MAX_RESULTS,
      assertions_per_call: MAX_ASSERTIONS_PER_CALL,
    },
    catalogue_version: CATALOGUE_VERSION,
    rules_version: RULES_VERSION,
  }))
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
