import { isNeverFlagged, shannonEntropy } from './placeholders.js'
import type { SecretHit } from './token-detectors.js'

/**
 * The generic-assignment detector (ASSERTIONS.md §3.19): a name containing a secret-like word, assigned
 * (`=`, `:`, `:=`, `=>`) a string literal — or, in .env, INI, properties, YAML and TOML files, an unquoted scalar —
 * of at least 12 characters with a Shannon entropy of at least 3.5 bits per character.
 */

const SECRET_WORD = /password|passwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|client[_-]?secret/gi
const MIN_LENGTH = 12
const MIN_ENTROPY = 3.5
const MAX_NAME_LENGTH = 100

const isNameChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_.-]/.test(c)
const isQuote = (c: string | undefined) => c === '"' || c === "'" || c === '`'

/** `name: Type = "…"` (Python, TypeScript, Kotlin): the annotation up to the `=`. */
const TYPE_ANNOTATION = /[A-Za-z_][\w.[\]<>|?, ]{0,60}=(?![=>~])/y
/** `name Type = "…"` (Go): one type word before the `=`. */
const TYPE_WORD = /[A-Za-z_][\w.[\]*]*[ \t]*=(?![=>~])/y
const STRING_PREFIX = /[rRbBuUfF]{1,2}(?=["'])/y
const ENV_REFERENCE = /^\$(?:[A-Za-z_]\w*|\{[^}]*\}|\(.*\))$/

export interface FileKind {
  /** Unquoted scalars count as values (.env, INI, properties, YAML, TOML). */
  unquotedValues: boolean
  /** `$NAME` and `$(…)` values are environment reads (.env and shell files). */
  shellReferences: boolean
}

export function fileKind(rel: string): FileKind {
  const base = rel.slice(rel.lastIndexOf('/') + 1).toLowerCase()
  const ext = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1) : ''
  const dotenv = base === '.env' || base.startsWith('.env.') || base.endsWith('.env')
  return {
    unquotedValues: dotenv || ['ini', 'cfg', 'conf', 'properties', 'yaml', 'yml', 'toml'].includes(ext),
    shellReferences: dotenv || ['sh', 'bash', 'zsh'].includes(ext),
  }
}

interface Value {
  start: number
  end: number
  text: string
}

export function findGenericAssignments(text: string, kind: FileKind): SecretHit[] {
  const hits: SecretHit[] = []
  let scannedTo = 0
  for (const m of text.matchAll(SECRET_WORD)) {
    if (m.index < scannedTo) continue
    let start = m.index
    let end = m.index + m[0].length
    while (isNameChar(text[start - 1])) start--
    while (isNameChar(text[end])) end++
    scannedTo = end
    while (start < end && (text[start] === '-' || text[start] === '.')) start++
    while (end > start && (text[end - 1] === '-' || text[end - 1] === '.')) end--
    const value = assignedValue(text, start, end, kind)
    if (!value) continue
    // words inside a value are not names; skipping them keeps the scan linear on long lines
    scannedTo = Math.max(scannedTo, value.end)
    if (!looksSecret(value.text, kind)) continue
    hits.push({
      rule: 'generic-assignment',
      offset: start,
      end: value.end,
      name: text.slice(start, end).slice(0, MAX_NAME_LENGTH),
    })
  }
  return hits
}

function looksSecret(value: string, kind: FileKind): boolean {
  if (isNeverFlagged(value)) return false
  if (kind.shellReferences && ENV_REFERENCE.test(value)) return false
  return [...value].length >= MIN_LENGTH && shannonEntropy(value) >= MIN_ENTROPY
}

/** The literal assigned to the name spanning [start, end), or undefined when there is no literal assignment. */
function assignedValue(text: string, start: number, end: number, kind: FileKind): Value | undefined {
  let i = end
  // a quoted key: "password": …, 'api_key' => …, app.config['SECRET_KEY'] = …
  if (isQuote(text[i]) && text[start - 1] === text[i]) {
    i++
    if (text[i] === ']') i++
  }
  i = skipBlanks(text, i)
  let colon = false
  if (text.startsWith(':=', i) || text.startsWith('=>', i)) i += 2
  else if (text[i] === '=' && text[i + 1] !== '=' && text[i + 1] !== '~') i++
  else if (text[i] === ':' && text[i + 1] !== ':') {
    colon = true
    i++
  } else {
    TYPE_WORD.lastIndex = i
    if (kind.unquotedValues || !TYPE_WORD.test(text)) return undefined
    i = TYPE_WORD.lastIndex
  }
  i = skipBlanks(text, i)
  const literal = stringLiteral(text, i)
  if (literal) return literal
  if (kind.unquotedValues) return isQuote(text[i]) ? undefined : unquotedScalar(text, i)
  if (colon) {
    TYPE_ANNOTATION.lastIndex = i
    if (TYPE_ANNOTATION.test(text)) return stringLiteral(text, skipBlanks(text, TYPE_ANNOTATION.lastIndex))
  }
  return undefined
}

function skipBlanks(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\t') i++
  return i
}

/** A one-line string literal starting at `i` (with an optional Python prefix such as r or b). */
function stringLiteral(text: string, i: number): Value | undefined {
  STRING_PREFIX.lastIndex = i
  const prefix = STRING_PREFIX.test(text) ? text.slice(i, STRING_PREFIX.lastIndex) : ''
  const open = i + prefix.length
  const quote = text[open]
  if (!isQuote(quote)) return undefined
  for (let j = open + 1; j < text.length; j++) {
    const c = text[j]
    if (c === '\\') j++
    else if (c === '\n') return undefined
    else if (c === quote) {
      const value = text.slice(open + 1, j)
      // an f-string with replacement fields is computed, not written
      if (/f/i.test(prefix) && value.includes('{')) return undefined
      return { start: open + 1, end: j, text: value }
    }
  }
  return undefined
}

/** The rest of the line as a config scalar, without a trailing ` # comment`. */
function unquotedScalar(text: string, i: number): Value | undefined {
  let lineEnd = text.indexOf('\n', i)
  if (lineEnd < 0) lineEnd = text.length
  let raw = text.slice(i, lineEnd)
  const comment = raw.search(/[ \t]#/)
  if (comment >= 0) raw = raw.slice(0, comment)
  const value = raw.trim()
  // YAML block scalars, flow collections, anchors, aliases and tags are not plain values
  if (value === '' || /^[|>[{&*!]/.test(value)) return undefined
  return { start: i, end: i + raw.length, text: value }
}
