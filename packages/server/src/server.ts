import type { FastifyInstance } from 'fastify'
import pino, { type Logger } from 'pino'
import { createAiEvaluations } from './ai/index.js'
import type { WorkerOptions } from './ai/worker.js'
import type { ServerConfig } from './config.js'
import { openStore, type Store } from './db/open.js'
import { buildApp } from './http/app.js'
import { mcpRoutes } from './mcp/http.js'
import { adminRoutes } from './routes/admin.js'
import { apiKeyRoutes } from './routes/api-keys.js'
import { assertionRoutes } from './routes/assertions.js'
import { auditPackageRoutes } from './routes/audit-packages.js'
import { controlRoutes } from './routes/controls.js'
import { evaluationRoutes } from './routes/evaluations.js'
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
import { AuditPackageBuilder, type AuditPackageBuildOptions } from './services/audit-package-builds.js'
import { configuredMasterKey, type Every, type Evidence, everyInterval, startEvidence } from './services/evidence.js'
import { masterKey, rewrapKeys } from './services/instance-keys.js'
import { IssuerKeys } from './services/oidc/issuer-keys.js'
import { purgeExpiredReplayRecords, REPLAY_SWEEP_MS } from './services/replay.js'
import { loadSigstoreTrust } from './services/sigstore/trust.js'

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
  opts: {
    store?: Store
    logger?: Logger | boolean
    /** Tests inject the clock and fetch of attestation checks (EVIDENCE.md §13.1). */
    attestation?: { now?: () => Date; fetch?: typeof fetch }
    /** Tests pin the clock of AI evaluation retries. */
    ai?: WorkerOptions
    /** Tests trigger the periodic log self-check (EVIDENCE.md §9.7) by hand. */
    selfCheckEvery?: Every
    /** Tests pin the clock of audit packages, trigger their sweep by hand and inject a failing build. */
    auditPackages?: Omit<AuditPackageBuildOptions, 'log'>
    /** Tests trigger the sweep of expired replay records (EVIDENCE.md §6.8) by hand; it uses the attestation clock. */
    replaySweepEvery?: Every
  } = {},
): Promise<WarrantServer> {
  // The master key and the Sigstore trust roots are checked before anything is opened, so a misconfigured start
  // fails fast.
  const master = configuredMasterKey(config)
  const sigstoreRoots = loadSigstoreTrust(config.sigstoreTrust)
  const store = opts.store ?? (await openStore(config))
  let evidence: Evidence
  try {
    evidence = await startEvidence(
      store.db,
      config,
      master,
      typeof opts.logger === 'object' ? opts.logger : undefined,
      opts.selfCheckEvery,
    )
  } catch (e) {
    if (!opts.store) await store.close()
    throw e
  }
  const now = opts.attestation?.now ?? (() => new Date())
  const keys = new IssuerKeys({
    fetch: opts.attestation?.fetch ?? fetch,
    now: () => now().getTime(),
    allowLoopback: config.allowLoopbackIssuers,
  })
  const ai = createAiEvaluations(store.db, config.ai, {
    ...opts.ai,
    log: typeof opts.logger === 'object' ? opts.logger : undefined,
  })
  const auditPackages = new AuditPackageBuilder(store.db, evidence, config.publicUrl, {
    ...opts.auditPackages,
    log: typeof opts.logger === 'object' ? opts.logger : undefined,
  })
  const ctx = {
    config,
    store,
    evidence,
    oidc: { keys, audience: config.attestationAudience, now, sigstoreRoots },
    ai,
    auditPackages,
  }
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
  evaluationRoutes(app, ctx)
  verificationRoutes(app, ctx)
  findingRoutes(app, ctx)
  reviewQueueRoutes(app, ctx)
  logRoutes(app, ctx)
  adminRoutes(app, ctx)
  auditPackageRoutes(app, ctx)
  mcpRoutes(app)
  const setupToken = await prepareSetup(store.db, { dataDir: config.dataDir, presetToken: config.setupToken })
  if (setupToken)
    app.log.warn(
      { setup_token: setupToken },
      'no user exists yet: complete setup with this one-time token (also in WARRANT_DATA/setup-token)',
    )
  let stopReplaySweeps: (() => void) | undefined
  app.addHook('onClose', async () => {
    state.ready = false
    ai.stop()
    stopReplaySweeps?.()
    await auditPackages.stop()
    await evidence.stop()
    if (!opts.store) await store.close()
  })
  await app.ready()
  await ai.start()
  await auditPackages.start()
  // Expired `jti` records are deleted by the clock of the token checks that would refuse their tokens anyway (§6.8).
  stopReplaySweeps = (opts.replaySweepEvery ?? everyInterval)(REPLAY_SWEEP_MS, async () => {
    try {
      await purgeExpiredReplayRecords(store.db, now())
    } catch (e) {
      app.log.error({ err: e }, 'the sweep of expired replay records failed')
    }
  })
  state.ready = true
  return { app, store, setupToken, close: () => app.close() }
}

/**
 * `warrant serve --rewrap-keys` (EVIDENCE.md §8.1): re-encrypts every stored key from the master key in
 * `oldMasterKeyFile` to the configured one, in one transaction; a MasterKeyError changes nothing.
 */
export async function rewrapStoredKeys(
  config: ServerConfig,
  oldMasterKeyFile: string,
): Promise<{ rewrapped: number; masterKeyId: string }> {
  const current = configuredMasterKey(config)
  const old = masterKey({ file: oldMasterKeyFile })
  const store = await openStore(config)
  try {
    return { rewrapped: await rewrapKeys(store.db, old, current), masterKeyId: current.id }
  } finally {
    await store.close()
  }
}

export const defaultLogger = (): Logger => pino({ level: process.env.WARRANT_LOG_LEVEL ?? 'info' })
