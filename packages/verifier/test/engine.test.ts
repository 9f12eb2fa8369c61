import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { evaluateAll } from '../src/engine/engine.js'
import { evidenceDigest, oneLine } from '../src/engine/finalize.js'
import { EVALUATORS } from '../src/evaluators/index.js'
import { makeTree } from './helpers.js'

describe('evidence digest (§1.4)', () => {
  it('is the file SHA-256 for one file and the sha256sum manifest digest for several', async () => {
    const root = await makeTree({
      files: { 'src/b.js': 'eval(1)\r\n', 'src/a.js': '\uFEFFconst a = 1\n', 'src/é.js': 'x\n' },
    })
    const [one, many] = await evaluateAll(
      [
        { id: 'one', type: 'pattern_absent', params: { file: 'src/a.js', pattern: 'eval' } },
        { id: 'many', type: 'pattern_absent', params: { glob: 'src/*.js', pattern: 'nothing-here' } },
      ],
      root,
    )
    const sha = (args: string[]) => execFileSync('sh', ['-c', args.join(' ')], { cwd: root, encoding: 'utf8' })
    expect(one!.evidence_digest).toBe(`sha256:${sha(['sha256sum src/a.js']).slice(0, 64)}`)
    expect(many!.evidence_digest).toBe(
      `sha256:${sha(['sha256sum src/a.js src/b.js src/é.js | LC_ALL=C sort -k 2 | sha256sum']).slice(0, 64)}`,
    )
  })

  it('is omitted when nothing was examined', async () => {
    const root = await makeTree({})
    const [r] = await evaluateAll([{ id: 'x', type: 'file_exists', params: { file: 'missing' } }], root)
    expect(r).toEqual({
      id: 'x',
      type: 'file_exists',
      status: 'fail',
      details: 'file not found: missing',
      locations: [],
    })
    expect(evidenceDigest(new Map())).toBeUndefined()
  })
})

describe('results', () => {
  it('come back in input order, with at most 20 locations sorted and (+N more)', async () => {
    const root = await makeTree({ files: { 'b.txt': 'x\n'.repeat(30), 'a.txt': 'x\n' } })
    const results = await evaluateAll(
      [
        { id: 'first', type: 'pattern_absent', params: { glob: '*.txt', pattern: 'x' } },
        { id: 'second', type: 'file_exists', params: { file: 'a.txt' } },
      ],
      root,
    )
    expect(results.map((r) => r.id)).toEqual(['first', 'second'])
    const r = results[0]!
    expect(r.status).toBe('fail')
    expect(r.locations).toHaveLength(20)
    expect(r.locations[0]).toEqual({ file: 'a.txt', line: 1, column: 1, snippet: 'x' })
    expect(r.locations[1]).toMatchObject({ file: 'b.txt', line: 1 })
    expect(r.details).toMatch(
      /^pattern found 31 times: a\.txt:1, b\.txt:1, b\.txt:2, b\.txt:3, b\.txt:4, … \(\+11 more\)$/,
    )
  })

  it('turn an exception inside an evaluator into an internal error', async () => {
    const root = await makeTree({})
    const original = EVALUATORS.file_exists!
    EVALUATORS.file_exists = async () => {
      throw new Error('boom')
    }
    try {
      const [r] = await evaluateAll([{ id: 'x', type: 'file_exists', params: { file: 'a' } }], root)
      expect(r).toEqual({
        id: 'x',
        type: 'file_exists',
        status: 'error',
        details: 'internal error: boom',
        locations: [],
      })
    } finally {
      EVALUATORS.file_exists = original
    }
  })

  it('refuse a file over the size cap and name both numbers', async () => {
    const root = await makeTree({ files: { 'big.py': `# ${'x'.repeat(200)}\n` } })
    const [r] = await evaluateAll([{ id: 'x', type: 'function_exists', params: { file: 'big.py', name: 'f' } }], root, {
      maxFileSize: 100,
    })
    expect(r).toMatchObject({ status: 'error', details: 'file too large (203 bytes, cap 100): big.py' })
  })
})

describe('details (§1.5)', () => {
  it('are one line of at most 2,048 bytes, cut on a character boundary', () => {
    expect(oneLine('a\r\nb\nc\rd')).toBe('a\\nb\\nc\\nd')
    const long = oneLine('é'.repeat(2000))
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(2048)
    expect(long.endsWith('é…')).toBe(true)
  })
})

describe('examined files (§1.4)', () => {
  it('include a project file read to resolve a Pydantic model, also when it holds none', async () => {
    const root = await makeTree({
      files: {
        'app/views.py': 'from app.m2 import B\n\ndef f2(x: B):\n    return x\n',
        'app/m2.py': 'class B:\n    pass\n',
      },
    })
    const [r] = await evaluateAll(
      [{ id: 'x', type: 'parameter_validated', params: { file: 'app/views.py', function: 'f2', parameter: 'x' } }],
      root,
    )
    expect(r!.status).toBe('fail')
    const sha = execFileSync('sh', ['-c', 'sha256sum app/m2.py app/views.py | LC_ALL=C sort -k 2 | sha256sum'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(r!.evidence_digest).toBe(`sha256:${sha.slice(0, 64)}`)
  })

  it('include every JUnit report read before a malformed one', async () => {
    const root = await makeTree({
      files: { 'r/a.xml': '<testsuite><testcase name="t"/></testsuite>', 'r/b.xml': '<testsuite><testcase' },
    })
    const [r] = await evaluateAll([{ id: 'x', type: 'test_passes', params: { junit: 'r/[ab].xml' } }], root)
    expect(r!.status).toBe('error')
    const sha = execFileSync('sh', ['-c', 'sha256sum r/a.xml r/b.xml | LC_ALL=C sort -k 2 | sha256sum'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(r!.evidence_digest).toBe(`sha256:${sha.slice(0, 64)}`)
  })

  it('count text files of a type the claim skips, and say how many binary files were skipped', async () => {
    const root = await makeTree({
      files: { 'src/a.py': 'def f():\n    pass\n', 'src/readme.md': 'notes\n', 'src/z.bin': Buffer.from([0, 1]) },
    })
    const [r] = await evaluateAll([{ id: 'x', type: 'function_exists', params: { glob: 'src/*', name: 'f' } }], root)
    expect(r!.details).toBe(
      "function 'f' defined at src/a.py:1 (1 binary file skipped, 1 file of unsupported type skipped)",
    )
    const sha = execFileSync('sh', ['-c', 'sha256sum src/a.py src/readme.md | LC_ALL=C sort -k 2 | sha256sum'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(r!.evidence_digest).toBe(`sha256:${sha.slice(0, 64)}`)
  })
})
