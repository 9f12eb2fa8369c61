/** DTDs are never resolved (ASSERTIONS.md §3.6, §3.8): the DOCTYPE is blanked out before any XML is parsed. */

/**
 * Replaces a DOCTYPE declaration in the prolog with spaces (line breaks kept, so offsets and lines stay), or
 * returns where an unterminated one starts.
 */
export function blankDoctype(text: string): string | { offset: number } {
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
