import { type NoteVerifier, parseVerifierKey, verifierKey } from '@warrant/core'
import type { Logger } from 'pino'
import type { ServerConfig } from '../config.js'
import type { Db } from '../db/open.js'
import { ApiError } from '../errors.js'
import { nowIso } from '../ids.js'
import { VERSION } from '../version.js'
import { type ActiveLogSigner, checkLogIntegrity, LogIntegrityError, signNextCheckpoint } from './checkpoints.js'
import {
  type ActiveKey,
  activeFingerprint,
  activeKey,
  type KeyPurpose,
  type MasterKey,
  MasterKeyError,
  masterKey,
  openKey,
  type PublicKeyRef,
  replaceActiveKey,
} from './instance-keys.js'
import { type Actor, appendEvent } from './log.js'

/**
 * The instance's signing side (EVIDENCE.md §7–9): the instance key for receipts, the log key for checkpoints, the log
 * origin, and the integrity state that stops every write when a self-check fails.
 */
export interface Evidence {
  master: MasterKey
  /**
   * The active keys as this process last saw them; a rotation here replaces them, and `signingKey` does when another
   * process sharing the database rotated. Sign through `signingKey` / `logSigner`, never with these directly.
   */
  instanceKey: ActiveKey
  logKey: ActiveKey
  origin: string
  /** The active log key's verifier and vkey. */
  verifier: NoteVerifier
  vkey: string
  integrity: 'ok' | 'failed'
  /**
   * §8.2 across server processes sharing the database: the key of `purpose` active in the database as `trx` (the
   * transaction that stores what it signs) sees it — the cached key, or, after another process rotated, the new one,
   * opened with the master key and cached. With `logLocked` (`trx` appended to the log: a rotation appends its
   * activation event under the same lock, so none can commit before `trx` does) the row is read plainly; otherwise it
   * is held FOR SHARE until `trx` commits. A key this master key cannot open is refused: 503 `signing_key_unavailable`,
   * and the transaction rolls back rather than sign with a retired key.
   */
  signingKey(trx: Db, purpose: KeyPurpose, opts: { logLocked: boolean }): Promise<ActiveKey>
  /** The signer for `signNextCheckpoint`: the active log key, checked in the transaction that stores the checkpoint. */
  logSigner: ActiveLogSigner
  /** Signs a checkpoint soon after appends (at most one per interval). */
  scheduleCheckpoint(): void
  /** Refuses a write while the log's integrity is in doubt. */
  assertWritable(): void
  /** §8.2: a new active key of the purpose and its activation event, in one transaction; the old one is retired. */
  rotate(purpose: KeyPurpose, actor: Actor): Promise<ActiveKey>
  /** §9.7: the self-check of start-up, run again every `selfCheckIntervalMs`; a failure stops writes for good. */
  selfCheck(): Promise<void>
  stop(): Promise<void>
}

/** Runs `task` every `ms` until the returned function is called; tests inject one they trigger by hand. */
export type Every = (ms: number, task: () => Promise<void>) => () => void

export const everyInterval: Every = (ms, task) => {
  const handle = setInterval(() => void task(), ms)
  handle.unref()
  return () => clearInterval(handle)
}

/** The master key of the configuration; a MasterKeyError says what to set. */
export const configuredMasterKey = (config: ServerConfig): MasterKey =>
  masterKey({ value: config.masterKey, file: config.masterKeyFile, insecure: config.insecureMasterKey })

const SYSTEM: Actor = { kind: 'system', id: null }
const keyIdOf = (vkey: string) => vkey.split('+')[1]!

/** The `_instance` event of a key's activation (§9.2), with the event's index recorded on the key. */
async function logActivation(
  trx: Db,
  origin: string,
  purpose: KeyPurpose,
  key: ActiveKey,
  previous: PublicKeyRef | null,
  actor: Actor,
  at: string,
): Promise<void> {
  let data: Record<string, unknown>
  if (purpose === 'instance')
    data = { fingerprint: key.fingerprint, previous_fingerprint: previous?.fingerprint ?? null }
  else {
    const vkey = verifierKey(origin, key.publicKey)
    data = {
      key_id: keyIdOf(vkey),
      vkey,
      previous_key_id: previous ? keyIdOf(verifierKey(origin, previous.publicKey)) : null,
    }
  }
  const e = await appendEvent(trx, {
    chain: '_instance',
    type: `${purpose}_key.activated`,
    actor,
    model: null,
    subject: { kind: `${purpose}_key`, id: key.fingerprint },
    data,
    at,
  })
  await trx
    .updateTable('instance_keys')
    .set({ log_index: e.index })
    .where('fingerprint', '=', key.fingerprint)
    .execute()
}

export async function startEvidence(
  db: Db,
  config: ServerConfig,
  master: MasterKey,
  log: Logger | undefined,
  every: Every = everyInterval,
): Promise<Evidence> {
  if (master.insecure)
    log?.warn(
      'WARRANT_DEV_INSECURE_MASTER_KEY is set: instance and log keys are wrapped with a public key; never use this in production',
    )
  const origin = config.logOrigin
  const { instanceKey, logKey } = await db.transaction().execute(async (trx) => {
    const instanceKey = await activeKey(trx, master, 'instance')
    const logKey = await activeKey(trx, master, 'log')
    const at = nowIso()
    if (instanceKey.created && logKey.created)
      await appendEvent(trx, {
        chain: '_instance',
        type: 'instance.initialized',
        actor: SYSTEM,
        model: null,
        subject: { kind: 'instance', id: origin },
        data: { origin: config.publicUrl, log_origin: origin, version: VERSION },
        at,
      })
    if (instanceKey.created) await logActivation(trx, origin, 'instance', instanceKey, null, SYSTEM, at)
    if (logKey.created) await logActivation(trx, origin, 'log', logKey, null, SYSTEM, at)
    return { instanceKey, logKey }
  })
  let timer: NodeJS.Timeout | undefined
  // Checkpoint signing, self-checks and rotations run one at a time, so no checkpoint is signed with a retired key.
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const result = queue.then(task)
    queue = result.catch(() => undefined)
    return result
  }
  const failed = (e: unknown, when: string) => {
    if (!(e instanceof LogIntegrityError)) throw e
    evidence.integrity = 'failed'
    log?.error({ err: e }, `transparency log integrity check failed ${when}: writes stopped`)
  }
  const useLogKey = (key: ActiveKey) => {
    evidence.logKey = key
    evidence.vkey = verifierKey(origin, key.publicKey)
    evidence.verifier = parseVerifierKey(evidence.vkey)!
  }
  const signingKey = async (trx: Db, purpose: KeyPurpose, opts: { logLocked: boolean }): Promise<ActiveKey> => {
    const fp = await activeFingerprint(trx, purpose, !opts.logLocked)
    const cached = purpose === 'instance' ? evidence.instanceKey : evidence.logKey
    if (cached.fingerprint === fp) return cached
    let key: ActiveKey
    try {
      key = await openKey(trx, master, fp)
    } catch (e) {
      if (!(e instanceof MasterKeyError)) throw e
      log?.error({ err: e }, `another server process activated a ${purpose} key this master key cannot open`)
      throw new ApiError(
        503,
        'signing_key_unavailable',
        `another server process rotated the ${purpose} key, and this one cannot open the new key (${e.message}); it never signs with a retired key: restart it with the current master key`,
      )
    }
    log?.info(
      { purpose, fingerprint: fp },
      `another server process rotated the ${purpose} key: signing with the new one`,
    )
    if (purpose === 'instance') evidence.instanceKey = key
    else useLogKey(key)
    return key
  }
  const sign = async () => {
    if (evidence.integrity === 'failed') return
    try {
      await signNextCheckpoint(db, evidence.logSigner)
    } catch (e) {
      // The active log key does not open here (logged): no checkpoint rather than one signed with a retired key.
      if (e instanceof ApiError) return
      failed(e, 'before signing a checkpoint')
    }
  }
  const selfCheck = async () => {
    if (evidence.integrity === 'failed') return
    try {
      await checkLogIntegrity(db, origin)
    } catch (e) {
      failed(e, 'in the self-check')
    }
  }
  const evidence: Evidence = {
    master,
    instanceKey,
    logKey,
    origin,
    verifier: parseVerifierKey(verifierKey(origin, logKey.publicKey))!,
    vkey: verifierKey(origin, logKey.publicKey),
    integrity: 'ok',
    signingKey,
    logSigner: {
      origin,
      async activeKey(trx) {
        const key = await signingKey(trx, 'log', { logLocked: false })
        const vkey = verifierKey(origin, key.publicKey)
        return {
          privateKey: key.privateKey,
          verifier: vkey === evidence.vkey ? evidence.verifier : parseVerifierKey(vkey)!,
        }
      },
    },
    scheduleCheckpoint() {
      if (timer || evidence.integrity === 'failed') return
      timer = setTimeout(() => {
        timer = undefined
        serial(sign).catch((e) => log?.error({ err: e }, 'signing a checkpoint failed'))
      }, config.checkpointIntervalMs)
    },
    assertWritable() {
      if (evidence.integrity === 'failed')
        throw new ApiError(
          503,
          'service_unavailable',
          'the transparency log failed an integrity check; writes are stopped until an operator investigates',
        )
    },
    rotate(purpose, actor) {
      return serial(async () => {
        evidence.assertWritable()
        const at = nowIso()
        const key = await db.transaction().execute(async (trx) => {
          const { key, previous } = await replaceActiveKey(trx, master, purpose, at)
          await logActivation(trx, origin, purpose, key, previous, actor, at)
          return key
        })
        if (purpose === 'instance') evidence.instanceKey = key
        else useLogKey(key)
        return key
      })
    },
    selfCheck: () => serial(selfCheck),
    async stop() {
      stopSelfChecks()
      if (timer) clearTimeout(timer)
      timer = undefined
      await serial(sign)
    },
  }
  await selfCheck()
  await sign()
  const stopSelfChecks = every(config.selfCheckIntervalMs, () =>
    evidence.selfCheck().catch((e) => log?.error({ err: e }, 'the log self-check could not run')),
  )
  return evidence
}
