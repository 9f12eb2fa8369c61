/**
 * Rewrites counted repetitions as explicit copies (`a{3}` → `aaa`, `a{1,3}` → `a(?:a(?:a)?)?`, `a{2,}` → `aaa*`) so
 * that V8's linear-time engine, which refuses counts above 16 but not long patterns, can run the pattern with its
 * exact ECMAScript meaning. Named groups become non-capturing (copies would repeat their names; captures are never
 * read). Returns undefined when the expansion would exceed `limit` characters.
 */
export function expandCounts(source: string, limit = 50_000): string | undefined {
  const out = expandSequence(source, limit)
  return out !== undefined && out.length <= limit ? out : undefined
}

const QUANTIFIER = /^\{(\d+)(,(\d*))?\}(\?)?/

function atomEnd(source: string, i: number): number {
  const c = source[i]
  if (c === '\\') {
    const n = source[i + 1]
    if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(i + 2, i + 4))) return i + 4
    if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) return i + 6
    if (n === 'c' && /^[A-Za-z]$/.test(source[i + 2] ?? '')) return i + 3
    return i + 2
  }
  if (c === '[') {
    let j = i + 1
    if (source[j] === '^') j++
    if (source[j] === ']') return j + 1
    for (; j < source.length; j++) {
      if (source[j] === '\\') j++
      else if (source[j] === ']') return j + 1
    }
    return source.length
  }
  if (c === '(') {
    let depth = 0
    for (let j = i; j < source.length; j++) {
      const d = source[j]
      if (d === '\\') j++
      else if (d === '[') j = atomEnd(source, j) - 1
      else if (d === '(') depth++
      else if (d === ')' && --depth === 0) return j + 1
    }
    return source.length
  }
  return i + 1
}

/** Expands one group or the whole pattern; the result keeps the pattern's meaning. */
function expandSequence(source: string, limit: number): string | undefined {
  let out = ''
  let lastAtom: string | undefined
  let i = 0
  while (i < source.length) {
    const c = source[i]!
    const q = c === '{' && lastAtom !== undefined ? QUANTIFIER.exec(source.slice(i)) : null
    if (q && lastAtom !== undefined) {
      const min = Number(q[1])
      const max = q[2] === undefined ? min : q[3] === '' ? Number.POSITIVE_INFINITY : Number(q[3])
      const lazy = q[4] === '?' ? '?' : ''
      out = out.slice(0, out.length - lastAtom.length) + repeat(lastAtom, min, max, lazy)
      if (out.length > limit) return undefined
      lastAtom = undefined
      i += q[0].length
      continue
    }
    if (c === '(') {
      const end = atomEnd(source, i)
      const inner = source.slice(i + 1, end - 1)
      const named = /^\?<([A-Za-z_$][\w$]*)>/.exec(inner)
      const head = named ? '?:' : /^\?:/.test(inner) ? '?:' : ''
      const body = expandSequence(inner.slice(named ? named[0].length : head.length), limit)
      if (body === undefined) return undefined
      lastAtom = `(${head}${body})`
      out += lastAtom
      i = end
      continue
    }
    if (c === '|' || c === '^' || c === '$') {
      out += c
      lastAtom = undefined
      i++
      continue
    }
    if ((c === '*' || c === '+' || c === '?') && lastAtom !== undefined) {
      // an ordinary quantifier (and its lazy mark) stays as written
      const lazy = source[i + 1] === '?' ? '?' : ''
      out += c + lazy
      lastAtom = undefined
      i += 1 + lazy.length
      continue
    }
    const end = atomEnd(source, i)
    lastAtom = source.slice(i, end)
    out += lastAtom
    i = end
  }
  return out
}

function repeat(atom: string, min: number, max: number, lazy: string): string {
  let s = atom.repeat(min)
  if (max === Number.POSITIVE_INFINITY) return `${s}${atom}*${lazy}`
  let optional = ''
  for (let k = min; k < max; k++) optional = `(?:${atom}${optional})?${lazy}`
  s += optional
  return s
}
