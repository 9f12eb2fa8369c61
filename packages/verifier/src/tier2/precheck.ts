import type { Excerpt } from './prompt.js'

/** Types whose Tier 1 location is a function or a test, where an obvious stub can be seen without a model. */
const FUNCTION_TYPES = new Set([
  'function_exists',
  'decorator_present',
  'function_calls',
  'parameter_validated',
  'error_handled',
  'middleware_registered',
])
const TEST_TYPES = new Set(['test_exists', 'test_passes'])

const COMMENT = /^(#|\/\/|\/\*|\*|--)/
const DOCSTRING = /^("""|'''|r"""|r''')/
const BRACE = /^[{}]+;?$/
/** A body that does nothing or answers a constant: `pass`, `...`, `return True`, `{}`, `raise NotImplementedError`. */
const STUB =
  /^(pass|\.\.\.|return\s*;?|return\s+(true|false|True|False|None|null|nil|undefined|0|1|""|''|\{\}|\[\])\s*;?|raise\s+NotImplementedError(\(.*\))?|throw\s+new\s+Error\(.*not implemented.*\)\s*;?)$/i
const ASSERTS = /\b(assert\w*|expect|should|verify|t\.(Error|Fatal|Fail)\w*|Assert\.\w+|assertThat)\b/

/**
 * A cheap look at the excerpt before any model is asked (the static pre-check): an obvious stub — an empty
 * body, `pass`, a constant return — or a test that asserts nothing is answered NO at once. It only ever says NO, so a
 * wrong call costs a re-check, never a false pass; anything it cannot read as a stub goes to the model.
 */
export function staticPrecheck(type: string, excerpt: Excerpt): string | undefined {
  const lines = excerpt.text.split('\n')
  const body = lines
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !COMMENT.test(l) && !DOCSTRING.test(l) && !BRACE.test(l))
  if (FUNCTION_TYPES.has(type)) {
    // A one-line definition carries its body after the signature: `def f(x): return True`, `f() { return true }`.
    const inline = /[:{]\s*(\S.*?)\s*}?\s*$/.exec(lines[0]!.replace(/\)\s*(->[^:{]*)?/, ')'))?.[1]
    const statements = body.length ? body : inline ? [inline] : []
    if (statements.length === 0 && lines.length > 1) return 'the function body is empty'
    if (statements.length === 1 && STUB.test(statements[0]!)) return `the function body is only \`${statements[0]}\``
  }
  if (TEST_TYPES.has(type) && lines.length > 1 && !ASSERTS.test(lines.slice(1).join('\n')))
    return 'the test asserts nothing'
  return undefined
}
