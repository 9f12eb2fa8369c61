import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configFromEnv, createServer } from '@warrant/server'
import { sql } from 'kysely'
import pg from 'pg'
import { benchLog } from './log.js'

/**
 * Platform benchmark (issue: platform server, "Speed"): a 1,000-control / 10,000-assertion model, a 10,000-result run,
 * the report, and 50 concurrent clients submitting 200-result runs, on embedded PGlite and on PostgreSQL
 * (WARRANT_BENCH_DATABASE_URL, default the local server; skipped with a note when unreachable). Ratios are against a
 * bare multi-row INSERT of the same 10,000 rows measured on the same store in the same run.
 */
const CONTROLS = 1000
const PER_CONTROL = 10
const CLIENTS = 50
const RUNS_PER_CLIENT = 4
const RUN_SIZE = 200

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const fmt = (x: number) => `${x.toFixed(0)} ms`

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers }
}

function modelFile(): string {
  return JSON.stringify({
    format: 'warrant.model/v1',
    model: { title: 'Benchmark model' },
    control_objectives: [{ id: 'CO-01', statement: 'Everything is in place.' }],
    controls: Array.from({ length: CONTROLS }, (_, c) => ({
      id: `CTRL-${c + 1}`,
      title: `Control ${c + 1}`,
      description: `Configuration file set ${c + 1} is present.`,
      objective_ids: ['CO-01'],
      intents: ['configuration_hardening'],
      assertions: Array.from({ length: PER_CONTROL }, (_, a) => ({
        type: 'file_exists',
        params: { file: `conf/${c}/${a}.yaml` },
        description: `file ${a} of set ${c} exists`,
      })),
    })),
  })
}

async function benchBackend(kind: 'pglite' | 'postgres', databaseUrl: string | undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), 'warrant-bench-'))
  const config = configFromEnv(
    {},
    {
      dataDir,
      databaseUrl,
      setupToken: 'bench-token',
      fastPasswordHashing: true,
      masterKey: randomBytes(32).toString('base64'),
      maxBodyBytes: 16 * 1024 * 1024,
      rateLimits: { results: 1e6, submit: 1e6, write: 1e6, read: 1e6, public: 1e6, login: 1e6 },
    },
  )
  const server = await createServer(config)
  const base = await server.app.listen({ host: '127.0.0.1', port: 0 })
  try {
    const setup = await call(base, 'POST', '/api/setup', {
      setup_token: 'bench-token',
      email: 'bench@example.com',
      display_name: 'Bench',
      password: 'a long benchmark passphrase',
      workspace_name: 'Bench',
    })
    const cookie = setup.headers.get('set-cookie')!.split(';')[0]!
    const session = { cookie, 'x-csrf-token': setup.body.csrf_token }
    const key = await call(
      base,
      'POST',
      `/api/workspaces/${setup.body.workspace.id}/api-keys`,
      { label: 'bench', scope: 'verifier' },
      session,
    )
    const auth = { authorization: `Bearer ${key.body.secret}` }

    let t0 = process.hrtime.bigint()
    const imported = await call(base, 'POST', '/api/models/import', modelFile(), auth)
    if (imported.status !== 201) throw new Error(`import failed: ${JSON.stringify(imported.body).slice(0, 300)}`)
    const importMs = ms(t0)
    const modelId = imported.body.model.id
    t0 = process.hrtime.bigint()
    const pulled = await call(base, 'GET', `/api/models/${modelId}/verification/assertions`, undefined, auth)
    const pullMs = ms(t0)
    const assertions: { id: string; digest: string }[] = pulled.body.assertions

    const runBody = (runId: string, slice: { id: string; digest: string }[], result: string) =>
      JSON.stringify({
        pipeline: { provider: 'local', run_id: runId, commit_sha: 'd'.repeat(40) },
        verifier: { name: 'warrant', version: 'bench' },
        results: slice.map((a) => ({
          assertion_id: a.id,
          assertion_digest: a.digest,
          tier: 1,
          result,
          details: 'file present',
          evidence_digest: `sha256:${'e'.repeat(64)}`,
        })),
      })
    const bigRuns: number[] = []
    for (let i = 0; i < 3; i++) {
      const body = runBody(`big-${i}`, assertions, i === 1 ? 'fail' : 'pass')
      t0 = process.hrtime.bigint()
      const res = await call(base, 'POST', `/api/models/${modelId}/verification/results`, body, auth)
      if (res.status !== 201) throw new Error(`run failed: ${JSON.stringify(res.body).slice(0, 300)}`)
      bigRuns.push(ms(t0))
    }

    const reports: number[] = []
    for (let i = 0; i < 10; i++) {
      t0 = process.hrtime.bigint()
      const res = await call(
        base,
        'GET',
        `/api/models/${modelId}/verification/report?summary_only=true`,
        undefined,
        auth,
      )
      if (res.status !== 200) throw new Error('report failed')
      reports.push(ms(t0))
    }

    // Baseline: the same 10,000 result rows as one bare multi-row INSERT per 1,000 rows, on the same store.
    const db = server.store.db
    await sql`create temporary table bench_rows (id text, run_id text, assertion_id text, result text, details text, locations jsonb)`.execute(
      db,
    )
    t0 = process.hrtime.bigint()
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < assertions.length; i += 1000) {
        const rows = assertions
          .slice(i, i + 1000)
          .map((a, j) => sql`(${`r${i + j}`}, 'run', ${a.id}, 'pass', 'file present', '[]'::jsonb)`)
        await sql`insert into bench_rows values ${sql.join(rows)}`.execute(trx)
      }
    })
    const bareMs = ms(t0)

    const latencies: number[] = []
    let errors = 0
    t0 = process.hrtime.bigint()
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const slice = assertions.slice(
          (c * RUN_SIZE) % assertions.length,
          ((c * RUN_SIZE) % assertions.length) + RUN_SIZE,
        )
        for (let r = 0; r < RUNS_PER_CLIENT; r++) {
          const body = runBody(`c${c}-r${r}`, slice, r % 2 ? 'fail' : 'pass')
          const s = process.hrtime.bigint()
          const res = await call(base, 'POST', `/api/models/${modelId}/verification/results`, body, auth)
          latencies.push(ms(s))
          if (res.status !== 201) errors++
        }
      }),
    )
    const loadMs = ms(t0)
    const runs = CLIENTS * RUNS_PER_CLIENT
    console.log(`\n${kind}: model ${CONTROLS} controls / ${assertions.length} assertions`)
    console.log(`  import model file            ${fmt(importMs)}`)
    console.log(`  pull assertions for a run    ${fmt(pullMs)}`)
    console.log(
      `  10,000-result run stored     min ${fmt(Math.min(...bigRuns))}, median ${fmt(pct(bigRuns, 50))} (bare INSERT of the rows ${fmt(bareMs)}: ${(pct(bigRuns, 50) / bareMs).toFixed(1)}×)`,
    )
    console.log(`  report (summary)             p50 ${fmt(pct(reports, 50))}, p99 ${fmt(pct(reports, 99))}`)
    console.log(
      `  ${CLIENTS} clients × ${RUNS_PER_CLIENT} runs of ${RUN_SIZE}  p50 ${fmt(pct(latencies, 50))}, p99 ${fmt(pct(latencies, 99))}, ${(runs / (loadMs / 1000)).toFixed(1)} runs/s, ${((runs * RUN_SIZE) / (loadMs / 1000)).toFixed(0)} results/s, ${errors} errors`,
    )
    return errors
  } finally {
    await server.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function postgresDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const admin = process.env.WARRANT_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const name = `warrant_bench_${Date.now().toString(36)}`
  const client = new pg.Client({ connectionString: admin })
  try {
    await client.connect()
    await client.query(`create database ${name}`)
  } catch (e) {
    console.log(`\npostgres: skipped (${admin} unreachable: ${(e as Error).message})`)
    return undefined
  } finally {
    await client.end().catch(() => undefined)
  }
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

const logLeaves = Number(process.env.WARRANT_BENCH_LOG_LEAVES ?? 1_000_000)
let errors = await benchBackend('pglite', undefined)
await benchLog('pglite', undefined, Math.min(logLeaves, 100_000))
const database = await postgresDatabase()
if (database) {
  try {
    errors += await benchBackend('postgres', database.url)
  } finally {
    await database.drop()
  }
}
const logDatabase = await postgresDatabase()
if (logDatabase) {
  try {
    await benchLog('postgres', logDatabase.url, logLeaves)
  } finally {
    await logDatabase.drop()
  }
}
process.exitCode = errors ? 1 : 0
