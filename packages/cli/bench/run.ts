import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configFromEnv, createServer } from '@warrant/server'
import { runCli } from './cli.js'

/**
 * `warrant run` benchmark (issue: CI runner, "Speed"): 2,000 function_exists assertions over 200 Python files, a
 * loopback platform on its embedded store and a loopback OpenAI-compatible provider. The first run asks the model for
 * every assertion the static pre-check does not settle; the second run, after one file changed, must re-ask only the
 * assertions located in that file. Wall time per phase comes from `warrant run --output json`.
 */
const FILES = 200
const PER_FILE = 10
const CONTROLS = 100
const STUB_EVERY = 20 // one function in 20 is a stub the static pre-check answers without a model

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6
const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@example.com',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@example.com',
    },
  })

function source(file: number, edited = false): string {
  return Array.from({ length: PER_FILE }, (_, f) => {
    const n = file * PER_FILE + f
    const body =
      n % STUB_EVERY === 0
        ? '    pass\n'
        : `    if not request.has_scope("s${n}"${edited ? ', strict=True' : ''}):\n        raise Forbidden()\n    return request\n`
    return `def check_${n}(request):\n${body}`
  }).join('\n')
}

function modelFile(): string {
  const perControl = (FILES * PER_FILE) / CONTROLS
  return JSON.stringify({
    format: 'warrant.model/v1',
    model: { title: 'Run benchmark' },
    control_objectives: [{ id: 'CO-01', statement: 'Every request is authorised.' }],
    controls: Array.from({ length: CONTROLS }, (_, c) => ({
      id: `CTRL-${c + 1}`,
      title: `Authorisation set ${c + 1}`,
      description: `Handlers of set ${c + 1} check the caller's scope.`,
      objective_ids: ['CO-01'],
      intents: ['authorization'],
      assertions: Array.from({ length: perControl }, (_, a) => {
        const n = c * perControl + a
        return {
          type: 'function_exists',
          params: { file: `app/h${Math.floor(n / PER_FILE)}.py`, name: `check_${n}` },
          description: `check_${n} enforces the scope.`,
        }
      }),
    })),
  })
}

const dataDir = mkdtempSync(join(tmpdir(), 'warrant-runbench-'))
const repo = mkdtempSync(join(tmpdir(), 'warrant-runbench-repo-'))
const server = await createServer(
  configFromEnv(
    {},
    { dataDir, setupToken: 'bench', fastPasswordHashing: true, masterKey: randomBytes(32).toString('base64') },
  ),
)
let calls = 0
const provider = createHttpServer((req, res) => {
  req.resume()
  req.on('end', () => {
    calls++
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        id: `c${calls}`,
        object: 'chat.completion',
        created: 1,
        model: 'bench-judge',
        choices: [
          { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'YES\nThe scope is checked.' } },
        ],
        usage: { prompt_tokens: 500, completion_tokens: 8, total_tokens: 508 },
      }),
    )
  })
})
try {
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r))
  const providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`
  const post = async <T>(path: string, body: unknown, headers: Record<string, string> = {}) =>
    (await (
      await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
    ).json()) as T
  const setupRes = await fetch(`${url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      setup_token: 'bench',
      email: 'o@example.com',
      display_name: 'O',
      password: 'a long owner passphrase',
      workspace_name: 'Bench',
    }),
  })
  const setup = (await setupRes.json()) as { csrf_token: string; workspace: { id: string } }
  const owner = { cookie: setupRes.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': setup.csrf_token }
  const key = (
    await post<{ secret: string }>(
      `/api/workspaces/${setup.workspace.id}/api-keys`,
      { label: 'ci', scope: 'verifier' },
      owner,
    )
  ).secret as string
  const modelId = (
    await post<{ model: { id: string } }>('/api/models/import', modelFile(), { authorization: `Bearer ${key}` })
  ).model.id

  mkdirSync(join(repo, 'app'))
  for (let f = 0; f < FILES; f++) writeFileSync(join(repo, 'app', `h${f}.py`), source(f))
  git(repo, 'init', '-q')
  git(repo, 'add', '.')
  git(repo, 'commit', '-qm', 'first')

  const env = { WARRANT_URL: url, WARRANT_API_KEY: key, OPENAI_API_KEY: 'bench' }
  const args = [
    'run',
    modelId,
    '--repo',
    'bench/app',
    '--tier2-provider',
    'openai-compatible',
    '--tier2-model',
    'bench-judge',
    '--tier2-base-url',
    providerUrl,
    '--output',
    'json',
  ]
  const once = async (label: string) => {
    const before = calls
    const t0 = process.hrtime.bigint()
    const r = await runCli(repo, args, env)
    const wall = ms(t0)
    const out = JSON.parse(r.stdout)
    const phases = out.timings
      ? Object.entries(out.timings as Record<string, number>)
          .map(([k, v]) => `${k.replace(/_ms$/, '')} ${v.toFixed(0)} ms`)
          .join(', ')
      : 'no per-phase timings in this build'
    console.log(`\n${label}: exit ${r.code}, wall ${wall.toFixed(0)} ms (${phases})`)
    console.log(
      `  Tier 2: ${calls - before} provider calls, ${out.tier2.cached} answered by the cache, ${out.tier2.precheck} by the static pre-check`,
    )
    return { calls: calls - before, out }
  }
  const first = await once(`first run, ${FILES * PER_FILE} assertions`)
  writeFileSync(join(repo, 'app', 'h7.py'), source(7, true))
  git(repo, 'commit', '-qam', 'one file changed')
  const second = await once('second run, app/h7.py changed')
  const stubsInFile = Array.from({ length: PER_FILE }, (_, f) => 7 * PER_FILE + f).filter(
    (n) => n % STUB_EVERY === 0,
  ).length
  const expected = PER_FILE - stubsInFile
  console.log(
    `  re-asked ${second.calls} (expected ${expected}: the non-stub functions of the changed file); saved ${first.calls - second.calls} of ${first.calls} calls`,
  )
  if (second.calls !== expected) process.exitCode = 1
} finally {
  await server.close()
  await new Promise<void>((r) => provider.close(() => r()))
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(repo, { recursive: true, force: true })
}
