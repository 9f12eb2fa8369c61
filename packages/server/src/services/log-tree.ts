import { EMPTY_ROOT, memoryTree, nodeHash, splitPoint, type TreeHashes } from '@warrant/core'
import type { Db } from '../db/open.js'

/**
 * The log's Merkle tree served from `log_nodes` (EVIDENCE.md §9.4): the hash of every complete aligned subtree of
 * 256 leaves or more is stored once, so a root or a proof at a million leaves reads a few thousand node rows and at most
 * a few chunks of 256 leaf hashes instead of every leaf. Node hashes are pure functions of the append-only leaves, so
 * concurrent writers insert identical rows and the first one wins.
 */
const CHUNK_LEVEL = 8
const CHUNK = 1 << CHUNK_LEVEL
/** Leaves read per query while building nodes for a long backlog. */
const BUILD_BATCH = 64 * CHUNK

type NodeMap = Map<string, Uint8Array>
const key = (level: number, index: number) => `${level}:${index}`

async function loadNodes(db: Db, size: number): Promise<NodeMap> {
  const rows = await db.selectFrom('log_nodes').select(['level', 'idx', 'hash']).execute()
  const nodes: NodeMap = new Map()
  for (const r of rows) if ((r.idx + 1) * 2 ** r.level <= size) nodes.set(key(r.level, r.idx), new Uint8Array(r.hash))
  return nodes
}

async function leafHashes(db: Db, start: number, end: number): Promise<Uint8Array[]> {
  const rows = await db
    .selectFrom('log_leaves')
    .select('leaf_hash')
    .where('idx', '>=', start)
    .where('idx', '<', end)
    .orderBy('idx')
    .execute()
  if (rows.length !== end - start) throw new Error(`log leaves ${start}..${end - 1} are incomplete`)
  return rows.map((r) => new Uint8Array(r.leaf_hash))
}

/** Stores the node of every complete aligned subtree of ≥ 256 leaves among the first `size` leaves. */
export async function extendNodes(db: Db, size: number): Promise<number> {
  const nodes = await loadNodes(db, size)
  const fresh: { level: number; idx: number; hash: Buffer }[] = []
  const chunks = Math.floor(size / CHUNK)
  let first = 0
  while (first < chunks && nodes.has(key(CHUNK_LEVEL, first))) first++
  for (let start = first * CHUNK; start < chunks * CHUNK; start += BUILD_BATCH) {
    const end = Math.min(start + BUILD_BATCH, chunks * CHUNK)
    const tree = memoryTree(await leafHashes(db, start, end))
    for (let c = 0; c < (end - start) / CHUNK; c++) {
      const index = start / CHUNK + c
      if (nodes.has(key(CHUNK_LEVEL, index))) continue
      const hash = tree.range(c * CHUNK, (c + 1) * CHUNK)
      nodes.set(key(CHUNK_LEVEL, index), hash)
      fresh.push({ level: CHUNK_LEVEL, idx: index, hash: Buffer.from(hash) })
    }
  }
  for (let level = CHUNK_LEVEL + 1; 2 ** level <= size; level++) {
    for (let index = 0; (index + 1) * 2 ** level <= size; index++) {
      if (nodes.has(key(level, index))) continue
      const hash = nodeHash(nodes.get(key(level - 1, 2 * index))!, nodes.get(key(level - 1, 2 * index + 1))!)
      nodes.set(key(level, index), hash)
      fresh.push({ level, idx: index, hash: Buffer.from(hash) })
    }
  }
  for (let i = 0; i < fresh.length; i += 1000)
    await db
      .insertInto('log_nodes')
      .values(fresh.slice(i, i + 1000))
      .onConflict((oc) => oc.columns(['level', 'idx']).doNothing())
      .execute()
  return fresh.length
}

/**
 * The tree of the first `size` leaves, able to answer the root and the proofs of RFC 6962 for the leaves in
 * `leaves` and for consistency from the sizes in `prefixes`. Any other range it cannot serve throws: a proof must
 * never be computed from guessed hashes.
 */
export async function cachedTree(
  db: Db,
  size: number,
  need: { leaves?: readonly number[]; prefixes?: readonly number[] } = {},
): Promise<TreeHashes> {
  let nodes = await loadNodes(db, size)
  const expected = completeNodeCount(size)
  if (nodes.size < expected) {
    await extendNodes(db, size)
    nodes = await loadNodes(db, size)
  }
  // Leaves come in whole chunks: the partial last one, each proven leaf's, and the one where each prefix ends.
  const chunkIds = new Set<number>()
  if (size % CHUNK !== 0) chunkIds.add(Math.floor(size / CHUNK))
  for (const i of need.leaves ?? []) if (i >= 0 && i < size) chunkIds.add(Math.floor(i / CHUNK))
  for (const p of need.prefixes ?? []) if (p > 0 && p <= size && p % CHUNK !== 0) chunkIds.add(Math.floor(p / CHUNK))
  const leaves = new Map<number, Uint8Array>()
  for (const c of chunkIds) {
    const start = c * CHUNK
    const hashes = await leafHashes(db, start, Math.min(start + CHUNK, size))
    for (const [i, h] of hashes.entries()) leaves.set(start + i, h)
  }
  const memo: NodeMap = new Map()
  const range = (start: number, end: number): Uint8Array => {
    const n = end - start
    if (n <= 0) return EMPTY_ROOT
    if (n === 1) {
      const leaf = leaves.get(start)
      if (!leaf) throw new Error(`leaf ${start} was not loaded for this proof`)
      return leaf
    }
    const perfect = (n & (n - 1)) === 0 && start % n === 0
    if (perfect && n >= CHUNK) {
      const node = nodes.get(key(Math.log2(n), start / n))
      if (node) return node
    }
    const memoKey = `${start}:${end}`
    const hit = memo.get(memoKey)
    if (hit) return hit
    const k = splitPoint(n)
    const hash = nodeHash(range(start, start + k), range(start + k, end))
    memo.set(memoKey, hash)
    return hash
  }
  return { size, range }
}

/**
 * The tree of the first `size` leaves recomputed from every stored leaf, after checking that each cached node equals
 * the recomputed hash (a changed leaf or node is an integrity failure, thrown).
 */
export async function verifiedFullTree(db: Db, size: number): Promise<TreeHashes> {
  const hashes: Uint8Array[] = []
  for (let start = 0; start < size; start += BUILD_BATCH)
    hashes.push(...(await leafHashes(db, start, Math.min(start + BUILD_BATCH, size))))
  const tree = memoryTree(hashes)
  for (const [at, hash] of await loadNodes(db, size)) {
    const [level, index] = at.split(':').map(Number) as [number, number]
    const expected = tree.range(index * 2 ** level, (index + 1) * 2 ** level)
    if (!Buffer.from(expected).equals(Buffer.from(hash)))
      throw new Error(`cached log node ${at} differs from the hash of its leaves`)
  }
  return tree
}

/** How many complete aligned subtrees of ≥ 256 leaves a tree of `size` leaves has. */
function completeNodeCount(size: number): number {
  let count = 0
  for (let level = CHUNK_LEVEL; 2 ** level <= size; level++) count += Math.floor(size / 2 ** level)
  return count
}
