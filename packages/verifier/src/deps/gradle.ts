import type { TextFile } from '../checkout/checkout.js'
import { type Declaration, locate, type ManifestParser, parsed, parseProblem } from './types.js'

interface Literal {
  start: number
  end: number
  value: string
}

interface Lexed {
  /** The text with comments and string contents blanked, offsets kept: braces and words outside strings. */
  code: string
  literals: Literal[]
}

/** Separates Groovy / Kotlin code from comments and string literals (single, double and triple quoted). */
function lex(text: string): Lexed | { unterminated: number } {
  const code = text.split('')
  const literals: Literal[] = []
  let i = 0
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (code[k] !== '\n') code[k] = ' '
  }
  while (i < text.length) {
    if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i)
      const stop = end < 0 ? text.length : end
      blank(i, stop)
      i = stop
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2)
      if (end < 0) return { unterminated: i }
      blank(i, end + 2)
      i = end + 2
    } else if (text[i] === '"' || text[i] === "'") {
      const quote = text.startsWith(text[i]!.repeat(3), i) ? text[i]!.repeat(3) : text[i]!
      let j = i + quote.length
      while (j < text.length && !text.startsWith(quote, j)) {
        if (quote.length === 1 && text[j] === '\n') return { unterminated: i }
        j += text[j] === '\\' ? 2 : 1
      }
      if (j >= text.length) return { unterminated: i }
      literals.push({ start: i, end: j + quote.length, value: text.slice(i + quote.length, j) })
      blank(i + quote.length, j)
      i = j + quote.length
    } else i++
  }
  return { code: code.join(''), literals }
}

/** The ranges of every `dependencies { … }` block. */
function dependencyBlocks(code: string): [number, number][] {
  const blocks: [number, number][] = []
  for (const m of code.matchAll(/\bdependencies\s*\{/g)) {
    let depth = 0
    for (let i = m.index + m[0].length - 1; i < code.length; i++) {
      if (code[i] === '{') depth++
      else if (code[i] === '}' && --depth === 0) {
        blocks.push([m.index, i])
        break
      }
    }
  }
  return blocks
}

const COORDINATE = /^([^\s:'"$]+):([^\s:'"$]+)(?::([^\s:'"@]*))?(?::[^\s:'"@]+)?(?:@\w+)?$/
const MAP_NOTATION =
  /\bgroup\s*[:=]\s*(['"])([^'"]*)\1\s*,\s*name\s*[:=]\s*(['"])([^'"]*)\3(?:\s*,\s*version\s*[:=]\s*(['"])([^'"]*)\5)?/g

/** A rich-version `!!` suffix (strictly) still names one version. */
const versionOf = (v: string | undefined) => (v === undefined || v === '' ? undefined : v.replace(/!!$/, ''))

/** `build.gradle` / `build.gradle.kts`: string and map notation inside `dependencies { }` blocks. */
export const parseGradle: ManifestParser = (file) => {
  const lexed = lex(file.text)
  if ('unterminated' in lexed) {
    return parseProblem(file, 'unterminated string or comment', file.index.lineOf(lexed.unterminated))
  }
  const seen = new Set<number>()
  const declarations: Declaration[] = []
  for (const [from, to] of dependencyBlocks(lexed.code)) {
    for (const lit of lexed.literals) {
      if (lit.start < from || lit.end > to || seen.has(lit.start)) continue
      const m = COORDINATE.exec(lit.value)
      if (!m) continue
      seen.add(lit.start)
      declarations.push(declaration(file, `${m[1]}:${m[2]}`, versionOf(m[3]), lit.start))
    }
    const block = file.text.slice(from, to)
    for (const m of block.matchAll(MAP_NOTATION)) {
      const at = from + m.index
      if (seen.has(at) || lexed.code.slice(at, at + 5) !== 'group') continue
      seen.add(at)
      declarations.push(declaration(file, `${m[2]}:${m[4]}`, versionOf(m[6]), at))
    }
  }
  return parsed(file, declarations)
}

function declaration(file: TextFile, name: string, version: string | undefined, offset: number): Declaration {
  return { name, version, where: 'dependencies', location: locate(file, offset) }
}
