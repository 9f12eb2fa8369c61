import type { Checkout } from '../checkout/checkout.js'
import { isProblem } from '../checkout/checkout.js'
import { error, fail, fromProblem, type Outcome } from '../engine/outcome.js'
import { parseJUnit } from './junit.js'
import type { TestCase } from './test-case.js'
import { testVerdict } from './verdict.js'

const GLOB_CHARS = /[*?[{]/

/** Report mode (`junit` given): reads JUnit reports written earlier; nothing is executed. */
export async function evaluateReports(
  checkout: Checkout,
  junit: string,
  testName: string | undefined,
): Promise<Outcome> {
  let reports: string[]
  if (GLOB_CHARS.test(junit)) {
    const selection = await checkout.glob(junit)
    if (isProblem(selection)) return fromProblem(selection)
    if (selection.files.length === 0) return fail(`glob matched no files: ${junit}`)
    reports = selection.files
  } else {
    const located = await checkout.locate(junit)
    if (isProblem(located)) return fromProblem(located)
    reports = [located.rel]
  }
  const cases: TestCase[] = []
  for (const rel of reports) {
    const file = await checkout.readText(rel)
    if (isProblem(file)) return fromProblem(file)
    const parsed = parseJUnit(file.text)
    if (!parsed.ok)
      return error(`invalid JUnit report ${rel}: ${parsed.message}`, {
        examined: [rel],
        locations: [{ file: rel, line: 1 }],
      })
    cases.push(...parsed.cases)
  }
  return testVerdict(cases, testName, {
    label: reports.join(', '),
    examined: reports,
    locations: reports.map((rel) => ({ file: rel, line: 1 })),
  })
}
