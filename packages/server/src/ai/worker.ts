import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { parseEvaluationAnswer } from '@warrant/core'
import type { Tier2Provider } from '@warrant/verifier'
import type { Logger } from 'pino'
import type { Db } from '../db/open.js'
import { lockModel } from '../db/open.js'
import type { EvaluationJobsTable } from '../db/schema.js'
import { recompute } from '../services/recompute.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import { prepare } from './subjects.js'

/** §9.3: at most two provider calls at a time per workspace. */
export const MAX_CALLS_PER_WORKSPACE = 2
/** §4.6: retries after 1 min, 5 min, 30 min, then every 6 h. */
export const BACKOFF_MS = [60_000, 300_000, 1_800_000, 21_600_000]

type Job = Pick<EvaluationJobsTable, 'kind' | 'model_id' | 'subject_id' | 'workspace_id'> & {
  id: string
  attempts: number
}

export interface WorkerOptions {
  /** The clock of `next_attempt_at`; tests pin it. */
  now?: () => Date
  /** How often due retries are looked for when nothing wakes the worker. */
  pollMs?: number
  log?: Logger | undefined
}

/**
 * Runs the queued AI evaluations of the server process (PLATFORM.md §2.4 EvaluationJob). Jobs live in the database:
 * a start first returns jobs a stopped process left `running` to the queue. A job is claimed with a conditional update,
 * so several processes may share one database. Any failure (transport, timeout, an answer that does not parse or
 * violates the schema) leaves the verdict pending with `last_error` and schedules a retry; it never yields a verdict.
 */
export class EvaluationWorker {
  private readonly events = new EventEmitter()
  private readonly running = new Map<string, number>()
  private readonly inFlight = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private pass: Promise<void> | undefined
  private again = false
  private stopped = true
  /** Whether the last provider call got an answer (parsed or not), for the health check; null before any call. */
  lastCall: 'ok' | 'failing' | null = null
  private readonly now: () => Date
  private readonly pollMs: number

  constructor(
    private readonly db: Db,
    private readonly provider: Tier2Provider,
    private readonly model: string,
    private readonly options: WorkerOptions = {},
  ) {
    this.now = options.now ?? (() => new Date())
    this.pollMs = options.pollMs ?? 5_000
    this.events.setMaxListeners(0)
  }

  async start(): Promise<void> {
    await this.db
      .updateTable('evaluation_jobs')
      .set({ state: 'queued', updated_at: this.now().toISOString() })
      .where('state', '=', 'running')
      .execute()
    this.stopped = false
    this.kick()
  }

  /** Stops claiming jobs; a call in flight is abandoned (its job is resumed by the next start). */
  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  /** Looks for due jobs now (after a commit that queued some). */
  kick(): void {
    if (this.stopped) return
    if (this.pass) {
      this.again = true
      return
    }
    clearTimeout(this.timer)
    this.pass = this.claimDue()
      .catch((e) => this.options.log?.error({ err: e }, 'evaluation worker pass failed'))
      .finally(() => {
        this.pass = undefined
        if (this.again) {
          this.again = false
          this.kick()
        } else if (!this.stopped) this.timer = setTimeout(() => this.kick(), this.pollMs)
      })
  }

  /** Resolves once every listed job has settled an attempt (done or failed), or when the budget runs out. */
  async waitFor(jobIds: readonly string[], budgetMs: number): Promise<void> {
    if (jobIds.length === 0) return
    const settled = async () =>
      (
        await this.db
          .selectFrom('evaluation_jobs')
          .select('id')
          .where('id', 'in', [...jobIds])
          .where('state', 'in', ['queued', 'running'])
          .execute()
      ).length === 0
    if (budgetMs <= 0 || (await settled())) return
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer)
        this.events.off('settled', check)
        resolve()
      }
      const check = () => {
        settled().then((done) => done && finish(), finish)
      }
      const timer = setTimeout(finish, budgetMs)
      this.events.on('settled', check)
      check()
    })
  }

  private async claimDue(): Promise<void> {
    const due = await this.db
      .selectFrom('evaluation_jobs')
      .select(['id', 'kind', 'model_id', 'subject_id', 'workspace_id', 'attempts'])
      .where('state', 'in', ['queued', 'failed'])
      .where('next_attempt_at', '<=', this.now().toISOString())
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(100)
      .execute()
    for (const job of due) {
      if (this.stopped) return
      const busy = this.running.get(job.workspace_id) ?? 0
      if (busy >= MAX_CALLS_PER_WORKSPACE || this.inFlight.has(job.id)) continue
      const claimed = await this.db
        .updateTable('evaluation_jobs')
        .set({ state: 'running', attempts: job.attempts + 1, updated_at: this.now().toISOString() })
        .where('id', '=', job.id)
        .where('state', 'in', ['queued', 'failed'])
        .where('attempts', '=', job.attempts)
        .executeTakeFirst()
      if (Number(claimed.numUpdatedRows) !== 1) continue
      this.running.set(job.workspace_id, busy + 1)
      this.inFlight.add(job.id)
      await this.markEvaluation(this.db, job, 'running')
      void this.run({ ...job, attempts: job.attempts + 1 })
        .catch((e) => this.options.log?.error({ err: e, job: job.id }, 'evaluation job could not record its outcome'))
        .finally(() => {
          this.running.set(job.workspace_id, (this.running.get(job.workspace_id) ?? 1) - 1)
          this.inFlight.delete(job.id)
          this.events.emit('settled', job.id)
          this.kick()
        })
    }
  }

  private async run(job: Job): Promise<void> {
    try {
      const settings = await this.settingsOf(job.workspace_id)
      const prepared = await prepare(this.db, job, `DATA-${randomBytes(16).toString('hex')}`, settings)
      if ('superseded' in prepared)
        return await this.db.transaction().execute((trx) => this.settle(trx, job, prepared.superseded))
      let reply: Awaited<ReturnType<Tier2Provider['ask']>>
      try {
        reply = await this.provider.ask(prepared.prompt.system, prepared.prompt.user, { json: true })
        this.lastCall = 'ok'
      } catch (e) {
        this.lastCall = 'failing'
        if (!this.stopped) await this.fail(job, `provider call failed: ${(e as Error).message}`)
        return
      }
      if (this.stopped) return
      const parsed = parseEvaluationAnswer(prepared.schema, reply.text)
      if (!parsed.ok) return await this.fail(job, parsed.error)
      const meta = {
        provider: this.provider.name,
        model: reply.model || this.model,
        prompt_hash: prepared.prompt.prompt_hash,
      }
      await this.db.transaction().execute(async (trx) => {
        await lockModel(trx, job.model_id)
        const superseded = await prepared.store(trx, parsed.value, meta)
        if (!superseded) await recompute(trx, job.model_id, settings)
        await this.settle(trx, job, superseded)
      })
    } catch (e) {
      if (!this.stopped) await this.fail(job, `evaluation failed: ${(e as Error).message}`)
    }
  }

  private settingsOf = async (workspaceId: string) =>
    (await this.db.selectFrom('workspaces').select('settings').where('id', '=', workspaceId).executeTakeFirstOrThrow())
      .settings as WorkspaceSettings

  /** A failed attempt: the evaluation keeps its pending verdict with the reason; the job waits for its backoff. */
  private async fail(job: Job, reason: string): Promise<void> {
    const at = this.now()
    const delay = BACKOFF_MS[Math.min(job.attempts, BACKOFF_MS.length) - 1]!
    this.options.log?.warn({ job: job.id, kind: job.kind, reason }, 'AI evaluation failed; retrying later')
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('evaluation_jobs')
        .set({
          state: 'failed',
          last_error: reason,
          next_attempt_at: new Date(at.getTime() + delay).toISOString(),
          updated_at: at.toISOString(),
        })
        .where('id', '=', job.id)
        .execute()
      await this.markEvaluation(trx, job, 'failed', reason)
    })
  }

  /** The job is over: answered, or closed without a call because its subject changed (`note` says how). */
  private async settle(trx: Db, job: Job, note: string | null): Promise<void> {
    await trx
      .updateTable('evaluation_jobs')
      .set({ state: 'done', last_error: note, updated_at: this.now().toISOString() })
      .where('id', '=', job.id)
      .execute()
    if (note) await this.markEvaluation(trx, job, 'done', note)
  }

  /** Mirrors the job's state and error on a coherence or sufficiency evaluation row (§2.3 `job`, `last_error`). */
  private async markEvaluation(trx: Db, job: Job, state: 'running' | 'failed' | 'done', reason?: string) {
    if (job.kind === 'refinement') return
    await trx
      .updateTable(job.kind === 'coherence' ? 'coherence_evaluations' : 'sufficiency_evaluations')
      .set({ job: state, ...(reason !== undefined ? { last_error: reason } : {}) })
      .where('id', '=', job.subject_id)
      .where('job', '!=', 'done')
      .execute()
  }
}
