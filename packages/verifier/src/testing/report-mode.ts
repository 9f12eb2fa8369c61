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
  const examined: string[] = []
  const selectedByGlob = GLOB_CHARS.test(junit)
  let binary = 0
  for (const rel of reports) {
    const content = await checkout.read(rel)
    if (isProblem(content)) return { ...fromProblem(content), examined }
    // §2.3: a binary file a glob selected is skipped (not examined); named directly it is an error.
    if (content.binary && selectedByGlob) {
      binary++
      continue
    }
    const file = await checkout.readText(rel)
    if (isProblem(file)) return { ...fromProblem(file), examined }
    examined.push(rel)
    const parsed = parseJUnit(file.text)
    if (!parsed.ok)
      return error(`invalid JUnit report ${rel}: ${parsed.message}`, {
        examined,
        locations: [{ file: rel, line: 1 }],
      })
    cases.push(...parsed.cases)
  }
  if (examined.length === 0) return error(`no text files among ${reports.length} selected by ${junit}`)
  const verdict = testVerdict(cases, testName, {
    label: examined.join(', '),
    examined,
    locations: examined.map((rel) => ({ file: rel, line: 1 })),
  })
  const skipped = binary > 0 ? ` (${binary} binary file${binary === 1 ? '' : 's'} skipped)` : ''
  return { ...verdict, details: verdict.details + skipped }
}
