import { randomBytes } from 'node:crypto'
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  memoryTree,
  verifyConsistency,
  verifyInclusion,
} from '@warrant/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Db, openMemoryStore, type Store } from '../src/db/open.js'
import { cachedTree, extendNodes, verifiedFullTree } from '../src/services/log-tree.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

async function appendLeaves(db: Db, from: number, count: number): Promise<Uint8Array[]> {
  const rows = Array.from({ length: count }, (_, i) => {
    const leaf = randomBytes(40)
    return {
      idx: from + i,
      chain: 'ws',
      seq: from + i + 1,
      leaf,
      leaf_hash: Buffer.from(leafHash(leaf)),
      created_at: '2026-11-29T00:00:00Z',
    }
  })
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('log_leaves')
      .values(rows.slice(i, i + 1000))
      .execute()
  return rows.map((r) => new Uint8Array(r.leaf_hash))
}

/** The `log_nodes` cache answers exactly what the in-memory tree over every leaf answers (EVIDENCE.md §9.4). */
describe('the log tree served from cached nodes', () => {
  let store: Store
  let hashes: Uint8Array[] = []

  beforeAll(async () => {
    store = await openMemoryStore()
    hashes = await appendLeaves(store.db, 0, 1500)
  })
  afterAll(() => store.close())

  it('stores one node per complete aligned subtree of at least 256 leaves', async () => {
    expect(await extendNodes(store.db, 1500)).toBe(5 + 2 + 1)
    expect(await extendNodes(store.db, 1500)).toBe(0)
    const nodes = await store.db.selectFrom('log_nodes').select(['level', 'idx']).orderBy('level').execute()
    expect(nodes.map((n) => `${n.level}:${n.idx}`)).toEqual(['8:0', '8:1', '8:2', '8:3', '8:4', '9:0', '9:1', '10:0'])
  })

  it('gives the same roots, audit paths and consistency proofs as the full tree, at every size tried', async () => {
    for (const size of [1, 255, 256, 257, 511, 512, 513, 1024, 1025, 1280, 1499, 1500]) {
      const full = memoryTree(hashes.slice(0, size))
      const root = full.range(0, size)
      for (const index of [0, 1, 255, 256, 700, size - 1].filter((i) => i < size)) {
        const cached = await cachedTree(store.db, size, { leaves: [index] })
        expect(hex(cached.range(0, size))).toBe(hex(root))
        const path = inclusionProof(cached, index, size)
        expect(path.map(hex)).toEqual(inclusionProof(full, index, size).map(hex))
        expect(verifyInclusion(hashes[index]!, index, size, path, root)).toBe(true)
      }
      for (const first of [1, 200, 256, 300, 512, 1000].filter((f) => f <= size)) {
        const cached = await cachedTree(store.db, size, { prefixes: [first] })
        const proof = consistencyProof(cached, first, size)
        expect(proof.map(hex)).toEqual(consistencyProof(full, first, size).map(hex))
        expect(verifyConsistency(first, size, proof, full.range(0, first), root)).toBe(true)
      }
    }
  })

  it('refuses a proof for a leaf it was not asked to load instead of guessing', async () => {
    const cached = await cachedTree(store.db, 1500, { leaves: [3] })
    expect(() => inclusionProof(cached, 600, 1500)).toThrow(/leaf \d+ was not loaded/)
  })

  it('builds missing nodes on first use (a log written before the cache existed)', async () => {
    const fresh = await openMemoryStore()
    try {
      const more = await appendLeaves(fresh.db, 0, 700)
      const tree = await cachedTree(fresh.db, 700)
      expect(hex(tree.range(0, 700))).toBe(hex(memoryTree(more).range(0, 700)))
      const count = await fresh.db.selectFrom('log_nodes').select(sql<number>`count(*)`.as('n')).executeTakeFirst()
      expect(Number(count?.n)).toBe(3)
    } finally {
      await fresh.close()
    }
  })

  it('the full recomputation catches a cached node that differs from its leaves', async () => {
    await expect(verifiedFullTree(store.db, 1500)).resolves.toBeDefined()
    await expect(
      sql`update log_nodes set hash = ${Buffer.alloc(32)} where level = 9`.execute(store.db),
    ).rejects.toThrow(/append-only/)
    await sql`alter table log_nodes disable trigger log_nodes_append_only`.execute(store.db)
    await sql`update log_nodes set hash = ${Buffer.alloc(32)} where level = 9 and idx = 1`.execute(store.db)
    await expect(verifiedFullTree(store.db, 1500)).rejects.toThrow(
      'cached log node 9:1 differs from the hash of its leaves',
    )
  })
})
