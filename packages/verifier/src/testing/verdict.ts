import type { Location } from '@warrant/core'
import { fail, type Outcome, pass } from '../engine/outcome.js'
import { compileTestNameGlob } from './name-glob.js'
import type { TestCase } from './test-case.js'

const MAX_NAMED_FAILURES = 5

export interface VerdictSource {
  /** What the parenthesis of a pass names: the reports read, or the runner. */
  label: string
  examined?: string[]
  locations?: Location[]
  evidenceDigest?: string
}

/**
 * §3.6's pass and fail rules: at least one matching test ran (skipped tests do not count) and none of the
 * matching tests failed or errored.
 */
export function testVerdict(cases: readonly TestCase[], testName: string | undefined, source: VerdictSource): Outcome {
  const matches = testName === undefined ? () => true : compileTestNameGlob(testName)
  // A file- or package-level entry is no test: it counts only when it failed (the tests in it did not all run).
  const broken = (c: TestCase) => c.outcome === 'failed' || c.outcome === 'errored'
  const executed = cases.filter(
    (c) => c.outcome !== 'skipped' && (c.unnamed ? broken(c) : matches(c.name) || matches(c.fullName)),
  )
  const extra = {
    ...(source.examined ? { examined: source.examined } : {}),
    ...(source.locations ? { locations: source.locations } : {}),
    ...(source.evidenceDigest ? { evidenceDigest: source.evidenceDigest } : {}),
  }
  if (executed.length === 0) return fail('0 matching tests executed', extra)
  const failed = executed.filter((c) => c.outcome === 'failed' || c.outcome === 'errored')
  if (failed.length > 0) {
    const named = failed.slice(0, MAX_NAMED_FAILURES).map((c) => c.fullName)
    const more = failed.length > MAX_NAMED_FAILURES ? ` and ${failed.length - MAX_NAMED_FAILURES} more` : ''
    return fail(`${failed.length} of ${executed.length} matching tests failed: ${named.join(', ')}${more}`, extra)
  }
  const tests = executed.length === 1 ? 'test' : 'tests'
  return pass(`${executed.length} matching ${tests} passed (${source.label})`, extra)
}
