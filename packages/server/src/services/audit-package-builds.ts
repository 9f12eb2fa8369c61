import type { Logger } from 'pino'
import type { Db } from '../db/open.js'
import { json } from '../db/open.js'
import { ApiError } from '../errors.js'
import { buildAuditPackage, type ExportParams } from './audit-package.js'
import { type Every, type Evidence, everyInterval } from './evidence.js'
import { appendEvent } from './log.js'

/** PLATFORM.md §2: a package is kept 7 days after it became ready. */
const PACKAGE_LIFETIME_MS = 7 * 86_400_000
/** How often queued packages are looked for when nothing wakes the builder, and expired ones dropped. */
const SWEEP_MS = 60_000

/** Why a package ended `failed`: the error code and message a synchronous export would have answered. */
export interface BuildFailure {
  code: string
  message: string
}

export interface AuditPackageBuildOptions {
  /** The clock of `created_at`, `ready_at`, `expires_at` and expiry; tests pin it. */
  now?: () => Date
  /** Runs the periodic sweep; tests inject one they trigger by hand. */
  every?: Every
  /** The package builder; tests inject a failing one. */
  build?: typeof buildAuditPackage
  log?: Logger | undefined
}

/** The builder as routes see it. */
export interface AuditPackages {
  now(): Date
  /** Wakes the builder after a commit that queued a package; resolves when the queue it found is worked off. */
  kick(): Promise<void>
}

/**
 * Builds queued audit packages in the server process (PLATFORM.md §2 AuditPackage, §5.19). Records live in the
 * database: a start first returns records a stopped process left `building` to the queue, and a record is claimed
 * with a conditional update, so several processes may share one database. A build ends `ready` (package, digest,
 * size, `audit_package.exported` event, in one transaction) or `failed` with its reason and no package. A stopped
 * builder writes nothing more: a build that finishes after `stop` is dropped and resumed by the next start. Every
 * sweep also drops the bytes of packages past `expires_at` (state `expired`).
 */
export class AuditPackageBuilder implements AuditPackages {
  private pass: Promise<void> | undefined
  private again = false
  private stopped = true
  private stopSweeps: (() => void) | undefined
  readonly now: () => Date
  private readonly build: typeof buildAuditPackage

  constructor(
    private readonly db: Db,
    private readonly evidence: Evidence,
    private readonly publicUrl: string,
    private readonly options: AuditPackageBuildOptions = {},
  ) {
    this.now = options.now ?? (() => new Date())
    this.build = options.build ?? buildAuditPackage
  }

  async start(): Promise<void> {
    await this.db.updateTable('audit_packages').set({ state: 'queued' }).where('state', '=', 'building').execute()
    this.stopped = false
    this.stopSweeps = (this.options.every ?? everyInterval)(SWEEP_MS, () => this.kick())
    void this.kick()
  }

  /** Stops claiming records and waits for the pass in flight (whose outcome is dropped). */
  async stop(): Promise<void> {
    this.stopped = true
    this.stopSweeps?.()
    await this.pass
  }

  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.again = true
    this.pass ??= this.drain()
    return this.pass
  }

  /** Passes until no kick arrived during the last one; clears `pass` in the same tick as its last check. */
  private async drain(): Promise<void> {
    while (this.again && !this.stopped) {
      this.again = false
      try {
        await this.expire()
        while (!this.stopped && (await this.claimNext())) {}
      } catch (e) {
        this.options.log?.error({ err: e }, 'audit package pass failed')
      }
    }
    this.pass = undefined
  }

  private async expire(): Promise<void> {
    await this.db
      .updateTable('audit_packages')
      .set({ state: 'expired', package: null })
      .where('state', '=', 'ready')
      .where('expires_at', '<=', this.now().toISOString())
      .execute()
  }

  /** Claims and builds the oldest queued record; false when none is left. */
  private async claimNext(): Promise<boolean> {
    const next = await this.db
      .selectFrom('audit_packages')
      .select(['id', 'model_id', 'workspace_id', 'requested_by', 'params'])
      .where('state', '=', 'queued')
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst()
    if (!next) return false
    const claimed = await this.db
      .updateTable('audit_packages')
      .set({ state: 'building' })
      .where('id', '=', next.id)
      .where('state', '=', 'queued')
      .executeTakeFirst()
    if (Number(claimed.numUpdatedRows) === 1) await this.run(next)
    return true
  }

  private async run(job: {
    id: string
    model_id: string
    workspace_id: string
    requested_by: string
    params: unknown
  }): Promise<void> {
    try {
      const workspace = await this.db
        .selectFrom('workspaces')
        .selectAll()
        .where('id', '=', job.workspace_id)
        .executeTakeFirstOrThrow()
      const model = await this.db
        .selectFrom('models')
        .selectAll()
        .where('id', '=', job.model_id)
        .executeTakeFirstOrThrow()
      const built = await this.build(this.db, this.evidence, {
        packageId: job.id,
        publicUrl: this.publicUrl,
        workspace,
        model,
        userId: job.requested_by,
        params: job.params as ExportParams,
      })
      if (this.stopped) return
      const at = this.now()
      await this.db.transaction().execute(async (trx) => {
        const ready = await trx
          .updateTable('audit_packages')
          .set({
            state: 'ready',
            manifest_digest: built.manifest_digest,
            size_bytes: built.bytes.length,
            package: built.bytes,
            ready_at: at.toISOString(),
            expires_at: new Date(at.getTime() + PACKAGE_LIFETIME_MS).toISOString(),
          })
          .where('id', '=', job.id)
          .where('state', '=', 'building')
          .executeTakeFirst()
        if (Number(ready.numUpdatedRows) !== 1) return
        await appendEvent(trx, {
          chain: job.workspace_id,
          type: 'audit_package.exported',
          actor: { kind: 'user', id: job.requested_by },
          model: job.model_id,
          subject: { kind: 'audit_package', id: job.id },
          data: { package_id: job.id, model_id: job.model_id, manifest_digest: built.manifest_digest },
          at: at.toISOString(),
        })
      })
      this.evidence.scheduleCheckpoint()
    } catch (e) {
      if (this.stopped) return
      await this.fail(job.id, e)
    }
  }

  /** Records why the build failed; an unexpected error is logged and recorded without its details. */
  private async fail(id: string, e: unknown): Promise<void> {
    const failure: BuildFailure =
      e instanceof ApiError
        ? { code: e.code, message: e.message }
        : { code: 'internal_error', message: 'the package could not be built; the server log has the cause' }
    if (!(e instanceof ApiError)) this.options.log?.error({ err: e, package: id }, 'audit package build failed')
    await this.db
      .updateTable('audit_packages')
      .set({ state: 'failed', failure: json(failure) })
      .where('id', '=', id)
      .where('state', '=', 'building')
      .execute()
  }
}
