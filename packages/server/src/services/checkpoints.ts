import type { KeyObject } from 'node:crypto'
import {
  consistencyProof,
  digest,
  fingerprint,
  leafHash,
  type NoteVerifier,
  parseStrictJsonBytes,
  parseVerifierKey,
  signCheckpoint,
  verifierKey,
  verifyCheckpoint,
  verifyConsistency,
} from '@warrant/core'
import type { Db } from '../db/open.js'
import { ApiError } from '../errors.js'
import { nowIso } from '../ids.js'
import { spkiPublicKey } from './instance-keys.js'
import { chainGenesis } from './log.js'
import { cachedTree, extendNodes, verifiedFullTree } from './log-tree.js'

export interface LogSigner {
  origin: string
  privateKey: KeyObject
  verifier: NoteVerifier
}

/**
 * A signer that picks the key per checkpoint: `activeKey` runs inside the transaction that stores the checkpoint and
 * returns the log key active in the database, holding its row until commit, so a key retired by another process
 * never signs (EVIDENCE.md §8.2).
 */
export interface ActiveLogSigner {
  origin: string
  activeKey(trx: Db): Promise<Omit<LogSigner, 'origin'>>
}

/**
 * Signs a checkpoint for the current tree when it grew (EVIDENCE.md §9.5), after proving in process that the new root
 * is consistent with the previous checkpoint. An inconsistency throws: the caller stops signing and writing. The
 * signature and the stored checkpoint are one transaction with the check of the signing key: a fixed `LogSigner`
 * whose key is retired is refused (503 `signing_key_retired`).
 */
export async function signNextCheckpoint(
  db: Db,
  signer: LogSigner | ActiveLogSigner,
): Promise<{ size: number; note: string } | null> {
  const top = await db.selectFrom('log_leaves').select('idx').orderBy('idx', 'desc').limit(1).executeTakeFirst()
  const size = (top?.idx ?? -1) + 1
  const previous = await db
    .selectFrom('log_checkpoints')
    .selectAll()
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (size === 0 || (previous && previous.tree_size >= size)) return null
  await extendNodes(db, size)
  const tree = await cachedTree(db, size, { prefixes: previous ? [previous.tree_size] : [] })
  const root = tree.range(0, tree.size)
  if (previous) {
    await verifyStoredCheckpoint(db, signer.origin, previous, 'last')
    const proof = consistencyProof(tree, previous.tree_size, tree.size)
    if (!verifyConsistency(previous.tree_size, tree.size, proof, new Uint8Array(previous.root), root))
      throw new LogIntegrityError(
        `the log at size ${tree.size} is not an extension of the checkpoint at size ${previous.tree_size}`,
      )
  }
  return db.transaction().execute(async (trx) => {
    const key = 'activeKey' in signer ? await signer.activeKey(trx) : await notRetired(trx, signer)
    const note = signCheckpoint({ origin: signer.origin, size: tree.size, root }, signer.origin, key.privateKey)
    await trx
      .insertInto('log_checkpoints')
      .values({ tree_size: tree.size, root, note, key_id: key.verifier.keyId, created_at: nowIso() })
      .onConflict((oc) => oc.column('tree_size').doNothing())
      .execute()
    return { size: tree.size, note }
  })
}

/**
 * A fixed signer's key signs only while it is not retired (§8.2): its row, when stored, is held FOR SHARE until the
 * checkpoint commits, so a rotation in flight is either seen here or waits.
 */
async function notRetired(trx: Db, signer: LogSigner): Promise<LogSigner> {
  const row = await trx
    .selectFrom('instance_keys')
    .select('status')
    .where('fingerprint', '=', fingerprint(signer.privateKey))
    .forShare()
    .executeTakeFirst()
  if (row && row.status !== 'active')
    throw new ApiError(
      503,
      'signing_key_retired',
      'the log key this process holds was retired by a rotation; a retired key never signs again',
    )
  return signer
}

export class LogIntegrityError extends Error {}

/** The verifier of the log key, active or retired, whose note key id is `keyId`. */
async function logKeyVerifier(db: Db, origin: string, keyId: Uint8Array): Promise<NoteVerifier | undefined> {
  const rows = await db.selectFrom('instance_keys').select('public_spki').where('purpose', '=', 'log').execute()
  return rows
    .map((k) => parseVerifierKey(verifierKey(origin, spkiPublicKey(k.public_spki))))
    .find((v) => v && Buffer.from(v.keyId).equals(Buffer.from(keyId)))
}

/** A stored checkpoint verifies with the log key that signed it, even one retired since (§8.2). */
async function verifyStoredCheckpoint(
  db: Db,
  origin: string,
  checkpoint: { tree_size: number; note: string; key_id: Uint8Array },
  which: string,
): Promise<void> {
  const verifier = await logKeyVerifier(db, origin, checkpoint.key_id)
  if (!verifier)
    throw new LogIntegrityError(`the ${which} checkpoint (size ${checkpoint.tree_size}) names no log key of this log`)
  const checked = verifyCheckpoint(checkpoint.note, [verifier], origin)
  if (!checked.ok) throw new LogIntegrityError(`the ${which} checkpoint does not verify: ${checked.reason}`)
}

/** Links re-walked per chain by the self-check (§9.7). */
const CHAIN_WALK = 1000

/**
 * Re-walks the last `links` links of every chain (§9.3): each leaf matches its stored hash and names its chain and
 * sequence number, the sequence is contiguous, and each `prev` is the digest of the previous leaf (or the genesis).
 */
async function checkChainLinks(db: Db, links = CHAIN_WALK): Promise<void> {
  const chains = await db.selectFrom('log_leaves').select('chain').distinct().orderBy('chain').execute()
  for (const { chain } of chains) {
    const rows = await db
      .selectFrom('log_leaves')
      .select(['seq', 'leaf', 'leaf_hash'])
      .where('chain', '=', chain)
      .orderBy('seq', 'desc')
      .limit(links + 1)
      .execute()
    let previous: { seq: number; leaf: Uint8Array } | undefined
    for (const row of rows.reverse()) {
      const broken = (why: string) => new LogIntegrityError(`chain ${chain}, seq ${row.seq}: ${why}`)
      if (!Buffer.from(leafHash(row.leaf)).equals(Buffer.from(row.leaf_hash)))
        throw broken('the leaf does not match its stored hash')
      let record: { chain?: unknown; seq?: unknown; prev?: unknown }
      try {
        record = parseStrictJsonBytes(row.leaf) as typeof record
      } catch {
        throw broken('the leaf is not a JSON event record')
      }
      if (record.chain !== chain || record.seq !== row.seq) throw broken('the record names another chain or position')
      const expected = previous ? digest(previous.leaf) : row.seq === 1 ? chainGenesis(chain) : undefined
      if (previous && row.seq !== previous.seq + 1) throw broken(`the chain skips from seq ${previous.seq}`)
      if (expected !== undefined && record.prev !== expected)
        throw broken('prev is not the digest of the previous leaf')
      previous = row
    }
  }
}

/**
 * Integrity self-check (§9.7), at start-up and then daily: the latest checkpoint verifies with the key that signed
 * it, its root matches the stored leaves, and the last links of every chain hold. The root is recomputed from every
 * leaf, never from the node cache, and each cached node is compared with the recomputed one.
 */
export async function checkLogIntegrity(db: Db, origin: string): Promise<void> {
  const latest = await db
    .selectFrom('log_checkpoints')
    .selectAll()
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (latest) {
    await verifyStoredCheckpoint(db, origin, latest, 'latest')
    const tree = await verifiedFullTree(db, latest.tree_size).catch((e: Error) => {
      throw new LogIntegrityError(e.message)
    })
    if (!Buffer.from(tree.range(0, tree.size)).equals(Buffer.from(latest.root)))
      throw new LogIntegrityError(
        `the stored leaves do not reproduce the root of the checkpoint at size ${latest.tree_size}`,
      )
  }
  await checkChainLinks(db)
}
