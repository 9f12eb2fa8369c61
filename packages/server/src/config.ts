import { resolve } from 'node:path'
import { type AiConfig, aiConfigFromEnv } from './ai/config.js'

/** Server settings, from the environment (PLATFORM.md §5.1, §5.21) with overrides for tests and the CLI. */
export interface ServerConfig {
  dataDir: string
  databaseUrl: string | undefined
  publicUrl: string
  maxBodyBytes: number
  maxDecodedBytes: number
  setupToken: string | undefined
  rateLimits: { results: number; submit: number; write: number; read: number; public: number; login: number }
  sessionIdleHours: number
  sessionAbsoluteDays: number
  workspaceCreation: 'any' | 'admins'
  /** Lower argon2 cost for tests only; never set in production. */
  fastPasswordHashing: boolean
  /** EVIDENCE.md §8.1: base64 of 32 bytes, a file holding it, or the development-only fixed key. */
  masterKey: string | undefined
  masterKeyFile: string | undefined
  insecureMasterKey: boolean
  /** §9.1: the log's origin line, default the public URL's host followed by `/log`. */
  logOrigin: string
  checkpointIntervalMs: number
  /** §9.7: the integrity self-check runs at start-up and then every this many milliseconds (default a day). */
  selfCheckIntervalMs: number
  /** §5.21: the AI provider of coherence, sufficiency and refinement evaluations. */
  ai: AiConfig
  /** EVIDENCE.md §6.7: plain-http issuers on loopback hosts (tests and local development only). */
  allowLoopbackIssuers: boolean
  /** §6.3, §6.7: the `aud` of workspace JWTs and raw OIDC tokens, default the public URL. */
  attestationAudience: string
  /** EVIDENCE.md §6.4: the file listing the pinned Sigstore TrustedRoots; none means keyless bundles are refused. */
  sigstoreTrust: string | undefined
}

const int = (value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback
  if (!/^\d+$/.test(value)) throw new Error(`expected a whole number, got ${JSON.stringify(value)}`)
  return Number(value)
}

export function configFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ServerConfig> = {},
): ServerConfig {
  const publicUrl = overrides.publicUrl ?? env.WARRANT_PUBLIC_URL ?? 'http://127.0.0.1:8080'
  return {
    dataDir: resolve(env.WARRANT_DATA ?? './.warrant'),
    databaseUrl: env.DATABASE_URL || undefined,
    publicUrl,
    maxBodyBytes: int(env.WARRANT_MAX_BODY_BYTES, 4 * 1024 * 1024),
    maxDecodedBytes: int(env.WARRANT_MAX_DECODED_BYTES, 64 * 1024 * 1024),
    setupToken: env.WARRANT_SETUP_TOKEN || undefined,
    rateLimits: {
      results: int(env.WARRANT_RL_RESULTS, 30),
      submit: int(env.WARRANT_RL_SUBMIT, 60),
      write: int(env.WARRANT_RL_WRITE, 120),
      read: int(env.WARRANT_RL_READ, 600),
      public: int(env.WARRANT_RL_PUBLIC, 300),
      login: int(env.WARRANT_RL_LOGIN, 10),
    },
    sessionIdleHours: int(env.WARRANT_SESSION_IDLE_HOURS, 12),
    sessionAbsoluteDays: int(env.WARRANT_SESSION_ABSOLUTE_DAYS, 7),
    workspaceCreation: env.WARRANT_WORKSPACE_CREATION === 'admins' ? 'admins' : 'any',
    fastPasswordHashing: false,
    masterKey: env.WARRANT_MASTER_KEY || undefined,
    masterKeyFile: env.WARRANT_MASTER_KEY_FILE || undefined,
    insecureMasterKey: env.WARRANT_DEV_INSECURE_MASTER_KEY === '1',
    logOrigin: env.WARRANT_LOG_ORIGIN ?? `${new URL(publicUrl).host}/log`,
    checkpointIntervalMs: int(env.WARRANT_LOG_CHECKPOINT_INTERVAL_MS, 1000),
    selfCheckIntervalMs: int(env.WARRANT_LOG_SELF_CHECK_INTERVAL_MS, 24 * 60 * 60 * 1000),
    ai: aiConfigFromEnv(env),
    allowLoopbackIssuers: env.WARRANT_ALLOW_LOOPBACK_ISSUERS === '1',
    attestationAudience: env.WARRANT_ATTESTATION_AUDIENCE || publicUrl,
    sigstoreTrust: env.WARRANT_SIGSTORE_TRUST || undefined,
    ...overrides,
  }
}
