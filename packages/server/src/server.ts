import type { FastifyInstance } from 'fastify'
import pino, { type Logger } from 'pino'
import type { ServerConfig } from './config.js'
import { openStore, type Store } from './db/open.js'
import { buildApp } from './http/app.js'
import { mcpRoutes } from './mcp/http.js'
import { apiKeyRoutes } from './routes/api-keys.js'
import { assertionRoutes } from './routes/assertions.js'
import { auditPackageRoutes } from './routes/audit-packages.js'
import { controlRoutes } from './routes/controls.js'
import { findingRoutes } from './routes/findings.js'
import { importRoutes } from './routes/import-export.js'
import { judgementRoutes } from './routes/judgements.js'
import { logRoutes } from './routes/log.js'
import { metaRoutes } from './routes/meta.js'
import { modelRoutes } from './routes/models.js'
import { promptRoutes } from './routes/prompts.js'
import { reviewQueueRoutes } from './routes/review-queue.js'
import { securityRoutes } from './routes/security.js'
import { prepareSetup, setupAuthRoutes } from './routes/setup-auth.js'
import { userRoutes } from './routes/users.js'
import { verificationRoutes } from './routes/verification.js'
import { workspaceRoutes } from './routes/workspaces.js'
import { configuredMasterKey, type Evidence, startEvidence } from './services/evidence.js'

export interface WarrantServer {
  app: FastifyInstance
  store: Store
  /** The first-run setup token, when no user exists yet. */
  setupToken: string | null
  close(): Promise<void>
}

/** Builds the platform on an opened store: every route, with the store closed when the app closes. */
export async function createServer(
  config: ServerConfig,
  opts: { store?: Store; logger?: Logger | boolean } = {},
): Promise<WarrantServer> {
  // The master key is checked before anything is opened, so a misconfigured start fails fast.
  const master = configuredMasterKey(config)
  const store = opts.store ?? (await openStore(config))
  let evidence: Evidence
  try {
    evidence = await startEvidence(store.db, config, master, typeof opts.logger === 'object' ? opts.logger : undefined)
  } catch (e) {
    if (!opts.store) await store.close()
    throw e
  }
  const ctx = { config, store, evidence }
  const app = await buildApp(ctx, opts.logger ?? false)
  const state = { ready: false }
  metaRoutes(app, ctx, state)
  setupAuthRoutes(app, ctx)
  userRoutes(app, ctx)
  workspaceRoutes(app, ctx)
  apiKeyRoutes(app, ctx)
  securityRoutes(app, ctx)
  modelRoutes(app, ctx)
  importRoutes(app, ctx)
  promptRoutes(app, ctx)
  controlRoutes(app, ctx)
  assertionRoutes(app, ctx)
  judgementRoutes(app, ctx)
  verificationRoutes(app, ctx)
  findingRoutes(app, ctx)
  reviewQueueRoutes(app, ctx)
  logRoutes(app, ctx)
  auditPackageRoutes(app, ctx)
  mcpRoutes(app)
  const setupToken = await prepareSetup(store.db, { dataDir: config.dataDir, presetToken: config.setupToken })
  if (setupToken)
    app.log.warn(
      { setup_token: setupToken },
      'no user exists yet: complete setup with this one-time token (also in WARRANT_DATA/setup-token)',
    )
  app.addHook('onClose', async () => {
    state.ready = false
    await evidence.stop()
    if (!opts.store) await store.close()
  })
  await app.ready()
  state.ready = true
  return { app, store, setupToken, close: () => app.close() }
}

export const defaultLogger = (): Logger => pino({ level: process.env.WARRANT_LOG_LEVEL ?? 'info' })
