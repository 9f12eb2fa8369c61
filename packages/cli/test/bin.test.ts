import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { cli, project } from './helpers.js'

const built = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const launcher = fileURLToPath(new URL('../bin/warrant.js', import.meta.url))
const run = (cwd: string, args: string[], input = '') =>
  spawnSync(launcher, args, { cwd, input, encoding: 'utf8', timeout: 60_000 })

// The launcher npm links as `warrant` runs the built CLI; `npm test` builds before it tests.
describe.skipIf(!existsSync(built))('the warrant binary', () => {
  it('enables the linear engine itself: a catastrophic pattern over a long line finishes', async () => {
    const dir = await project({ 'a.txt': `${'a'.repeat(100_000)}b\n` })
    const started = Date.now()
    const r = run(dir, ['verify', 'pattern_absent', '-p', 'file=a.txt', '-p', 'pattern=(a+)+$'])
    expect(r.stdout).toContain('PASS  a1  pattern_absent  pattern absent from a.txt')
    expect(r.status).toBe(0)
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  it('exits by itself after a single code assertion, which leaves one analysis worker idle', async () => {
    const dir = await project({ 'app.py': 'def require_auth(r):\n    return r\n' })
    const r = spawnSync(launcher, ['verify', 'function_exists', '-p', 'file=app.py', '-p', 'name=require_auth'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(r.error).toBeUndefined()
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('PASS  a1  function_exists')
  })

  it('uses the documented exit codes and keeps diagnostics off standard output', async () => {
    const dir = await project({
      'ok.yaml': '- {type: file_exists, params: {file: ok.yaml}}\n',
      'bad.yaml': '- {type: [\n',
    })
    expect(run(dir, ['check', 'ok.yaml']).status).toBe(0)
    expect(run(dir, ['verify', 'file_exists', '-p', 'file=nope']).status).toBe(1)
    const bad = run(dir, ['check', 'bad.yaml'])
    expect(bad.status).toBe(2)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toMatch(/^warrant: bad\.yaml:\d+:\d+: /)
    expect(run(dir, ['nonsense']).status).toBe(2)
  })

  it('gives the same results on its analysis workers as the in-process analysis', async () => {
    const dir = await project({
      'app/auth.py':
        'import os\n\ndef require_auth(request):\n    try:\n        return os.environ["TOKEN"]\n    except KeyError:\n        raise\n',
      'src/app.ts':
        "import helmet from 'helmet'\napp.use(helmet())\nexport function handle(id: string) {\n  if (!id) throw new Error('x')\n  return validate(id)\n}\n",
      'bad.py': 'def f(:\n    pass\n',
      'c.yaml': [
        '- {type: function_exists, params: {glob: "**/*.py", name: require_auth}}',
        '- {type: error_handled, params: {file: app/auth.py, function: require_auth, exception: KeyError}}',
        '- {type: env_var_referenced, params: {glob: "app/*.py", variable: TOKEN}}',
        '- {type: http_header_set, params: {file: src/app.ts, header: X-Frame-Options}}',
        '- {type: parameter_validated, params: {file: src/app.ts, function: handle, parameter: id}}',
        '- {type: function_exists, params: {file: bad.py, name: g}}',
        '- {type: import_present, params: {file: src/app.ts, module: helmet}}',
        '',
      ].join('\n'),
    })
    const spawned = run(dir, ['check', 'c.yaml', '-o', 'json'])
    // exits by itself (idle analysis workers must not hold the process open), with the documented code
    expect(spawned.error).toBeUndefined()
    expect(spawned.status).toBe(1)
    const inProcess = await cli(dir, ['check', 'c.yaml', '-o', 'json'])
    expect(JSON.parse(spawned.stdout)).toEqual(JSON.parse(inProcess.stdout))
    expect(JSON.parse(spawned.stdout).results.map((r: { status: string }) => r.status)).toEqual([
      'pass',
      'pass',
      'pass',
      'pass',
      'pass',
      'error',
      'pass',
    ])
  })

  it('runs the conformance command with the exact last line', async () => {
    const dir = await project({
      'c.json': JSON.stringify({
        format: 'warrant-conformance/v1',
        cases: [
          { id: 'x', type: 'file_exists', files: { a: '' }, params: { file: 'a' }, expect: 'pass', why: 'w' },
          { id: 'y', type: 'file_exists', params: { file: 'a' }, expect: 'pass', why: 'a missing file fails' },
        ],
      }),
      'empty.json': JSON.stringify({ format: 'warrant-conformance/v1', cases: [] }),
      'wrong.json': JSON.stringify({ format: 'other', cases: [] }),
    })
    const r = run(dir, ['conformance', 'c.json'])
    expect(r.status).toBe(1)
    expect(r.stdout).toBe(
      'MISMATCH c.json#y (file_exists): expected pass, got fail: file not found: a\n  why: a missing file fails\n1 passed, 1 failed\n',
    )
    expect(run(dir, ['conformance', 'empty.json'])).toMatchObject({ status: 1, stdout: '0 passed, 0 failed\n' })
    expect(run(dir, ['conformance', 'wrong.json']).status).toBe(2)
    expect(run(dir, ['conformance', 'missing.json']).status).toBe(2)
  })
})

describe('progress', () => {
  it('draws a progress line only when standard error is a terminal', async () => {
    const dir = await project({ 'c.yaml': '- {type: file_exists, params: {file: c.yaml}}\n' })
    const quiet = await cli(dir, ['check', 'c.yaml'])
    expect(quiet.stderr).toBe('')
    const tty = await cli(dir, ['check', 'c.yaml'], '', true)
    expect(tty.stderr).toBe('\rwarrant: checking 1/1\r\x1b[K')
    // colour on a terminal
    expect(tty.stdout).toContain('\x1b[32mPASS \x1b[39m')
  })
})
