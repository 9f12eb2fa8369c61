import { splitLines } from './lines.js'
import { type Entry, mapOf, type ParseResult, parsedFlat, parseError, scalar } from './model.js'

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/
const DOUBLE_QUOTED_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' }

/**
 * dotenv (ASSERTIONS.md §3.8): `KEY=value` and `export KEY=value` lines, `#` comments, quotes removed. Double-quoted
 * values decode `\n`, `\r`, `\t`, `\"` and `\\`; single- and back-quoted values are literal; quoted values may span
 * lines. An unquoted value ends at a ` #` comment and is trimmed. Other lines are ignored, as dotenv does; a repeated
 * key: the last wins. Keys are flat: `a.b` names the variable `a.b`.
 */
export function parseDotenv(text: string): ParseResult {
  const entries = new Map<string, Entry>()
  const lines = splitLines(text)
  for (let i = 0; i < lines.length; i++) {
    const m = ASSIGNMENT.exec(lines[i]!)
    if (!m) continue
    const line = i + 1
    const key = m[1]!
    let rest = m[2]!
    const quote = rest[0]
    let value: string
    if (quote === '"' || quote === "'" || quote === '`') {
      rest = rest.slice(1)
      let end = closingQuote(rest, quote)
      while (end < 0 && i + 1 < lines.length) {
        rest += `\n${lines[++i]}`
        end = closingQuote(rest, quote)
      }
      if (end < 0) return parseError(line, `unterminated ${quote} quoted value of ${key}`)
      value = rest.slice(0, end)
      if (quote === '"') value = value.replace(/\\(.)/g, (all, c: string) => DOUBLE_QUOTED_ESCAPES[c] ?? all)
    } else {
      value = rest.replace(/(^|\s)#.*$/, '').trim()
    }
    entries.delete(key)
    entries.set(key, { node: scalar('string', value), line })
  }
  return parsedFlat(mapOf(entries))
}

/** The index of the closing quote, skipping backslash escapes inside double quotes. */
function closingQuote(s: string, quote: string): number {
  for (let i = 0; i < s.length; i++) {
    if (quote === '"' && s[i] === '\\') i++
    else if (s[i] === quote) return i
  }
  return -1
}
