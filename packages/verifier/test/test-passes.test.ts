import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Checkout } from '../src/checkout/checkout.js'
import type { EvalContext } from '../src/engine/outcome.js'
import { testPasses } from '../src/evaluators/test-passes.js'
import { splitCommand } from '../src/testing/command-words.js'
import { compileTestNameGlob } from '../src/testing/name-glob.js'
import { recogniseSummary } from '../src/testing/summaries.js'
import { makeContext, makeTree } from './helpers.js'

const NODE = process.execPath
const HAS_PYTEST = spawnSync('pytest', ['--version'], { stdio: 'ignore' }).status === 0

/** Whether a process is alive (a zombie waiting for its reaper is not). */
function isRunning(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

function junit(cases: string, root = 'testsuites'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}>\n<testsuite name="auth">\n${cases}\n</testsuite>\n</${root}>\n`
}

const OK_LOGIN = '<testcase classname="tests.test_auth" name="test_login_ok" time="0.01"/>'
const OK_REJECT = '<testcase classname="tests.test_auth" name="test_login_rejects_bad_password"/>'
const FAILING_EXPORT =
  '<testcase classname="tests.test_export" name="test_export_csv"><failure message="column order">x</failure></testcase>'
const ERRORING =
  '<testcase classname="tests.test_db" name="test_connect"><error message="boom" type="OSError"/></testcase>'
const SKIPPED =
  '<testcase classname="tests.test_crypto" name="test_key_rotation"><skipped message="needs HSM"/></testcase>'

async function reportMode(files: Record<string, string>, params: Record<string, unknown>) {
  return testPasses(params, await makeContext({ files }))
}

describe('test_passes report mode', () => {
  it('passes when every testcase passed, naming the report and examining it', async () => {
    const out = await reportMode(
      { 'reports/junit.xml': junit(`${OK_LOGIN}\n${OK_REJECT}`) },
      { junit: 'reports/junit.xml' },
    )
    expect(out).toMatchObject({ status: 'pass', details: '2 matching tests passed (reports/junit.xml)' })
    expect(out.examined).toEqual(['reports/junit.xml'])
  })

  it('fails on a failure and on an error, naming the tests', async () => {
    const failed = await reportMode({ 'r.xml': junit(`${OK_LOGIN}\n${FAILING_EXPORT}`) }, { junit: 'r.xml' })
    expect(failed).toMatchObject({
      status: 'fail',
      details: '1 of 2 matching tests failed: tests.test_export.test_export_csv',
    })
    const errored = await reportMode({ 'r.xml': junit(`${OK_LOGIN}\n${ERRORING}`) }, { junit: 'r.xml' })
    expect(errored).toMatchObject({
      status: 'fail',
      details: '1 of 2 matching tests failed: tests.test_db.test_connect',
    })
  })

  it('names at most five failed tests', async () => {
    const cases = Array.from({ length: 7 }, (_, i) => `<testcase name="t${i}"><failure/></testcase>`).join('\n')
    const out = await reportMode({ 'r.xml': junit(cases) }, { junit: 'r.xml' })
    expect(out.details).toBe('7 of 7 matching tests failed: t0, t1, t2, t3, t4 and 2 more')
  })

  it('fails when only skipped tests match', async () => {
    const out = await reportMode({ 'r.xml': junit(SKIPPED) }, { junit: 'r.xml' })
    expect(out).toMatchObject({ status: 'fail', details: '0 matching tests executed' })
  })

  it('counts only tests whose name or full name matches test_name', async () => {
    const files = { 'r.xml': junit([OK_LOGIN, OK_REJECT, FAILING_EXPORT].join('\n')) }
    const byName = await reportMode(files, { junit: 'r.xml', test_name: 'test_login_*' })
    expect(byName).toMatchObject({ status: 'pass', details: '2 matching tests passed (r.xml)' })
    const byFullName = await reportMode(files, { junit: 'r.xml', test_name: 'tests.test_auth.*' })
    expect(byFullName).toMatchObject({ status: 'pass', details: '2 matching tests passed (r.xml)' })
    const failing = await reportMode(files, { junit: 'r.xml', test_name: '*export*' })
    expect(failing.status).toBe('fail')
    const none = await reportMode(files, { junit: 'r.xml', test_name: 'test_logout' })
    expect(none).toMatchObject({ status: 'fail', details: '0 matching tests executed' })
  })

  it('reads nested suites, a testsuite root and several reports selected by a glob', async () => {
    const nested = `<testsuites><testsuite name="a"><testsuite name="b">${OK_LOGIN}</testsuite></testsuite></testsuites>`
    const files = { 'reports/junit-api.xml': nested, 'reports/junit-web.xml': junit(OK_REJECT, 'testsuite') }
    const out = await reportMode(files, { junit: 'reports/junit-*.xml' })
    expect(out).toMatchObject({
      status: 'pass',
      details: '2 matching tests passed (reports/junit-api.xml, reports/junit-web.xml)',
    })
    expect(out.examined).toEqual(['reports/junit-api.xml', 'reports/junit-web.xml'])
  })

  it('errors on malformed XML and another root element; reads a DOCTYPE without resolving it', async () => {
    const malformed = await reportMode(
      { 'r.xml': '<testsuites>\n<testsuite name="a">\n<testcase name="x"\n' },
      { junit: 'r.xml' },
    )
    expect(malformed.status).toBe('error')
    expect(malformed.details).toMatch(/^invalid JUnit report r\.xml: not well-formed XML \(line \d+: /)
    const wrongRoot = await reportMode({ 'r.xml': '<results><testcase name="x"/></results>' }, { junit: 'r.xml' })
    expect(wrongRoot).toMatchObject({
      status: 'error',
      details: 'invalid JUnit report r.xml: root element is <results>, not <testsuites> or <testsuite>',
    })
    const doctype =
      '<?xml version="1.0"?>\n<!DOCTYPE testsuites [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' +
      '<testsuites><testsuite name="s"><testcase classname="c" name="t"><failure message="&x;"/></testcase></testsuite></testsuites>'
    const withDoctype = await reportMode({ 'r.xml': doctype }, { junit: 'r.xml' })
    expect(withDoctype).toMatchObject({ status: 'fail', details: '1 of 1 matching tests failed: c.t' })
    expect(JSON.stringify(withDoctype)).not.toContain('root:')
  })

  it('fails when junit selects no file, and reads reports even with test execution disabled', async () => {
    expect(await reportMode({ 'a.txt': 'x' }, { junit: 'reports/*.xml' })).toMatchObject({
      status: 'fail',
      details: 'glob matched no files: reports/*.xml',
    })
    expect(await reportMode({}, { junit: 'reports/junit.xml' })).toMatchObject({
      status: 'fail',
      details: 'file not found: reports/junit.xml',
    })
  })

  it('reads testcases under nested testsuites elements', async () => {
    const nested =
      '<testsuites><testsuite name="s"><testcase classname="c" name="ok"/></testsuite>' +
      '<testsuites name="inner"><testsuite name="s2"><testcase classname="c" name="bad"><failure message="x"/></testcase></testsuite></testsuites></testsuites>'
    expect(await reportMode({ 'r.xml': nested }, { junit: 'r.xml' })).toMatchObject({
      status: 'fail',
      details: '1 of 2 matching tests failed: c.bad',
    })
  })

  it('decodes entities in names without resolving anything else', async () => {
    const out = await reportMode(
      { 'r.xml': junit('<testcase name="a &lt; b &#38; c"/>') },
      { junit: 'r.xml', test_name: 'a < b & c' },
    )
    expect(out.status).toBe('pass')
  })
})

describe('test-name globs', () => {
  it('matches * across spaces, dots and slashes, ? and classes, and escapes', () => {
    const m = compileTestNameGlob('auth *')
    expect(m('auth rejects bad token')).toBe(true)
    expect(m('Auth rejects')).toBe(false)
    expect(compileTestNameGlob('*.test_*')('tests/api.test_x')).toBe(true)
    expect(compileTestNameGlob('t?st_[a-c]x')('test_bx')).toBe(true)
    expect(compileTestNameGlob('t?st_[!a-c]x')('test_bx')).toBe(false)
    expect(compileTestNameGlob('a\\*b')('a*b')).toBe(true)
    expect(compileTestNameGlob('a\\*b')('axb')).toBe(false)
    expect(compileTestNameGlob('test_x[1]')('test_x1')).toBe(true)
    expect(compileTestNameGlob('*a*a*a*a*a*a*b')('a'.repeat(5000))).toBe(false)
  })
})

describe('test_passes run mode', () => {
  const context = (files: Record<string, string>, options: Partial<EvalContext['options']> = {}) =>
    makeContext({ files }, { testExecution: true, ...options })

  const PASSING_TEST = [
    "import { describe, it } from 'node:test'",
    "describe('auth', () => { it('rejects bad', () => {}); it('accepts good', () => {}) })",
    '',
  ].join('\n')
  const FAILING_TEST = [
    "import { test } from 'node:test'",
    "import assert from 'node:assert'",
    "test('broken', () => { assert.equal(1, 2) })",
    "test('fine', () => {})",
    '',
  ].join('\n')

  it('is skipped when test execution is disabled', async () => {
    const ctx = await makeContext({ files: { 'a.test.mjs': PASSING_TEST } })
    expect(await testPasses({ command: 'node --test', timeout_s: 600 }, ctx)).toEqual({
      status: 'skipped',
      details: 'test execution disabled',
    })
    expect(await testPasses({ file: 'a.test.mjs', timeout_s: 600 }, ctx)).toMatchObject({ status: 'skipped' })
  })

  it('passes a command that runs a passing node --test file', async () => {
    const ctx = await context({ 'test/a.test.mjs': PASSING_TEST })
    const out = await testPasses({ command: 'node --test test/a.test.mjs', timeout_s: 60 }, ctx)
    expect(out).toEqual({ status: 'pass', details: '2 tests passed (node --test summary)' })
  })

  it('fails a command whose tests fail', async () => {
    const ctx = await context({ 'test/b.test.mjs': FAILING_TEST })
    const out = await testPasses(
      { command: [NODE, '--test', '--test-reporter=tap', 'test/b.test.mjs'], timeout_s: 60 },
      ctx,
    )
    expect(out).toEqual({
      status: 'fail',
      details: 'command exited with status 1 (node --test summary: 1 passed, 1 failed)',
    })
  })

  it('errors when a command exits 0 without a recognisable summary', async () => {
    const ctx = await context({})
    const out = await testPasses({ command: [NODE, '-e', 'console.log("all good")'], timeout_s: 60 }, ctx)
    expect(out).toEqual({ status: 'error', details: "cannot tell how many tests ran; use 'junit'" })
  })

  it('kills the whole process tree on timeout and returns promptly', async () => {
    const ctx = await context({})
    const script = [
      "const { spawn } = require('node:child_process')",
      "const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })",
      "require('node:fs').writeFileSync('grandchild.pid', String(c.pid))",
      'setTimeout(() => {}, 60000)',
    ].join('\n')
    const started = Date.now()
    const out = await testPasses({ command: [NODE, '-e', script], timeout_s: 1 }, ctx)
    expect(out).toEqual({ status: 'error', details: 'test run timed out after 1 s' })
    expect(Date.now() - started).toBeLessThan(4000)
    const pid = Number(await readFile(join(ctx.checkout.root, 'grandchild.pid'), 'utf8'))
    await new Promise((r) => setTimeout(r, 200))
    expect(isRunning(pid)).toBe(false)
  })

  it('passes only allow-listed environment variables and the --test-env names', async () => {
    const envTest = [
      "import { test } from 'node:test'",
      "import assert from 'node:assert'",
      "test('no secret', () => { assert.equal(process.env.MY_SECRET_TOKEN, undefined); assert.ok(process.env.PATH) })",
      '',
    ].join('\n')
    process.env.MY_SECRET_TOKEN = 'hunter2-do-not-leak'
    process.env.WARRANT_API_TOKEN = 'warrant-credential'
    try {
      const files = { 'env.test.mjs': envTest }
      const hidden = await testPasses(
        { command: [NODE, '--test', 'env.test.mjs'], timeout_s: 60 },
        await context(files),
      )
      expect(hidden).toEqual({ status: 'pass', details: '1 test passed (node --test summary)' })
      const passed = await testPasses(
        { command: [NODE, '--test', 'env.test.mjs'], timeout_s: 60 },
        await context(files, { testEnv: ['MY_SECRET_TOKEN'] }),
      )
      expect(passed.status).toBe('fail')
      const warrantTest = envTest.replaceAll('MY_SECRET_TOKEN', 'WARRANT_API_TOKEN')
      const never = await testPasses(
        { command: [NODE, '--test', 'env.test.mjs'], timeout_s: 60 },
        await context({ 'env.test.mjs': warrantTest }, { testEnv: ['WARRANT_API_TOKEN'] }),
      )
      expect(never.status).toBe('pass')
    } finally {
      delete process.env.MY_SECRET_TOKEN
      delete process.env.WARRANT_API_TOKEN
    }
  })

  it('detects node --test from the package.json test script and judges its JUnit report', async () => {
    const files = {
      'package.json': JSON.stringify({ scripts: { test: 'node --test test/' } }),
      'test/auth.test.mjs': PASSING_TEST,
      'test/broken.test.mjs': FAILING_TEST,
    }
    const ctx = await context(files)
    const one = await testPasses({ file: 'test/auth.test.mjs', timeout_s: 60 }, ctx)
    expect(one).toMatchObject({ status: 'pass', details: '2 matching tests passed (node --test)' })
    expect(one.evidenceDigest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const named = await testPasses({ pattern: 'test/*.test.mjs', test_name: 'auth rejects*', timeout_s: 60 }, ctx)
    expect(named).toMatchObject({ status: 'pass', details: '1 matching test passed (node --test)' })
    const all = await testPasses({ timeout_s: 60 }, ctx)
    expect(all).toMatchObject({ status: 'fail', details: '1 of 4 matching tests failed: broken' })
  })

  it('never counts a test file as a test, and never passes what the runner reported as failed', async () => {
    const files = {
      'package.json': JSON.stringify({ scripts: { test: 'node --test' } }),
      'src/app.js': 'module.exports = 1\n',
      'test/sub.test.js': [
        "const { test } = require('node:test')",
        "test('parent', async (t) => { await t.test('child', () => {}); throw new Error('x') })",
        '',
      ].join('\n'),
    }
    const ctx = await context(files)
    // a file without tests: Node reports the file itself as a passing testcase
    expect(await testPasses({ file: 'src/app.js', timeout_s: 60 }, ctx)).toMatchObject({
      status: 'fail',
      details: '0 matching tests executed',
    })
    // a failing parent test with subtests: Node's JUnit report shows no failure, its exit status does
    expect(await testPasses({ file: 'test/sub.test.js', test_name: 'parent*', timeout_s: 60 }, ctx)).toMatchObject({
      status: 'error',
      details: 'runner exited with status 1 but its report names no failed test; cannot tell what failed',
    })
  })

  it('refuses a pattern across languages and a selected symlink that leaves the root', async () => {
    const root = await makeTree({
      files: {
        'pytest.ini': '[pytest]\n',
        'tests/test_a.py': 'def test_a():\n    pass\n',
        'package.json': JSON.stringify({ scripts: { test: 'node --test' } }),
        'test/b.test.js': "require('node:test').test('b', () => {})\n",
      },
      symlinks: { 'other/link.test.js': '../../outside.test.js' },
    })
    await writeFile(join(root, '..', 'outside.test.js'), "require('node:test').test('o', () => {})\n")
    const ctx = {
      checkout: await Checkout.open(root),
      options: { maxFileSize: 4194304, testExecution: true, testEnv: [] },
    }
    expect(await testPasses({ pattern: 't*/*', timeout_s: 60 }, ctx)).toMatchObject({
      status: 'error',
      details: "'pattern' selects test files of several languages (javascript, python); use one assertion per language",
    })
    expect(await testPasses({ pattern: 'other/l*.js', timeout_s: 60 }, ctx)).toMatchObject({
      status: 'error',
      details: 'symlink resolves outside project root: other/link.test.js',
    })
  })

  it('fails when the pattern selects no test file, and errors without a runner or on option-like params', async () => {
    const ctx = await context({ 'package.json': '{"scripts":{"test":"node --test"}}', 'README.md': 'x' })
    expect(await testPasses({ pattern: 'tests/**/*.test.mjs', timeout_s: 60 }, ctx)).toEqual({
      status: 'fail',
      details: 'no test files matched tests/**/*.test.mjs',
    })
    expect(await testPasses({ test_name: '--inspect', timeout_s: 60 }, ctx)).toEqual({
      status: 'error',
      details: "'test_name' must not start with '-'",
    })
    const bare = await context({ 'a.test.mjs': PASSING_TEST })
    expect(await testPasses({ timeout_s: 60 }, bare)).toEqual({ status: 'error', details: 'no test runner detected' })
  })

  it('fails when a test file does not load, and errors when the runner is not installed', async () => {
    const ctx = await context({
      'package.json': '{"scripts":{"test":"node --test"}}',
      'x.test.mjs': 'syntax error here(',
    })
    const out = await testPasses({ file: 'x.test.mjs', timeout_s: 60 }, ctx)
    expect(out.status).toBe('fail')
    const vitest = await context({ 'package.json': '{"devDependencies":{"vitest":"^4"}}', 'a.test.ts': '' })
    expect(await testPasses({ file: 'a.test.ts', timeout_s: 60 }, vitest)).toEqual({
      status: 'error',
      details: 'vitest is not installed (node_modules/.bin/vitest not found)',
    })
  })

  it.skipIf(!HAS_PYTEST)('runs pytest with a -k filter and reads its JUnit report', { timeout: 90_000 }, async () => {
    const ctx = await context({
      'conftest.py': '',
      'tests/test_auth.py':
        'def test_login_ok():\n    pass\n\ndef test_login_locked():\n    assert 1 == 2\n\ndef test_other():\n    pass\n',
    })
    const ok = await testPasses({ pattern: 'tests/**/*.py', test_name: 'test_login_ok', timeout_s: 120 }, ctx)
    expect(ok).toMatchObject({ status: 'pass', details: '1 matching test passed (pytest)' })
    const all = await testPasses({ file: 'tests/test_auth.py', test_name: 'test_login_*', timeout_s: 120 }, ctx)
    expect(all).toMatchObject({
      status: 'fail',
      details: '1 of 2 matching tests failed: tests.test_auth.test_login_locked',
    })
  })
})

describe('command words and runner summaries', () => {
  it('splits on spaces and groups quotes', () => {
    expect(splitCommand(`pytest -k "login and not slow"  'a b'c`)).toEqual({
      ok: true,
      words: ['pytest', '-k', 'login and not slow', 'a bc'],
    })
    expect(splitCommand('echo "x')).toEqual({ ok: false, message: "unclosed double quote in 'command'" })
  })

  it.each([
    ['===== 3 passed, 1 skipped in 0.12s =====', 'pytest', 3, 0],
    ['==== 1 failed, 2 passed in 0.5s ====', 'pytest', 2, 1],
    ['Tests:       1 failed, 4 passed, 5 total', 'jest/vitest', 4, 1],
    ['      Tests  4 passed (4)', 'jest/vitest', 4, 0],
    ['# pass 3\n# fail 0', 'node --test', 3, 0],
    ['ok  \texample.com/m/auth\t0.01s\nFAIL\texample.com/m/db\t0.2s', 'go test', 1, 1],
    ['test result: ok. 5 passed; 0 failed; 0 ignored\ntest result: ok. 2 passed; 0 failed;', 'cargo', 7, 0],
    ['Tests run: 6, Failures: 1, Errors: 1, Skipped: 1', 'Maven Surefire', 3, 2],
    ['12 examples, 0 failures, 2 pending', 'RSpec', 10, 0],
    ['OK (8 tests, 20 assertions)', 'PHPUnit', 8, 0],
    ['Passed!  - Failed:     0, Passed:     5, Skipped:     0, Total:     5', 'dotnet test', 5, 0],
  ])('recognises %s', (output, runner, passed, failed) => {
    expect(recogniseSummary(output)).toEqual({ runner, passed, failed })
  })

  it('takes a failing summary over an earlier passing one', () => {
    expect(
      recogniseSummary('test result: ok. 3 passed; 0 failed; 0 ignored\nTests:       2 failed, 1 passed, 3 total\n'),
    ).toMatchObject({ passed: 1, failed: 2 })
  })

  it('recognises nothing in ordinary output', () => {
    expect(recogniseSummary('all good\ndone')).toBeUndefined()
  })
})
