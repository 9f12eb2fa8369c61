import { describe, expect, it } from 'vitest'
import { cli, project } from './helpers.js'

const APP = {
  'auth/middleware.py': 'def require_auth(request):\n    return request.user\n',
  'src/run.js': 'const x = 1\neval(input)\n',
}

describe('warrant check', () => {
  it('evaluates a YAML batch in input order with generated ids and prints text', async () => {
    const dir = await project({
      ...APP,
      'checks.yaml': [
        'assertions:',
        '  - id: auth-1',
        '    type: function_exists',
        '    params: {file: auth/middleware.py, name: require_auth}',
        '  - type: pattern_absent',
        '    params: {glob: "src/**/*.js", pattern: "\\\\beval\\\\s*\\\\("}',
        '  - type: rtl_signal_present',
        '',
      ].join('\n'),
    })
    const r = await cli(dir, ['check', 'checks.yaml'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe(
      [
        "PASS  auth-1  function_exists  function 'require_auth' defined at auth/middleware.py:1",
        'FAIL  a2  pattern_absent  pattern found 1 time: src/run.js:2',
        "SKIPPED a3  rtl_signal_present  unknown assertion type 'rtl_signal_present'",
        '1 pass, 1 fail, 0 error, 1 skipped',
        '',
      ].join('\n'),
    )
  })

  it('exits 0 when every result passes, with JSON output', async () => {
    const dir = await project({
      ...APP,
      'c.json': JSON.stringify([{ type: 'file_exists', params: { file: 'auth/middleware.py' } }]),
    })
    const r = await cli(dir, ['check', 'c.json', '--output', 'json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.summary).toEqual({ pass: 1, fail: 0, error: 0, skipped: 0 })
    expect(out.results[0]).toMatchObject({ id: 'a1', type: 'file_exists', status: 'pass' })
    expect(out.results[0].evidence_digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('reads a model file and carries the control', async () => {
    const dir = await project({
      ...APP,
      'warrant.yaml': [
        'format: warrant.model/v1',
        'model: {title: T}',
        'controls:',
        '  - id: CTRL-01',
        '    title: Auth',
        '    description: d',
        '    objective_ids: []',
        '    assertions:',
        '      - type: function_exists',
        '        params: {file: auth/middleware.py, name: require_auth}',
        '        description: exists',
        '',
      ].join('\n'),
    })
    const r = await cli(dir, ['check', 'warrant.yaml', '-o', 'json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ id: 'a1', control: 'CTRL-01', status: 'pass' })
  })

  it('reads standard input as YAML with -', async () => {
    const dir = await project(APP)
    const r = await cli(dir, ['check', '-'], '- {type: file_exists, params: {file: src/run.js}}\n')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('PASS  a1  file_exists  file exists: src/run.js (24 bytes)')
  })

  it.each([
    ['bad.yaml', 'assertions:\n  - type: x\n   bad: [\n', /bad\.yaml:\d+:\d+: /],
    ['bad.json', '{"assertions": [\n  {"type": 1}\n', /bad\.json:3:1: /],
    ['shape.yaml', 'checks: []\n', /shape\.yaml:1:1: expected \{"assertions": \[\.\.\.\]\}.*unknown member 'checks'/],
    ['entry.yaml', 'assertions:\n  - {type: 5}\n', /entry\.yaml:2:5: assertions\[0\]: 'type' must be a string/],
    ['member.yaml', '- {type: file_exists, parms: {}}\n', /unknown member 'parms'/],
    ['params.yaml', '- {type: file_exists, params: [1]}\n', /'params' must be an object/],
    ['dup.yaml', '- {id: x, type: a}\n- {id: x, type: b}\n', /duplicate id 'x'/],
    ['gen.yaml', '- {id: a2, type: a}\n- {type: b}\n', /generated id 'a2' equals a given id/],
    ['dupkey.yaml', '- {type: a, type: b}\n', /dupkey\.yaml:1:\d+: Map keys must be unique/],
    ['json-syntax.json', '[\n{"type":"file_exists"},\n tru\n]', /json-syntax\.json:3:2: invalid JSON: /],
    [
      'model-extra.yaml',
      'format: warrant.model/v1\nassertions: []\n',
      /unknown member 'assertions' of a warrant\.model\/v1 file/,
    ],
  ])('exits 2 for malformed %s, naming line and column, printing no results', async (name, text, message) => {
    const dir = await project({ [name]: text })
    const r = await cli(dir, ['check', name])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(message)
  })

  it('exits 2 for a missing file, an unknown output format, an unknown option and a bad project root', async () => {
    const dir = await project({ 'c.yaml': '[]\n' })
    expect((await cli(dir, ['check', 'nope.yaml'])).stderr).toContain('warrant: cannot read nope.yaml: ENOENT')
    expect((await cli(dir, ['check', 'nope.yaml'])).code).toBe(2)
    expect((await cli(dir, ['check', 'c.yaml', '--output', 'xml'])).code).toBe(2)
    expect((await cli(dir, ['check', 'c.yaml', '--frobnicate'])).code).toBe(2)
    expect((await cli(dir, ['check', 'c.yaml', '--max-file-size', '-1'])).code).toBe(2)
    const root = await cli(dir, ['check', 'c.yaml', '--project-root', 'c.yaml'])
    expect(root).toMatchObject({ code: 2, stdout: '' })
    expect(root.stderr).toContain('project root is not a directory')
  })

  it('resolves YAML anchors and aliases in batch files', async () => {
    const dir = await project({
      ...APP,
      'alias.yaml':
        '- &a {type: file_exists, params: {file: src/run.js}}\n- *a\n- {type: file_exists, params: {file: &f src/run.js}}\n- {type: file_exists, params: {file: *f}}\n',
    })
    const r = await cli(dir, ['check', 'alias.yaml', '-o', 'json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).summary).toEqual({ pass: 4, fail: 0, error: 0, skipped: 0 })
  })

  it('keeps one line per result whatever a type name holds', async () => {
    const dir = await project({ 'c.json': JSON.stringify([{ type: 'evil\n::error file=a::pwned\r\u001b[2J' }]) })
    const r = await cli(dir, ['check', 'c.json'])
    expect(r.code).toBe(1)
    expect(r.stdout.split('\n')).toHaveLength(3)
    expect(r.stdout).toContain('evil\\u000a::error file=a::pwned\\u000d\\u001b[2J')
    expect(r.stdout.split('\n').some((l) => l.startsWith('::'))).toBe(false)
  })

  it('treats an empty batch as all-pass', async () => {
    const dir = await project({ 'c.yaml': '[]\n' })
    expect(await cli(dir, ['check', 'c.yaml'])).toMatchObject({
      code: 0,
      stdout: '0 pass, 0 fail, 0 error, 0 skipped\n',
    })
  })

  it('skips run-mode test_passes under --no-test-execution and still exits 0', async () => {
    const dir = await project({ 'c.yaml': '- {type: test_passes, params: {command: "node --test"}}\n' })
    const r = await cli(dir, ['check', 'c.yaml', '--no-test-execution'])
    expect(r).toMatchObject({ code: 0 })
    expect(r.stdout).toContain('SKIPPED a1  test_passes  test execution disabled')
  })
})
