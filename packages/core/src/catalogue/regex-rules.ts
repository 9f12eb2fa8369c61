/**
 * The static part of ASSERTIONS.md §2.7 for user regexes: refused constructs, ECMAScript syntax, and whether the
 * pattern matches the empty string. Nothing here runs a user pattern, so it is safe on any input.
 * The messages are the verifier's.
 */
export type RegexProblem = { code: 'regex_unsupported' | 'regex_invalid'; message: string }

const refused = (param: string, construct: string): RegexProblem => ({
  code: 'regex_unsupported',
  message: `unsupported regex in '${param}': ${construct} (not linear-time)`,
})

export function regexProblem(param: string, source: string): RegexProblem | undefined {
  const construct = refusedConstruct(param, source)
  if (construct) return construct
  try {
    // Compiling never runs the pattern; the m, s and i flags do not change what parses.
    new RegExp(source)
  } catch (e) {
    return {
      code: 'regex_invalid',
      message: `invalid regex in '${param}': ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
    }
  }
  if (matchesEmptyString(source)) {
    return { code: 'regex_unsupported', message: `pattern matches the empty string: '${param}'` }
  }
  return undefined
}

/**
 * Back-references (and every escape that may read as one), look-arounds, inline flags, bounds above 1,000. The
 * verifier's compiler uses it too, so both refuse exactly the same patterns.
 */
export function refusedConstruct(param: string, source: string): RegexProblem | undefined {
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') {
      const n = source[i + 1]
      if (n !== undefined && n >= '1' && n <= '9') return refused(param, `back-reference \\${n}`)
      if (n === 'k') return refused(param, 'back-reference \\k')
      i++
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      continue
    }
    if (c === '[') {
      inClass = true
      if (source[i + 1] === ']') i++
      else if (source[i + 1] === '^' && source[i + 2] === ']') i += 2
      continue
    }
    if (c === '(' && source[i + 1] === '?') {
      const rest = source.slice(i + 2, i + 4)
      if (rest.startsWith('=')) return refused(param, 'look-ahead (?=')
      if (rest.startsWith('!')) return refused(param, 'look-ahead (?!')
      if (rest === '<=') return refused(param, 'look-behind (?<=')
      if (rest === '<!') return refused(param, 'look-behind (?<!')
      const flags = /^[a-zA-Z-]+[:)]/.exec(source.slice(i + 2))
      if (flags) {
        return {
          code: 'regex_unsupported',
          message: `unsupported regex in '${param}': inline flags (?${flags[0]} (use the ignore_case / multiline / dotall params)`,
        }
      }
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i))
      if (m) {
        const bound = Math.max(Number(m[1]), m[3] ? Number(m[3]) : 0)
        if (bound > 1000) return refused(param, `counted repetition ${m[0]} above 1000`)
      }
    }
  }
  return undefined
}

const QUANTIFIER = /\*|\+|\?|\{(\d+)(?:,\d*)?\}/y
const OCTAL_TAIL = /[0-7]{0,2}/y

/**
 * Whether a pattern that compiles (non-Unicode ECMAScript, without the refused constructs) matches "", decided on
 * its structure: a term matches "" when its quantifier allows zero repetitions or its atom matches "". On the empty
 * input `^`, `$` and `\B` succeed and `\b` fails; every character, class and escape needs a character.
 */
export function matchesEmptyString(source: string): boolean {
  let i = 0

  const alternation = (): boolean => {
    let matches = sequence()
    while (source[i] === '|') {
      i++
      if (sequence()) matches = true
    }
    return matches
  }

  const sequence = (): boolean => {
    let matches = true
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      const atomMatches = atom()
      QUANTIFIER.lastIndex = i
      const q = QUANTIFIER.exec(source)
      let zeroAllowed = false
      if (q) {
        i = QUANTIFIER.lastIndex
        if (source[i] === '?') i++ // lazy
        zeroAllowed = q[0] === '*' || q[0] === '?' || (q[1] !== undefined && Number(q[1]) === 0)
      }
      if (!atomMatches && !zeroAllowed) matches = false
    }
    return matches
  }

  const atom = (): boolean => {
    const c = source[i]
    if (c === '(') {
      if (source.startsWith('(?:', i)) i += 3
      else if (source.startsWith('(?<', i)) i = source.indexOf('>', i) + 1 || source.length
      else i++
      const matches = alternation()
      i++ // ')'
      return matches
    }
    if (c === '[') {
      // In ECMAScript `]` right after `[` or `[^` closes the class (`[]` matches nothing, `[^]` anything).
      i++
      if (source[i] === '^') i++
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1
      i++
      return false
    }
    if (c === '^' || c === '$') {
      i++
      return true
    }
    if (c === '\\') return escapeAtom()
    i++
    return false
  }

  // Consumes one escape whole, so that a following quantifier applies to all of it (`\x41{0}` matches "").
  const escapeAtom = (): boolean => {
    const n = source[i + 1]
    if (n === 'b' || n === 'B') {
      i += 2
      return n === 'B'
    }
    if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(i + 2, i + 4))) i += 4
    else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) i += 6
    else if (n === 'c')
      i += /[A-Za-z]/.test(source[i + 2] ?? '') ? 3 : 1 // a bare `\c` is a literal backslash
    else if (n === '0') {
      OCTAL_TAIL.lastIndex = i + 2
      OCTAL_TAIL.test(source)
      i = OCTAL_TAIL.lastIndex
    } else i += 2
    return false
  }

  return alternation()
}
