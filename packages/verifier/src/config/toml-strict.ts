/**
 * What TOML 1.0 forbids but the parser accepts (it also reads TOML 1.1): a line break or a trailing comma inside an
 * inline table, and an integer outside the 64-bit range. Returns the line and reason of the first, if any.
 */
export function toml10Problem(text: string): { line: number; reason: string } | undefined {
  const stack: ('{' | '[')[] = []
  let line = 1
  let atLineStart = true
  let lastSignificant = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '\n') {
      if (stack.at(-1) === '{') return { line, reason: 'a line break inside an inline table (TOML 1.0)' }
      line++
      atLineStart = true
      continue
    }
    if (c === ' ' || c === '\t' || c === '\r') continue
    if (c === '#') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++
      continue
    }
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i)
      const close = triple ? c.repeat(3) : c
      let j = i + close.length
      for (; j < text.length; j++) {
        if (c === '"' && text[j] === '\\') j++
        else if (text.startsWith(close, j)) break
        else if (text[j] === '\n') line++
      }
      // a multi-line string may end with up to two more quotes
      j += close.length
      while (triple && text[j] === c) j++
      i = j - 1
      lastSignificant = c
      atLineStart = false
      continue
    }
    if (c === '[' && atLineStart && stack.length === 0) {
      // a table header: skip to the end of the line
      while (i + 1 < text.length && text[i + 1] !== '\n') i++
      continue
    }
    atLineStart = false
    if (c === '{' || c === '[') stack.push(c)
    else if (c === '}' || c === ']') {
      if (c === '}' && stack.at(-1) === '{' && lastSignificant === ',') {
        return { line, reason: 'a trailing comma in an inline table (TOML 1.0)' }
      }
      stack.pop()
    }
    lastSignificant = c
  }
  return undefined
}

const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

/** The first integer of a parsed document outside the 64-bit range TOML 1.0 allows. */
export function outOfRangeInteger(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value < I64_MIN || value > I64_MAX ? value : undefined
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = outOfRangeInteger(v)
      if (found !== undefined) return found
    }
  } else if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    for (const v of Object.values(value)) {
      const found = outOfRangeInteger(v)
      if (found !== undefined) return found
    }
  }
  return undefined
}
