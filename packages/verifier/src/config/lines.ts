/** The lines of a text as the line index counts them (LF and CRLF; a lone CR is not a break), without terminators. */
export function splitLines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
}
