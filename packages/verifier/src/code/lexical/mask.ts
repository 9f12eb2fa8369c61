/** Same-length masked views of source text, and the scanning helpers shared by every lexical analyzer. */

import type { TextIndex } from '../../checkout/text.js'
import type { Span } from '../facts.js'

// Masking: views of the text with the same length (so offsets stay valid) where comments, and for some rules string
// contents, are blanked. Newlines are kept so that line-based rules see the same lines.

export class MaskBuilder {
  private readonly parts: string[] = []
  private last = 0
  constructor(private readonly text: string) {}

  /** Replaces [start, end) by spaces, keeping line breaks. */
  blank(start: number, end: number): void {
    if (end <= start || start < this.last) return
    this.parts.push(this.text.slice(this.last, start), this.text.slice(start, end).replace(/[^\r\n]/g, ' '))
    this.last = end
  }

  /** Replaces a string literal [start, end) by an opaque `"…"` token of the same length. */
  literal(start: number, end: number): void {
    if (end - start < 2 || start < this.last) {
      this.blank(start, end)
      return
    }
    const inner = this.text.slice(start + 1, end - 1).replace(/[^\r\n]/g, ' ')
    this.parts.push(this.text.slice(this.last, start), `"${inner}"`)
    this.last = end
  }

  done(): string {
    return this.parts.join('') + this.text.slice(this.last)
  }
}

export function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from)
  return nl < 0 ? text.length : nl
}

export function spanAt(index: TextIndex, start: number, end = start): Span {
  const line = index.lineOf(start)
  return { line, column: start - index.lineStarts[line - 1]! + 1, endLine: index.lineOf(Math.max(start, end - 1)) }
}

export const NAME_CHAR = /[A-Za-z0-9_$]/

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' }

/** Index of the bracket closing the one at `open` in a masked view, or -1. Angle brackets stop at `;`, `{`, `}`. */
export function closingBracket(code: string, open: number): number {
  const opener = code[open]!
  const closer = CLOSERS[opener]
  let depth = 0
  for (let i = open; i < code.length; i++) {
    const c = code[i]!
    if (c === opener) depth++
    else if (c === closer && !(opener === '<' && code[i - 1] === '-')) {
      if (--depth === 0) return i
    } else if (opener === '<' && (c === ';' || c === '{' || c === '}')) return -1
  }
  return -1
}

export function skipSpace(code: string, i: number): number {
  while (i < code.length && /\s/.test(code[i]!)) i++
  return i
}

export function skipSpaceBack(code: string, i: number): number {
  while (i >= 0 && /\s/.test(code[i]!)) i--
  return i
}

export function wordBefore(code: string, end: number): { word: string; start: number } {
  let s = end
  while (s >= 0 && NAME_CHAR.test(code[s]!)) s--
  return { word: code.slice(s + 1, end + 1), start: s + 1 }
}

/** End of a shell double-quoted string whose body starts at `from` (backslash escapes). */
export function doubleQuotedEnd(text: string, from: number, quote = '"'): number {
  let i = from
  while (i < text.length) {
    if (text[i] === '\\') i += 2
    else if (text[i] === quote) return i + 1
    else i++
  }
  return text.length
}
