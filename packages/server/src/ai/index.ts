import { tier2Provider } from '@warrant/verifier'
import type { Logger } from 'pino'
import type { Db } from '../db/open.js'
import type { AiConfig } from './config.js'
import { EvaluationWorker, type WorkerOptions } from './worker.js'

/** The instance's AI evaluations as routes see them: whether a provider exists, and the worker's queue. */
export interface AiEvaluations {
  config: AiConfig
  /** Wakes the worker after a commit that queued jobs. */
  kick(): void
  /** Waits for the listed jobs up to `WARRANT_AI_SYNC_BUDGET_MS` (§5.11 step 6). */
  waitForJobs(jobIds: readonly string[]): Promise<void>
  /** `/api/health` `checks.ai_provider`. */
  health(): 'not_configured' | 'configured' | 'ok' | 'failing'
  start(): Promise<void>
  stop(): void
}

export function createAiEvaluations(
  db: Db,
  config: AiConfig,
  options: WorkerOptions & { log?: Logger | undefined } = {},
): AiEvaluations {
  const worker =
    config.provider === 'none'
      ? undefined
      : new EvaluationWorker(
          db,
          tier2Provider({
            provider: config.provider,
            model: config.model,
            ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
            ...(config.apiKey ? { apiKey: config.apiKey } : {}),
            timeoutMs: config.timeoutMs,
            // Retries are the job's, with the backoff of §4.6, each recorded.
            maxRetries: 0,
          }),
          config.model,
          options,
        )
  return {
    config,
    kick: () => worker?.kick(),
    waitForJobs: (ids) => worker?.waitFor(ids, config.syncBudgetMs) ?? Promise.resolve(),
    health: () => (worker ? (worker.lastCall ?? 'configured') : 'not_configured'),
    start: () => worker?.start() ?? Promise.resolve(),
    stop: () => worker?.stop(),
  }
}
