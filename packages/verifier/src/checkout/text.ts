import type { Location } from '@warrant/core'

/** Decoded text of a file with a line index: lines break at LF (CRLF included); a lone CR is not a break. */
export class TextIndex {
  readonly lineStarts: number[]
  constructor(readonly text: string) {
    const starts = [0]
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
    this.lineStarts = starts
  }

  /** 1-based line of a UTF-16 offset. */
  lineOf(offset: number): number {
    let lo = 0
    let hi = this.lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.lineStarts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }

  /** Text of a 1-based line without its terminator. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length
    const next = this.lineStarts[line]
    let end = next === undefined ? this.text.length : next - 1
    if (end > start && this.text[end - 1] === '\r') end--
    return this.text.slice(start, Math.max(start, end))
  }

  snippet(line: number): string {
    return clip(this.lineText(line), 200)
  }

  /** A location for a UTF-16 offset range. */
  location(file: string, offset: number, endOffset?: number, withSnippet = true): Location {
    const line = this.lineOf(offset)
    const loc: Location = { file, line, column: offset - this.lineStarts[line - 1]! + 1 }
    if (endOffset !== undefined) {
      const endLine = this.lineOf(Math.max(offset, endOffset - 1))
      if (endLine !== line) loc.end_line = endLine
    }
    if (withSnippet) loc.snippet = this.snippet(line)
    return loc
  }
}

/** Cuts a string to at most `max` UTF-16 code units, ending with `…` when cut. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s
  let end = max - 1
  // never leave half of a surrogate pair
  if (/[\uD800-\uDBFF]/.test(s[end - 1] ?? '')) end--
  return `${s.slice(0, end)}…`
}
