import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configFromEnv, createServer, type WarrantServer } from '@warrant/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './helpers.js'

const MODEL = readFileSync(new URL('../../server/test/fixtures/payments.yaml', import.meta.url))

/** `warrant list` and `warrant report` against a real platform on loopback. */
describe('platform commands', () => {
  let server: WarrantServer
  let url: string
  let key: string
  let modelId: string
  const dataDir = mkdtempSync(join(tmpdir(), 'warrant-cli-platform-'))

  beforeAll(async () => {
    server = await createServer(
      configFromEnv(
        {},
        { dataDir, setupToken: 'cli-token', fastPasswordHashing: true, masterKey: randomBytes(32).toString('base64') },
      ),
    )
    url = await server.app.listen({ host: '127.0.0.1', port: 0 })
    const setup = await fetch(`${url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        setup_token: 'cli-token',
        email: 'o@example.com',
        display_name: 'O',
        password: 'a long owner passphrase',
        workspace_name: 'CLI',
      }),
    })
    const body = (await setup.json()) as any
    const cookie = setup.headers.get('set-cookie')!.split(';')[0]!
    const created = await fetch(`${url}/api/workspaces/${body.workspace.id}/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': body.csrf_token },
      body: JSON.stringify({ label: 'cli', scope: 'developer' }),
    })
    key = ((await created.json()) as any).secret
    const imported = await fetch(`${url}/api/models/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', authorization: `Bearer ${key}` },
      body: MODEL,
    })
    modelId = ((await imported.json()) as any).model.id
  }, 60_000)

  afterAll(async () => {
    await server?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('lists the controls of a model', async () => {
    const r = await cli(dataDir, ['list', modelId], '', false, { WARRANT_URL: url, WARRANT_API_KEY: key })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^CTRL-01\s+pending\s+not_implemented\s+1\s+Authenticate every payments route$/m)
    expect(r.stdout).toMatch(/^CTRL-03\s+unverified\s+not_implemented\s+0\s+Pin dependency versions$/m)
    expect(r.stdout.trim().split('\n').at(-1)).toBe('3 controls')
  })

  it('prints the report as JSON for machines', async () => {
    const r = await cli(dataDir, ['report', modelId, '--url', url, '--output', 'json'], '', false, {
      WARRANT_API_KEY: key,
    })
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report).toMatchObject({ model_id: modelId, controls_total: 3, controls_pending: 2, controls_unverified: 1 })
    expect(report.control_details.map((c: { control_id: string }) => c.control_id)).toEqual([
      'CTRL-01',
      'CTRL-02',
      'CTRL-03',
    ])
  })

  it('says what is missing: no key is a usage error, a wrong key or model a platform refusal', async () => {
    const noKey = await cli(dataDir, ['report', modelId, '--url', url])
    expect(noKey.code).toBe(2)
    expect(noKey.stderr).toContain('set WARRANT_API_KEY')
    const badKey = await cli(dataDir, ['list', modelId], '', false, {
      WARRANT_URL: url,
      WARRANT_API_KEY: `wk_${'a'.repeat(12)}_${'b'.repeat(43)}`,
    })
    expect(badKey.code).toBe(3)
    expect(badKey.stderr).toContain('api_key_invalid')
    const unknown = await cli(dataDir, ['list', 'mdl_01J8Z3V9YQ4K2M7N5P6R8S0T1W'], '', false, {
      WARRANT_URL: url,
      WARRANT_API_KEY: key,
    })
    expect(unknown.code).toBe(3)
    expect(unknown.stderr).toContain('not_found')
    const down = await cli(dataDir, ['list', modelId], '', false, {
      WARRANT_URL: 'http://127.0.0.1:9',
      WARRANT_API_KEY: key,
    })
    expect(down.code).toBe(3)
    expect(down.stderr).toContain('cannot reach')
  })
})
