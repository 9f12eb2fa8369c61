import { readFileSync } from 'node:fs'
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { CATALOGUE } from '@warrant/core'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOOLS } from '../src/mcp/tools.js'
import { VERSION } from '../src/version.js'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'

const MODEL_YAML = readFileSync(new URL('./fixtures/payments.yaml', import.meta.url), 'utf8')
const REPO = 'acme/payments-api'
const COMMIT = 'd'.repeat(40)

const TOOL_NAMES = [
  'add_evidence_link',
  'delete_assertion',
  'export_model',
  'get_assertion_types',
  'get_coherence',
  'get_control_objectives',
  'get_controls',
  'get_model',
  'get_review_queue',
  'get_run',
  'get_scan_prompt',
  'get_sufficiency',
  'get_tier2_prompt',
  'get_verification_report',
  'import_model',
  'list_assertions',
  'list_drift',
  'list_findings',
  'list_models',
  'list_runs',
  'refine_control',
  'remove_evidence_link',
  'submit_assertions',
  'submit_findings',
  'update_control_status',
  'update_finding',
  'validate_assertion',
]

interface ToolAnswer {
  isError?: boolean
  structuredContent?: any
  content: { type: string; text: string }[]
}

/** The MCP endpoint driven by the SDK's own client over Streamable HTTP, on each configured backend. */
describe.each(BACKENDS)('MCP over Streamable HTTP on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let verifier: Client
  let developerKey: string
  let agent: McpClient
  let foreignAgent: McpClient
  let modelId: string
  let assertionId: string
  let findingId: string

  const connect = async (key: string) => {
    const client = new McpClient({ name: 'warrant-test', version: '1.0.0' })
    const url = new URL(`${running.url}/mcp`)
    await client.connect(
      new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
    )
    return client
  }
  const call = async (client: McpClient, name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as ToolAnswer
  const ok = async (name: string, args: Record<string, unknown>) => {
    const r = await call(agent, name, args)
    expect(r.isError, r.content[0]?.text).toBeFalsy()
    return { data: r.structuredContent, text: r.content[0]!.text }
  }
  const failure = async (name: string, args: Record<string, unknown>, client = agent) => {
    const r = await call(client, name, args)
    expect(r.isError, r.content[0]?.text).toBe(true)
    return { error: r.structuredContent, text: r.content[0]!.text }
  }

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    const setup = await setupOwner(running.url)
    owner = setup.owner
    verifier = new Client(running.url, await createKey(owner, setup.workspaceId, 'verifier'))
    developerKey = await createKey(owner, setup.workspaceId, 'developer')
    agent = await connect(developerKey)
    const other = await owner.post('/api/workspaces', { name: 'Umbrella', slug: 'umbrella' })
    expect(other.status, JSON.stringify(other.body)).toBe(201)
    foreignAgent = await connect(await createKey(owner, other.body.id, 'developer'))
  }, 60_000)

  afterAll(async () => {
    await agent?.close()
    await foreignAgent?.close()
    await running?.close()
    await backend?.drop()
  })

  it("answers /mcp without a credential with the API's 401 body, and GET with 405", async () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
    }
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    const anonymous = await fetch(`${running.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(init) })
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('x-request-id')).toMatch(/^req_/)
    expect(((await anonymous.json()) as any).error).toMatchObject({ code: 'unauthenticated', status: 401 })
    const unread = await fetch(`${running.url}/mcp`, { method: 'POST', headers, body: '{"jsonrpc":' })
    expect(unread.status).toBe(401)
    const badKey = await fetch(`${running.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer wk_${'a'.repeat(12)}_${'b'.repeat(43)}` },
      body: JSON.stringify(init),
    })
    expect(badKey.status).toBe(401)
    expect(((await badKey.json()) as any).error.code).toBe('api_key_invalid')
    const answered = await fetch(`${running.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${developerKey}` },
      body: JSON.stringify(init),
    })
    expect([answered.status, answered.headers.get('content-type')]).toEqual([200, 'application/json'])
    expect(answered.headers.get('x-request-id')).toMatch(/^req_/)
    expect(await answered.json()).toMatchObject({ id: 1, result: { serverInfo: { name: 'warrant' } } })
    const get = await fetch(`${running.url}/mcp`, { headers: { authorization: `Bearer ${developerKey}` } })
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST'])
  })

  it('initializes with the server version and instructions that teach the workflow', () => {
    expect(agent.getServerVersion()).toEqual({ name: 'warrant', version: VERSION })
    const instructions = agent.getInstructions() ?? ''
    for (const step of ['get_controls', 'warrant verify <type> -p key=value', 'submit_assertions', 'sufficient'])
      expect(instructions).toContain(step)
    expect(instructions).toContain('get_verification_report')
  })

  it('lists every tool with a valid JSON Schema object as its input schema', async () => {
    const { tools } = await agent.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES)
    expect(TOOLS.map((t) => t.name).sort()).toEqual(TOOL_NAMES)
    const ajv = new Ajv({ strict: false })
    for (const t of tools) {
      expect(t.description?.length, t.name).toBeGreaterThan(30)
      expect(t.inputSchema.type, t.name).toBe('object')
      expect(ajv.validateSchema(t.inputSchema), `${t.name}: ${ajv.errorsText()}`).toBe(true)
      expect(() => ajv.compile(t.inputSchema), t.name).not.toThrow()
    }
    const submit = tools.find((t) => t.name === 'submit_assertions')!
    expect(submit.inputSchema.required).toEqual(['model_id', 'control_id', 'assertions_json'])
    expect(JSON.stringify(submit.inputSchema.properties?.assertions_json)).toContain('get_assertion_types')
  })

  it('imports a model, finds the work and reads a control', async () => {
    const imported = await ok('import_model', { content: MODEL_YAML })
    expect(imported.data.created).toMatchObject({ controls: 3, assertions: 2, control_objectives: 2 })
    modelId = imported.data.model.id
    expect(imported.text).toBe(
      `Model ${modelId} "Payments API" is at revision 1 (assets 1, attackers 1, assumptions 0, control_objectives 2, controls 3, assertions 2, evidence_links 0). Next: get_controls.`,
    )
    expect((await ok('list_models', {})).data.items.map((m: any) => m.id)).toEqual([modelId])
    const model = await ok('get_model', { model_id: modelId, include: 'controls,control_objectives' })
    expect(Object.keys(model.data)).toEqual(expect.arrayContaining(['controls', 'control_objectives']))
    expect(model.data).not.toHaveProperty('assets')
    const work = await ok('get_controls', { model_id: modelId, status: 'not_implemented', summary_only: true })
    expect(work.data.total).toBe(3)
    expect(work.text).toContain('CTRL-03 not_implemented/unverified (0 assertions) "Pin dependency versions"')
    const byObjective = await ok('get_controls', { model_id: modelId, co_id: 'CO-02' })
    expect(byObjective.data.items.map((c: any) => c.id)).toEqual(['CTRL-02'])
    const control = await ok('get_controls', { model_id: modelId, control_id: 'CTRL-01' })
    expect(control.data).toMatchObject({ id: 'CTRL-01', assertions: [{ type: 'function_exists' }], findings: [] })
    const objectives = await ok('get_control_objectives', { model_id: modelId })
    expect(objectives.data.items.map((o: any) => o.id)).toEqual(['CO-01', 'CO-02'])
    const objective = await ok('get_control_objectives', { model_id: modelId, objective_id: 'CO-02' })
    expect(objective.data.statement).toBe('Crafted input cannot make the API execute code.')
  })

  it('validates an assertion and suggests the exact warrant verify command', async () => {
    const type = await ok('get_assertion_types', { type: 'dependency_version' })
    expect(type.data.types.map((t: any) => t.name)).toEqual(['dependency_version'])
    expect(type.text).toContain('Required params: manifest, package, constraint')
    const params = { manifest: 'requirements.txt', package: 'cryptography', constraint: '>=41.0' }
    const valid = await ok('validate_assertion', { type: 'dependency_version', params })
    expect(valid.data).toEqual({ valid: true, errors: [], normalized_params: params })
    expect(valid.text).toContain(
      "`warrant verify dependency_version -p manifest=requirements.txt -p package=cryptography -p 'constraint=>=41.0'`",
    )
    const invalid = await ok('validate_assertion', { type: 'pattern_absent', params: { file: 'a.py', pattern: '' } })
    expect(invalid.data.valid).toBe(false)
    expect(invalid.data.errors[0].path).toBe('/params/pattern')
  })

  it('submits assertions (as a string holding the array) and marks the controls implemented', async () => {
    const items = [
      {
        type: 'dependency_version',
        params: { manifest: 'requirements.txt', package: 'cryptography', constraint: '>=41.0' },
        description: 'cryptography is pinned at a patched version.',
      },
    ]
    const submitted = await ok('submit_assertions', {
      model_id: modelId,
      control_id: 'CTRL-03',
      assertions_json: JSON.stringify(items),
    })
    expect(submitted.data.assertions).toHaveLength(1)
    expect(submitted.data.unchanged_ids).toEqual([])
    assertionId = submitted.data.assertions[0].id
    expect(submitted.text).toContain(`Created 1 assertion(s) (${assertionId}), 0 unchanged.`)
    expect(submitted.text).toContain(
      "warrant verify dependency_version -p manifest=requirements.txt -p package=cryptography -p 'constraint=>=41.0'",
    )
    const again = await ok('submit_assertions', { model_id: modelId, control_id: 'CTRL-03', assertions_json: items })
    expect(again.data.unchanged_ids).toEqual([assertionId])
    for (const c of ['CTRL-01', 'CTRL-02', 'CTRL-03']) {
      const marked = await ok('update_control_status', {
        model_id: modelId,
        control_id: c,
        status: 'implemented',
        implementation_notes: 'done',
      })
      expect(marked.data).toMatchObject({ id: c, implementation_status: 'implemented', implementation_notes: 'done' })
    }
    const assertions = await ok('list_assertions', { model_id: modelId, control_id: 'CTRL-03' })
    expect(assertions.data.items.map((a: any) => a.id)).toEqual([assertionId])
    const coherence = await ok('get_coherence', { model_id: modelId, assertion_id: assertionId })
    expect(coherence.data.current).toMatchObject({ method: 'heuristic' })
    const sufficiency = await ok('get_sufficiency', { model_id: modelId, control_id: 'CTRL-03' })
    expect(sufficiency.data.current.status).toBe('pending')
    const tier2 = await ok('get_tier2_prompt', { model_id: modelId, assertion_id: assertionId })
    expect(tier2.data).toMatchObject({
      assertion_id: assertionId,
      control_revision: 1,
      template: { id: 'tier2/dependency_version' },
    })
    expect(tier2.data.prompt_hash).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('renders scan prompts for the controls not yet implemented, and for one control on request', async () => {
    const all = await ok('get_scan_prompt', { model_id: modelId })
    expect(all.data.items).toEqual([])
    expect(all.text).toContain('nothing to scan for')
    const one = await ok('get_scan_prompt', { model_id: modelId, control_id: 'CTRL-01' })
    expect(one.data.control_id).toBe('CTRL-01')
    expect(one.data.prompt).toContain('Authenticate every payments route')
    expect(one.data.prompt).toContain('The highest linked risk tier is critical: use critical or high.')
    expect(one.data.prompt).toContain('do not include code')
    expect(one.data.items[0].prompt_hash).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('reads the verification report after CI submitted results with a verifier key', async () => {
    const pulled = await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)
    const results = pulled.body.assertions.map((a: any) => ({
      assertion_id: a.id,
      assertion_digest: a.digest,
      tier: 1,
      result: a.type === 'pattern_absent' ? 'fail' : 'pass',
      details: a.type,
    }))
    const run = await verifier.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'github_actions', run_id: '1', commit_sha: COMMIT, repo: REPO },
      verifier: { name: 'warrant', version: '0.1.0' },
      results,
    })
    expect(run.status, JSON.stringify(run.body)).toBe(201)
    const report = await ok('get_verification_report', { model_id: modelId })
    expect(report.data).toMatchObject({ controls_total: 3, controls_implemented: 3 })
    expect(report.data.control_details[0]).not.toHaveProperty('assertions')
    expect(report.text).toMatch(
      /^0\/3 controls verified, .* 3 implemented\. Tier 1: 2 pass, 1 fail, 0 error, 0 pending\./,
    )
    const runs = await ok('list_runs', { model_id: modelId })
    expect(runs.data.items.map((r: any) => r.id)).toEqual([run.body.run_id])
    const one = await ok('get_run', { model_id: modelId, run_id: run.body.run_id })
    expect(one.text).toContain(`Run ${run.body.run_id} on ${REPO}@dddddddddddd`)
    expect((await ok('list_drift', { model_id: modelId })).data.items).toEqual([])
  })

  it('moves a finding through its lifecycle and refuses what a key may not do', async () => {
    const created = await ok('submit_findings', {
      model_id: modelId,
      findings_json: [
        { control_id: 'CTRL-02', title: 'eval in refund handler', description: 'refund() evaluates the note.' },
      ],
    })
    findingId = created.data.items[0].id
    expect(created.data.items[0]).toMatchObject({ control_id: 'CTRL-02', status: 'discovered' })
    const dismissed = await failure('update_finding', {
      model_id: modelId,
      finding_id: findingId,
      status: 'dismissed',
      reason: 'not exploitable: notes are constant strings',
    })
    expect(dismissed.error).toEqual({
      code: 'dismissal_requires_person',
      status: 403,
      message: 'API keys may not dismiss findings in this workspace; a person must',
      details: {},
    })
    expect(dismissed.text).toContain('ask a person to do it in the Warrant UI')
    await ok('update_finding', { model_id: modelId, finding_id: findingId, status: 'acknowledged' })
    const fixed = await ok('update_finding', {
      model_id: modelId,
      finding_id: findingId,
      status: 'remediated',
      remediation_assertion_ids: `${assertionId}`,
      notes: 'eval removed',
    })
    expect(fixed.data).toMatchObject({ status: 'remediated', remediation_assertion_ids: [assertionId] })
    const listed = await ok('list_findings', { model_id: modelId, control_id: 'CTRL-02' })
    expect(listed.data.items.map((f: any) => [f.id, f.status])).toEqual([[findingId, 'remediated']])
  })

  it('links evidence, refines a control, deletes an assertion, exports the model, reads the queue', async () => {
    const link = await ok('add_evidence_link', {
      model_id: modelId,
      control_id: 'CTRL-01',
      kind: 'document',
      label: 'Auth design',
      url: 'https://example.com/auth',
    })
    expect(link.data.id).toMatch(/^lnk_/)
    const removed = await ok('remove_evidence_link', {
      model_id: modelId,
      control_id: 'CTRL-01',
      link_id: link.data.id,
    })
    expect(removed.data).toEqual({ removed: true })
    const refined = await ok('refine_control', {
      model_id: modelId,
      control_id: 'CTRL-03',
      description: 'Every runtime dependency is pinned in requirements.txt.',
      justification: 'The service has a single manifest; "every" reads as all ecosystems.',
    })
    expect(refined.data).toMatchObject({ accepted: null, refinement: { status: 'pending_review' } })
    const queue = await ok('get_review_queue', { model_id: modelId, kind: 'refinement' })
    expect(queue.data.items.map((i: any) => [i.kind, i.control_id])).toEqual([['refinement', 'CTRL-03']])
    const refused = await failure('delete_assertion', { model_id: modelId, assertion_id: assertionId })
    expect(refused.error.code).toBe('last_assertion_of_implemented_control')
    await ok('update_control_status', { model_id: modelId, control_id: 'CTRL-03', status: 'not_implemented' })
    const deleted = await ok('delete_assertion', {
      model_id: modelId,
      assertion_id: assertionId,
      control_id: 'CTRL-03',
      reason: 'replaced',
    })
    expect(deleted.data).toEqual({ deleted: true, assertion_id: assertionId })
    const exported = await ok('export_model', { model_id: modelId, format: 'json', include_assertions: false })
    expect(exported.data.format).toBe('json')
    expect(JSON.parse(exported.data.content)).toMatchObject({ format: 'warrant.model/v1' })
  })

  it('reports invalid params of every assertion type with their code and JSON Pointer', async () => {
    const types = [...CATALOGUE.values()]
    const { error } = await failure('submit_assertions', {
      model_id: modelId,
      control_id: 'CTRL-01',
      assertions_json: types.map((t) => ({
        type: t.name,
        params: { ...t.example, not_a_param: 1 },
        description: `${t.name} example`,
      })),
    })
    expect([error.code, error.status]).toEqual(['validation_failed', 422])
    for (const i of types.keys())
      expect(error.details.errors).toContainEqual({
        path: `/assertions/${i}/params/not_a_param`,
        code: 'param_unknown',
        message: expect.any(String),
      })
    const specific = await failure('submit_assertions', {
      model_id: modelId,
      control_id: 'CTRL-01',
      assertions_json: [
        { type: 'pattern_absent', params: { file: 'a.py', pattern: '(?<=x)y' }, description: 'look-behind' },
        { type: 'function_exists', params: { file: 'a.py' }, description: 'no name' },
        { type: 'file_exists', params: { file: '/etc/passwd' }, description: 'absolute' },
        { type: 'no_such_type', params: {}, description: 'unknown' },
      ],
    })
    expect(specific.error.details.errors.map((e: any) => [e.path, e.code])).toEqual([
      ['/assertions/0/params/pattern', 'regex_unsupported'],
      ['/assertions/1/params/name', 'param_missing'],
      ['/assertions/2/params/file', 'path_invalid'],
      ['/assertions/3/type', 'unknown_assertion_type'],
    ])
    expect(specific.text).toContain('/assertions/0/params/pattern regex_unsupported')
    expect(specific.text).toContain('Fix the arguments named in details.errors')
  })

  it('answers malformed arguments like the REST API: validation_failed with JSON Pointers', async () => {
    const missing = await failure('get_controls', { status: 'done' })
    expect(missing.error.code).toBe('validation_failed')
    expect(missing.error.details.errors.map((e: any) => e.path)).toEqual(['/model_id', '/status'])
    const badJson = await failure('submit_assertions', {
      model_id: modelId,
      control_id: 'CTRL-01',
      assertions_json: '[{"type": ',
    })
    expect(badJson.error.details.errors.map((e: any) => e.path)).toEqual(['/assertions_json'])
    const unknown = await failure('list_models', { workspace: 'x' })
    expect(unknown.error.details.errors).toEqual([
      { path: '/workspace', code: 'unknown_field', message: "'workspace' is not a member of this request" },
    ])
  })

  it("accepts a session with its CSRF token, which calls the tools with the person's role", async () => {
    const session = (csrf: string) =>
      new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`), {
        requestInit: { headers: { cookie: owner.cookie!, 'x-csrf-token': csrf } },
      })
    const person = new McpClient({ name: 'warrant-test', version: '1.0.0' })
    await person.connect(session(owner.csrf!))
    const controls = (await call(person, 'get_controls', { model_id: modelId, summary_only: true })).structuredContent
    expect(controls.items.map((c: any) => c.id)).toEqual(['CTRL-01', 'CTRL-02', 'CTRL-03'])
    await person.close()
    const forged = new McpClient({ name: 'warrant-test', version: '1.0.0' })
    await expect(forged.connect(session('forged'))).rejects.toThrow(/csrf_token_invalid/)
  })

  it("answers not_found for another workspace's model, whatever the tool", async () => {
    for (const [name, args] of [
      ['get_controls', { model_id: modelId }],
      [
        'submit_findings',
        { model_id: modelId, findings_json: [{ control_id: 'CTRL-01', title: 't', description: 'd' }] },
      ],
      ['list_findings', { model_id: modelId }],
    ] as const) {
      const { error, text } = await failure(name, args, foreignAgent)
      expect(error, name).toEqual({ code: 'not_found', status: 404, message: 'model not found', details: {} })
      expect(text).toContain('Check the ids')
    }
    expect((await call(foreignAgent, 'list_models', {})).structuredContent.items).toEqual([])
  })
})
