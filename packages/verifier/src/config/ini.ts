import { splitLines } from './lines.js'
import { type Entry, mapOf, type ParseResult, parsed, parseError, scalar } from './model.js'

const SECTION = /^\[([^\]]*)\]\s*(?:[;#].*)?$/
const DEFAULT_SECTION = 'DEFAULT'

interface PendingValue {
  entries: Map<string, Entry>
  key: string
  line: number
  indent: number
  lines: string[]
}

/**
 * INI (ASSERTIONS.md §3.8): `;` and `#` comment lines, `=` or `:` separators, values as strings with their quotes.
 * Keys before the first section are addressed bare; keys of `[DEFAULT]` are also found in every section. A line
 * indented deeper than its key continues the value (as Python's configparser reads `setup.cfg`). A repeated key
 * or section: the last value wins.
 */
export function parseIni(text: string): ParseResult {
  const bare = new Map<string, Entry>()
  const sections = new Map<string, { line: number; entries: Map<string, Entry> }>()
  let current = bare
  let pending: PendingValue | undefined
  const finish = () => {
    if (!pending) return
    const value = pending.lines.join('\n').trimEnd()
    pending.entries.delete(pending.key)
    pending.entries.set(pending.key, { node: scalar('string', value), line: pending.line })
    pending = undefined
  }
  const lines = splitLines(text)
  for (const [i, raw] of lines.entries()) {
    const line = i + 1
    const trimmed = raw.trim()
    const indent = raw.length - raw.trimStart().length
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) {
      if (trimmed === '') finish()
      continue
    }
    if (pending && indent > pending.indent) {
      pending.lines.push(trimmed)
      continue
    }
    finish()
    if (trimmed.startsWith('[')) {
      const m = SECTION.exec(trimmed)
      if (!m) return parseError(line, 'malformed section header')
      const name = m[1]!.trim()
      const section = sections.get(name) ?? { line, entries: new Map<string, Entry>() }
      sections.set(name, section)
      current = section.entries
      continue
    }
    const sep = trimmed.search(/[=:]/)
    const key = (sep < 0 ? trimmed : trimmed.slice(0, sep)).trim()
    if (key === '') return parseError(line, 'missing key before the separator')
    pending = { entries: current, key, line, indent, lines: [sep < 0 ? '' : trimmed.slice(sep + 1).trim()] }
  }
  finish()
  const defaults = sections.get(DEFAULT_SECTION)?.entries
  const root = new Map(bare)
  for (const [name, section] of sections) {
    const lookup = (key: string) => section.entries.get(key) ?? defaults?.get(key)
    root.set(name, { node: { kind: 'map', get: lookup }, line: section.line })
  }
  return parsed(mapOf(root))
}
