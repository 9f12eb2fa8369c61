import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { enableLinearRegexEngine, evaluateAll } from '@warrant/verifier'
import { generateCorpus } from './corpus.js'

/**
 * `npm run bench`: one run of the read-once engine over a generated corpus, compared with baselines measured in the
 * same run — the per-assertion re-read/re-parse architecture, and `rg` for the pattern-only subset.
 */
enableLinearRegexEngine()

const seconds = (ns: bigint) => Number(ns) / 1e9
const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = process.hrtime.bigint()
  const r = await f()
  return [r, seconds(process.hrtime.bigint() - t)]
}

const dir = await mkdtemp(join(tmpdir(), 'warrant-bench-'))
try {
  const corpus = await generateCorpus(
    dir,
    Number(process.env.BENCH_FILES ?? 2000),
    Number(process.env.BENCH_ASSERTIONS ?? 5000),
  )
  const mb = corpus.bytes / 1024 / 1024
  console.log(`corpus: ${corpus.files} files, ${mb.toFixed(1)} MB, ${corpus.assertions.length} assertions`)

  const [results, engineSeconds] = await time(() => evaluateAll(corpus.assertions, dir))
  const counts: Record<string, number> = {}
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1
  const perAssertion = engineSeconds / results.length
  console.log(
    `engine: ${engineSeconds.toFixed(2)} s, ${(results.length / engineSeconds).toFixed(0)} assertions/s, ${(mb / engineSeconds).toFixed(1)} MB/s, statuses ${JSON.stringify(counts)}`,
  )
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`)

  // Baseline: every assertion on a fresh checkout, so each re-reads and re-parses what it needs.
  const sample = corpus.assertions.filter((_, i) => i % Math.ceil(corpus.assertions.length / 300) === 0)
  const [, baselineSeconds] = await time(async () => {
    for (const a of sample) await evaluateAll([a], dir)
  })
  const basePer = baselineSeconds / sample.length
  console.log(
    `baseline (re-read and re-parse per assertion, ${sample.length} sampled): ${(1 / basePer).toFixed(0)} assertions/s; ratio ${(basePer / perAssertion).toFixed(1)}x faster (target >= 20x)`,
  )

  // Pattern-only subset against rg doing the same searches, one search per assertion.
  const subset = corpus.patterns
  const [, oursSeconds] = await time(() =>
    evaluateAll(
      subset.map((p) => p.assertion),
      dir,
    ),
  )
  const rg = spawnSync('rg', ['--version'])
  if (rg.error) {
    console.log(`pattern subset (${subset.length}): ours ${oursSeconds.toFixed(2)} s; rg not installed, ratio skipped`)
  } else {
    const [, rgSeconds] = await time(async () => {
      for (const p of subset) {
        spawnSync('rg', [
          '--count-matches',
          '--no-messages',
          '--glob',
          p.glob,
          '--max-depth',
          '1',
          '-e',
          p.regex,
          join(dir, p.dir),
        ])
      }
    })
    console.log(
      `pattern subset (${subset.length} assertions): ours ${oursSeconds.toFixed(2)} s, rg ${rgSeconds.toFixed(2)} s; ratio ${(oursSeconds / rgSeconds).toFixed(2)}x of rg's time (target <= 2x)`,
    )
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
