import type { KeyObject } from 'node:crypto'
import {
  consistencyProof,
  memoryTree,
  type NoteVerifier,
  signCheckpoint,
  verifyCheckpoint,
  verifyConsistency,
} from '@warrant/core'
import type { Db } from '../db/open.js'
import { nowIso } from '../ids.js'

/** Loads the leaf hashes of the first `size` entries as a tree (in memory: a cache of subtrees is a later step). */
export async function treeOf(db: Db, size?: number) {
  let q = db.selectFrom('log_leaves').select('leaf_hash').orderBy('idx')
  if (size !== undefined) q = q.where('idx', '<', size)
  const rows = await q.execute()
  return memoryTree(rows.map((r) => new Uint8Array(r.leaf_hash)))
}

export interface LogSigner {
  origin: string
  privateKey: KeyObject
  verifier: NoteVerifier
}

/**
 * Signs a checkpoint for the current tree when it grew (EVIDENCE.md §9.5), after proving in process that the new root
 * is consistent with the previous checkpoint. An inconsistency throws: the caller stops signing and writing.
 */
export async function signNextCheckpoint(db: Db, signer: LogSigner): Promise<{ size: number; note: string } | null> {
  const tree = await treeOf(db)
  const previous = await db
    .selectFrom('log_checkpoints')
    .selectAll()
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (tree.size === 0 || (previous && previous.tree_size >= tree.size)) return null
  const root = tree.range(0, tree.size)
  if (previous) {
    const checked = verifyCheckpoint(previous.note, [signer.verifier], signer.origin)
    if (!checked.ok) throw new LogIntegrityError(`the last checkpoint does not verify: ${checked.reason}`)
    const proof = consistencyProof(tree, previous.tree_size, tree.size)
    if (!verifyConsistency(previous.tree_size, tree.size, proof, new Uint8Array(previous.root), root))
      throw new LogIntegrityError(
        `the log at size ${tree.size} is not an extension of the checkpoint at size ${previous.tree_size}`,
      )
  }
  const note = signCheckpoint({ origin: signer.origin, size: tree.size, root }, signer.origin, signer.privateKey)
  await db
    .insertInto('log_checkpoints')
    .values({ tree_size: tree.size, root, note, key_id: signer.verifier.keyId, created_at: nowIso() })
    .onConflict((oc) => oc.column('tree_size').doNothing())
    .execute()
  return { size: tree.size, note }
}

export class LogIntegrityError extends Error {}

/** Start-up self-check (§9.7): the latest checkpoint verifies and its root matches the stored leaves. */
export async function checkLogIntegrity(db: Db, signer: LogSigner): Promise<void> {
  const latest = await db
    .selectFrom('log_checkpoints')
    .selectAll()
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (!latest) return
  const checked = verifyCheckpoint(latest.note, [signer.verifier], signer.origin)
  if (!checked.ok) throw new LogIntegrityError(`the latest checkpoint does not verify: ${checked.reason}`)
  const tree = await treeOf(db, latest.tree_size)
  if (tree.size !== latest.tree_size || !Buffer.from(tree.range(0, tree.size)).equals(Buffer.from(latest.root)))
    throw new LogIntegrityError(
      `the stored leaves do not reproduce the root of the checkpoint at size ${latest.tree_size}`,
    )
}
