import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  consistencyProof,
  generateKeyPair,
  inclusionProof,
  memoryTree,
  parseVerifierKey,
  verifierKey,
} from '@warrant/core'
import { appendEvents, cachedTree, type EventInput, extendNodes, openStore, signNextCheckpoint } from '@warrant/server'

/**
 * Transparency-log benchmark (issue: attested evidence, "Speed"): append throughput through the production append
 * path (chain links, advisory lock, canonical records) in transactions of 1,000 events, against a bare INSERT of the
 * same rows; then, at the full size, building the node cache, a signed checkpoint, and proofs served from `log_nodes`
 * against the old way (every leaf hash loaded into memory for each proof).
 */
const BATCH = 1000
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

function events(from: number, count: number): EventInput[] {
  return Array.from({ length: count }, (_, i) => ({
    chain: `ws_${(from + i) % 50}`,
    type: 'run.submitted',
    actor: { kind: 'api_key', id: 'key_bench' },
    model: 'mdl_bench',
    subject: { kind: 'run', id: `run_${from + i}` },
    data: { results_hash: 'ab'.repeat(32), counting: true, results: 200, commit_sha: 'cd'.repeat(20) },
    at: new Date(1_790_000_000_000 + (from + i) * 1000).toISOString(),
  }))
}

export async function benchLog(kind: 'pglite' | 'postgres', databaseUrl: string | undefined, leaves: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'warrant-logbench-'))
  const store = await openStore({ dataDir, databaseUrl })
  try {
    const db = store.db
    let t0 = process.hrtime.bigint()
    for (let from = 0; from < leaves; from += BATCH)
      await db.transaction().execute((trx) => appendEvents(trx, events(from, Math.min(BATCH, leaves - from))))
    const appendMs = ms(t0)

    // Baseline: the same number of rows, pre-built, in bare multi-row INSERTs of 1,000 inside one transaction each.
    const baselineRows = Math.min(leaves, 100_000)
    await db.schema
      .createTable('bench_leaves')
      .as(db.selectFrom('log_leaves').selectAll().where('idx', '<', 0))
      .execute()
    const rows = await db.selectFrom('log_leaves').selectAll().where('idx', '<', baselineRows).execute()
    t0 = process.hrtime.bigint()
    for (let i = 0; i < rows.length; i += BATCH)
      await db.transaction().execute((trx) =>
        trx
          .insertInto('bench_leaves' as 'log_leaves')
          .values(rows.slice(i, i + BATCH))
          .execute(),
      )
    const bareMs = (ms(t0) * leaves) / baselineRows

    t0 = process.hrtime.bigint()
    const built = await extendNodes(db, leaves)
    const buildMs = ms(t0)

    const key = generateKeyPair('ed25519')
    const origin = 'bench.example/log'
    const verifier = parseVerifierKey(verifierKey(origin, key.publicKey))!
    t0 = process.hrtime.bigint()
    await signNextCheckpoint(db, { origin, privateKey: key.privateKey, verifier })
    const checkpointMs = ms(t0)

    const picks = Array.from({ length: 20 }, (_, i) => Math.floor(((i + 0.5) / 20) * leaves))
    const cachedProof: number[] = []
    for (const index of picks) {
      const t = process.hrtime.bigint()
      const tree = await cachedTree(db, leaves, { leaves: [index] })
      inclusionProof(tree, index, leaves)
      cachedProof.push(ms(t))
    }
    t0 = process.hrtime.bigint()
    const tree = await cachedTree(db, leaves, { prefixes: [Math.floor(leaves / 3)] })
    consistencyProof(tree, Math.floor(leaves / 3), leaves)
    const consistencyMs = ms(t0)

    // The old way, once: every leaf hash in memory, then the same proof.
    t0 = process.hrtime.bigint()
    const all = await db.selectFrom('log_leaves').select('leaf_hash').orderBy('idx').execute()
    const full = memoryTree(all.map((r) => new Uint8Array(r.leaf_hash)))
    inclusionProof(full, picks[0]!, leaves)
    const fullMs = ms(t0)
    if (!Buffer.from(full.range(0, leaves)).equals(Buffer.from(tree.range(0, leaves))))
      throw new Error('cached and full roots differ')

    const rate = (leaves / appendMs) * 1000
    console.log(`\n${kind}: transparency log, ${leaves.toLocaleString('en')} leaves`)
    console.log(
      `  append (production path, ${BATCH}/tx)    ${rate.toFixed(0)} leaves/s — ${(appendMs / bareMs).toFixed(2)}× a bare INSERT of the same rows`,
    )
    console.log(`  build node cache                   ${buildMs.toFixed(0)} ms (${built} nodes)`)
    console.log(`  signed checkpoint                  ${checkpointMs.toFixed(0)} ms`)
    console.log(
      `  inclusion proof from log_nodes     median ${median(cachedProof).toFixed(1)} ms (20 leaves) — ${(fullMs / median(cachedProof)).toFixed(0)}× faster than loading every leaf (${fullMs.toFixed(0)} ms)`,
    )
    console.log(`  consistency proof from log_nodes   ${consistencyMs.toFixed(1)} ms`)
  } finally {
    await store.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
