import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rebuildIndexes } from '../src/services/indexes.js'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s % n
  }
}

/** The incremental indexes maintained at ingest equal a rebuild from the full history of counting runs. */
describe.each(BACKENDS)('newest-result indexes on %s', (kind) => {
  let backend: Backend
  let running: Running
  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend, {
      rateLimits: { results: 1000, submit: 1000, write: 1000, read: 1000, public: 1000, login: 1000 },
    })
  }, 60_000)
  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  it('match a rebuild after 40 random runs over two repos', async () => {
    const { owner, workspaceId } = await setupOwner(running.url)
    const verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    const model = await verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'Index check' },
      controls: [
        {
          id: 'CTRL-01',
          title: 'Files',
          description: 'Configuration files exist.',
          objective_ids: [],
          assertions: Array.from({ length: 6 }, (_, i) => ({
            type: 'file_exists',
            params: { file: `f${i}` },
            description: `f${i} exists`,
          })),
        },
      ],
    })
    expect(model.status, JSON.stringify(model.body)).toBe(201)
    const modelId = model.body.model.id
    const pulled = (await verifier.get(`/api/models/${modelId}/verification/assertions`)).body.assertions
    const next = random(42)
    const outcomes = ['pass', 'fail', 'error', 'skipped'] as const
    for (let run = 0; run < 40; run++) {
      const repo = ['acme/one', 'acme/two'][next(2)]!
      const results = pulled
        .filter(() => next(4) > 0)
        .flatMap((a: any) => {
          const t1 = outcomes[next(4)]!
          const base = {
            assertion_id: a.id,
            assertion_digest: a.digest,
            evidence_digest: `sha256:${String(next(3)).repeat(64)}`,
          }
          const t2 = outcomes[next(4)]!
          return [
            { ...base, tier: 1, result: t1, details: t1 },
            ...(next(2)
              ? [
                  t2 === 'skipped'
                    ? { ...base, tier: 2, result: 'skipped', details: 'off', provider: 'none' }
                    : {
                        ...base,
                        tier: 2,
                        result: t2,
                        details: t2,
                        provider: 'other',
                        model: 'm',
                        prompt_hash: a.tier2_prompt_hash,
                        rationale: 'r',
                      },
                ]
              : []),
          ]
        })
      if (results.length === 0) continue
      const res = await verifier.post(`/api/models/${modelId}/verification/results`, {
        pipeline: { provider: 'local', run_id: `run-${run}`, commit_sha: String(run % 10).repeat(40), repo },
        verifier: { name: 'warrant', version: 'test' },
        results,
      })
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201)
    }
    const db = running.server.store.db
    const snapshot = async () => ({
      latest: await db
        .selectFrom('latest_results')
        .selectAll()
        .where('model_id', '=', modelId)
        .orderBy(['assertion_id', 'repo', 'tier', 'slot'])
        .execute(),
      verdicts: await db
        .selectFrom('tier2_verdicts')
        .selectAll()
        .where('model_id', '=', modelId)
        .orderBy(['assertion_id', 'repo', 'evidence_key'])
        .execute(),
    })
    const before = await snapshot()
    const report = (await verifier.get(`/api/models/${modelId}/verification/report`)).body
    expect(before.latest.length).toBeGreaterThan(20)
    expect(before.verdicts.length).toBeGreaterThan(5)
    await db.transaction().execute((trx) => rebuildIndexes(trx, modelId))
    expect(await snapshot()).toEqual(before)
    const after = (await verifier.get(`/api/models/${modelId}/verification/report`)).body
    expect({ ...after, generated_at: null }).toEqual({ ...report, generated_at: null })
  })
})
