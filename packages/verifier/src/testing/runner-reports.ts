import { type JUnitCase, parseJUnit } from './junit.js'
import type { TestCase } from './test-case.js'
import { attribute, children, parseXml } from './xml.js'

/**
 * Readers for the reports each runner writes (ASSERTIONS.md §3.6, run mode). Each returns the test cases, or
 * undefined when the text is not such a report.
 */
export type ReportReader = (text: string) => TestCase[] | undefined

type Json = Record<string, unknown>
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x)
const asArray = (x: unknown): unknown[] => (Array.isArray(x) ? x : [])
const asString = (x: unknown): string => (typeof x === 'string' ? x : '')

function parseJson(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return isObject(v) ? v : undefined
  } catch {
    return undefined
  }
}

function junitWith(rename: (c: JUnitCase) => TestCase): ReportReader {
  return (text) => {
    const parsed = parseJUnit(text)
    return parsed.ok ? parsed.cases.map(rename) : undefined
  }
}

/** pytest, PHPUnit, Maven, Gradle: JUnit names as they are. */
export const readJUnit: ReportReader = junitWith((c) => c)

/**
 * node --test: describe blocks are nested suites; the full name joins their titles and the test's with spaces. Node
 * also reports every test file as a testcase named by its absolute path: that entry is the file, not a test.
 */
export const readNodeJUnit: ReportReader = junitWith((c) => ({
  ...c,
  fullName: [...c.suites, c.name].join(' '),
  ...(c.name.startsWith('/') && c.suites.length === 0 ? { unnamed: true } : {}),
}))

/** Vitest writes `describe > test` as the testcase name. */
export const readVitestJUnit: ReportReader = junitWith((c) => {
  const titles = c.name.split(' > ')
  return { ...c, name: titles.at(-1) ?? c.name, fullName: titles.join(' ') }
})

const JEST_OUTCOME: Record<string, TestCase['outcome']> = { passed: 'passed', failed: 'failed' }

/** `jest --json`: assertion results per file; a file that failed to run counts as an errored test. */
export const readJestJson: ReportReader = (text) => {
  const report = parseJson(text)
  if (!report || !Array.isArray(report.testResults)) return undefined
  const cases: TestCase[] = []
  for (const file of report.testResults.filter(isObject)) {
    const results = asArray(file.assertionResults).filter(isObject)
    for (const r of results) {
      const name = asString(r.title)
      const fullName = [...asArray(r.ancestorTitles).map(asString), name].join(' ')
      cases.push({ name, fullName, outcome: JEST_OUTCOME[asString(r.status)] ?? 'skipped' })
    }
    if (file.status === 'failed' && results.every((r) => r.status !== 'failed')) {
      const path = asString(file.name)
      cases.push({ name: path, fullName: path, outcome: 'errored', unnamed: true })
    }
  }
  return cases
}

/** `go test -json`: the last action per test; a package that failed without a failing test failed to build or run. */
export const readGoJson: ReportReader = (text) => {
  const finals = new Map<string, { pkg: string; test: string; action: string }>()
  const failedPackages = new Set<string>()
  let events = 0
  for (const line of text.split('\n')) {
    const e = line.startsWith('{') ? parseJson(line) : undefined
    if (!e) continue
    events++
    const action = asString(e.Action)
    const pkg = asString(e.Package)
    const test = asString(e.Test)
    if (action !== 'pass' && action !== 'fail' && action !== 'skip' && action !== 'build-fail') continue
    if (test === '') {
      if (action === 'fail' || action === 'build-fail') failedPackages.add(pkg)
    } else finals.set(`${pkg}\u0000${test}`, { pkg, test, action })
  }
  if (events === 0) return undefined
  const cases: TestCase[] = [...finals.values()].map(({ pkg, test, action }) => ({
    name: test,
    fullName: pkg ? `${pkg}.${test}` : test,
    outcome: action === 'pass' ? 'passed' : action === 'skip' ? 'skipped' : 'failed',
  }))
  for (const pkg of failedPackages) {
    if (!cases.some((c) => c.outcome === 'failed' && c.fullName.startsWith(`${pkg}.`))) {
      cases.push({ name: pkg, fullName: pkg, outcome: 'errored', unnamed: true })
    }
  }
  return cases
}

/** cargo test: libtest's `test path ... ok` lines; without a `test result:` line nothing ran. */
export const readCargoOutput: ReportReader = (text) => {
  if (!/^test result: /m.test(text)) return undefined
  const cases: TestCase[] = []
  for (const m of text.matchAll(/^test (.+?) \.\.\. (ok|FAILED|ignored)\b/gm)) {
    const outcome = m[2] === 'ok' ? 'passed' : m[2] === 'FAILED' ? 'failed' : 'skipped'
    cases.push({ name: m[1]!, fullName: m[1]!, outcome })
  }
  return cases
}

/** `rspec --format json`: examples; errors outside examples (a file that did not load) count as an errored test. */
export const readRspecJson: ReportReader = (text) => {
  const report = parseJson(text)
  if (!report || !Array.isArray(report.examples)) return undefined
  const cases: TestCase[] = report.examples.filter(isObject).map((e) => {
    const status = asString(e.status)
    const outcome = status === 'passed' ? 'passed' : status === 'failed' ? 'failed' : 'skipped'
    return { name: asString(e.description), fullName: asString(e.full_description), outcome }
  })
  const summary = isObject(report.summary) ? report.summary : {}
  if (Number(summary.errors_outside_of_examples_count) > 0) {
    cases.push({
      name: 'errors outside of examples',
      fullName: 'errors outside of examples',
      outcome: 'errored',
      unnamed: true,
    })
  }
  return cases
}

const TRX_OUTCOME: Record<string, TestCase['outcome']> = {
  Passed: 'passed',
  Failed: 'failed',
  Error: 'errored',
  Aborted: 'errored',
  Timeout: 'errored',
}

/** dotnet's TRX: `UnitTestResult` elements; the name is the method, the full name the qualified test name. */
export const readTrx: ReportReader = (text) => {
  const xml = parseXml(text, ['Results', 'UnitTestResult'])
  if (!xml.ok || xml.rootName !== 'TestRun') return undefined
  return children(xml.root, 'Results')
    .flatMap((r) => children(r, 'UnitTestResult'))
    .map((r) => {
      const fullName = attribute(r, 'testName') ?? ''
      const bare = fullName.split('(')[0]!
      return {
        name: bare.slice(bare.lastIndexOf('.') + 1) + fullName.slice(bare.length),
        fullName,
        outcome: TRX_OUTCOME[attribute(r, 'outcome') ?? ''] ?? 'skipped',
      }
    })
}
