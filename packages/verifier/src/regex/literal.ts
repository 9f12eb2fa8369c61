/**
 * The longest literal every match of a pattern must contain, for a quick `includes` test before the (slower)
 * linear-time engine runs. Sound by construction: only literal characters at the top level of the pattern's
 * concatenation count; alternation at the top level, classes, groups, escapes of character sets and optional
 * characters end a run. Returns undefined when no literal of two or more characters is required.
 */
const PUNCTUATION = new Set([...'^$\\.*+?()[]{}|/-,:;=!<>#&~%@\'"` '])
const CONTROL: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v' }

function skipGroup(source: string, open: number): number {
  let depth = 0
  for (let i = open; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (c === '[') i = skipClass(source, i)
    else if (c === '(') depth++
    else if (c === ')' && --depth === 0) return i
  }
  return source.length - 1
}

function skipClass(source: string, open: number): number {
  let i = open + 1
  if (source[i] === '^') i++
  if (source[i] === ']') i++
  for (; i < source.length; i++) {
    if (source[i] === '\\') i++
    else if (source[i] === ']') return i
  }
  return source.length - 1
}

export function requiredLiteral(source: string): string | undefined {
  let best = ''
  let run = ''
  let lastWasLiteral = false
  const end = () => {
    if (run.length > best.length) best = run
    run = ''
    lastWasLiteral = false
  }
  const literal = (ch: string) => {
    run += ch
    lastWasLiteral = true
  }
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!
    if (c === '|') return undefined // top-level alternation: nothing is required
    if (c === '\\') {
      const n = source[i + 1]
      const hex = (len: number) => source.slice(i + 2, i + 2 + len)
      if (n !== undefined && PUNCTUATION.has(n)) {
        literal(n)
        i++
      } else if (n !== undefined && CONTROL[n]) {
        literal(CONTROL[n]!)
        i++
      } else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(hex(2))) {
        literal(String.fromCharCode(Number.parseInt(hex(2), 16)))
        i += 3
      } else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(hex(4))) {
        literal(String.fromCharCode(Number.parseInt(hex(4), 16)))
        i += 5
      } else if (n === 'c' && /^[A-Za-z]$/.test(source[i + 2] ?? '')) {
        literal(String.fromCharCode(source.charCodeAt(i + 2) % 32))
        i += 2
      } else {
        // a class escape, an assertion, or `\0` with its legacy octal digits: not a known literal
        end()
        i++
        if (n === '0') while (i + 1 < source.length && /[0-7]/.test(source[i + 1]!) && i < source.length) i++
      }
      continue
    }
    if (c === '[') {
      end()
      i = skipClass(source, i)
      continue
    }
    if (c === '(') {
      end()
      i = skipGroup(source, i)
      continue
    }
    const quantifier = c === '{' ? /^\{(\d+)(,\d*)?\}/.exec(source.slice(i)) : undefined
    if (c === '*' || c === '?' || c === '+' || quantifier) {
      const optional =
        c === '*' || c === '?' || (quantifier !== undefined && quantifier !== null && Number(quantifier[1]) === 0)
      if (lastWasLiteral && optional) run = run.slice(0, -1)
      end()
      if (quantifier) i += quantifier[0].length - 1
      if (source[i + 1] === '?') i++ // lazy
      continue
    }
    if (c === '.' || c === '^' || c === '$') {
      end()
      continue
    }
    literal(c)
  }
  end()
  return best.length >= 2 ? best : undefined
}
