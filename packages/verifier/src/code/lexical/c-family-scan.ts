/** C-family tokenizer: masks comments and string contents and records each string literal's value. */

import type { cFamilyDialect } from '../languages.js'
import { lineEnd, MaskBuilder, NAME_CHAR } from './mask.js'

export type Dialect = ReturnType<typeof cFamilyDialect>

export interface StringToken {
  start: number
  end: number
  value: string
}

export interface CScan {
  code: string
  strings: Map<number, StringToken>
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0' }

function unescapeBody(body: string): string {
  return body.replace(/\\(.)/gs, (_, c: string) => SIMPLE_ESCAPES[c] ?? c)
}

/**
 * End (exclusive) of a quoted body starting at `from` and closed by `delim`. Backslash escapes when `escapes`;
 * Swift `\(…)` and Dart/Groovy `${…}` interpolations are skipped whole (they may hold quotes). An unterminated
 * single-line literal ends at the line break; a multi-line one at the end of the text.
 */
function quotedEnd(text: string, from: number, delim: string, escapes: boolean, dialect: Dialect): number {
  const multiline = delim.length >= 3 || delim.includes('#') || delim === '/$'
  let i = from
  while (i < text.length) {
    const c = text[i]!
    if (text.startsWith(delim, i)) return i + delim.length
    if (c === '\n' && !multiline) return i
    if (escapes && c === '\\') {
      if (dialect === 'swift' && text[i + 1] === '(') {
        i = interpolationEnd(text, i + 1, dialect)
        continue
      }
      i += 2
      continue
    }
    if (escapes && interpolates(dialect, delim) && c === '$' && text[i + 1] === '{') {
      i = interpolationEnd(text, i + 1, dialect)
      continue
    }
    i++
  }
  return text.length
}

/** Dart interpolates in every non-raw string, Groovy only in double-quoted ones. */
function interpolates(dialect: Dialect, delim: string): boolean {
  return dialect === 'dart' || (dialect === 'groovy' && delim.startsWith('"'))
}

/** End of an interpolation opened by the bracket at `open`, with nested string literals skipped. */
function interpolationEnd(text: string, open: number, dialect: Dialect): number {
  const close = text[open] === '(' ? ')' : '}'
  const opener = text[open]!
  let depth = 0
  let i = open
  while (i < text.length) {
    const c = text[i]!
    if (c === '\n' && dialect === 'swift' && depth === 0) return i
    const literal = c === '"' || c === "'" ? stringAt(text, i, dialect) : undefined
    if (literal) {
      i = literal.end
      continue
    }
    if (c === opener) depth++
    else if (c === close && --depth === 0) return i + 1
    i++
  }
  return text.length
}

function literalToken(text: string, start: number, bodyStart: number, end: number, delim: string, raw: boolean) {
  const closed = end - delim.length >= bodyStart && text.startsWith(delim, end - delim.length)
  const body = text.slice(bodyStart, closed ? end - delim.length : end)
  return { start, end, value: raw ? body : unescapeBody(body) }
}

/** The string or character literal starting at `i`, if one does. */
function stringAt(text: string, i: number, dialect: Dialect): StringToken | undefined {
  const prevIsName = i > 0 && NAME_CHAR.test(text[i - 1]!)
  const c = text[i]!
  switch (dialect) {
    case 'c':
    case 'objc': {
      const raw = prevIsName ? null : /(?:u8|[uUL])?R"([^()\\\s"]{0,16})\(/y
      if (raw) {
        raw.lastIndex = i
        const m = raw.exec(text)
        if (m) {
          const delim = `)${m[1]}"`
          const bodyStart = i + m[0].length
          const close = text.indexOf(delim, bodyStart)
          const end = close < 0 ? text.length : close + delim.length
          return literalToken(text, i, bodyStart, end, delim, true)
        }
      }
      const prefixed = prevIsName ? null : /(?:u8|[uUL]|@)(?=["'])/y
      let q = i
      if (prefixed) {
        prefixed.lastIndex = i
        const m = prefixed.exec(text)
        if (m) q = i + m[0].length
      }
      const quote = text[q]
      if (quote !== '"' && quote !== "'") return undefined
      // A quote right after a name or digit is a C++14 digit separator (1'000), not a literal.
      if (quote === "'" && q === i && prevIsName) return undefined
      const end = quotedEnd(text, q + 1, quote, true, dialect)
      return literalToken(text, i, q + 1, end, quote, false)
    }
    case 'swift': {
      const m = /(#*)("""|")/y
      m.lastIndex = i
      const found = m.exec(text)
      if (!found || (found[1] === '' && c !== '"')) return undefined
      const hashes = found[1]!
      const delim = found[2]! + hashes
      const bodyStart = i + found[0].length
      const end = quotedEnd(text, bodyStart, delim, hashes === '', dialect)
      return literalToken(text, i, bodyStart, end, delim, hashes !== '')
    }
    case 'scala': {
      if (c === "'") {
        const ch = /'(?:\\(?:u[0-9a-fA-F]{4}|.)|[^'\\\n])'/y
        ch.lastIndex = i
        const m = ch.exec(text)
        return m ? literalToken(text, i, i + 1, i + m[0].length, "'", false) : undefined
      }
      if (c !== '"') return undefined
      const triple = text.startsWith('"""', i)
      const delim = triple ? '"""' : '"'
      const end = quotedEnd(text, i + delim.length, delim, !triple, dialect)
      return literalToken(text, i, i + delim.length, end, delim, triple)
    }
    case 'dart':
    case 'groovy': {
      const raw = dialect === 'dart' && c === 'r' && !prevIsName
      if (dialect === 'groovy' && c === '$' && text[i + 1] === '/') {
        const end = quotedEnd(text, i + 2, '/$', false, dialect)
        return literalToken(text, i, i + 2, end, '/$', true)
      }
      const q = raw ? i + 1 : i
      const quote = text[q]
      if (quote !== '"' && quote !== "'") return undefined
      const delim = text.startsWith(quote.repeat(3), q) ? quote.repeat(3) : quote
      const end = quotedEnd(text, q + delim.length, delim, !raw, dialect)
      return literalToken(text, i, q + delim.length, end, delim, raw)
    }
  }
}

function blockCommentEnd(text: string, start: number, nests: boolean): number {
  let depth = 0
  let i = start
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth++
      i += 2
      if (!nests) {
        const close = text.indexOf('*/', i)
        return close < 0 ? text.length : close + 2
      }
    } else if (text.startsWith('*/', i)) {
      i += 2
      if (--depth === 0) return i
    } else i++
  }
  return text.length
}

export function scanCFamily(text: string, dialect: Dialect): CScan {
  const mask = new MaskBuilder(text)
  const strings = new Map<number, StringToken>()
  const nests = dialect === 'swift' || dialect === 'scala' || dialect === 'dart'
  let i = 0
  if (text.startsWith('#!') && dialect !== 'c' && dialect !== 'objc') {
    i = lineEnd(text, 0)
    mask.blank(0, i)
  }
  while (i < text.length) {
    const c = text[i]!
    if (c === '/' && text[i + 1] === '/') {
      let end = lineEnd(text, i)
      // The C preprocessor splices a line ending in a backslash onto the next before comments are removed.
      if (dialect === 'c' || dialect === 'objc') {
        while (end < text.length && /\\\r?$/.test(text.slice(Math.max(i, end - 2), end))) end = lineEnd(text, end + 1)
      }
      mask.blank(i, end)
      i = end
      continue
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = blockCommentEnd(text, i, nests)
      mask.blank(i, end)
      i = end
      continue
    }
    const mayStart = c === '"' || c === "'" || (/[@uULR#r$]/.test(c) && !(i > 0 && NAME_CHAR.test(text[i - 1]!)))
    const literal = mayStart ? stringAt(text, i, dialect) : undefined
    if (literal) {
      strings.set(literal.start, literal)
      mask.literal(literal.start, literal.end)
      i = literal.end
      continue
    }
    i++
  }
  return { code: mask.done(), strings }
}

export function stringToken(scan: CScan, at: number): StringToken | undefined {
  return scan.code[at] === '"' ? scan.strings.get(at) : undefined
}
