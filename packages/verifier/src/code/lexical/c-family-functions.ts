/** C-family function definitions: braced `name(…) {` shapes and Swift `func` / Scala and Groovy `def`. */

import type { TextIndex } from '../../checkout/text.js'
import type { CScan, Dialect } from './c-family-scan.js'
import { endOfBody, type LexicalDefinition } from './definitions.js'
import { closingBracket, lineEnd, NAME_CHAR, skipSpace, skipSpaceBack, wordBefore } from './mask.js'

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

/** C, C++, Objective-C, Dart, Groovy: a name followed by a parameter list and `{`. */
export function bracedFunctions(scan: CScan, dialect: Dialect, index: TextIndex): LexicalDefinition[] {
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

export function keywordFunctions(scan: CScan, dialect: Dialect): LexicalDefinition[] {
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
