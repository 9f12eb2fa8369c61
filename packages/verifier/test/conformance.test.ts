import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseConformanceFile, runCases } from '../src/conformance.js'

const suite = (name: string) => fileURLToPath(new URL(`../conformance/${name}`, import.meta.url))
const shared = fileURLToPath(new URL('../../../../shared/conformance/cases.json', import.meta.url))

/**
 * Cases of the shared suite whose expectation contradicts ASSERTIONS.md, with the status the contract gives and why.
 * Reported to the people who plan; each is still asserted, so a change in behaviour shows up here.
 */
const CONTRADICTS_CONTRACT: Record<string, { status: string; reason: string }> = {
  'pattern_matches/ignore-case-param': {
    status: 'fail',
    reason:
      "'SSL_PROTOCOLS TLSV1\\.3' cannot match 'ssl_protocols TLSv1.2 TLSv1.3;' in any case: TLSv1.2 comes between",
  },
}

describe('conformance suites', () => {
  it.each([
    ['catalogue.json', {}],
    ['code-structure.json', {}],
    ['text-config-deps.json', {}],
    ['dependencies.json', {}],
    ['lexical-and-rare-syntax.json', {}],
    ['config-secrets-patterns.json', {}],
    ['type-language-matrix.json', {}],
    ['size-cap-100.json', { maxFileSize: 100 }],
  ])(
    "this package's suite %s matches every case",
    async (name, options) => {
      const outcomes = await runCases(parseConformanceFile(readFileSync(suite(name), 'utf8')), {
        testExecution: false,
        ...options,
      })
      expect(outcomes.length).toBeGreaterThan(10)
      expect(outcomes.filter((o) => !o.matched).map((o) => `${o.id}: got ${o.got}: ${o.details}`)).toEqual([])
    },
    120_000,
  )

  it.skipIf(!existsSync(shared))('the shared suite matches, except cases that contradict the contract', async () => {
    const outcomes = await runCases(parseConformanceFile(readFileSync(shared, 'utf8')), { testExecution: false })
    const mismatched = outcomes.filter((o) => !o.matched)
    expect(mismatched.map((o) => o.id).sort()).toEqual(Object.keys(CONTRADICTS_CONTRACT).sort())
    for (const o of mismatched) expect(o.got).toBe(CONTRADICTS_CONTRACT[o.id]!.status)
  })
})

describe('malformed cases and files', () => {
  it('refuses files that are not conformance files', () => {
    expect(() => parseConformanceFile('{')).toThrow(/not JSON/)
    expect(() => parseConformanceFile('{"format": "x", "cases": []}')).toThrow(/'format' must be/)
    expect(() => parseConformanceFile('{"format": "warrant-conformance/v1"}')).toThrow(/'cases' must be an array/)
  })

  it('counts malformed cases as mismatches with the reason', async () => {
    const base = { type: 'file_exists', params: { file: 'a' }, expect: 'pass', why: 'w' }
    const outcomes = await runCases(
      [
        { ...base, id: 'abs', files: { '/etc/a': 'x' } },
        { ...base, id: 'dotdot', files: { '../a': 'x' } },
        { ...base, id: 'twice', files: { a: 'x' }, binary_files: { a: 'eA==' } },
        { ...base, id: 'b64', binary_files: { a: '!!' } },
        { ...base, id: 'noexpect', expect: 'maybe' },
        { ...base, id: 'dotslash', files: { a: 'x' }, symlinks: { './a': 'b' } },
        { ...base, id: 'file-and-dir', files: { a: 'x', 'a/b': 'y' } },
        { ...base, id: 'ok', files: { a: 'x' } },
        { ...base, id: 'ok', files: { a: 'x' } },
      ],
      { testExecution: false },
    )
    expect(outcomes.map((o) => [o.id, o.matched, o.details])).toEqual([
      ['abs', false, "malformed case: absolute path in 'files': /etc/a"],
      ['dotdot', false, "malformed case: path with '..' in 'files': ../a"],
      ['twice', false, 'malformed case: path appears twice: a'],
      ['b64', false, 'malformed case: bad base64 for a'],
      ['noexpect', false, "malformed case: 'expect' must be pass, fail, error or skipped"],
      ['dotslash', false, 'malformed case: path appears twice: ./a'],
      ['file-and-dir', false, 'malformed case: path is both a file and a directory: a and a/b'],
      ['ok', true, 'file exists: a (1 byte)'],
      ['ok', false, "malformed case: duplicate id 'ok'"],
    ])
  })
})
