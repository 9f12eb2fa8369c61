import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fingerprint, generateKeyPair, publicKeyPem } from '@warrant/core'
import { configFromEnv, createServer, type WarrantServer } from '@warrant/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoFromRemote } from '../src/pipeline.js'
import { cli, project } from './helpers.js'

const MODEL = {
  format: 'warrant.model/v1',
  model: { title: 'App' },
  control_objectives: [{ id: 'CO-01', statement: 'Only authenticated users reach the API.', risk_tier: 'high' }],
  controls: [
    {
      id: 'CTRL-01',
      title: 'Authenticate requests',
      description: 'A middleware authenticates every request.',
      objective_ids: ['CO-01'],
      intents: ['authentication'],
      assertions: [
        {
          type: 'function_exists',
          params: { file: 'auth/middleware.py', name: 'require_auth' },
          description: 'The middleware exists.',
          repo: 'acme/app',
        },
      ],
    },
    {
      id: 'CTRL-02',
      title: 'No eval',
      description: 'Handlers never evaluate input as code.',
      objective_ids: ['CO-01'],
      intents: ['input_validation'],
      assertions: [
        {
          type: 'pattern_absent',
          params: { file: 'app.py', pattern: '\\beval\\s*\\(' },
          description: 'No eval in the app.',
        },
      ],
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

/** `warrant run` against a real platform on loopback and a real git checkout. */
describe('warrant run', () => {
  let server: WarrantServer
  let url: string
  let developerKey: string
  let verifierKey: string
  let modelId: string
  let repoDir: string
  const dataDir = mkdtempSync(join(tmpdir(), 'warrant-run-'))
  const signing = generateKeyPair('ecdsa-p256')
  const env = () => ({ WARRANT_URL: url, WARRANT_API_KEY: verifierKey })
  const runs = async () =>
    (
      (await (
        await fetch(`${url}/api/models/${modelId}/verification/runs`, {
          headers: { authorization: `Bearer ${verifierKey}` },
        })
      ).json()) as any
    ).items

  beforeAll(async () => {
    server = await createServer(
      configFromEnv(
        {},
        { dataDir, setupToken: 'run-token', fastPasswordHashing: true, masterKey: randomBytes(32).toString('base64') },
      ),
    )
    url = await server.app.listen({ host: '127.0.0.1', port: 0 })
    const post = async (path: string, body: unknown, headers: Record<string, string>) =>
      (await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      })) as Response
    const setup = await post(
      '/api/setup',
      {
        setup_token: 'run-token',
        email: 'o@example.com',
        display_name: 'O',
        password: 'a long owner passphrase',
        workspace_name: 'Run',
      },
      {},
    )
    const s = (await setup.json()) as any
    const session = { cookie: setup.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': s.csrf_token }
    developerKey = (
      (await (
        await post(`/api/workspaces/${s.workspace.id}/api-keys`, { label: 'dev', scope: 'developer' }, session)
      ).json()) as any
    ).secret
    verifierKey = (
      (await (
        await post(`/api/workspaces/${s.workspace.id}/api-keys`, { label: 'ci', scope: 'verifier' }, session)
      ).json()) as any
    ).secret
    await post(
      `/api/workspaces/${s.workspace.id}/signing-keys`,
      { public_key_pem: publicKeyPem(signing.publicKey), label: 'CI' },
      session,
    )
    modelId = (
      (await (await post('/api/models/import', MODEL, { authorization: `Bearer ${developerKey}` })).json()) as any
    ).model.id
    // Not project(): that helper removes its directories after each test, and this checkout lives for the suite.
    repoDir = mkdtempSync(join(tmpdir(), 'warrant-run-repo-'))
    mkdirSync(join(repoDir, 'auth'))
    writeFileSync(join(repoDir, 'auth/middleware.py'), 'def require_auth(request):\n    return request\n')
    writeFileSync(join(repoDir, 'app.py'), 'def handler(x):\n    return x\n')
    writeFileSync(join(repoDir, 'ci.key.pem'), signing.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    git(repoDir, 'init', '-q')
    git(repoDir, 'remote', 'add', 'origin', 'git@github.com:Acme/App.git')
    git(repoDir, 'add', '.')
    git(repoDir, 'commit', '-qm', 'first')
  }, 60_000)

  afterAll(async () => {
    await server?.close()
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(repoDir, { recursive: true, force: true })
  })

  it('reads the repo from the git remote', () => {
    expect(repoFromRemote('git@github.com:Acme/App.git')).toBe('acme/app')
    expect(repoFromRemote('https://gitlab.com/group/sub/name.git')).toBe('group/sub/name')
    expect(repoFromRemote('/srv/git/app')).toBeUndefined()
  })

  it('verifies with a developer key and submits nothing, saying so', async () => {
    const r = await cli(repoDir, ['run', modelId], '', false, { WARRANT_URL: url, WARRANT_API_KEY: developerKey })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('2 assertions on')
    expect(r.stdout).toContain('(acme/app): 2 pass, 0 fail')
    expect(r.stdout).toContain('developer key (wk_): results verified locally and not submitted')
    expect(await runs()).toEqual([])
  })

  it('submits a signed run with a verifier key', async () => {
    const r = await cli(repoDir, ['run', modelId, '--signing-key', 'ci.key.pem', '--output', 'json'], '', false, env())
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({
      counts: { pass: 2, fail: 0, error: 0, skipped: 0 },
      pipeline: { provider: 'local', repo: 'acme/app' },
    })
    const [stored] = await runs()
    expect(stored).toMatchObject({
      id: out.submitted.run_id,
      repo: 'acme/app',
      results_count: 4,
      attestation: { method: 'workspace_bundle', key_fingerprint: fingerprint(signing.publicKey) },
    })
  })

  it('names each failing control and assertion with file:line, exits 1, and the platform sees drift', async () => {
    writeFileSync(join(repoDir, 'app.py'), 'def handler(x):\n    return eval(x)\n')
    git(repoDir, 'commit', '-qam', 'eval')
    const r = await cli(repoDir, ['run', modelId], '', false, env())
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^FAIL CTRL-02 asr_\w+ pattern_absent app\.py:2: /m)
    expect(r.stdout).toContain('submitted as run_')
    const drift = (await (
      await fetch(`${url}/api/models/${modelId}/drift`, { headers: { authorization: `Bearer ${verifierKey}` } })
    ).json()) as any
    expect(drift.items.map((d: any) => [d.control_id, d.new_result])).toEqual([['CTRL-02', 'fail']])
  })

  it('asks Tier 2 of an OpenAI-compatible server for the passing assertions, and the cache answers the second time', async () => {
    const asked: any[] = []
    const model = createHttpServer((req, res) => {
      let raw = ''
      req.on('data', (d) => {
        raw += d
      })
      req.on('end', () => {
        asked.push(JSON.parse(raw))
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            id: 'c',
            object: 'chat.completion',
            created: 1,
            model: 'local-judge-1',
            choices: [
              {
                index: 0,
                finish_reason: 'stop',
                message: { role: 'assistant', content: 'YES\nThe evidence implements the claim.' },
              },
            ],
          }),
        )
      })
    })
    await new Promise<void>((r) => model.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`
    try {
      const args = [
        'run',
        modelId,
        '--tier2-provider',
        'openai-compatible',
        '--tier2-model',
        'judge',
        '--tier2-base-url',
        base,
        '--output',
        'json',
      ]
      const first = await cli(repoDir, args, '', false, env())
      const out = JSON.parse(first.stdout)
      // CTRL-02 fails Tier 1 (eval), so only the middleware assertion is asked.
      expect(out.tier2).toEqual({ asked: 1, cached: 0, precheck: 0 })
      expect(asked).toHaveLength(1)
      expect(asked[0].messages[1].content).toContain('def require_auth(request):')
      const assertion = (
        (await (
          await fetch(`${url}/api/models/${modelId}/assertions?control_id=CTRL-01`, {
            headers: { authorization: `Bearer ${verifierKey}` },
          })
        ).json()) as any
      ).items[0]
      expect(assertion).toMatchObject({ tier1: 'pass', tier2: 'pass' })
      expect(assertion.per_repo[0].tier2).toMatchObject({ result: 'pass', source: 'ci' })
      const second = JSON.parse((await cli(repoDir, args, '', false, env())).stdout)
      expect(second.tier2).toEqual({ asked: 0, cached: 1, precheck: 0 })
      expect(asked).toHaveLength(1)
    } finally {
      await new Promise<void>((r) => model.close(() => r()))
    }
  })

  it('submits nothing on a dry run, and refuses a directory that is not a checkout', async () => {
    const before = (await runs()).length
    const dry = await cli(repoDir, ['run', modelId, '--dry-run'], '', false, env())
    expect(dry.stdout).toContain('dry run: nothing submitted')
    expect((await runs()).length).toBe(before)
    const bare = await project({ 'x.txt': 'x' })
    const notGit = await cli(bare, ['run', modelId], '', false, env())
    expect(notGit.code).toBe(2)
    expect(notGit.stderr).toContain('not a git checkout')
  })
})
