import type { TextIndex } from '../checkout/text.js'
import type { Definition, EnvRead, HeaderSite, Import, Span } from './facts.js'
import { cFamilyDialect } from './languages.js'
import { type Analyzer, lazyFacts, type SourceFile } from './source.js'

type Dialect = ReturnType<typeof cFamilyDialect>

// ---------------------------------------------------------------------------------------------------------------
// Masking: views of the text with the same length (so offsets stay valid) where comments, and for some rules string
// contents, are blanked. Newlines are kept so that line-based rules see the same lines.

class MaskBuilder {
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

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from)
  return nl < 0 ? text.length : nl
}

function spanAt(index: TextIndex, start: number, end = start): Span {
  const line = index.lineOf(start)
  return { line, column: start - index.lineStarts[line - 1]! + 1, endLine: index.lineOf(Math.max(start, end - 1)) }
}

const NAME_CHAR = /[A-Za-z0-9_$]/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' }

/** Index of the bracket closing the one at `open` in a masked view, or -1. Angle brackets stop at `;`, `{`, `}`. */
function closingBracket(code: string, open: number): number {
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

function skipSpace(code: string, i: number): number {
  while (i < code.length && /\s/.test(code[i]!)) i++
  return i
}

function skipSpaceBack(code: string, i: number): number {
  while (i >= 0 && /\s/.test(code[i]!)) i--
  return i
}

function wordBefore(code: string, end: number): { word: string; start: number } {
  let s = end
  while (s >= 0 && NAME_CHAR.test(code[s]!)) s--
  return { word: code.slice(s + 1, end + 1), start: s + 1 }
}

// ---------------------------------------------------------------------------------------------------------------
// C family tokenizer

interface StringToken {
  start: number
  end: number
  value: string
}

interface CScan {
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

function scanCFamily(text: string, dialect: Dialect): CScan {
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

// ---------------------------------------------------------------------------------------------------------------
// C family facts

const CONTROL_WORDS = new Set([
  'if',
  'else',
  'while',
  'for',
  'foreach',
  'switch',
  'catch',
  'return',
  'sizeof',
  'alignof',
  'alignas',
  'decltype',
  'typeof',
  'do',
  'new',
  'delete',
  'throw',
  'case',
  'defined',
  'static_assert',
  '__attribute__',
  '__declspec',
  'noexcept',
  'assert',
  'synchronized',
  'using',
  'with',
  'when',
  'on',
  'super',
  'this',
  'operator',
  'in',
  'await',
  'yield',
  'asm',
  '__asm__',
  'requires',
  '_Pragma',
])

/** Words that may precede a Groovy method name without making it a call (a trailing-closure call). */
const NOT_A_TYPE = new Set(['return', 'new', 'else', 'throw', 'case', 'in', 'assert', 'yield', 'await', 'do', 'then'])

const ACCESS_LABELS = new Set(['public', 'private', 'protected', 'signals', 'slots'])

/** Lines of C/Objective-C preprocessor directives (continued with `\`), whose `(…) {` shapes are macros. */
function directiveLines(code: string, index: TextIndex): Set<number> {
  const lines = new Set<number>()
  let continued = false
  for (let line = 1; line <= index.lineStarts.length; line++) {
    const start = index.lineStarts[line - 1]!
    const end = lineEnd(code, start)
    const body = code.slice(start, end)
    if (continued || /^\s*#/.test(body)) {
      lines.add(line)
      continued = /\\\s*$/.test(body)
    }
  }
  return lines
}

/** Qualifiers written before `name` as `A::B::name` (template arguments skipped). */
function cppQualifiers(code: string, nameStart: number): string[] {
  const segments: string[] = []
  let i = skipSpaceBack(code, nameStart - 1)
  while (i >= 1 && code[i] === ':' && code[i - 1] === ':') {
    i = skipSpaceBack(code, i - 2)
    if (code[i] === '>') {
      let depth = 0
      for (; i >= 0; i--) {
        if (code[i] === '>') depth++
        else if (code[i] === '<' && --depth === 0) break
      }
      i = skipSpaceBack(code, i - 1)
    }
    const { word, start } = wordBefore(code, i)
    if (word === '' || !/^[A-Za-z_]/.test(word)) break
    segments.unshift(word)
    i = skipSpaceBack(code, start - 1)
  }
  return segments
}

const TRAILING_SPECIFIER = /(?:const|volatile|override|final|mutable|noexcept|async\*?|sync\*|&&|&)(?![\w$])/y

/** Offset of the body `{` after a parameter list closing at `close`, or -1 when none follows. */
function bodyAfterParams(code: string, close: number, dialect: Dialect): number {
  let i = skipSpace(code, close + 1)
  for (;;) {
    TRAILING_SPECIFIER.lastIndex = i
    const spec = TRAILING_SPECIFIER.exec(code)
    if (spec) {
      i = skipSpace(code, i + spec[0].length)
      if (code[i] === '(') {
        const end = closingBracket(code, i)
        if (end < 0) return -1
        i = skipSpace(code, end + 1)
      }
      continue
    }
    const throwsClause = /throws\s+[\w$.]+(?:\s*,\s*[\w$.]+)*/y
    throwsClause.lastIndex = i
    const thrown = dialect === 'groovy' ? throwsClause.exec(code) : null
    if (thrown) {
      i = skipSpace(code, i + thrown[0].length)
      continue
    }
    break
  }
  if (code[i] === '{') return i
  if (code.startsWith('->', i) && dialect === 'c') {
    const m = /->[\w$\s:<>,*&]*?(?=\{|;)/y
    m.lastIndex = i
    const found = m.exec(code)
    const at = found ? i + found[0].length : -1
    return at >= 0 && code[at] === '{' ? at : -1
  }
  if (code[i] === ':' && code[i + 1] !== ':' && (dialect === 'c' || dialect === 'objc' || dialect === 'dart'))
    return bodyAfterInitializers(code, i + 1)
  return -1
}

/** Skips a constructor initializer list (`: a(x), b{y}`) to the body `{`, or -1. */
function bodyAfterInitializers(code: string, from: number): number {
  let i = from
  while (i < code.length) {
    const c = code[i]!
    if (c === ';') return -1
    if (c === '(' || c === '[') {
      const end = closingBracket(code, i)
      if (end < 0) return -1
      i = end + 1
      continue
    }
    if (c === '{') {
      const before = skipSpaceBack(code, i - 1)
      if (before < 0 || !NAME_CHAR.test(code[before]!)) return i
      const end = closingBracket(code, i)
      if (end < 0) return -1
      i = end + 1
      continue
    }
    i++
  }
  return -1
}

interface LexicalDefinition {
  kind: 'function' | 'class'
  qualified: string[]
  nameStart: number
  end: number
  typeKind?: string
  hasBody: boolean
}

function endOfBody(code: string, open: number): number {
  const close = open >= 0 ? closingBracket(code, open) : -1
  return close < 0 ? open + 1 : close + 1
}

/** C, C++, Objective-C, Dart, Groovy: a name followed by a parameter list and `{`. */
function bracedFunctions(scan: CScan, dialect: Dialect, index: TextIndex): LexicalDefinition[] {
  const { code } = scan
  const directives = dialect === 'c' || dialect === 'objc' ? directiveLines(code, index) : new Set<number>()
  const out: LexicalDefinition[] = []
  // Dart writes a generic function's type parameters between its name and its parameters: `dedupe<T>(…) {`.
  const candidate =
    dialect === 'dart'
      ? /([A-Za-z_$][\w$]*)\s*(?:<(?:[\w$,.?\s]|<[\w$,.?\s]{0,100}>){0,100}>\s*)?\(/g
      : /([A-Za-z_$][\w$]*)\s*\(/g
  for (let m = candidate.exec(code); m; m = candidate.exec(code)) {
    const name = m[1]!
    const nameStart = m.index
    if (nameStart > 0 && NAME_CHAR.test(code[nameStart - 1]!)) continue
    if (CONTROL_WORDS.has(name) || /^\d/.test(name)) continue
    if (!precededLikeDefinition(code, nameStart, dialect)) continue
    if (directives.has(index.lineOf(nameStart))) continue
    const open = nameStart + m[0].length - 1
    const close = closingBracket(code, open)
    if (close < 0) continue
    const body = bodyAfterParams(code, close, dialect)
    if (body < 0) continue
    const qualifiers = dialect === 'c' || dialect === 'objc' ? cppQualifiers(code, nameStart) : []
    out.push({
      kind: 'function',
      qualified: [...qualifiers, name],
      nameStart,
      end: endOfBody(code, body),
      hasBody: true,
    })
  }
  return out
}

function precededLikeDefinition(code: string, nameStart: number, dialect: Dialect): boolean {
  const p = skipSpaceBack(code, nameStart - 1)
  if (p < 0) return dialect !== 'groovy'
  const c = code[p]!
  if (c === '.' || c === '~' || c === ',' || c === '=' || c === '(' || c === '!' || c === '?') return false
  if (c === '>' && code[p - 1] === '-') return false
  if (c === ':' && code[p - 1] !== ':') return ACCESS_LABELS.has(wordBefore(code, skipSpaceBack(code, p - 1)).word)
  if (NAME_CHAR.test(c)) {
    const { word } = wordBefore(code, p)
    if (NOT_A_TYPE.has(word) || (CONTROL_WORDS.has(word) && word !== 'operator')) return false
    return true
  }
  if (dialect === 'groovy') return c === '>' || c === ']'
  return true
}

/** After a Swift `func` / Scala `def` / Groovy `def` name: whether a body (`{`, or Scala `=`) follows the signature. */
function signatureBody(code: string, from: number, dialect: Dialect): number {
  const continuation = /^\s*(?:\{|->|=(?!>)|:|throws|rethrows|async|where|with|\.|\(|\[)/
  let i = from
  while (i < code.length) {
    const c = code[i]!
    if (c === '(' || c === '[' || (c === '<' && dialect === 'swift')) {
      const end = closingBracket(code, i)
      if (end < 0) return -1
      i = end + 1
      continue
    }
    if (c === '{') return i
    if (c === '=' && code[i + 1] !== '>' && dialect === 'scala') return i
    if (c === '}' || c === ';' || c === '=') return -1
    if (c === '\n' && !continuation.test(code.slice(i + 1, i + 200))) return -1
    i++
  }
  return -1
}

function keywordFunctions(scan: CScan, dialect: Dialect): LexicalDefinition[] {
  const keyword = dialect === 'swift' ? 'func' : 'def'
  const out: LexicalDefinition[] = []
  const pattern = new RegExp(`(?<![\\w$.])${keyword}\\s+(\`[^\`\\n]+\`|[A-Za-z_][\\w$]*)`, 'g')
  for (let m = pattern.exec(scan.code); m; m = pattern.exec(scan.code)) {
    const name = m[1]!.replace(/`/g, '')
    const nameStart = m.index + m[0].length - m[1]!.length
    const after = nameStart + m[1]!.length
    if (name === 'this') continue
    if (dialect === 'groovy' && scan.code[skipSpace(scan.code, after)] !== '(') continue
    const body = signatureBody(scan.code, after, dialect)
    const end = body >= 0 && scan.code[body] === '{' ? endOfBody(scan.code, body) : after
    out.push({ kind: 'function', qualified: [name], nameStart, end, hasBody: body >= 0 })
  }
  return out
}

const TYPE_KEYWORDS: Record<Dialect, string[]> = {
  c: ['struct', 'class', 'union', 'enum'],
  objc: ['struct', 'class', 'union', 'enum'],
  swift: ['class', 'struct', 'enum', 'protocol', 'actor'],
  scala: ['class', 'trait', 'object'],
  dart: ['class', 'mixin', 'enum'],
  groovy: ['class', 'interface', 'trait', 'enum'],
}

const NOT_A_TYPE_NAME = new Set([
  'class',
  'struct',
  'enum',
  'union',
  'func',
  'var',
  'let',
  'case',
  'init',
  'deinit',
  'subscript',
  'static',
  'final',
  'override',
  'extends',
  'with',
  'implements',
  'on',
  'mixin',
  'interface',
  'trait',
  'object',
  'protocol',
  'actor',
  'typealias',
  'def',
  'val',
])

/** C and C++ type definitions: `struct|class|union|enum [MACROS] Name [final] [: bases] {`. */
function cTypes(code: string): LexicalDefinition[] {
  const out: LexicalDefinition[] = []
  const keyword = /(?<![\w$.])(struct|class|union|enum)(?![\w$])/g
  for (let m = keyword.exec(code); m; m = keyword.exec(code)) {
    const kind = m[1]!
    if ((kind === 'class' || kind === 'struct') && wordBefore(code, skipSpaceBack(code, m.index - 1)).word === 'enum')
      continue
    let i = m.index + kind.length
    const words: { word: string; start: number }[] = []
    const qualifiers: string[] = []
    for (;;) {
      i = skipSpace(code, i)
      if (code.startsWith('[[', i)) {
        const end = code.indexOf(']]', i)
        if (end < 0) break
        i = end + 2
        continue
      }
      if (kind === 'enum' && words.length === 0 && /^(?:class|struct)(?![\w$])/.test(code.slice(i, i + 7))) {
        i += code.startsWith('class', i) ? 5 : 6
        continue
      }
      const word = /[A-Za-z_][\w$]*/y
      word.lastIndex = i
      const w = word.exec(code)
      if (!w) break
      const after = skipSpace(code, i + w[0].length)
      if (/^(?:__attribute__|__declspec|alignas)$/.test(w[0]) && code[after] === '(') {
        const end = closingBracket(code, after)
        if (end < 0) break
        i = end + 1
        continue
      }
      if (code.startsWith('::', after)) {
        qualifiers.push(w[0])
        i = after + 2
        continue
      }
      words.push({ word: w[0], start: i })
      i = after
      if (code[i] === '<') {
        const end = closingBracket(code, i)
        if (end < 0) break
        i = end + 1
      }
    }
    const named = words.filter((w) => w.word !== 'final')
    const name = named.at(-1)
    if (!name || named.slice(0, -1).some((w) => !/^[A-Z_][A-Z0-9_]*$/.test(w.word))) continue
    let body = skipSpace(code, i)
    if (code[body] === ':' && code[body + 1] !== ':') {
      const stop = /[{;()]/g
      stop.lastIndex = body
      const found = stop.exec(code)
      body = found && found[0] === '{' ? found.index : -1
    }
    if (body < 0 || code[body] !== '{') continue
    out.push({
      kind: 'class',
      qualified: [...qualifiers, name.word],
      nameStart: name.start,
      end: endOfBody(code, body),
      typeKind: kind,
      hasBody: true,
    })
  }
  return out
}

function keywordTypes(code: string, dialect: Dialect): LexicalDefinition[] {
  const out: LexicalDefinition[] = []
  const keywords = TYPE_KEYWORDS[dialect].join('|')
  const pattern = new RegExp(`(?<![\\w$.@])(${keywords})\\s+([A-Za-z_][\\w$]*)(?![\\w$])`, 'g')
  for (let m = pattern.exec(code); m; m = pattern.exec(code)) {
    const name = m[2]!
    if (NOT_A_TYPE_NAME.has(name)) {
      pattern.lastIndex = m.index + m[1]!.length
      continue
    }
    if (dialect === 'swift' && /import\s+$/.test(code.slice(Math.max(0, m.index - 20), m.index))) continue
    const nameStart = m.index + m[0].length - name.length
    out.push({
      kind: 'class',
      qualified: [name],
      nameStart,
      end: nameStart + name.length,
      typeKind: m[1]!,
      hasBody: true,
    })
  }
  if (dialect === 'groovy') {
    for (const m of code.matchAll(/@interface\s+([A-Za-z_][\w$]*)/g)) {
      const nameStart = m.index + m[0].length - m[1]!.length
      out.push({
        kind: 'class',
        qualified: [m[1]!],
        nameStart,
        end: nameStart + m[1]!.length,
        typeKind: 'interface',
        hasBody: true,
      })
    }
  }
  return out
}

function objcTypes(code: string): LexicalDefinition[] {
  const out: LexicalDefinition[] = []
  for (const m of code.matchAll(/@(interface|protocol|implementation)\s+([A-Za-z_][\w$]*)(?![\w$])/g)) {
    const next = code[skipSpace(code, m.index + m[0].length)]
    if (m[1] === 'protocol' && (next === ';' || next === ',')) continue
    const nameStart = m.index + m[0].length - m[2]!.length
    const end = code.indexOf('@end', nameStart)
    out.push({
      kind: 'class',
      qualified: [m[2]!],
      nameStart,
      end: end < 0 ? nameStart + m[2]!.length : end + 4,
      typeKind: m[1]!,
      hasBody: true,
    })
  }
  return out
}

function cFamilyDefinitions(scan: CScan, dialect: Dialect, index: TextIndex): LexicalDefinition[] {
  const functions =
    dialect === 'swift' || dialect === 'scala'
      ? keywordFunctions(scan, dialect)
      : dialect === 'groovy'
        ? [...bracedFunctions(scan, dialect, index), ...keywordFunctions(scan, dialect)]
        : bracedFunctions(scan, dialect, index)
  const types =
    // `.h` headers are shared by C, C++ and Objective-C: the `@interface` forms cannot be anything else.
    dialect === 'c' || dialect === 'objc'
      ? [...cTypes(scan.code), ...objcTypes(scan.code)]
      : keywordTypes(scan.code, dialect)
  const seen = new Set<string>()
  return [...functions, ...types]
    .filter((d) => {
      const key = `${d.kind}:${d.nameStart}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    .sort((a, b) => a.nameStart - b.nameStart)
}

function toDefinitions(found: LexicalDefinition[], index: TextIndex): Definition[] {
  return found.map((d, i) => ({
    id: i + 1,
    kind: d.kind,
    qualified: d.qualified,
    ...(d.typeKind ? { typeKind: d.typeKind } : {}),
    at: spanAt(index, d.nameStart, d.end),
    hasBody: d.hasBody,
    decorators: [],
    params: [],
    scopes: [],
  }))
}

function importText(index: TextIndex, offset: number): string {
  const line = index.lineOf(offset)
  return index
    .lineText(line)
    .slice(offset - index.lineStarts[line - 1]!)
    .trim()
}

function stringToken(scan: CScan, at: number): StringToken | undefined {
  return scan.code[at] === '"' ? scan.strings.get(at) : undefined
}

function cFamilyImports(scan: CScan, dialect: Dialect, source: SourceFile): Import[] {
  const { code } = scan
  const out: Import[] = []
  const add = (module: string, start: number, extra: Partial<Import> = {}) =>
    out.push({ module, at: spanAt(source.index, start), text: importText(source.index, start), ...extra })
  if (dialect === 'c' || dialect === 'objc') {
    for (const m of code.matchAll(/^[ \t]*#[ \t]*(?:include|import)[ \t]*(<([^>\n]*)>|")/gm)) {
      const start = m.index + m[0].indexOf('#')
      if (m[2] !== undefined) add(m[2].trim(), start)
      else {
        const token = stringToken(scan, m.index + m[0].length - 1)
        if (token) add(token.value, start)
      }
    }
    for (const m of code.matchAll(/@import\s+([A-Za-z_][\w.]*)\s*;/g)) add(m[1]!, m.index)
    return out
  }
  const statements = /(?<![\w$.])import\s+/g
  for (let m = statements.exec(code); m; m = statements.exec(code)) {
    const start = m.index
    const rest = m.index + m[0].length
    if (dialect === 'dart') {
      const token = stringToken(scan, rest)
      if (token) add(token.value, start)
    } else if (dialect === 'swift') {
      const s = /(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_][\w.]*)/y
      s.lastIndex = rest
      const found = s.exec(code)
      if (found) add(found[1]!, start)
    } else if (dialect === 'groovy') {
      const g = /(?:static\s+)?([A-Za-z_][\w$]*(?:\s*\.\s*[A-Za-z_][\w$]*)*)(\s*\.\s*\*)?/y
      g.lastIndex = rest
      const found = g.exec(code)
      if (found) add(found[1]!.replace(/\s/g, ''), start, found[2] ? { wildcard: true } : {})
    } else {
      for (const entry of scalaImports(code.slice(rest, lineEnd(code, rest))))
        add(entry.module, start, entry.wildcard ? { wildcard: true } : {})
    }
  }
  return out
}

/** Scala import clauses: `a.b.C`, `a.b._`, `a.b.*`, `a.b.{C, D => E}`, several separated by commas. */
function scalaImports(clause: string): { module: string; wildcard: boolean }[] {
  const out: { module: string; wildcard: boolean }[] = []
  const body = clause.split(';')[0]!
  for (const m of body.matchAll(
    /([A-Za-z_][\w$]*(?:\s*\.\s*[A-Za-z_][\w$]*)*)(?:\s*\.\s*(\{[^}]*\}|_|\*|given))?(?:\s+as\s+\w+)?/g,
  )) {
    const written = m[1]!.replace(/\s/g, '')
    const wildcardSegment = /\.(?:_|given)$/.exec(written)
    const path = wildcardSegment ? written.slice(0, wildcardSegment.index) : written
    const tail = m[2] ?? (wildcardSegment ? '_' : undefined)
    if (!tail) out.push({ module: path, wildcard: false })
    else if (tail === '_' || tail === '*' || tail === 'given') out.push({ module: path, wildcard: true })
    else {
      for (const selector of tail.slice(1, -1).split(',')) {
        const name = selector.trim().split(/\s*(?:=>|\bas\b)\s*/)[0]!
        if (name === '_' || name === '*' || name === 'given') out.push({ module: path, wildcard: true })
        else if (/^[A-Za-z_][\w$]*$/.test(name)) out.push({ module: `${path}.${name}`, wildcard: false })
      }
    }
  }
  return out
}

function cFamilyEnvReads(scan: CScan, source: SourceFile): EnvRead[] {
  const out: EnvRead[] = []
  for (const m of scan.code.matchAll(/(?<![\w$])getenv\s*\(\s*"/g)) {
    const token = stringToken(scan, m.index + m[0].length - 1)
    if (!token) continue
    const close = skipSpace(scan.code, token.end)
    if (scan.code[close] !== ')') continue
    out.push({
      name: token.value,
      at: spanAt(source.index, m.index, close + 1),
      text: source.text.slice(m.index, close + 1),
    })
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Shell, Dockerfile, .env, YAML, server configuration: `#` comments only

/** End of a shell double-quoted string whose body starts at `from` (backslash escapes). */
function doubleQuotedEnd(text: string, from: number, quote = '"'): number {
  let i = from
  while (i < text.length) {
    if (text[i] === '\\') i += 2
    else if (text[i] === quote) return i + 1
    else i++
  }
  return text.length
}

interface ShellScan {
  /** Comments blanked. */
  code: string
  /** Comments, quoted strings and here-document bodies blanked (for function definitions). */
  bare: string
  /** Here-document bodies as [start, end) offsets (their lines are never Dockerfile instructions). */
  heredocs: [number, number][]
}

/**
 * Shell and Dockerfile text: a `#` starts a comment only at the start of a word, outside quotes and `${…}`. In a
 * Dockerfile every line whose first character is `#` is a comment, also inside a continued instruction (Docker
 * removes comment lines before it joins continuations).
 */
function scanShell(text: string, dockerfile = false): ShellScan {
  const code = new MaskBuilder(text)
  const bare = new MaskBuilder(text)
  const bodies: [number, number][] = []
  const heredocs: { delimiter: string; stripTabs: boolean }[] = []
  let wordStart = true
  let i = 0
  const dockerComment = (at: number) => {
    if (!dockerfile) return at
    const m = /^[ \t]*#/.exec(text.slice(at, at + 200))
    if (!m) return at
    const end = lineEnd(text, at)
    code.blank(at, end)
    bare.blank(at, end)
    return end
  }
  i = dockerComment(0)
  while (i < text.length) {
    const c = text[i]!
    if (c === '\n') {
      i++
      const continued = !wordStart && text[i - 2] === '\\'
      wordStart = true
      for (const doc of heredocs.splice(0)) {
        const bodyStart = i
        while (i < text.length) {
          const end = lineEnd(text, i)
          const line = text.slice(i, end).replace(/\r$/, '')
          i = Math.min(text.length, end + 1)
          if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.delimiter) break
        }
        bare.blank(bodyStart, i)
        bodies.push([bodyStart, i])
      }
      if (!continued) i = dockerComment(i)
      continue
    }
    if (c === '\\') {
      // A backslash-newline joins lines: the next line continues the current word state.
      if (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n')) {
        const nl = text[i + 1] === '\n' ? i + 1 : i + 2
        i = dockerComment(nl + 1)
        while (dockerfile && i < text.length && text[i] === '\n') i = dockerComment(i + 1)
        continue
      }
      i += 2
      wordStart = false
      continue
    }
    if (c === '#' && wordStart) {
      const end = lineEnd(text, i)
      code.blank(i, end)
      bare.blank(i, end)
      i = end
      continue
    }
    if (c === "'" || c === '"' || (c === '$' && text[i + 1] === "'")) {
      const close = c === "'" ? text.indexOf("'", i + 1) : -1
      const end =
        c === "'"
          ? close < 0
            ? text.length
            : close + 1
          : c === '$'
            ? doubleQuotedEnd(text, i + 2, "'")
            : doubleQuotedEnd(text, i + 1)
      bare.blank(i, end)
      i = end
      wordStart = false
      continue
    }
    if (c === '$') {
      if (text[i + 1] === '{') {
        const close = text.indexOf('}', i + 2)
        const end = lineEnd(text, i)
        i = close >= 0 && close < end ? close + 1 : end
      } else i += text[i + 1] === '#' || text[i + 1] === '$' || NAME_CHAR.test(text[i + 1] ?? '') ? 2 : 1
      wordStart = false
      continue
    }
    if (c === '<' && text[i + 1] === '<' && text[i + 2] !== '<') {
      const doc = /<<(-?)[ \t]*(?:(['"])([^'"\n]+)\2|\\?([A-Za-z_][\w.-]*))/y
      doc.lastIndex = i
      const m = doc.exec(text)
      if (m) {
        heredocs.push({ delimiter: m[3] ?? m[4]!, stripTabs: m[1] === '-' })
        i += m[0].length
        wordStart = false
        continue
      }
    }
    wordStart = /[\s;&|()<>{}]/.test(c)
    i++
  }
  return { code: code.done(), bare: bare.done(), heredocs: bodies }
}

/** `.env`: full-line comments, and ` #` comments after an unquoted value or after a quoted one. */
function scanDotenv(text: string): string {
  const code = new MaskBuilder(text)
  let i = 0
  while (i < text.length) {
    const end = lineEnd(text, i)
    const first = skipSpaceInLine(text, i, end)
    if (text[first] === '#') {
      code.blank(first, end)
      i = end + 1
      continue
    }
    const eq = text.indexOf('=', first)
    let rest = eq >= 0 && eq < end ? skipSpaceInLine(text, eq + 1, end) : end
    const quote = text[rest]
    if (rest < end && (quote === '"' || quote === "'" || quote === '`')) {
      rest = quote === '"' ? doubleQuotedEnd(text, rest + 1) : text.indexOf(quote, rest + 1) + 1 || text.length
    }
    const lineStop = lineEnd(text, rest)
    const comment = /(?:^|[ \t])#/g
    comment.lastIndex = 0
    const tail = text.slice(rest, lineStop)
    const m = comment.exec(tail)
    if (m) code.blank(rest + m.index + m[0].length - 1, lineStop)
    i = lineStop + 1
  }
  return code.done()
}

function skipSpaceInLine(text: string, i: number, end: number): number {
  while (i < end && (text[i] === ' ' || text[i] === '\t')) i++
  return i
}

/**
 * YAML: `#` after whitespace or at a line start, outside quoted scalars, is a comment; block scalar (`|`, `>`)
 * contents are never comments.
 */
function scanYaml(text: string): string {
  const code = new MaskBuilder(text)
  let quote: string | undefined
  let blockIndent = -1
  let i = 0
  while (i < text.length) {
    const end = lineEnd(text, i)
    const indent = skipSpaceInLine(text, i, end) - i
    const blank = text.slice(i, end).trim() === ''
    if (blockIndent >= 0 && (blank || indent > blockIndent)) {
      i = end + 1
      continue
    }
    blockIndent = -1
    let commentAt = -1
    for (let j = i; j < end; j++) {
      const c = text[j]!
      if (quote === '"') {
        if (c === '\\') j++
        else if (c === '"') quote = undefined
      } else if (quote === "'") {
        if (c === "'" && text[j + 1] === "'") j++
        else if (c === "'") quote = undefined
      } else if (c === '#' && (j === i || /\s/.test(text[j - 1]!))) {
        commentAt = j
        break
      } else if ((c === '"' || c === "'") && (j === i || /[\s[{,]/.test(text[j - 1]!))) quote = c
    }
    const lineCode = text.slice(i, commentAt >= 0 ? commentAt : end)
    if (commentAt >= 0) code.blank(commentAt, end)
    if (!quote && /(?:^|[\s:-])[|>][-+0-9]*\s*$/.test(lineCode)) blockIndent = keyIndent(lineCode)
    i = end + 1
  }
  return code.done()
}

/** Column of the node owning a block scalar: the indentation past any `- ` sequence markers. */
function keyIndent(line: string): number {
  const m = /^(?:[ \t]*-(?=[ \t]))*[ \t]*/.exec(line)
  return m ? m[0].length : 0
}

/** nginx and Apache configuration: `#` at a token start outside quotes is a comment. */
function scanServerConfig(text: string): string {
  const code = new MaskBuilder(text)
  let i = 0
  let tokenStart = true
  while (i < text.length) {
    const c = text[i]!
    if (c === '#' && tokenStart) {
      const end = lineEnd(text, i)
      code.blank(i, end)
      i = end
      continue
    }
    if ((c === '"' || c === "'") && tokenStart) {
      i = Math.min(doubleQuotedEnd(text, i + 1, c), lineEnd(text, i) + 1)
      tokenStart = false
      continue
    }
    if (c === '\\') {
      i += 2
      tokenStart = false
      continue
    }
    tokenStart = /[\s;{}]/.test(c)
    i++
  }
  return code.done()
}

/**
 * `$X`, `${X}` and `${X…}` references in a comment-free view, X not followed by a name character. `$$` is never a
 * reference (YAML's escaped dollar, the shell's PID); with `backslash`, `\$X` is an escaped dollar.
 */
function dollarReferences(code: string, source: SourceFile, backslash: boolean): EnvRead[] {
  const out: EnvRead[] = []
  const pattern = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g
  for (let m = pattern.exec(code); m; m = pattern.exec(code)) {
    if (m[0] === '$$' || (backslash && escapedAt(code, m.index))) continue
    const name = (m[1] ?? m[2])!
    let end = m.index + m[0].length
    if (m[1] !== undefined) {
      const close = code.indexOf('}', end)
      if (close >= 0 && close < lineEnd(code, end)) end = close + 1
    }
    out.push({ name, at: spanAt(source.index, m.index, end), text: source.text.slice(m.index, end) })
  }
  return out
}

function escapedAt(code: string, i: number): boolean {
  let n = 0
  for (let j = i - 1; j >= 0 && code[j] === '\\'; j--) n++
  return n % 2 === 1
}

/** Shell function definitions: `name() {` and `function name`. */
function shellFunctions(scan: ShellScan, index: TextIndex): Definition[] {
  const found: LexicalDefinition[] = []
  const code = scan.bare
  for (const m of code.matchAll(/(?<![^\s;&|(){}])([A-Za-z_][\w]*)[ \t]*\([ \t]*\)\s*\{/g)) {
    found.push({
      kind: 'function',
      qualified: [m[1]!],
      nameStart: m.index,
      end: endOfBody(code, m.index + m[0].length - 1),
      hasBody: true,
    })
  }
  for (const m of code.matchAll(/(?<![^\s;&|(){}])function[ \t]+([A-Za-z_][\w]*)(?![\w.:-])/g)) {
    const nameStart = m.index + m[0].length - m[1]!.length
    const brace = code.indexOf('{', nameStart)
    const end =
      brace >= 0 && /^\s*(?:\(\s*\))?\s*$/.test(code.slice(nameStart + m[1]!.length, brace))
        ? endOfBody(code, brace)
        : nameStart + m[1]!.length
    found.push({ kind: 'function', qualified: [m[1]!], nameStart, end, hasBody: true })
  }
  const unique = found.filter((d, i) => found.findIndex((o) => o.nameStart === d.nameStart) === i)
  return toDefinitions(
    unique.sort((a, b) => a.nameStart - b.nameStart),
    index,
  )
}

interface Word {
  value: string
  start: number
}

/** Splits an instruction's arguments into words (quotes removed, backslash escapes read), with their offsets. */
function splitWords(chars: { c: string; at: number }[]): Word[] {
  const words: Word[] = []
  let current: Word | undefined
  let quote: string | undefined
  for (let k = 0; k < chars.length; k++) {
    const { c, at } = chars[k]!
    if (!quote && /\s/.test(c)) {
      if (current) words.push(current)
      current = undefined
      continue
    }
    current ??= { value: '', start: at }
    if (c === '\\' && quote !== "'" && k + 1 < chars.length) {
      current.value += chars[++k]!.c
    } else if (quote && c === quote) quote = undefined
    else if (!quote && (c === '"' || c === "'")) quote = c
    else current.value += c
  }
  if (current) words.push(current)
  return words
}

/** Dockerfile `ENV` and `ARG` instructions (continued over lines with `\`) naming variables. */
function dockerfileInstructions(code: string, heredocs: [number, number][], source: SourceFile): EnvRead[] {
  const out: EnvRead[] = []
  const index = source.index
  const lines = index.lineStarts.length
  const inHeredoc = (l: number) =>
    heredocs.some(([start, end]) => index.lineStarts[l - 1]! >= start && index.lineStarts[l - 1]! < end)
  const lineCode = (l: number) =>
    code.slice(index.lineStarts[l - 1]!, lineEnd(code, index.lineStarts[l - 1]!)).replace(/\r$/, '')
  const continues = (l: number) => /\\[ \t]*$/.test(lineCode(l))
  for (let line = 1; line <= lines; line++) {
    const head = inHeredoc(line) ? null : /^[ \t]*(ENV|ARG)[ \t]+/i.exec(lineCode(line))
    if (!head) {
      // Lines continuing another instruction are not instructions themselves.
      while (continues(line) && line < lines) line = nextCodeLine(line, lines, lineCode)
      continue
    }
    const chars: { c: string; at: number }[] = []
    let l = line
    let from = index.lineStarts[line - 1]! + head[0].length
    for (;;) {
      const body = lineCode(l).slice(from - index.lineStarts[l - 1]!)
      const kept = body.replace(/\\[ \t]*$/, '')
      for (let k = 0; k < kept.length; k++) chars.push({ c: kept[k]!, at: from + k })
      chars.push({ c: ' ', at: from + body.length })
      if (!continues(l) || l >= lines) break
      l = nextCodeLine(l, lines, lineCode)
      from = index.lineStarts[l - 1]!
    }
    const words = splitWords(chars)
    const isEnv = head[1]!.toUpperCase() === 'ENV'
    const pairs = words[0]?.value.includes('=') ?? false
    const text = index.lineText(line).trim()
    for (const word of isEnv && !pairs ? words.slice(0, 1) : words) {
      if (isEnv && pairs && !word.value.includes('=')) continue
      const name = word.value.split('=')[0]!
      if (ENV_NAME.test(name)) out.push({ name, at: spanAt(index, word.start, word.start + name.length), text })
    }
    line = l
  }
  return out
}

/** The next line after `line` that is not blank (comment lines are blank in the masked view). */
function nextCodeLine(line: number, lines: number, lineCode: (l: number) => string): number {
  let l = line + 1
  while (l < lines && lineCode(l).trim() === '') l++
  return l
}

/** A directive's arguments up to its end (`;` for nginx, the line end for Apache), quotes read. */
function directiveWords(
  code: string,
  from: number,
  until: 'semicolon' | 'line',
): { words: Word[]; end: number } | undefined {
  const chars: { c: string; at: number }[] = []
  let quote: string | undefined
  let i = from
  for (; i < code.length; i++) {
    const c = code[i]!
    if (quote) {
      if (c === '\\' && i + 1 < code.length) {
        chars.push({ c, at: i }, { c: code[++i]!, at: i })
        continue
      }
      if (c === quote) quote = undefined
      chars.push({ c, at: i })
      continue
    }
    if (until === 'semicolon' && c === ';') return { words: splitWords(chars), end: i + 1 }
    if (until === 'semicolon' && (c === '{' || c === '}')) return undefined
    if (until === 'line' && c === '\n') {
      const before = skipSpaceBack(code, i - 1)
      if (code[before] === '\\') {
        while (chars.length > 0 && chars.at(-1)!.at >= before) chars.pop()
        continue
      }
      break
    }
    if (c === '"' || c === "'") quote = c
    chars.push({ c, at: i })
  }
  if (until === 'semicolon') return undefined
  return { words: splitWords(chars), end: i }
}

function serverConfigHeaders(code: string, source: SourceFile): HeaderSite[] {
  const out: HeaderSite[] = []
  for (const m of code.matchAll(/(?<![^\s;{}])add_header(?=\s)/g)) {
    const directive = directiveWords(code, m.index + m[0].length, 'semicolon')
    if (!directive) continue
    const [name, value, flag, ...extra] = directive.words
    if (!name || !value || extra.length > 0 || (flag && flag.value !== 'always')) continue
    out.push({
      name: name.value,
      value: { kind: 'literal', text: value.value },
      at: spanAt(source.index, m.index, directive.end),
      via: 'add_header',
    })
  }
  for (const m of code.matchAll(/^[ \t]*(Header)[ \t]+/gim)) {
    const start = m.index + m[0].indexOf(m[1]!)
    const directive = directiveWords(code, m.index + m[0].length, 'line')
    if (!directive) continue
    const words = [...directive.words]
    if (words[0]?.value.toLowerCase() === 'always') words.shift()
    const [action, name, value] = words
    const verb = action?.value.toLowerCase() ?? ''
    if (!['set', 'add', 'append', 'merge'].includes(verb) || !name || !value) continue
    out.push({
      name: name.value,
      value: { kind: 'literal', text: value.value },
      at: spanAt(source.index, start, directive.end),
      via: `Header ${verb}`,
    })
  }
  return out.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column)
}

// ---------------------------------------------------------------------------------------------------------------

export const analyzeLexical: Analyzer = (source) => {
  const { text, index } = source
  switch (source.language) {
    case 'c-family': {
      const dialect = cFamilyDialect(source.rel)
      const scan = scanCFamily(text, dialect)
      return lazyFacts('c-family', undefined, {
        definitions: () => toDefinitions(cFamilyDefinitions(scan, dialect, index), index),
        imports: () => cFamilyImports(scan, dialect, source),
        envReads: () => cFamilyEnvReads(scan, source),
      })
    }
    case 'shell': {
      const scan = scanShell(text)
      return lazyFacts('shell', undefined, {
        definitions: () => shellFunctions(scan, index),
        envReads: () => dollarReferences(scan.code, source, true),
      })
    }
    case 'dockerfile': {
      const { code, heredocs } = scanShell(text, true)
      return lazyFacts('dockerfile', undefined, {
        envReads: () =>
          [...dockerfileInstructions(code, heredocs, source), ...dollarReferences(code, source, true)].sort(
            (a, b) => a.at.line - b.at.line || a.at.column - b.at.column,
          ),
      })
    }
    case 'dotenv': {
      const code = scanDotenv(text)
      return lazyFacts('dotenv', undefined, {
        envReads: () => dollarReferences(code, source, true),
      })
    }
    case 'yaml': {
      const code = scanYaml(text)
      return lazyFacts('yaml', undefined, {
        envReads: () => dollarReferences(code, source, false),
      })
    }
    case 'server-config': {
      const code = scanServerConfig(text)
      return lazyFacts('server-config', undefined, { headers: () => serverConfigHeaders(code, source) })
    }
    default:
      throw new Error(`no lexical analyzer for ${source.language}`)
  }
}
