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

/**
 * A loopback OpenAI-compatible server that answers every question YES with the given token counts, recording the
 * questions it was asked.
 */
async function judgeServer(usage?: { prompt_tokens: number; completion_tokens: number }) {
  const asked: any[] = []
  const server = createHttpServer((req, res) => {
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
          ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
        }),
      )
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    asked,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/** `warrant run` against a real platform on loopback and a real git checkout. */
describe('warrant run', () => {
  let server: WarrantServer
  let url: string
  let developerKey: string
  let verifierKey: string
  /** The second model, imported by the --all test. */
  let otherModel: string
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
    const judge = await judgeServer({ prompt_tokens: 211, completion_tokens: 17 })
    const { asked, base } = judge
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
        '--concurrency',
        '2',
        '--output',
        'json',
      ]
      const first = await cli(repoDir, args, '', false, env())
      const out = JSON.parse(first.stdout)
      // CTRL-02 fails Tier 1 (eval), so only the middleware assertion is asked.
      expect(out.tier2).toEqual({
        asked: 1,
        cached: 0,
        precheck: 0,
        usage: { input_tokens: 211, output_tokens: 17, calls: 1 },
      })
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
      expect(second.tier2).toEqual({
        asked: 0,
        cached: 1,
        precheck: 0,
        usage: { input_tokens: 0, output_tokens: 0, calls: 0 },
      })
      expect(asked).toHaveLength(1)
      rmSync(join(repoDir, '.warrant'), { recursive: true })
      const text = await cli(repoDir, [...args.slice(0, -2), '--dry-run'], '', false, env())
      expect(text.stdout).toContain(
        'Tier 2 (openai_compatible judge): 1 asked, 0 from the cache, 0 stubs found without a model; 211 input and 17 output tokens in 1 calls',
      )
      expect(asked).toHaveLength(2)
    } finally {
      await judge.close()
    }
  })

  it('pulls only what the platform lists as pending with --no-reverify', async () => {
    // After the Tier 2 test: the middleware passes both tiers (fresh), the eval assertion still fails Tier 1.
    const before = (await runs()).length
    const r = await cli(repoDir, ['run', modelId, '--no-reverify', '--output', 'json'], '', false, env())
    const out = JSON.parse(r.stdout)
    expect(r.code).toBe(1)
    expect(out.selection).toEqual({ pulled: 1, selected: 1, changed_files: null })
    expect(out.failing).toEqual([expect.stringMatching(/^FAIL CTRL-02 asr_\w+ pattern_absent app\.py:2: /)])
    expect((await runs()).length).toBe(before + 1)
    const all = JSON.parse(
      (await cli(repoDir, ['run', modelId, '--output', 'json', '--dry-run'], '', false, env())).stdout,
    )
    expect(all.selection.pulled).toBe(2)
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
  it('refuses bad invocations with a code and exit 2, and submits nothing', async () => {
    const before = (await runs()).length
    const cases: [string[], string][] = [
      [['run', modelId, '--all'], 'model_conflict'],
      [['run'], 'model_missing'],
      [['run', modelId, '--concurrency', '0'], 'concurrency_invalid'],
      [['run', modelId, '--concurrency', '65'], 'concurrency_invalid'],
      [['run', modelId, '--concurrency', 'four'], 'concurrency_invalid'],
      [['run', modelId, '--changed-files', 'no-such-list.txt'], 'changed_files_unreadable'],
      [['run', modelId, '--changed-files', '-'], 'changed_files_invalid'],
      [['run', modelId, '--component', 'payments'], 'component_unsupported'],
    ]
    for (const [args, code] of cases) {
      const r = await cli(repoDir, args, 'auth/middleware.py\n../outside.py\n', false, env())
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^warrant: ${code}: \\S`))
      expect(r.stdout).toBe('')
    }
    expect((await runs()).length).toBe(before)
  })

  it('lists every flag in --help', async () => {
    const help = (await cli(repoDir, ['run', '--help'])).stdout
    for (const flag of [
      '--all',
      '--url',
      '--project-root',
      '--repo',
      '--changed-files',
      '--component',
      '--concurrency',
      '--signing-key',
      '--dry-run',
      '--no-reverify',
      '--no-test-execution',
      '--tier2-provider',
      '--tier2-model',
      '--tier2-base-url',
      '--output',
    ])
      expect(help).toContain(flag)
    for (const format of ['text', 'json', 'sarif', 'junit', 'github']) expect(help).toContain(`"${format}"`)
    expect(help).toContain('(default: 4)')
  })

  it('submits only the assertions touching --changed-files, read from a file or standard input', async () => {
    writeFileSync(join(repoDir, 'changed.txt'), 'auth/middleware.py\nREADME.md\n')
    const one = await cli(
      repoDir,
      ['run', modelId, '--changed-files', 'changed.txt', '--output', 'json'],
      '',
      false,
      env(),
    )
    expect(one.code, one.stderr).toBe(0)
    const out = JSON.parse(one.stdout)
    expect(out.selection).toEqual({ pulled: 2, selected: 1, changed_files: 2 })
    expect(out.counts).toEqual({ pass: 1, fail: 0, error: 0, skipped: 0 })
    const [latest] = await runs()
    expect(latest).toMatchObject({ id: out.submitted.run_id, results_count: 2 })
    const stdin = await cli(repoDir, ['run', modelId, '--changed-files', '-'], './app.py\n', false, env())
    expect(stdin.code).toBe(1)
    expect(stdin.stdout).toContain('1 of 2 assertions touch the 1 changed files')
    expect(stdin.stdout).toMatch(/^FAIL CTRL-02 asr_\w+ pattern_absent app\.py:2: /m)
    expect(stdin.stdout).not.toContain('CTRL-01')
    const before = (await runs()).length
    const none = await cli(repoDir, ['run', modelId, '--changed-files', '-'], '\n', false, env())
    expect(none.code).toBe(0)
    expect(none.stdout).toContain('no assertion touches the 0 changed files; nothing to submit')
    expect((await runs()).length).toBe(before)
  })

  it('runs every model the key can see with --all, one submission each', async () => {
    const imported = (await (
      await fetch(`${url}/api/models/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${developerKey}` },
        body: JSON.stringify({
          ...MODEL,
          model: { title: 'Docs' },
          controls: [
            {
              id: 'CTRL-01',
              title: 'Policy',
              description: 'A security policy exists.',
              objective_ids: ['CO-01'],
              intents: ['configuration_hardening'],
              assertions: [{ type: 'file_exists', params: { file: 'app.py' }, description: 'The app exists.' }],
            },
          ],
        }),
      })
    ).json()) as any
    const other = imported.model.id as string
    otherModel = other
    const r = await cli(repoDir, ['run', '--all', '--output', 'json'], '', false, env())
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout)
    const byModel = Object.fromEntries(out.models.map((m: any) => [m.model_id, m]))
    expect(Object.keys(byModel).sort()).toEqual([modelId, other].sort())
    expect(byModel[other]).toMatchObject({ counts: { pass: 1, fail: 0 }, failing: [] })
    expect(byModel[modelId].failing).toEqual([
      expect.stringMatching(/^FAIL CTRL-02 asr_\w+ pattern_absent app\.py:2: /),
    ])
    const otherRuns = (await (
      await fetch(`${url}/api/models/${other}/verification/runs`, {
        headers: { authorization: `Bearer ${verifierKey}` },
      })
    ).json()) as any
    expect(otherRuns.items.map((i: any) => i.id)).toEqual([byModel[other].submitted.run_id])
    expect((await runs())[0].id).toBe(byModel[modelId].submitted.run_id)
    const text = await cli(repoDir, ['run', '--all', '--dry-run'], '', false, env())
    expect(text.stdout).toContain(`model ${other}:\n`)
    expect(text.stdout).toContain(`model ${modelId}:\n`)
  })

  it('renders github annotations, SARIF 2.1.0 and JUnit, with the summary naming each failure on stderr', async () => {
    const as = async (format: string) => {
      const r = await cli(repoDir, ['run', modelId, '--dry-run', '--output', format], '', false, env())
      expect(r.code, format).toBe(1)
      expect(r.stderr, format).toMatch(/^FAIL CTRL-02 asr_\w+ pattern_absent app\.py:2: /m)
      expect(r.stderr, format).toContain('dry run: nothing submitted')
      return r.stdout
    }
    const github = (await as('github')).split('\n')
    expect(github.filter((l) => l.startsWith('::error '))).toEqual([
      expect.stringMatching(
        /^::error file=app\.py,line=2,col=\d+,title=warrant fail%3A CTRL-02 pattern_absent asr_\w+::/,
      ),
    ])
    expect(github).toContain('warrant: 1 pass, 1 fail, 0 error, 2 skipped')
    const sarif = JSON.parse(await as('sarif'))
    expect(sarif.version).toBe('2.1.0')
    expect(
      sarif.runs[0].results.filter((r: any) => r.level === 'error').map((r: any) => [r.ruleId, r.properties.control]),
    ).toEqual([['pattern_absent', 'CTRL-02']])
    expect(sarif.runs[0].results.find((r: any) => r.level === 'error').locations[0].physicalLocation).toMatchObject({
      artifactLocation: { uri: 'app.py' },
      region: { startLine: 2 },
    })
    const junit = await as('junit')
    expect(junit).toContain('<testsuites tests="4" failures="1" errors="0" skipped="2">')
    expect(junit.match(/<testcase /g)).toHaveLength(4)
    expect(junit).toMatch(/<testcase classname="warrant\.CTRL-02\.pattern_absent" name="asr_\w+"><failure /)
    expect(junit).toMatch(/<testcase classname="warrant\.CTRL-01\.function_exists" name="asr_\w+#tier2"><skipped /)
  })

  it('exits 3 when the platform cannot be reached before the pull', async () => {
    const closed = createHttpServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const r = await cli(repoDir, ['run', modelId], '', false, {
      WARRANT_URL: `http://127.0.0.1:${port}`,
      WARRANT_API_KEY: verifierKey,
    })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(`warrant: unreachable: cannot reach http://127.0.0.1:${port}`)
    expect(r.stderr).toContain('nothing was submitted')
    expect(r.stdout).toBe('')
  })

  it('refuses --all when the key sees no model, rather than passing for verifying nothing', async () => {
    const seen: string[] = []
    const empty = createHttpServer((req, res) => {
      seen.push(`${req.method} ${req.url}`)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"items":[],"next_cursor":null}')
    })
    await new Promise<void>((r) => empty.listen(0, '127.0.0.1', r))
    try {
      const r = await cli(repoDir, ['run', '--all'], '', false, {
        WARRANT_URL: `http://127.0.0.1:${(empty.address() as AddressInfo).port}`,
        WARRANT_API_KEY: verifierKey,
      })
      expect(r.code).toBe(2)
      expect(r.stderr).toBe('warrant: no_models: --all: this key can see no model; nothing was verified\n')
      expect(seen).toEqual(['GET /api/models?limit=1000'])
    } finally {
      await new Promise<void>((r) => empty.close(() => r()))
    }
  })

  it('exits 3 when a submission answers 500, saying that run was not recorded, after its single POST', async () => {
    const calls: string[] = []
    let failFor = modelId
    // Forwards to the platform, except the results POST of one model, which answers 500.
    const proxy = createHttpServer((req, res) => {
      let body = ''
      req.on('data', (d) => {
        body += d
      })
      req.on('end', async () => {
        calls.push(`${req.method} ${req.url}`)
        if (req.method === 'POST' && req.url === `/api/models/${failFor}/verification/results`) {
          res.writeHead(500, { 'content-type': 'application/json' })
          res.end('{"error":{"code":"internal_error","message":"the database is unavailable"}}')
          return
        }
        const headers: Record<string, string> = { authorization: req.headers.authorization! }
        if (req.method === 'POST') {
          headers['content-type'] = 'application/json'
          headers['idempotency-key'] = req.headers['idempotency-key'] as string
        }
        const upstream = await fetch(`${url}${req.url}`, {
          method: req.method!,
          headers,
          ...(req.method === 'POST' ? { body } : {}),
        })
        res.writeHead(upstream.status, { 'content-type': 'application/json' })
        res.end(await upstream.text())
      })
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const viaProxy = {
      WARRANT_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      WARRANT_API_KEY: verifierKey,
    }
    try {
      const before = (await runs()).length
      const r = await cli(repoDir, ['run', modelId], '', false, viaProxy)
      expect(r.code).toBe(3)
      expect(r.stderr).toContain('warrant: internal_error: the database is unavailable')
      expect(r.stderr).toContain(
        `the run of ${modelId} was not recorded: the platform answered 500 to its only submission`,
      )
      expect(r.stdout).toBe('')
      expect(calls.filter((c) => c.startsWith('POST'))).toEqual([`POST /api/models/${modelId}/verification/results`])
      expect((await runs()).length).toBe(before)

      // --all goes through the models newest id first: the first is submitted, the second's submission fails.
      const [first, second] = [modelId, otherModel].sort().reverse() as [string, string]
      failFor = second
      calls.length = 0
      const all = await cli(repoDir, ['run', '--all'], '', false, viaProxy)
      expect(all.code).toBe(3)
      expect(all.stderr).toContain(`the run of ${second} was not recorded`)
      expect(all.stderr).toMatch(new RegExp(`^warrant: ${first}: submitted as run_\\w+ \\(unsigned\\)$`, 'm'))
      expect(calls.filter((c) => c.startsWith('POST'))).toEqual([
        `POST /api/models/${first}/verification/results`,
        `POST /api/models/${second}/verification/results`,
      ])
    } finally {
      await new Promise<void>((r) => proxy.close(() => r()))
    }
  })

  it('fails Tier 1 for a deleted file an assertion names, does not ask Tier 2, and exits 1', async () => {
    const judge = await judgeServer()
    try {
      git(repoDir, 'rm', '-q', 'auth/middleware.py')
      git(repoDir, 'commit', '-qm', 'delete the middleware')
      const args = ['run', modelId, '--dry-run', '--output', 'json', '--tier2-provider', 'openai-compatible']
      const r = await cli(
        repoDir,
        [...args, '--tier2-model', 'judge', '--tier2-base-url', judge.base],
        '',
        false,
        env(),
      )
      expect(r.code).toBe(1)
      const out = JSON.parse(r.stdout)
      expect(out.failing).toContainEqual(
        expect.stringMatching(/^FAIL CTRL-01 asr_\w+ function_exists: file not found: auth\/middleware\.py$/),
      )
      expect(out.tier2).toEqual({
        asked: 0,
        cached: 0,
        precheck: 0,
        usage: { input_tokens: 0, output_tokens: 0, calls: 0 },
      })
      expect(judge.asked).toEqual([])
    } finally {
      await judge.close()
    }
  })
})
