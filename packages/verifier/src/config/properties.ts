import { splitLines } from './lines.js'
import { type Entry, mapOf, type ParseResult, parsedFlat, parseError, scalar } from './model.js'

const WHITESPACE = new Set([' ', '\t', '\f'])
const ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' }

/**
 * Java `.properties` as `Properties.load` reads it (ASSERTIONS.md §3.8): `#` and `!` comment lines, a trailing odd
 * backslash continues the line, the key ends at the first unescaped `=`, `:` or whitespace, `\uXXXX` and the other
 * escapes decoded. The map is flat: a key path's segments are joined by `.` to form the property name.
 */
export function parseProperties(text: string): ParseResult {
  const entries = new Map<string, Entry>()
  const lines = splitLines(text)
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.replace(/^[ \t\f]+/, '')
    if (first === '' || first.startsWith('#') || first.startsWith('!')) continue
    const line = i + 1
    let logical = first
    while (endsInOddBackslashes(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '')
    }
    if (endsInOddBackslashes(logical)) logical = logical.slice(0, -1)
    const { rawKey, rawValue } = splitKeyValue(logical)
    const key = decodeEscapes(rawKey)
    const value = decodeEscapes(rawValue)
    if (key === undefined || value === undefined) return parseError(line, 'malformed \\uxxxx escape')
    entries.delete(key)
    entries.set(key, { node: scalar('string', value), line })
  }
  return parsedFlat(mapOf(entries))
}

function endsInOddBackslashes(s: string): boolean {
  let n = 0
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++
  return n % 2 === 1
}

function splitKeyValue(logical: string): { rawKey: string; rawValue: string } {
  let i = 0
  while (i < logical.length) {
    const c = logical[i]!
    if (c === '\\') i += 2
    else if (c === '=' || c === ':' || WHITESPACE.has(c)) break
    else i++
  }
  const rawKey = logical.slice(0, Math.min(i, logical.length))
  let j = i
  while (j < logical.length && WHITESPACE.has(logical[j]!)) j++
  if (logical[j] === '=' || logical[j] === ':') {
    j++
    while (j < logical.length && WHITESPACE.has(logical[j]!)) j++
  }
  return { rawKey, rawValue: logical.slice(j) }
}

/** Decodes properties escapes; undefined for a malformed `\uxxxx`. */
function decodeEscapes(s: string): string | undefined {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c !== '\\') {
      out += c
      continue
    }
    const e = s[++i]
    if (e === undefined) break
    if (e === 'u') {
      const hex = s.slice(i + 1, i + 5)
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined
      out += String.fromCharCode(Number.parseInt(hex, 16))
      i += 4
    } else out += ESCAPES[e] ?? e
  }
  return out
}
