import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'

const MODEL_YAML = readFileSync(new URL('./fixtures/payments.yaml', import.meta.url), 'utf8')
const yaml = { 'content-type': 'application/yaml' }

/** Model file import and export (PLATFORM.md §8.3): create, round trip, merge, sync, dry run, conflicts. */
describe.each(BACKENDS)('model import and export on %s', (kind) => {
  let backend: Backend
  let running: Running
  let developer: Client
  let modelId: string

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    const { owner, workspaceId } = await setupOwner(running.url)
    developer = new Client(running.url, await createKey(owner, workspaceId, 'developer'))
    const created = await developer.post('/api/models/import', MODEL_YAML, yaml)
    expect(created.status).toBe(201)
    modelId = created.body.model.id
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  const importInto = (body: string, query: string, headers: Record<string, string> = yaml) =>
    developer.post(`/api/models/${modelId}/import?${query}`, body, headers)

  it('round-trips: importing its own export in sync mode changes nothing, in YAML and JSON', async () => {
    for (const format of ['yaml', 'json'] as const) {
      const exported = await developer.get(`/api/models/${modelId}/export?format=${format}`)
      expect(exported.status).toBe(200)
      expect(exported.headers.get('content-disposition')).toContain('attachment')
      const text = typeof exported.body === 'string' ? exported.body : JSON.stringify(exported.body)
      const res = await importInto(text, 'mode=sync', {
        'content-type': format === 'json' ? 'application/json' : 'application/yaml',
      })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      // 1 asset, 1 attacker, 2 objectives, 3 controls, 2 assertions
      expect(res.body.changes).toEqual({ created: [], updated: [], refined: [], deleted: [], unchanged: 9 })
    }
  })

  it('reports syntax and schema errors with line and column and stores nothing', async () => {
    const broken = MODEL_YAML.replace('risk_tier: critical', 'risk_tier: extreme').replace(
      '  title: Payments API',
      '  title: Payments API\n  colour: red',
    )
    const res = await importInto(broken, 'mode=merge')
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('import_invalid')
    const codes = res.body.error.details.errors.map((e: any) => [e.code, e.line])
    expect(codes.length).toBeGreaterThanOrEqual(2)
    for (const [, line] of codes) expect(line).toBeGreaterThan(0)
    const dup = await developer.post('/api/models/import', '{"format": "warrant.model/v1", "format": "x"}', {
      'content-type': 'application/json',
    })
    expect(dup.status).toBe(422)
    expect(dup.body.error.details.errors[0]).toMatchObject({ code: 'duplicate_key', line: 1 })
  })

  it('plans a sync without storing it, then applies it: updates, new assertions, deletions', async () => {
    const changed = MODEL_YAML.replace(
      'title: No dynamic code evaluation in request handlers',
      'title: No eval in handlers',
    )
      .replace(
        '        description: No eval() call appears in the payment handlers.\n',
        "        description: No eval() call appears in the payment handlers.\n      - type: pattern_absent\n        params: {file: payments/handlers.py, pattern: '\\bexec\\s*\\('}\n        description: No exec() call appears in the payment handlers.\n",
      )
      .split('  - id: CTRL-03')[0]!
    const dry = await importInto(changed, 'mode=sync&dry_run=true')
    expect(dry.status, JSON.stringify(dry.body)).toBe(200)
    expect(dry.body.plan).toMatchObject({
      update: ['control:CTRL-02'],
      create: ['assertions:CTRL-02×1'],
      delete: ['control:CTRL-03'],
    })
    expect((await developer.get(`/api/models/${modelId}/controls/CTRL-03`)).body.deleted_at).toBeNull()
    const res = await importInto(changed, 'mode=sync')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const controls = await developer.get(`/api/models/${modelId}/controls?summary_only=true`)
    expect(controls.body.items.map((c: any) => [c.id, c.title, c.assertion_count])).toEqual([
      ['CTRL-01', 'Authenticate every payments route', 1],
      ['CTRL-02', 'No eval in handlers', 2],
    ])
    const revisions = await developer.get(`/api/models/${modelId}/controls/CTRL-02?include=revisions`)
    expect(revisions.body.revisions.map((r: any) => r.cause)).toEqual(['import', 'import'])
  })

  it('turns a changed description into a refinement, and needs a justification for it', async () => {
    const exported = (await developer.get(`/api/models/${modelId}/export?format=yaml`)).body as string
    const changed = exported.replace(
      'Payment request handlers never evaluate strings as code.',
      'Handlers never evaluate strings.',
    )
    const missing = await importInto(changed, 'mode=merge')
    expect(missing.status).toBe(422)
    expect(missing.body.error.details.errors[0]).toMatchObject({
      code: 'justification_required',
      path: '/controls/1/description',
    })
    const justified = await importInto(
      `revision_note: The workshop simplified the wording of CTRL-02.\n${changed}`,
      'mode=merge',
    )
    expect(justified.status, JSON.stringify(justified.body)).toBe(200)
    expect(justified.body.changes.refined).toEqual(['control:CTRL-02'])
    const control = await developer.get(`/api/models/${modelId}/controls/CTRL-02?include=refinements`)
    expect(control.body.description).toBe('Payment request handlers never evaluate strings as code.')
    expect(control.body.refinements[0]).toMatchObject({
      status: 'pending_review',
      proposed_description: 'Handlers never evaluate strings.',
    })
  })

  it('refuses a sync that would leave an implemented control without assertions', async () => {
    expect(
      (await developer.put(`/api/models/${modelId}/controls/CTRL-01/implementation`, { status: 'implemented' })).status,
    ).toBe(200)
    const exported = (await developer.get(`/api/models/${modelId}/export?format=json&include_assertions=false`)).body
    const file = {
      ...exported,
      controls: exported.controls.map((c: any) => ({ ...c, implementation_status: undefined })),
    }
    const res = await importInto(JSON.stringify(file), 'mode=sync', { 'content-type': 'application/json' })
    expect(res.status, JSON.stringify(res.body)).toBe(409)
    expect(res.body.error.code).toBe('import_conflict')
    expect(res.body.error.details.conflicts.map((c: any) => c.path)).toEqual(['/controls/0'])
    expect((await developer.get(`/api/models/${modelId}/controls/CTRL-02`)).body.assertion_count).toBe(2)
  })

  it('answers 415 to another media type', async () => {
    const res = await developer.post('/api/models/import', MODEL_YAML, { 'content-type': 'text/plain' })
    expect(res.status).toBe(415)
    expect(res.body.error.code).toBe('unsupported_media_type')
  })
})
