/**
 * Test-name globs (ASSERTIONS.md §3.6): `*` any run of characters (spaces, dots and `/` included), `?` one
 * character, `[…]` a class (`[!…]` or `[^…]` negated), `\` escapes; the whole name must match, case-sensitively.
 * Matching walks the glob with star backtracking, so it takes O(name × glob) time whatever the glob.
 */

type Token = { star: true } | { star: false; matches: (c: string) => boolean }

export function compileTestNameGlob(glob: string): (name: string) => boolean {
  const tokens = tokenize(glob)
  return (name) => matchTokens(tokens, [...name])
}

function tokenize(glob: string): Token[] {
  const chars = [...glob]
  const tokens: Token[] = []
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (c === '*') {
      if (tokens.at(-1)?.star !== true) tokens.push({ star: true })
    } else if (c === '?') tokens.push({ star: false, matches: () => true })
    else if (c === '\\' && i + 1 < chars.length) {
      const literal = chars[++i]!
      tokens.push({ star: false, matches: (x) => x === literal })
    } else if (c === '[') {
      const cls = parseClass(chars, i)
      if (cls) {
        tokens.push({ star: false, matches: cls.matches })
        i = cls.end
      } else tokens.push({ star: false, matches: (x) => x === '[' })
    } else tokens.push({ star: false, matches: (x) => x === c })
  }
  return tokens
}

/** A class starting at `[`; an unclosed `[` is a literal. */
function parseClass(chars: string[], open: number): { matches: (c: string) => boolean; end: number } | undefined {
  let i = open + 1
  const negated = chars[i] === '!' || chars[i] === '^'
  if (negated) i++
  const ranges: [string, string][] = []
  let first = true
  for (; i < chars.length; i++) {
    let c = chars[i]!
    if (c === ']' && !first) {
      const matches = (x: string) => ranges.some(([lo, hi]) => x >= lo && x <= hi) !== negated
      return { matches, end: i }
    }
    first = false
    if (c === '\\' && i + 1 < chars.length) c = chars[++i]!
    if (chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 2] !== ']') {
      let hi = chars[i + 2]!
      i += 2
      if (hi === '\\' && i + 1 < chars.length) hi = chars[++i]!
      ranges.push([c, hi])
    } else ranges.push([c, c])
  }
  return undefined
}

function matchTokens(tokens: Token[], name: string[]): boolean {
  let t = 0
  let n = 0
  let starT = -1
  let starN = 0
  while (n < name.length) {
    const token = tokens[t]
    if (token?.star) {
      starT = t++
      starN = n
    } else if (token?.matches(name[n]!)) {
      t++
      n++
    } else if (starT >= 0) {
      t = starT + 1
      n = ++starN
    } else return false
  }
  while (tokens[t]?.star) t++
  return t === tokens.length
}

/**
 * The longest run of literal characters in a glob, split further at characters outside `allowed`: text every
 * name the glob matches must contain, so a runner filtering on it never drops a matching test.
 */
export function longestLiteralRun(glob: string, allowed: RegExp): string {
  let best = ''
  let current = ''
  const flush = () => {
    if (current.length > best.length) best = current
    current = ''
  }
  const chars = [...glob]
  for (let i = 0; i < chars.length; i++) {
    let c = chars[i]!
    if (c === '*' || c === '?' || c === '[') {
      flush()
      if (c === '[') i = parseClass(chars, i)?.end ?? i
      continue
    }
    if (c === '\\' && i + 1 < chars.length) c = chars[++i]!
    if (allowed.test(c)) current += c
    else flush()
  }
  flush()
  return best
}
