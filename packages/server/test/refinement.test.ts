import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'

const MODEL_YAML = readFileSync(new URL('./fixtures/payments.yaml', import.meta.url))

/** Refining a control's text (PLATFORM.md §5.10) without an AI provider: a reviewer decides; verdicts go stale. */
describe.each(BACKENDS)('control refinement on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let developer: Client
  let reviewer: Client
  let modelId: string

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    const { owner: o, workspaceId } = await setupOwner(running.url)
    owner = o
    developer = new Client(running.url, await createKey(owner, workspaceId, 'developer'))
    const verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
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
    await developer.put(`/api/models/${modelId}/controls/CTRL-01/implementation`, { status: 'implemented' })
    const s = await reviewer.get(`/api/models/${modelId}/controls/CTRL-01/sufficiency`)
    await reviewer.post(`/api/models/${modelId}/controls/CTRL-01/sufficiency/sign-off`, {
      status: 'sufficient',
      details: 'Covers it.',
      assertion_set_digest: s.body.assertion_set_digest,
    })
    const pulled = await verifier.get(`/api/models/${modelId}/verification/assertions?repo=acme/payments-api`)
    const a = pulled.body.assertions.find((x: any) => x.control_id === 'CTRL-01')
    const base = { assertion_id: a.id, assertion_digest: a.digest, evidence_digest: `sha256:${'1'.repeat(64)}` }
    const run = await verifier.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'local', run_id: 'r1', commit_sha: 'a'.repeat(40), repo: 'acme/payments-api' },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: [
        { ...base, tier: 1, result: 'pass', details: 'defined' },
        {
          ...base,
          tier: 2,
          result: 'pass',
          details: 'YES',
          provider: 'other',
          model: 'm',
          prompt_hash: a.tier2_prompt_hash,
          rationale: 'ok',
        },
      ],
    })
    expect(run.body.status_changes).toEqual([{ control_id: 'CTRL-01', from: 'pending', to: 'verified', reasons: [] }])
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  const refine = (client: Client, body: unknown) => client.post(`/api/models/${modelId}/controls/CTRL-01/refine`, body)

  it('refuses a short justification, a missing description, and a second open proposal', async () => {
    const short = await refine(developer, { description: 'Routes pass the middleware.', justification: 'too short' })
    expect([short.status, short.body.error.code]).toEqual([422, 'justification_too_short'])
    const none = await refine(developer, {
      codebase_findings: 'The router mounts the middleware globally.',
      justification: 'The path prefix in the text is outdated since v2.',
    })
    expect([none.status, none.body.error.code]).toEqual([422, 'description_required'])
    const ok = await refine(developer, {
      description: 'Every route under /v2/payments passes through the JWT middleware first.',
      justification: 'The path prefix in the text is outdated since v2.',
    })
    expect(ok.status).toBe(202)
    expect(ok.body).toMatchObject({ accepted: null, refinement: { status: 'pending_review', from_revision: 1 } })
    const again = await refine(developer, {
      description: 'Something else entirely here.',
      justification: 'Another reason that is long enough.',
    })
    expect([again.status, again.body.error.code]).toEqual([409, 'refinement_pending'])
    const control = await developer.get(`/api/models/${modelId}/controls/CTRL-01`)
    expect(control.body).toMatchObject({ revision: 1, verification_status: 'verified' })
  })

  it('is decided by a reviewer who did not propose it; acceptance makes verdicts stale', async () => {
    const [pending] = (await developer.get(`/api/models/${modelId}/controls/CTRL-01/refinements`)).body.items
    const queue = await developer.get(`/api/review-queue?model_id=${modelId}&kind=refinement`)
    expect(queue.body.items.map((i: any) => i.refinement_id)).toEqual([pending.id])
    const byKey = await developer.post(`/api/models/${modelId}/controls/CTRL-01/refinements/${pending.id}/decision`, {
      decision: 'accept',
      note: 'fine',
    })
    expect([byKey.status, byKey.body.error.code]).toEqual([403, 'person_required'])
    const byProposer = await owner.post(`/api/models/${modelId}/controls/CTRL-01/refinements/${pending.id}/decision`, {
      decision: 'accept',
      note: 'fine',
    })
    expect([byProposer.status, byProposer.body.error.code]).toEqual([403, 'separation_of_duties'])
    const accepted = await reviewer.post(`/api/models/${modelId}/controls/CTRL-01/refinements/${pending.id}/decision`, {
      decision: 'accept',
      note: 'Matches the v2 router.',
    })
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
    expect(accepted.body.refinement).toMatchObject({ status: 'accepted', to_revision: 2 })
    expect(accepted.body.control).toMatchObject({
      revision: 2,
      description: 'Every route under /v2/payments passes through the JWT middleware first.',
      verification_status: 'pending',
      status_reasons: ['tier2_stale', 'awaiting_sufficiency_signoff'],
    })
    const history = await developer.get(`/api/models/${modelId}/controls/CTRL-01?include=revisions`)
    expect(history.body.revisions.map((r: any) => [r.revision, r.cause, r.refinement_id])).toEqual([
      [1, 'import', null],
      [2, 'refine', pending.id],
    ])
    const again = await reviewer.post(`/api/models/${modelId}/controls/CTRL-01/refinements/${pending.id}/decision`, {
      decision: 'reject',
      note: 'no',
    })
    expect([again.status, again.body.error.code]).toEqual([409, 'refinement_not_pending'])
  })

  it('refuses a description change through PATCH', async () => {
    const res = await developer.patch(`/api/models/${modelId}/controls/CTRL-01`, { description: 'Weaker text.' })
    expect([res.status, res.body.error.code]).toEqual([422, 'use_refine'])
  })
})
