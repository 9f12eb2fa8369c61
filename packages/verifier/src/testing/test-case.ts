/** One test as a report records it. */
export interface TestCase {
  /** The test's own name (a JUnit `name`, a `describe`/`it` title). */
  name: string
  /** `classname.name` for JUnit; enclosing titles and its own joined by spaces for describe/it runners. */
  fullName: string
  outcome: 'passed' | 'failed' | 'errored' | 'skipped'
  /** A whole test file or package that failed to load: it counts whatever `test_name` says. */
  unnamed?: boolean
}
