import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configFromEnv, createServer, type WarrantServer } from '@warrant/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './helpers.js'

const MODEL = {
  format: 'warrant.model/v1',
  model: { title: 'Shop' },
  control_objectives: [
    { id: 'CO-01', statement: 'Only authenticated customers reach the shop API.', risk_tier: 'high' },
  ],
  controls: [
    {
      id: 'CTRL-01',
      title: 'Authenticate requests',
      description: 'A middleware authenticates every request.',
      objective_ids: ['CO-01'],
      intents: ['authentication'],
      implementation_status: 'implemented',
      assertions: [
        {
          type: 'function_exists',
          params: { file: 'auth.py', name: 'require_auth' },
          description: 'The authentication middleware exists.',
        },
      ],
    },
    {
      id: 'CTRL-02',
      title: 'No eval',
      description: 'Handlers never evaluate input as code.',
      objective_ids: ['CO-01'],
      intents: ['input_validation'],
      implementation_status: 'implemented',
      assertions: [
        {
          type: 'pattern_absent',
          params: { file: 'app.py', pattern: '\\beval\\s*\\(' },
          description: 'No eval in the handlers.',
        },
      ],
    },
    {
      id: 'CTRL-03',
      title: 'Security policy',
      description: 'A security policy tells how to report vulnerabilities.',
      objective_ids: ['CO-01'],
      intents: ['configuration_hardening'],
      assertions: [{ type: 'file_exists', params: { file: 'SECURITY.md' }, description: 'The policy file exists.' }],
    },
  ],
}

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  })

/**
 * The whole loop of the CI runner issue: the platform on its embedded store, a model, `warrant run` over a fixture
 * repository with a loopback Tier 2 provider; the report shows verified, partially verified and pending controls, and
 * a second run after a code change shows drift.
 */
describe('warrant run end to end', () => {
  let server: WarrantServer
  let model: Server
  let url: string
  let providerUrl: string
  let key: string
  let modelId: string
  let repo: string
  const dataDir = mkdtempSync(join(tmpdir(), 'warrant-e2e-'))
  const api = async (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    (await (
      await fetch(`${url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...init.headers } })
    ).json()) as any

  beforeAll(async () => {
    server = await createServer(
      configFromEnv(
        {},
        { dataDir, setupToken: 'e2e', fastPasswordHashing: true, masterKey: randomBytes(32).toString('base64') },
      ),
    )
    url = await server.app.listen({ host: '127.0.0.1', port: 0 })
    model = createHttpServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            id: 'c',
            object: 'chat.completion',
            created: 1,
            model: 'judge-1',
            choices: [
              {
                index: 0,
                finish_reason: 'stop',
                message: { role: 'assistant', content: 'YES\nThe excerpt implements the claim for this control.' },
              },
            ],
          }),
        )
      })
    })
    await new Promise<void>((r) => model.listen(0, '127.0.0.1', r))
    providerUrl = `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`

    const setup = await fetch(`${url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        setup_token: 'e2e',
        email: 'o@example.com',
        display_name: 'O',
        password: 'a long owner passphrase',
        workspace_name: 'Shop',
      }),
    })
    const s = (await setup.json()) as any
    const owner = { cookie: setup.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': s.csrf_token }
    key = (
      await api(`/api/workspaces/${s.workspace.id}/api-keys`, {
        method: 'POST',
        headers: owner,
        body: JSON.stringify({ label: 'ci', scope: 'verifier' }),
      })
    ).secret
    modelId = (
      await api('/api/models/import', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify(MODEL),
      })
    ).model.id
    // A reviewer who created none of the assertions signs off that they suffice.
    await api('/api/users', {
      method: 'POST',
      headers: owner,
      body: JSON.stringify({ email: 'r@example.com', display_name: 'R', password: 'a long reviewer passphrase' }),
    })
    await api(`/api/workspaces/${s.workspace.id}/members`, {
      method: 'POST',
      headers: owner,
      body: JSON.stringify({ email: 'r@example.com', role: 'reviewer' }),
    })
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'r@example.com', password: 'a long reviewer passphrase' }),
    })
    const reviewer = {
      cookie: login.headers.get('set-cookie')!.split(';')[0]!,
      'x-csrf-token': ((await login.json()) as any).csrf_token,
    }
    for (const c of ['CTRL-01', 'CTRL-02', 'CTRL-03']) {
      const { assertion_set_digest } = await api(`/api/models/${modelId}/controls/${c}/sufficiency`, {
        headers: reviewer,
      })
      await api(`/api/models/${modelId}/controls/${c}/sufficiency/sign-off`, {
        method: 'POST',
        headers: reviewer,
        body: JSON.stringify({ status: 'sufficient', details: 'Covers the control.', assertion_set_digest }),
      })
    }

    repo = mkdtempSync(join(tmpdir(), 'warrant-e2e-repo-'))
    writeFileSync(
      join(repo, 'auth.py'),
      'def require_auth(request):\n    if not request.token_valid():\n        raise Unauthorized()\n    return request\n',
    )
    writeFileSync(join(repo, 'app.py'), 'def handler(x):\n    return eval(x)\n')
    writeFileSync(join(repo, 'SECURITY.md'), 'Report vulnerabilities to security@example.com.\n')
    git(repo, 'init', '-q')
    git(repo, 'add', '.')
    git(repo, 'commit', '-qm', 'first')
  }, 60_000)

  afterAll(async () => {
    await server?.close()
    await new Promise<void>((r) => (model ? model.close(() => r()) : r()))
    rmSync(dataDir, { recursive: true, force: true })
    if (repo) rmSync(repo, { recursive: true, force: true })
  })

  const run = () =>
    cli(
      repo,
      [
        'run',
        modelId,
        '--repo',
        'acme/shop',
        '--tier2-provider',
        'openai-compatible',
        '--tier2-model',
        'judge',
        '--tier2-base-url',
        providerUrl,
      ],
      '',
      false,
      {
        WARRANT_URL: url,
        WARRANT_API_KEY: key,
      },
    )
  const statuses = async () => {
    const report = await api(`/api/models/${modelId}/verification/report`, {
      headers: { authorization: `Bearer ${key}` },
    })
    return {
      report,
      byControl: Object.fromEntries(
        report.control_details.map((c: any) => [c.control_id, [c.verification_status, c.status_reasons]]),
      ),
    }
  }

  it('reports verified, partially verified and pending controls after the first run', async () => {
    const r = await run()
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^FAIL CTRL-02 asr_\w+ pattern_absent app\.py:2: /m)
    expect(r.stdout).toContain('Tier 2 (openai_compatible judge): 2 asked, 0 from the cache')
    const { byControl, report } = await statuses()
    expect(byControl).toEqual({
      'CTRL-01': ['verified', []],
      'CTRL-02': ['partially_verified', ['tier1_fail']],
      'CTRL-03': ['pending', ['ready_to_mark_implemented']],
    })
    expect(report.drift.open).toBe(0)
  })

  it('shows drift after a code change breaks a verified control', async () => {
    writeFileSync(join(repo, 'auth.py'), 'def authenticate(request):\n    return request\n')
    git(repo, 'commit', '-qam', 'rename the middleware')
    const r = await run()
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('CTRL-01: verified -> partially_verified')
    const { byControl, report } = await statuses()
    expect(byControl['CTRL-01']).toEqual(['partially_verified', ['tier1_fail']])
    expect(report.drift).toMatchObject({ open: 1 })
    expect(report.drift_items[0]).toMatchObject({
      control_id: 'CTRL-01',
      previous_result: 'pass',
      new_result: 'fail',
      evidence_changed: true,
    })
  })
})
