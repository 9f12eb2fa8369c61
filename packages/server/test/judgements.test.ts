import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'

const MODEL_YAML = readFileSync(new URL('./fixtures/payments.yaml', import.meta.url))
const REPO = 'acme/payments-api'

/** Human judgements (PLATFORM.md §4.2, §4.6, §5.12, §5.16) and account suspension (§1.3). */
describe.each(BACKENDS)('human judgements on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let workspaceId: string
  let developer: Client
  let verifier: Client
  let reviewer: Client
  let modelId: string
  let assertion: any

  const run = (runId: string, evidence: string, tier2: 'skipped' | 'pass') =>
    verifier.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'local', run_id: runId, commit_sha: evidence.repeat(40), repo: REPO },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: [
        {
          assertion_id: assertion.id,
          assertion_digest: assertion.digest,
          tier: 1,
          result: 'pass',
          details: 'defined',
          evidence_digest: `sha256:${evidence.repeat(64)}`,
        },
        tier2 === 'skipped'
          ? {
              assertion_id: assertion.id,
              assertion_digest: assertion.digest,
              tier: 2,
              result: 'skipped',
              details: 'Tier 2 not configured',
              provider: 'none',
            }
          : {
              assertion_id: assertion.id,
              assertion_digest: assertion.digest,
              tier: 2,
              result: 'pass',
              details: 'YES',
              provider: 'other',
              model: 'm',
              prompt_hash: assertion.tier2_prompt_hash,
              rationale: 'ok',
            },
      ],
    })
  const evaluation = async () => (await developer.get(`/api/models/${modelId}/assertions/${assertion.id}`)).body

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    developer = new Client(running.url, await createKey(owner, workspaceId, 'developer'))
    verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    await owner.post('/api/users', {
      email: 'rita@example.com',
      display_name: 'Rita',
      password: 'reviewer passphrase 42',
    })
    await owner.post(`/api/workspaces/${workspaceId}/members`, { email: 'rita@example.com', role: 'reviewer' })
    reviewer = new Client(running.url)
    await reviewer.post('/api/auth/login', { email: 'rita@example.com', password: 'reviewer passphrase 42' })
    modelId = (await developer.post('/api/models/import', MODEL_YAML, { 'content-type': 'application/yaml' })).body
      .model.id
    const pulled = await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)
    assertion = pulled.body.assertions.find((a: any) => a.control_id === 'CTRL-01')
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  it('a skipped Tier 2 waits for a person and shows in the review queue', async () => {
    expect((await run('r1', '1', 'skipped')).status).toBe(201)
    const a = await evaluation()
    expect(a).toMatchObject({
      evaluation: 'awaiting',
      evaluation_reasons: ['tier2_skipped'],
      tier1: 'pass',
      tier2: 'skipped',
    })
    const queue = await developer.get(`/api/review-queue?model_id=${modelId}&kind=tier2_verdict`)
    expect(queue.body.items.map((i: any) => [i.assertion_id, i.repo])).toEqual([[assertion.id, REPO]])
  })

  it('a reviewer records a Tier 2 verdict on the current anchor and prompt only', async () => {
    const anchor = (await evaluation()).per_repo[0].tier1.result_id
    const review = {
      repo: REPO,
      verdict: 'pass',
      rationale: 'require_auth rejects unsigned and expired tokens.',
      anchor_result_id: anchor,
      prompt_hash: assertion.tier2_prompt_hash,
    }
    const byCreator = await owner.post(`/api/models/${modelId}/assertions/${assertion.id}/tier2-reviews`, review)
    expect([byCreator.status, byCreator.body.error.code]).toEqual([403, 'separation_of_duties'])
    const byKey = await developer.post(`/api/models/${modelId}/assertions/${assertion.id}/tier2-reviews`, review)
    expect([byKey.status, byKey.body.error.code]).toEqual([403, 'person_required'])
    const stale = await reviewer.post(`/api/models/${modelId}/assertions/${assertion.id}/tier2-reviews`, {
      ...review,
      anchor_result_id: 'res_01J8Z3V9YQ4K2M7N5P6R8S0T1W',
    })
    expect([stale.status, stale.body.error.code]).toEqual([409, 'anchor_not_current'])
    const changed = await reviewer.post(`/api/models/${modelId}/assertions/${assertion.id}/tier2-reviews`, {
      ...review,
      prompt_hash: `sha256:${'0'.repeat(64)}`,
    })
    expect([changed.status, changed.body.error.code]).toEqual([409, 'prompt_changed'])
    const ok = await reviewer.post(`/api/models/${modelId}/assertions/${assertion.id}/tier2-reviews`, review)
    expect(ok.status, JSON.stringify(ok.body)).toBe(201)
    expect(ok.body.assertion).toMatchObject({ evaluation: 'passing', tier2: 'pass' })
    expect(ok.body.assertion.per_repo[0].tier2).toMatchObject({ result: 'pass', source: 'human' })
  })

  it('keeps the verdict while the evidence is byte-identical and marks it stale when it changes', async () => {
    expect((await run('r2', '1', 'skipped')).status).toBe(201)
    expect(await evaluation()).toMatchObject({ evaluation: 'passing', tier2: 'pass' })
    expect((await run('r3', '2', 'skipped')).status).toBe(201)
    const a = await evaluation()
    expect(a).toMatchObject({ evaluation: 'awaiting', tier2: 'skipped' })
    expect((await run('r4', '3', 'pass')).status).toBe(201)
    expect(await evaluation()).toMatchObject({ evaluation: 'passing', tier2: 'pass' })
  })

  it('lets a reviewer override a heuristic coherence verdict with a rationale', async () => {
    const submitted = await developer.post(`/api/models/${modelId}/controls/CTRL-03/assertions`, {
      assertions: [
        {
          type: 'env_var_referenced',
          params: { glob: 'ci/**/*.sh', variable: 'PIP_REQUIRE_HASHES' },
          description: 'pip installs require hashes.',
        },
      ],
    })
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201)
    expect(submitted.body.coherence_warnings).toEqual([
      {
        assertion_id: submitted.body.assertions[0].id,
        verdict: 'incoherent',
        method: 'heuristic',
        reason: expect.stringContaining('control intents are supply_chain'),
      },
    ])
    const id = submitted.body.assertions[0].id
    const short = await reviewer.post(`/api/models/${modelId}/assertions/${id}/coherence/override`, {
      verdict: 'coherent',
      rationale: 'fine',
    })
    expect(short.status).toBe(422)
    const ok = await reviewer.post(`/api/models/${modelId}/assertions/${id}/coherence/override`, {
      verdict: 'coherent',
      rationale: 'Hash-checked installs are part of pinning here.',
    })
    expect(ok.status).toBe(201)
    const coherence = await developer.get(`/api/models/${modelId}/assertions/${id}/coherence`)
    expect(coherence.body.current).toMatchObject({
      verdict: 'coherent',
      method: 'human',
      overrides: coherence.body.history[1].id,
    })
  })

  it('suspends the keys and ends the sessions of a disabled user, but keeps one admin', async () => {
    const users = await owner.get('/api/users')
    const rita = users.body.items.find((u: any) => u.email === 'rita@example.com')
    const ritaKey = await createKey(reviewer, workspaceId, 'developer').catch(() => undefined)
    expect(ritaKey).toBeDefined()
    const disabled = await owner.patch(`/api/users/${rita.id}`, { disabled: true })
    expect(disabled.body.disabled_at).not.toBeNull()
    expect((await reviewer.get('/api/auth/session')).status).toBe(401)
    const suspended = await new Client(running.url, ritaKey).get('/api/models')
    expect([suspended.status, suspended.body.error.code]).toEqual([401, 'api_key_invalid'])
    const me = (await owner.get('/api/auth/session')).body.user
    const last = await owner.patch(`/api/users/${me.id}`, { instance_admin: false })
    expect([last.status, last.body.error.code]).toEqual([409, 'last_instance_admin'])
  })
})
