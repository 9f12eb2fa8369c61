import type { Result } from '@warrant/core'
import { describe, expect, it } from 'vitest'
import { renderGithub } from '../src/output/github.js'
import type { RenderInput } from '../src/output/index.js'
import { renderJunit } from '../src/output/junit.js'
import { assertionFingerprint, renderSarif } from '../src/output/sarif.js'

const results: Result[] = [
  {
    id: 'ok',
    type: 'file_exists',
    status: 'pass',
    details: 'file exists: a (1 byte)',
    locations: [{ file: 'a', line: 1 }],
  },
  {
    id: 'a2',
    type: 'pattern_absent',
    status: 'fail',
    details: 'pattern found 2 times: src/handlers/run.js:44, src/handlers/tpl.js:9',
    locations: [
      { file: 'src/handlers/run.js', line: 44, column: 12, snippet: 'eval(x)' },
      { file: 'src/handlers/tpl.js', line: 9, column: 1, end_line: 10 },
    ],
    evidence_digest: `sha256:${'a'.repeat(64)}`,
  },
  {
    id: 's1',
    type: 'no_plaintext_secret',
    status: 'fail',
    details: '1 possible secret: aws-access-key-id at k.env:1',
    locations: [{ file: 'k.env', line: 1, column: 5, snippet: 'never shown' }],
  },
  { id: 'e1', type: 'config_key_exists', status: 'error', details: 'cannot parse c.json at line 1: x', locations: [] },
  {
    id: 'a7',
    type: 'rtl_signal_present',
    status: 'skipped',
    details: "unknown assertion type 'rtl_signal_present'",
    locations: [],
  },
]

const input = (over: Partial<RenderInput> = {}): RenderInput => ({
  results,
  params: new Map([['a2', { glob: 'src/**', pattern: 'eval' }]]),
  sources: new Map([['e1', { file: 'checks.yaml', line: 7, column: 5 }]]),
  version: '0.1.0',
  color: false,
  ...over,
})

describe('SARIF 2.1.0', () => {
  const sarif = JSON.parse(renderSarif(input()))
  const run = sarif.runs[0]

  it('declares the tool, a rule per type present, and utf16 columns', () => {
    expect(sarif.version).toBe('2.1.0')
    expect(run.columnKind).toBe('utf16CodeUnits')
    expect(run.invocations).toEqual([{ executionSuccessful: true }])
    expect(run.tool.driver).toMatchObject({ name: 'warrant', version: '0.1.0', semanticVersion: '0.1.0' })
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([
      'file_exists',
      'pattern_absent',
      'no_plaintext_secret',
      'config_key_exists',
      'rtl_signal_present',
    ])
    expect(run.tool.driver.rules[1]).toEqual({
      id: 'pattern_absent',
      shortDescription: { text: 'text never matches a regex' },
      defaultConfiguration: { level: 'error' },
    })
  })

  it('has one result per non-pass assertion with the right kind, level and message', () => {
    expect(
      run.results.map((r: { ruleId: string; kind: string; level: string }) => [r.ruleId, r.kind, r.level]),
    ).toEqual([
      ['pattern_absent', 'fail', 'error'],
      ['no_plaintext_secret', 'fail', 'error'],
      ['config_key_exists', 'fail', 'error'],
      ['rtl_signal_present', 'notApplicable', 'none'],
    ])
    expect(run.results[2].message.text).toBe('error: cannot parse c.json at line 1: x')
    expect(run.results[0].ruleIndex).toBe(1)
  })

  it('maps locations, never snippets of secrets, and points at the batch file when there is no location', () => {
    const [first, secret, noLoc, skipped] = run.results
    expect(first.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'src/handlers/run.js', uriBaseId: '%SRCROOT%' },
      region: { startLine: 44, startColumn: 12, snippet: { text: 'eval(x)' } },
    })
    expect(first.relatedLocations[0].physicalLocation.region).toEqual({ startLine: 9, startColumn: 1, endLine: 10 })
    expect(JSON.stringify(secret)).not.toContain('never shown')
    expect(noLoc.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'checks.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: 7, startColumn: 5 },
    })
    expect(skipped.locations).toEqual([])
    expect(JSON.stringify(sarif)).not.toContain('originalUriBaseIds')
  })

  it('fingerprints the canonical {params, type}, independent of key order', () => {
    expect(run.results[0].partialFingerprints['warrantAssertion/v1']).toBe(
      assertionFingerprint('pattern_absent', { pattern: 'eval', glob: 'src/**' }),
    )
    // sha256 of {"params":{"glob":"src/**","pattern":"eval"},"type":"pattern_absent"}
    expect(assertionFingerprint('pattern_absent', { glob: 'src/**', pattern: 'eval' })).toMatch(/^[0-9a-f]{64}$/)
    expect(run.results[0].properties).toEqual({
      warrant_id: 'a2',
      status: 'fail',
      evidence_digest: `sha256:${'a'.repeat(64)}`,
    })
  })
})

describe('GitHub annotations', () => {
  it('matches the documented form', () => {
    expect(renderGithub(input()).split('\n')).toEqual([
      '::error file=src/handlers/run.js,line=44,col=12,title=warrant fail%3A pattern_absent a2::pattern found 2 times: src/handlers/run.js:44, src/handlers/tpl.js:9',
      '::error file=k.env,line=1,col=5,title=warrant fail%3A no_plaintext_secret s1::1 possible secret: aws-access-key-id at k.env:1',
      '::error title=warrant error%3A config_key_exists e1::cannot parse c.json at line 1: x',
      "::warning title=warrant skipped%3A rtl_signal_present a7::unknown assertion type 'rtl_signal_present'",
      'warrant: 1 pass, 2 fail, 1 error, 1 skipped',
      '',
    ])
  })

  it('escapes text from the checkout so it cannot start a workflow command', () => {
    const hostile: Result = {
      id: 'x',
      type: 'pattern_absent',
      status: 'fail',
      details: '100% done\r\n::set-output name=x::y',
      locations: [{ file: 'a,b:c%\n::add-mask::d.js', line: 1 }],
    }
    const out = renderGithub(input({ results: [hostile] }))
    expect(out).toBe(
      '::error file=a%2Cb%3Ac%25%0A%3A%3Aadd-mask%3A%3Ad.js,line=1,title=warrant fail%3A pattern_absent x::100%25 done%0D%0A::set-output name=x::y\nwarrant: 0 pass, 1 fail, 0 error, 0 skipped\n',
    )
    expect(out.split('\n').filter((l) => l.startsWith('::'))).toHaveLength(1)
  })
})

describe('JUnit', () => {
  it('has one testcase per assertion with failure, error and skipped children', () => {
    const xml = renderJunit(input())
    expect(xml).toContain('<testsuite name="warrant" tests="5" failures="2" errors="1" skipped="1">')
    expect(xml).toContain('<testcase classname="warrant.file_exists" name="ok"><system-out>a:1</system-out></testcase>')
    expect(xml).toContain('<error message="cannot parse c.json at line 1: x"/>')
    expect(xml).toContain(`<skipped message="unknown assertion type 'rtl_signal_present'"/>`)
    expect(xml).toContain('<system-out>src/handlers/run.js:44:12&#10;src/handlers/tpl.js:9:1</system-out>')
  })
})
