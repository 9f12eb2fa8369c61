import { type NoteVerifier, parseVerifierKey, verifierKey } from '@warrant/core'
import type { Logger } from 'pino'
import type { ServerConfig } from '../config.js'
import type { Db } from '../db/open.js'
import { ApiError } from '../errors.js'
import { nowIso } from '../ids.js'
import { VERSION } from '../version.js'
import { checkLogIntegrity, LogIntegrityError, signNextCheckpoint } from './checkpoints.js'
import { type ActiveKey, activeKey, type MasterKey, masterKey } from './instance-keys.js'
import { appendEvent } from './log.js'

/**
 * The instance's signing side (EVIDENCE.md §7–9): the instance key for receipts, the log key for checkpoints, the log
 * origin, and the integrity state that stops every write when a self-check fails.
 */
export interface Evidence {
  master: MasterKey
  instanceKey: ActiveKey
  logKey: ActiveKey
  origin: string
  verifier: NoteVerifier
  vkey: string
  integrity: 'ok' | 'failed'
  /** Signs a checkpoint soon after appends (at most one per interval). */
  scheduleCheckpoint(): void
  /** Refuses a write while the log's integrity is in doubt. */
  assertWritable(): void
  stop(): Promise<void>
}

/** The master key of the configuration; a MasterKeyError says what to set. */
export const configuredMasterKey = (config: ServerConfig): MasterKey =>
  masterKey({ value: config.masterKey, file: config.masterKeyFile, insecure: config.insecureMasterKey })

export async function startEvidence(
  db: Db,
  config: ServerConfig,
  master: MasterKey,
  log: Logger | undefined,
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
    const system = { kind: 'system' as const, id: null }
    if (instanceKey.created && logKey.created)
      await appendEvent(trx, {
        chain: '_instance',
        type: 'instance.initialized',
        actor: system,
        model: null,
        subject: { kind: 'instance', id: origin },
        data: { origin: config.publicUrl, log_origin: origin, version: VERSION },
        at,
      })
    if (instanceKey.created) {
      const e = await appendEvent(trx, {
        chain: '_instance',
        type: 'instance_key.activated',
        actor: system,
        model: null,
        subject: { kind: 'instance_key', id: instanceKey.fingerprint },
        data: { fingerprint: instanceKey.fingerprint, previous_fingerprint: null },
        at,
      })
      await trx
        .updateTable('instance_keys')
        .set({ log_index: e.index })
        .where('fingerprint', '=', instanceKey.fingerprint)
        .execute()
    }
    if (logKey.created) {
      const vkey = verifierKey(origin, logKey.publicKey)
      const e = await appendEvent(trx, {
        chain: '_instance',
        type: 'log_key.activated',
        actor: system,
        model: null,
        subject: { kind: 'log_key', id: logKey.fingerprint },
        data: { key_id: vkey.split('+')[1], vkey, previous_key_id: null },
        at,
      })
      await trx
        .updateTable('instance_keys')
        .set({ log_index: e.index })
        .where('fingerprint', '=', logKey.fingerprint)
        .execute()
    }
    return { instanceKey, logKey }
  })
  const vkey = verifierKey(origin, logKey.publicKey)
  const signer = { origin, privateKey: logKey.privateKey, verifier: parseVerifierKey(vkey)! }
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> = Promise.resolve()
  const evidence: Evidence = {
    master,
    instanceKey,
    logKey,
    origin,
    verifier: signer.verifier,
    vkey,
    integrity: 'ok',
    scheduleCheckpoint() {
      if (timer || evidence.integrity === 'failed') return
      timer = setTimeout(() => {
        timer = undefined
        running = running.then(() => sign())
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
    async stop() {
      if (timer) clearTimeout(timer)
      timer = undefined
      await running
      await sign()
    },
  }
  const sign = async () => {
    try {
      await signNextCheckpoint(db, signer)
    } catch (e) {
      if (!(e instanceof LogIntegrityError)) throw e
      evidence.integrity = 'failed'
      log?.error({ err: e }, 'transparency log integrity check failed: writes stopped')
    }
  }
  try {
    await checkLogIntegrity(db, signer)
    await sign()
  } catch (e) {
    if (!(e instanceof LogIntegrityError)) throw e
    evidence.integrity = 'failed'
    log?.error({ err: e }, 'transparency log integrity check failed at start-up: writes stopped')
  }
  return evidence
}
