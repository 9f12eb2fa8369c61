import { refusedConstruct } from '@warrant/core'
import { RE2JS } from 're2js'
import { caseVariants } from './casefold.js'
import { expandCounts } from './expand.js'
import { requiredLiteral } from './literal.js'

/**
 * User regexes (ASSERTIONS.md §2.7): ECMAScript syntax without back-references, look-arounds or inline flags,
 * matched in linear time — V8's non-backtracking engine (`l` flag) when it accepts the pattern, RE2 (re2js)
 * otherwise, never the backtracking engine.
 */
export interface RegexFlags {
  ignoreCase?: boolean
  multiline?: boolean
  dotall?: boolean
}

export interface Match {
  index: number
  end: number
}

export interface SafeRegex {
  engine: 'v8-linear' | 're2'
  /** First match at or after `from`, or undefined. */
  find(text: string, from?: number): Match | undefined
}

export type Compiled = { ok: true; regex: SafeRegex } | { ok: false; message: string }

let linearEngineChecked: boolean | undefined
/** Whether V8's linear engine is enabled in this process (the CLI enables it at start). */
export function linearEngineAvailable(): boolean {
  if (linearEngineChecked === undefined) {
    try {
      new RegExp('a', 'l')
      linearEngineChecked = true
    } catch {
      linearEngineChecked = false
    }
  }
  return linearEngineChecked
}

const escapeClassChar = (ch: string) => (/[\]\\^-]/.test(ch) ? `\\${ch}` : ch)
const hex4 = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`
const classOf = (chars: string[]) => chars.map((c) => (/[\x20-\x7e]/.test(c) ? escapeClassChar(c) : hex4(c))).join('')

/** Decodes a single-character escape (`\x41`, `\u0041`) at `i`; returns the char and its length. */
function charEscape(source: string, i: number): { ch: string; len: number } | undefined {
  const n = source[i + 1]
  if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(i + 2, i + 4))) {
    return { ch: String.fromCharCode(Number.parseInt(source.slice(i + 2, i + 4), 16)), len: 4 }
  }
  if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
    return { ch: String.fromCharCode(Number.parseInt(source.slice(i + 2, i + 6), 16)), len: 6 }
  }
  return undefined
}

/**
 * Implements ignore_case without the `i` flag: every letter outside a class becomes the class of its case
 * variants; inside a class, letters and ranges gain their variants.
 */
export function foldCase(source: string): string {
  let out = ''
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!
    if (c === '\\') {
      const esc = charEscape(source, i)
      if (esc) {
        const v = caseVariants(esc.ch)
        out += v.length > 1 ? `[${classOf(v)}]` : source.slice(i, i + esc.len)
        i += esc.len - 1
      } else {
        out += source.slice(i, i + 2)
        i++
      }
      continue
    }
    if (c === '[') {
      const end = classEnd(source, i)
      out += foldClass(source.slice(i, end + 1))
      i = end
      continue
    }
    if (c === '(' && source[i + 1] === '?') {
      // group syntax such as (?: or (?<name> is copied verbatim
      const m = /^\(\?(?::|<[A-Za-z_$][\w$]*>)/.exec(source.slice(i))
      if (m) {
        out += m[0]
        i += m[0].length - 1
        continue
      }
    }
    if (c === '{') {
      const m = /^\{\d+(,\d*)?\}/.exec(source.slice(i))
      if (m) {
        out += m[0]
        i += m[0].length - 1
        continue
      }
    }
    const v = caseVariants(c)
    out += v.length > 1 ? `[${classOf(v)}]` : c
  }
  return out
}

function classEnd(source: string, start: number): number {
  let i = start + 1
  if (source[i] === '^') i++
  if (source[i] === ']') return i // `[]` or `[^]`
  for (; i < source.length; i++) {
    if (source[i] === '\\') i++
    else if (source[i] === ']') return i
  }
  return source.length - 1
}

function foldClass(cls: string): string {
  const negated = cls[1] === '^'
  const body = cls.slice(negated ? 2 : 1, -1)
  if (body === '') return cls
  const extra = new Set<string>()
  const items: { ch?: string; text: string }[] = []
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') {
      const esc = charEscape(body, i)
      if (esc) {
        items.push({ ch: esc.ch, text: body.slice(i, i + esc.len) })
        i += esc.len - 1
      } else {
        items.push({ text: body.slice(i, i + 2) })
        i++
      }
    } else items.push({ ch: body[i], text: body[i]! })
  }
  for (let k = 0; k < items.length; k++) {
    const a = items[k]!
    const dash = items[k + 1]
    const b = items[k + 2]
    if (a.ch !== undefined && dash?.text === '-' && b?.ch !== undefined) {
      const lo = a.ch.charCodeAt(0)
      const hi = b.ch.charCodeAt(0)
      for (let c = lo; c <= hi && c - lo < 0x3000; c++)
        for (const v of caseVariants(String.fromCharCode(c))) extra.add(v)
      k += 2
    } else if (a.ch !== undefined) for (const v of caseVariants(a.ch)) extra.add(v)
  }
  return `[${negated ? '^' : ''}${body}${classOf([...extra])}]`
}

const JS_SPACE =
  '\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}'

/**
 * Translates an ECMAScript pattern into RE2 syntax with the same meaning, or returns undefined when that is not
 * possible (then the pattern cannot be matched in linear time).
 */
export function toRe2(source: string, flags: RegexFlags): string | undefined {
  let out = ''
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!
    if (c === '\\') {
      const n = source[i + 1]
      if (n === undefined) return undefined
      i++
      if (n === 's') out += inClass ? JS_SPACE : `[${JS_SPACE}]`
      else if (n === 'S') {
        if (inClass) return undefined
        out += `[^${JS_SPACE}]`
      } else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 1, i + 5))) {
        out += `\\x{${source.slice(i + 1, i + 5)}}`
        i += 4
      } else if (n === 'c' && /[A-Za-z]/.test(source[i + 1] ?? '')) {
        out += `\\x{${(source.charCodeAt(i + 1) % 32).toString(16)}}`
        i++
      } else if (n === '0') out += '\\x00'
      else if (n === '/' || n === '-') out += n === '-' && inClass ? '\\-' : n
      else out += `\\${n}`
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      out += c
      continue
    }
    if (c === '[') {
      if (source.startsWith('[]', i)) return undefined
      if (source.startsWith('[^]', i)) {
        out += '(?s:.)'
        i += 2
        continue
      }
      inClass = true
      out += c
      if (source[i + 1] === '^') {
        out += '^'
        i++
      }
      if (source[i + 1] === ']') {
        out += '\\]'
        i++
      }
      continue
    }
    if (c === '.') {
      out += flags.dotall ? '(?s:.)' : '[^\\n\\r\\x{2028}\\x{2029}]'
      continue
    }
    if ((c === '^' || c === '$') && flags.multiline) return undefined
    if (c === '(' && source[i + 1] === '?' && source[i + 2] === '<') {
      const m = /^\(\?<[A-Za-z_$][\w$]*>/.exec(source.slice(i))
      if (m) {
        out += '(?:'
        i += m[0].length - 1
        continue
      }
    }
    out += c
  }
  return out
}

class V8Regex implements SafeRegex {
  readonly engine = 'v8-linear' as const
  constructor(
    private readonly re: RegExp,
    private readonly literal: string | undefined,
  ) {}
  find(text: string, from = 0): Match | undefined {
    if (this.literal !== undefined && text.indexOf(this.literal, from) < 0) return undefined
    this.re.lastIndex = from
    const m = this.re.exec(text)
    return m ? { index: m.index, end: m.index + m[0].length } : undefined
  }
}

class Re2Regex implements SafeRegex {
  readonly engine = 're2' as const
  constructor(
    private readonly re: RE2JS,
    private readonly literal: string | undefined,
  ) {}
  find(text: string, from = 0): Match | undefined {
    if (this.literal !== undefined && text.indexOf(this.literal, from) < 0) return undefined
    const m = this.re.matcher(text)
    if (!m.find(from)) return undefined
    return { index: m.start(), end: m.end() }
  }
}

/** Compiles a user regex for param `param` with the assertion's flags. */
export function compileUserRegex(param: string, source: string, flags: RegexFlags = {}): Compiled {
  const problem = refusedConstruct(param, source)
  if (problem) return { ok: false, message: problem.message }
  const v8flags = `${flags.multiline ? 'm' : ''}${flags.dotall ? 's' : ''}`
  try {
    // Compiling never runs the pattern; it only checks ECMAScript syntax.
    new RegExp(source, v8flags)
  } catch (e) {
    return {
      ok: false,
      message: `invalid regex in '${param}': ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
    }
  }
  const folded = flags.ignoreCase ? foldCase(source) : source
  // Case-insensitive patterns have no exact literal to look for.
  const literal = flags.ignoreCase ? undefined : requiredLiteral(source)
  let regex: SafeRegex | undefined
  if (linearEngineAvailable()) {
    // V8's linear engine refuses counts above 16; written out as copies the same pattern is accepted.
    for (const candidate of [folded, expandCounts(folded)]) {
      if (regex || candidate === undefined) continue
      try {
        regex = new V8Regex(new RegExp(candidate, `${v8flags}gl`), literal)
      } catch {
        regex = undefined
      }
    }
  }
  if (!regex) {
    const translated = toRe2(folded, flags)
    if (translated === undefined) return { ok: false, message: `pattern cannot be matched in linear time: '${param}'` }
    try {
      regex = new Re2Regex(RE2JS.compile(translated), literal)
    } catch {
      return { ok: false, message: `pattern cannot be matched in linear time: '${param}'` }
    }
  }
  if (regex.find('') !== undefined) return { ok: false, message: `pattern matches the empty string: '${param}'` }
  return { ok: true, regex }
}

/** Every match in `text`, advancing past empty matches. */
export function* allMatches(regex: SafeRegex, text: string): Generator<Match> {
  let from = 0
  while (from <= text.length) {
    const m = regex.find(text, from)
    if (!m) return
    yield m
    from = m.end > m.index ? m.end : m.index + 1
  }
}
