import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend, Client, createKey, freshBackend, setupOwner, TEST_MASTER_KEY } from './helpers.js'

const WARRANT = fileURLToPath(new URL('../../cli/bin/warrant.js', import.meta.url))
const ASSERTIONS = 5000

function serve(backend: Backend): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [WARRANT, 'serve', '--port', '0', '--data', backend.dataDir], {
    env: {
      ...process.env,
      WARRANT_SETUP_TOKEN: 'test-setup-token',
      WARRANT_MASTER_KEY: TEST_MASTER_KEY,
      WARRANT_LOG_LEVEL: 'error',
      WARRANT_RL_RESULTS: '1000',
      ...(backend.databaseUrl ? { DATABASE_URL: backend.databaseUrl } : { DATABASE_URL: '' }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) resolve({ child, url: m[1]! })
    })
    child.on('exit', (code) => reject(new Error(`warrant serve exited with ${code}: ${out}`)))
  })
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })

function modelFile(): string {
  const assertions = Array.from({ length: ASSERTIONS }, (_, i) => ({
    type: 'file_exists',
    params: { file: `docs/file-${i}.md` },
    description: `document ${i} exists`,
  }))
  return JSON.stringify({
    format: 'warrant.model/v1',
    model: { title: 'Crash test' },
    control_objectives: [{ id: 'CO-01', statement: 'Documents exist.' }],
    controls: [
      { id: 'CTRL-01', title: 'Documents', description: 'The documents exist.', objective_ids: ['CO-01'], assertions },
    ],
  })
}

/**
 * SIGKILL in the middle of a large results submission: after a restart the run is either fully stored or absent
 * (PLATFORM.md §5.14.2 step 13: one transaction).
 */
describe.each(BACKENDS)('a results submission killed mid-flight on %s', (kind) => {
  let backend: Backend
  afterAll(async () => backend?.drop())

  it('leaves the run complete or absent after restart, whatever the moment of the kill', {
    timeout: 240_000,
  }, async () => {
    backend = await freshBackend(kind)
    let { child, url } = await serve(backend)
    const { owner, workspaceId } = await setupOwner(url)
    const verifierKey = await createKey(owner, workspaceId, 'verifier')
    let verifier = new Client(url, verifierKey)
    const imported = await verifier.post('/api/models/import', modelFile())
    expect(imported.status, JSON.stringify(imported.body).slice(0, 500)).toBe(201)
    const modelId = imported.body.model.id
    const pulled = await verifier.get(`/api/models/${modelId}/verification/assertions`)
    const results = pulled.body.assertions.flatMap((a: any) => [
      { assertion_id: a.id, assertion_digest: a.digest, tier: 1, result: 'pass', details: 'present' },
      {
        assertion_id: a.id,
        assertion_digest: a.digest,
        tier: 2,
        result: 'skipped',
        details: 'no provider',
        provider: 'none',
      },
    ])
    expect(results).toHaveLength(2 * ASSERTIONS)
    const bodyFor = (runId: string) =>
      JSON.stringify({
        pipeline: { provider: 'local', run_id: runId, commit_sha: 'c'.repeat(40) },
        verifier: { name: 'warrant', version: '0.1.0' },
        results,
      })
    // An undisturbed submission first: it must be stored whole, and its duration sets the moments of the kills.
    const started = Date.now()
    const clean = await verifier.post(`/api/models/${modelId}/verification/results`, bodyFor('clean'))
    const duration = Date.now() - started
    expect(clean.status, JSON.stringify(clean.body).slice(0, 300)).toBe(201)
    const outcomes: string[] = []
    for (const [attempt, fraction] of [0.05, 0.3, 0.6, 0.85].entries()) {
      const delayMs = Math.round(duration * fraction)
      const body = bodyFor(`crash-${attempt}`)
      const request = verifier.post(`/api/models/${modelId}/verification/results`, body).catch((e: Error) => e)
      await new Promise((r) => setTimeout(r, delayMs))
      await killed(child)
      const answer = await request
      ;({ child, url } = await serve(backend))
      verifier = new Client(url, verifierKey)
      const runs = await verifier.get(`/api/models/${modelId}/verification/runs?limit=1000`)
      expect(runs.status).toBe(200)
      const run = runs.body.items.find((r: any) => r.pipeline.run_id === `crash-${attempt}`)
      if (run) {
        const stored = await verifier.get(`/api/models/${modelId}/verification/runs/${run.id}`)
        expect(stored.body.results_count).toBe(2 * ASSERTIONS)
        let count = 0
        let cursor: string | null = null
        do {
          const page: any = await verifier.get(
            `/api/models/${modelId}/verification/runs/${run.id}/results?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
          )
          count += page.body.items.length
          cursor = page.body.next_cursor
        } while (cursor)
        expect(count).toBe(2 * ASSERTIONS)
        const repos = await verifier.get(`/api/models/${modelId}/repos`)
        expect(repos.body.items[0].last_run_id).toBe(run.id)
      }
      outcomes.push(
        `${delayMs} ms: ${run ? 'stored' : answer instanceof Error ? 'absent' : `absent after ${answer.status}`}`,
      )
    }
    const all = await verifier.get(`/api/models/${modelId}/verification/runs?limit=1000`)
    expect(all.body.items.find((r: any) => r.pipeline.run_id === 'clean')?.results_count).toBe(2 * ASSERTIONS)
    // The sequence is timing-dependent; what is asserted above is that each outcome was whole.
    console.info(`${kind}: clean submission ${duration} ms; kills at ${outcomes.join(', ')}`)
    await killed(child)
  })
})
