import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { configFromEnv, createServer, type WarrantServer } from '@warrant/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, project } from './helpers.js'

const MODEL = readFileSync(new URL('../../server/test/fixtures/payments.yaml', import.meta.url), 'utf8')
const built = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const launcher = fileURLToPath(new URL('../bin/warrant.js', import.meta.url))

interface ToolAnswer {
  isError?: boolean
  structuredContent?: any
  content: { type: string; text: string }[]
}

/** `warrant mcp`, the built binary, driven by the SDK's stdio client against a real platform on loopback. */
describe.skipIf(!existsSync(built))('warrant mcp over stdio', () => {
  let server: WarrantServer
  let url: string
  let key: string
  let agent: Client
  const dataDir = mkdtempSync(join(tmpdir(), 'warrant-cli-mcp-'))

  const stdio = async (env: Record<string, string>) => {
    const client = new Client({ name: 'warrant-cli-test', version: '1.0.0' })
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [launcher, 'mcp'], env }))
    return client
  }
  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as ToolAnswer

  beforeAll(async () => {
    server = await createServer(
      configFromEnv(
        {},
        { dataDir, setupToken: 'mcp-token', fastPasswordHashing: true, masterKey: randomBytes(32).toString('base64') },
      ),
    )
    url = await server.app.listen({ host: '127.0.0.1', port: 0 })
    const setup = await fetch(`${url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        setup_token: 'mcp-token',
        email: 'o@example.com',
        display_name: 'O',
        password: 'a long owner passphrase',
        workspace_name: 'MCP',
      }),
    })
    const body = (await setup.json()) as any
    const created = await fetch(`${url}/api/workspaces/${body.workspace.id}/api-keys`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: setup.headers.get('set-cookie')!.split(';')[0]!,
        'x-csrf-token': body.csrf_token,
      },
      body: JSON.stringify({ label: 'agent', scope: 'developer' }),
    })
    key = ((await created.json()) as any).secret
    agent = await stdio({ WARRANT_URL: url, WARRANT_API_KEY: key })
  }, 60_000)

  afterAll(async () => {
    await agent?.close()
    await server?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('serves the same tools, instructions and version as the platform endpoint /mcp', async () => {
    const http = new Client({ name: 'warrant-cli-test', version: '1.0.0' })
    await http.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    )
    const overStdio = await agent.listTools()
    expect(overStdio.tools).toHaveLength(27)
    expect(overStdio).toEqual(await http.listTools())
    expect(agent.getInstructions()).toBe(http.getInstructions())
    expect(agent.getServerVersion()).toEqual(http.getServerVersion())
    await http.close()
  })

  it('forwards tool calls to the REST API; the suggested warrant verify command runs as given', async () => {
    const imported = await call(agent, 'import_model', { content: MODEL })
    expect(imported.isError).toBeFalsy()
    const modelId = imported.structuredContent.model.id
    const controls = await call(agent, 'get_controls', { model_id: modelId, summary_only: true })
    expect(controls.structuredContent.items.map((c: any) => c.id)).toEqual(['CTRL-01', 'CTRL-02', 'CTRL-03'])

    const item = {
      type: 'pattern_absent',
      params: { file: 'payments/handlers.py', pattern: "\\beval\\s*\\(|exec '" },
      description: 'No eval() or exec in the payment handlers.',
    }
    const checked = await call(agent, 'validate_assertion', item)
    expect(checked.structuredContent.valid).toBe(true)
    const command = /`(warrant verify [^`]+)`/.exec(checked.content[0]!.text)![1]!
    expect(command).toBe(
      `warrant verify pattern_absent -p file=payments/handlers.py -p 'pattern=\\beval\\s*\\(|exec '\\'''`,
    )
    const dir = await project({ 'payments/handlers.py': 'def refund(note):\n    return note\n' })
    const run = spawnSync('sh', ['-c', command.replace(/^warrant/, `'${process.execPath}' '${launcher}'`)], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(run.stdout).toContain('PASS  a1  pattern_absent')
    expect(run.status).toBe(0)

    const submitted = await call(agent, 'submit_assertions', {
      model_id: modelId,
      control_id: 'CTRL-02',
      assertions_json: [item],
    })
    expect(submitted.structuredContent.assertions).toHaveLength(1)
    expect(submitted.content[0]!.text).toContain(command)
    const stored = await fetch(`${url}/api/models/${modelId}/assertions?control_id=CTRL-02`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(((await stored.json()) as any).items.map((a: any) => a.params.pattern)).toEqual([
      '\\beval\\s*\\(',
      item.params.pattern,
    ])
  })

  it("answers the API's errors as tool errors", async () => {
    const missing = await call(agent, 'get_controls', { model_id: 'mdl_01J8Z3V9YQ4K2M7N5P6R8S0T1W' })
    expect(missing.isError).toBe(true)
    expect(missing.structuredContent).toEqual({
      code: 'not_found',
      status: 404,
      message: 'model not found',
      details: {},
    })
  })

  it('reports an unreachable platform as a tool error', async () => {
    const offline = await stdio({ WARRANT_URL: 'http://127.0.0.1:9', WARRANT_API_KEY: key })
    const r = await call(offline, 'list_models', {})
    await offline.close()
    expect(r.isError).toBe(true)
    expect(r.structuredContent).toMatchObject({ code: 'unreachable', status: 0 })
    expect(r.content[0]!.text).toContain('Check WARRANT_URL')
  })

  it('exits 0 when standard input ends, and 2 without a key', async () => {
    const child = spawn(process.execPath, [launcher, 'mcp'], {
      env: { ...process.env, WARRANT_URL: url, WARRANT_API_KEY: key },
    })
    child.stdin.end(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'sh', version: '1' } },
      })}\n`,
    )
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
    expect(JSON.parse(out.split('\n')[0]!)).toMatchObject({ id: 1, result: { serverInfo: { name: 'warrant' } } })
    const noKey = await cli(dataDir, ['mcp'], '', false, { WARRANT_URL: url })
    expect(noKey.code).toBe(2)
    expect(noKey.stderr).toContain('set WARRANT_API_KEY')
  })
})
