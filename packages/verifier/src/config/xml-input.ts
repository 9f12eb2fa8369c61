/**
 * XML as every reader here takes it (ASSERTIONS.md §3.6, §3.8, §3.10): the DOCTYPE blanked out (DTDs are never
 * resolved), then the well-formedness rules the parser's validator does not check.
 */

const PREDEFINED = new Set(['lt', 'gt', 'amp', 'apos', 'quot'])
// Characters XML 1.0 never allows, even escaped in CDATA: C0 controls other than tab, LF and CR.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/

/** The text ready for a parser, or the offset and reason of a well-formedness error. */
export function prepareXml(source: string): { text: string } | { offset: number; reason: string } {
  const blanked = blankDoctype(source)
  if (typeof blanked !== 'string') return { offset: blanked.offset, reason: 'unterminated DOCTYPE declaration' }
  const forbidden = FORBIDDEN.exec(source)
  if (forbidden) return { offset: forbidden.index, reason: 'a control character XML does not allow' }
  // Entities the internal subset declares are known (and left unexpanded); any other reference is an error.
  const declared = new Set([...source.matchAll(/<!ENTITY\s+(?:%\s+)?([A-Za-z_:][\w.:-]*)/g)].map((m) => m[1]!))
  const problem = referencesProblem(blanked, declared)
  return problem ?? { text: blanked }
}

/** Checks `&` references in text and attribute values, and `<` inside attribute values. */
function referencesProblem(text: string, declared: Set<string>): { offset: number; reason: string } | undefined {
  let i = 0
  while (i < text.length) {
    if (text.startsWith('<!--', i)) i = skipPast(text, i, '-->')
    else if (text.startsWith('<![CDATA[', i)) i = skipPast(text, i, ']]>')
    else if (text.startsWith('<?', i)) i = skipPast(text, i, '?>')
    else if (text[i] === '<') {
      // inside a tag: attribute values may not hold '<'; their references are checked like text
      let j = i + 1
      for (; j < text.length && text[j] !== '>'; j++) {
        const q = text[j]
        if (q !== '"' && q !== "'") continue
        const end = text.indexOf(q, j + 1)
        if (end < 0) break
        const lt = text.indexOf('<', j + 1)
        if (lt >= 0 && lt < end) return { offset: lt, reason: "'<' inside an attribute value" }
        const bad = badReference(text, j + 1, end, declared)
        if (bad) return bad
        j = end
      }
      i = j + 1
    } else {
      const next = text.indexOf('<', i)
      const end = next < 0 ? text.length : next
      const bad = badReference(text, i, end, declared)
      if (bad) return bad
      i = end
    }
  }
  return undefined
}

function badReference(text: string, from: number, to: number, declared: Set<string>) {
  for (let a = text.indexOf('&', from); a >= 0 && a < to; a = text.indexOf('&', a + 1)) {
    const m = /^&(?:#[0-9]+|#x[0-9a-fA-F]+|([A-Za-z_:][\w.:-]*));/.exec(text.slice(a, Math.min(to, a + 256)))
    if (!m) return { offset: a, reason: "'&' that does not start a reference" }
    if (m[1] !== undefined && !PREDEFINED.has(m[1]) && !declared.has(m[1])) {
      return { offset: a, reason: `undeclared entity '&${m[1]};'` }
    }
  }
  return undefined
}

/**
 * Replaces a DOCTYPE declaration in the prolog with spaces (line breaks kept, so offsets and lines stay), or
 * returns where an unterminated one starts.
 */
function blankDoctype(text: string): string | { offset: number } {
  let i = 0
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++
    if (text.startsWith('<?', i)) i = skipPast(text, i, '?>')
    else if (text.startsWith('<!--', i)) i = skipPast(text, i, '-->')
    else break
  }
  if (!text.startsWith('<!DOCTYPE', i)) return text
  const end = doctypeEnd(text, i)
  if (end < 0) return { offset: i }
  return text.slice(0, i) + text.slice(i, end).replace(/[^\r\n]/g, ' ') + text.slice(end)
}

function skipPast(text: string, from: number, terminator: string): number {
  const at = text.indexOf(terminator, from)
  return at < 0 ? text.length : at + terminator.length
}

/** The offset just after the `>` closing a DOCTYPE, skipping quoted strings, comments and the internal subset. */
function doctypeEnd(text: string, start: number): number {
  let depth = 0
  for (let i = start + 2; i < text.length; i++) {
    const c = text[i]
    if (c === '"' || c === "'") {
      i = text.indexOf(c, i + 1)
      if (i < 0) return -1
    } else if (text.startsWith('<!--', i)) {
      i = text.indexOf('-->', i + 4)
      if (i < 0) return -1
      i += 2
    } else if (c === '[') depth++
    else if (c === ']') depth--
    else if (c === '>' && depth <= 0) return i + 1
  }
  return -1
}
