import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'

const MODEL_YAML = readFileSync(new URL('./fixtures/payments.yaml', import.meta.url))
const COMMIT = 'a'.repeat(40)
const COMMIT2 = 'b'.repeat(40)

/** The scripted session, end to end over loopback HTTP, on each configured backend, across a restart. */
describe.each(BACKENDS)('scripted platform session on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let workspaceId: string
  let developer: Client
  let verifier: Client
  let reviewer: Client
  let modelId: string
  let reportBefore: any

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    developer = new Client(running.url, await createKey(owner, workspaceId, 'developer'))
    verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  it('imports a model file with a developer key', async () => {
    const res = await developer.post('/api/models/import', MODEL_YAML, { 'content-type': 'application/yaml' })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.created).toMatchObject({
      controls: 3,
      assertions: 2,
      control_objectives: 2,
      assets: 1,
      attackers: 1,
    })
    modelId = res.body.model.id
    const controls = await developer.get(`/api/models/${modelId}/controls?summary_only=true`)
    expect(controls.body.items.map((c: any) => [c.id, c.verification_status])).toEqual([
      ['CTRL-01', 'pending'],
      ['CTRL-02', 'pending'],
      ['CTRL-03', 'unverified'],
    ])
  })

  it('submits assertions and refuses to mark a control without assertions implemented', async () => {
    const refused = await developer.put(`/api/models/${modelId}/controls/CTRL-03/implementation`, {
      status: 'implemented',
    })
    expect(refused.status).toBe(422)
    expect(refused.body.error.code).toBe('assertions_required')
    const res = await developer.post(`/api/models/${modelId}/controls/CTRL-03/assertions`, {
      assertions: [
        {
          type: 'dependency_version',
          params: { manifest: 'requirements.txt', package: 'cryptography', constraint: '>=41.0' },
          description: 'cryptography is pinned at a patched version.',
        },
      ],
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.assertions).toHaveLength(1)
    expect(res.body.coherence_warnings).toEqual([])
    for (const c of ['CTRL-01', 'CTRL-02', 'CTRL-03']) {
      const marked = await developer.put(`/api/models/${modelId}/controls/${c}/implementation`, {
        status: 'implemented',
      })
      expect(marked.status).toBe(200)
      expect(marked.body.verification_status).toBe('pending')
    }
  })

  it('lets a reviewer sign off sufficiency, which the creator of the evidence may not', async () => {
    const created = await owner.post('/api/users', {
      email: 'rita@example.com',
      display_name: 'Rita',
      password: 'reviewer passphrase 42',
    })
    expect(created.status).toBe(201)
    expect(
      (await owner.post(`/api/workspaces/${workspaceId}/members`, { email: 'rita@example.com', role: 'reviewer' }))
        .status,
    ).toBe(201)
    reviewer = new Client(running.url)
    expect(
      (await reviewer.post('/api/auth/login', { email: 'rita@example.com', password: 'reviewer passphrase 42' }))
        .status,
    ).toBe(200)
    for (const c of ['CTRL-01', 'CTRL-02', 'CTRL-03']) {
      const s = await reviewer.get(`/api/models/${modelId}/controls/${c}/sufficiency`)
      const signOff = {
        status: 'sufficient',
        details: 'The assertions cover the control.',
        assertion_set_digest: s.body.assertion_set_digest,
      }
      const byOwner = await owner.post(`/api/models/${modelId}/controls/${c}/sufficiency/sign-off`, signOff)
      expect(byOwner.status).toBe(403)
      expect(byOwner.body.error.code).toBe('separation_of_duties')
      const res = await reviewer.post(`/api/models/${modelId}/controls/${c}/sufficiency/sign-off`, signOff)
      expect(res.status, JSON.stringify(res.body)).toBe(201)
    }
  })

  const resultsFor = async (repo: string, outcome: (type: string) => 'pass' | 'fail') => {
    const pulled = await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${repo}`)
    expect(pulled.status).toBe(200)
    return pulled.body.assertions.flatMap((a: any) => {
      const result = outcome(a.type)
      const base = {
        assertion_id: a.id,
        assertion_digest: a.digest,
        evidence_digest: `sha256:${(result === 'pass' ? '1' : '2').repeat(64)}`,
      }
      return [
        {
          ...base,
          tier: 1,
          result,
          details: `${a.type} ${result}`,
          locations: [{ path: 'x.py', start_line: 1, end_line: 2 }],
        },
        ...(result === 'pass'
          ? [
              {
                ...base,
                tier: 2,
                result: 'pass',
                details: 'YES',
                provider: 'other',
                model: 'test-model',
                prompt_hash: a.tier2_prompt_hash,
                rationale: 'The code does it.',
              },
            ]
          : []),
      ]
    })
  }
  const submit = (client: Client, runId: string, commit: string, results: unknown[]) =>
    client.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'github_actions', run_id: runId, commit_sha: commit, repo: 'acme/payments-api' },
      verifier: { name: 'warrant', version: '0.1.0' },
      results,
    })

  it('refuses results from a developer key and accepts them from a verifier key', async () => {
    const results = await resultsFor('acme/payments-api', () => 'pass')
    expect(results).toHaveLength(6)
    const refused = await submit(developer, '1', COMMIT, results)
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('developer_key_cannot_submit')
    const res = await submit(verifier, '1', COMMIT, results)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.counts).toEqual({
      tier1: { pass: 3, fail: 0, error: 0, skipped: 0 },
      tier2: { pass: 3, fail: 0, error: 0, skipped: 0 },
    })
    expect(res.body.status_changes.map((c: any) => [c.control_id, c.from, c.to])).toEqual([
      ['CTRL-01', 'pending', 'verified'],
      ['CTRL-02', 'pending', 'verified'],
      ['CTRL-03', 'pending', 'verified'],
    ])
    expect(res.body.results_hash).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('reports every control verified, then drift when a passing assertion fails', async () => {
    const report = await developer.get(`/api/models/${modelId}/verification/report`)
    expect(report.status).toBe(200)
    expect(report.body).toMatchObject({
      controls_total: 3,
      controls_verified: 3,
      objectives: { verified: 2, at_risk: 0 },
      drift: { open: 0 },
    })
    expect(report.body.repos.map((r: any) => [r.repo, r.last_commit_sha])).toEqual([['acme/payments-api', COMMIT]])

    const results = await resultsFor('acme/payments-api', (type) => (type === 'pattern_absent' ? 'fail' : 'pass'))
    const res = await submit(verifier, '2', COMMIT2, results)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.drift).toHaveLength(1)
    expect(res.body.drift[0]).toMatchObject({ control_id: 'CTRL-02', tier: 1, new_result: 'fail' })
    expect(res.body.status_changes).toEqual([
      { control_id: 'CTRL-02', from: 'verified', to: 'partially_verified', reasons: ['tier1_fail'] },
    ])
    reportBefore = (await developer.get(`/api/models/${modelId}/verification/report`)).body
    expect(reportBefore).toMatchObject({
      controls_verified: 2,
      controls_partially_verified: 1,
      objectives: { verified: 1, at_risk: 1 },
      drift: { open: 1 },
    })
    expect(reportBefore.drift_items[0]).toMatchObject({
      control_id: 'CTRL-02',
      previous_result: 'pass',
      new_result: 'fail',
      evidence_changed: true,
      status: 'open',
    })
  })

  it('moves a finding through its lifecycle to a computed verified', async () => {
    const created = await developer.post(`/api/models/${modelId}/findings`, {
      findings: [
        {
          control_id: 'CTRL-02',
          title: 'eval in refund handler',
          description: 'refund() evaluates the note field.',
          severity: 'high',
          checked_locations: [{ path: 'payments/handlers.py', start_line: 10, end_line: 12, snippet: 'eval(note)' }],
        },
      ],
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(created.body.snippets_withheld).toBe(1)
    expect(created.body.items[0].checked_locations[0]).not.toHaveProperty('snippet')
    const id = created.body.items[0].id
    const illegal = await developer.patch(`/api/models/${modelId}/findings/${id}`, { status: 'remediated' })
    expect(illegal.status).toBe(409)
    expect(illegal.body.error.code).toBe('invalid_transition')
    expect(
      (await developer.patch(`/api/models/${modelId}/findings/${id}`, { status: 'verified' })).body.error.code,
    ).toBe('status_computed')
    expect(
      (await developer.patch(`/api/models/${modelId}/findings/${id}`, { status: 'acknowledged' })).body.status,
    ).toBe('acknowledged')
    const eval_ = (await developer.get(`/api/models/${modelId}/assertions?control_id=CTRL-02`)).body.items[0]
    const remediated = await developer.patch(`/api/models/${modelId}/findings/${id}`, {
      status: 'remediated',
      link_assertion_ids: [eval_.id],
    })
    expect(remediated.body.status).toBe('remediated')
    const results = await resultsFor('acme/payments-api', () => 'pass')
    const res = await submit(verifier, '3', COMMIT, results)
    expect(res.body.finding_changes).toEqual([{ finding_id: id, from: 'remediated', to: 'verified' }])
    const finding = await developer.get(`/api/models/${modelId}/findings/${id}`)
    expect(finding.body.status).toBe('verified')
    const history = await developer.get(`/api/models/${modelId}/findings/${id}/history`)
    expect(history.body.items.map((e: any) => e.kind)).toEqual([
      'created',
      'transitioned',
      'linked',
      'transitioned',
      'verification_gained',
    ])
    reportBefore = (await developer.get(`/api/models/${modelId}/verification/report`)).body
    expect(reportBefore).toMatchObject({ controls_verified: 3, drift: { open: 0, resolved_last_30_days: 1 } })
  })

  it('reads the same state after a restart', async () => {
    await running.close()
    running = await start(backend)
    const again = new Client(running.url, developer.key)
    const report = await again.get(`/api/models/${modelId}/verification/report`)
    expect(report.status).toBe(200)
    const strip = (r: any) => ({ ...r, generated_at: undefined })
    expect(strip(report.body)).toEqual(strip(reportBefore))
    const setup = await again.get('/api/setup')
    expect(setup.body.needs_setup).toBe(false)
  })
})
