import type { TestCase } from './test-case.js'
import { attribute, children, parseXml, type XmlElement } from './xml.js'

/** JUnit XML (root `testsuites` or `testsuite`): every `testcase` at any depth of nested suites. */
export type JUnitParse = { ok: true; cases: JUnitCase[] } | { ok: false; message: string }

export interface JUnitCase extends TestCase {
  /** Names of the enclosing `testsuite` elements, outermost first. */
  suites: string[]
}

const ARRAY_TAGS = ['testsuites', 'testsuite', 'testcase', 'failure', 'error', 'skipped'] as const

export function parseJUnit(text: string): JUnitParse {
  const xml = parseXml(text, ARRAY_TAGS)
  if (!xml.ok) return xml
  if (xml.rootName !== 'testsuites' && xml.rootName !== 'testsuite') {
    return { ok: false, message: `root element is <${xml.rootName}>, not <testsuites> or <testsuite>` }
  }
  const cases: JUnitCase[] = []
  collect(xml.root, xml.rootName === 'testsuite' ? [attribute(xml.root, 'name') ?? ''] : [], cases)
  return { ok: true, cases }
}

function collect(suite: XmlElement, path: string[], out: JUnitCase[]): void {
  for (const tc of children(suite, 'testcase')) out.push(toCase(tc, path))
  for (const inner of children(suite, 'testsuite')) collect(inner, [...path, attribute(inner, 'name') ?? ''], out)
  // `testsuites` may nest too: every testcase under them is read (§3.6)
  for (const group of children(suite, 'testsuites')) collect(group, path, out)
}

function toCase(tc: XmlElement, suites: string[]): JUnitCase {
  const name = attribute(tc, 'name') ?? ''
  const classname = attribute(tc, 'classname')
  const outcome =
    children(tc, 'failure').length > 0
      ? 'failed'
      : children(tc, 'error').length > 0
        ? 'errored'
        : children(tc, 'skipped').length > 0
          ? 'skipped'
          : 'passed'
  return { name, fullName: classname ? `${classname}.${name}` : name, outcome, suites }
}
