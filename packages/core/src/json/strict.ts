import { lineLocator } from './lines.js'
import { jsonPointer } from './pointer.js'

/**
 * The strict JSON parser of EVIDENCE.md §2.1: RFC 8259 grammar, no duplicate member names, no unpaired surrogates,
 * nesting at most 64 deep and, for Warrant's own documents, integers within ±(2^53 − 1) only.
 */
export type StrictJsonErrorCode = 'invalid_json' | 'duplicate_key' | 'validation_failed'

export class StrictJsonError extends Error {
  override readonly name = 'StrictJsonError'
  /** UTF-16 code unit index into the (decoded) text. */
  readonly offset: number
  /** 1-based; lines end at `\n`. */
  readonly line: number
  /** 1-based, in UTF-16 code units. */
  readonly column: number

  constructor(
    readonly code: StrictJsonErrorCode,
    message: string,
    text: string,
    offset: number,
  ) {
    super(message)
    const { line, column } = lineLocator(text)(offset)
    this.offset = offset
    this.line = line
    this.column = column
  }
}

export interface StrictJsonOptions {
  /** Default true (Warrant's own documents); false for third-party documents such as Sigstore bundles. */
  integersOnly?: boolean
}

export const MAX_JSON_DEPTH = 64

export function parseStrictJson(text: string, opts: StrictJsonOptions = {}): unknown {
  return new Parser(text, opts.integersOnly ?? true, undefined).parseDocument()
}

/**
 * As parseStrictJson, also returning offsets by JSON Pointer ("" is the root): where each member's name and each
 * element starts, so that later validation errors can name a line and column.
 */
export function parseStrictJsonWithPositions(
  text: string,
  opts: StrictJsonOptions = {},
): { value: unknown; positions: Map<string, number> } {
  const positions = new Map<string, number>()
  const value = new Parser(text, opts.integersOnly ?? true, positions).parseDocument()
  return { value, positions }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes UTF-8 (no byte-order mark, no invalid sequences) and parses strictly. */
export function parseStrictJsonBytes(bytes: Uint8Array, opts: StrictJsonOptions = {}): unknown {
  return parseStrictJson(decodeStrictUtf8(bytes), opts)
}

/** UTF-8 without a byte-order mark; errors are StrictJsonError `invalid_json` positioned in the decoded prefix. */
export function decodeStrictUtf8(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new StrictJsonError('invalid_json', 'byte-order mark not allowed', '', 0)
  }
  try {
    return utf8.decode(bytes)
  } catch {
    const prefix = utf8.decode(bytes.subarray(0, firstInvalidUtf8(bytes)))
    throw new StrictJsonError('invalid_json', 'invalid UTF-8', prefix, prefix.length)
  }
}

/** Index of the first byte that starts an invalid or truncated UTF-8 sequence (only called after decoding failed). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    let length: number
    let lo = 0x80
    let hi = 0xbf
    if (b >= 0xc2 && b <= 0xdf) length = 2
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3
      if (b === 0xe0) lo = 0xa0
      if (b === 0xed) hi = 0x9f
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4
      if (b === 0xf0) lo = 0x90
      if (b === 0xf4) hi = 0x8f
    } else return i
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k]
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i
    }
    i += length
  }
  return i
}

// Sticky scanners: a run of plain string characters, and a number as RFC 8259 writes it.
const STRING_RUN = /[^"\\\u0000-\u001f\uD800-\uDFFF]*/y
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y
const HEX4 = /^[0-9a-fA-F]{4}$/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

class Parser {
  private pos = 0
  private depth = 0
  private readonly path: string[] = []
  // Semantic errors wait until the whole text is known to be JSON: a syntax error anywhere wins.
  private duplicate: StrictJsonError | undefined
  private invalidNumber: StrictJsonError | undefined

  constructor(
    private readonly text: string,
    private readonly integersOnly: boolean,
    private readonly positions: Map<string, number> | undefined,
  ) {}

  parseDocument(): unknown {
    if (this.text.charCodeAt(0) === 0xfeff) throw this.syntax('byte-order mark not allowed', 0)
    this.skipWhitespace()
    this.mark(this.pos)
    const value = this.parseValue()
    this.skipWhitespace()
    if (this.pos < this.text.length) throw this.unexpected()
    if (this.duplicate) throw this.duplicate
    if (this.invalidNumber) throw this.invalidNumber
    return value
  }

  private syntax(message: string, offset = this.pos): StrictJsonError {
    return new StrictJsonError('invalid_json', message, this.text, offset)
  }

  private unexpected(): StrictJsonError {
    if (this.pos >= this.text.length) return this.syntax('unexpected end of input')
    return this.syntax(`unexpected character ${JSON.stringify(this.text[this.pos])}`)
  }

  private skipWhitespace(): void {
    const text = this.text
    let pos = this.pos
    for (;;) {
      const c = text.charCodeAt(pos)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++
      else break
    }
    this.pos = pos
  }

  private mark(offset: number): void {
    this.positions?.set(jsonPointer(this.path), offset)
  }

  private parseValue(): unknown {
    switch (this.text.charCodeAt(this.pos)) {
      case 0x7b /* { */:
        return this.parseObject()
      case 0x5b /* [ */:
        return this.parseArray()
      case 0x22 /* " */:
        return this.parseString()
      case 0x74 /* t */:
        return this.parseLiteral('true', true)
      case 0x66 /* f */:
        return this.parseLiteral('false', false)
      case 0x6e /* n */:
        return this.parseLiteral('null', null)
      default:
        return this.parseNumber()
    }
  }

  private enter(): void {
    if (++this.depth > MAX_JSON_DEPTH) throw this.syntax(`nesting deeper than ${MAX_JSON_DEPTH}`)
    this.pos++
    this.skipWhitespace()
  }

  private parseObject(): Record<string, unknown> {
    this.enter()
    const obj: Record<string, unknown> = {}
    if (this.text.charCodeAt(this.pos) === 0x7d /* } */) {
      this.pos++
      this.depth--
      return obj
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 0x22) throw this.unexpected()
      const keyOffset = this.pos
      const key = this.parseString()
      this.skipWhitespace()
      if (this.text.charCodeAt(this.pos) !== 0x3a /* : */) throw this.unexpected()
      this.pos++
      this.skipWhitespace()
      if (this.positions) {
        this.path.push(key)
        this.mark(keyOffset)
      }
      const value = this.parseValue()
      if (this.positions) this.path.pop()
      if (Object.hasOwn(obj, key)) {
        this.duplicate ??= new StrictJsonError(
          'duplicate_key',
          `duplicate member name ${JSON.stringify(key)}`,
          this.text,
          keyOffset,
        )
      } else if (key === '__proto__') {
        // Plain assignment would replace the prototype instead of adding a member.
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
      } else {
        obj[key] = value
      }
      this.skipWhitespace()
      const c = this.text.charCodeAt(this.pos)
      if (c === 0x2c /* , */) {
        this.pos++
        this.skipWhitespace()
      } else if (c === 0x7d /* } */) {
        this.pos++
        this.depth--
        return obj
      } else throw this.unexpected()
    }
  }

  private parseArray(): unknown[] {
    this.enter()
    const arr: unknown[] = []
    if (this.text.charCodeAt(this.pos) === 0x5d /* ] */) {
      this.pos++
      this.depth--
      return arr
    }
    for (;;) {
      if (this.positions) {
        this.path.push(String(arr.length))
        this.mark(this.pos)
      }
      arr.push(this.parseValue())
      if (this.positions) this.path.pop()
      this.skipWhitespace()
      const c = this.text.charCodeAt(this.pos)
      if (c === 0x2c /* , */) {
        this.pos++
        this.skipWhitespace()
      } else if (c === 0x5d /* ] */) {
        this.pos++
        this.depth--
        return arr
      } else throw this.unexpected()
    }
  }

  private parseString(): string {
    const text = this.text
    const start = this.pos
    let pos = start + 1
    let out = ''
    // Raw surrogate pairs are accepted while scanning; anything else is checked once the string is decoded.
    let mayBeUnpaired = false
    for (;;) {
      STRING_RUN.lastIndex = pos
      STRING_RUN.test(text)
      const runEnd = STRING_RUN.lastIndex
      out += text.slice(pos, runEnd)
      const c = text.charCodeAt(runEnd)
      if (c === 0x22 /* " */) {
        this.pos = runEnd + 1
        break
      }
      if (c === 0x5c /* \ */) {
        const e = text[runEnd + 1]
        if (e === 'u') {
          const hex = text.slice(runEnd + 2, runEnd + 6)
          if (!HEX4.test(hex)) throw this.syntax('invalid \\u escape', runEnd)
          const code = Number.parseInt(hex, 16)
          mayBeUnpaired ||= code >= 0xd800 && code <= 0xdfff
          out += String.fromCharCode(code)
          pos = runEnd + 6
        } else {
          const decoded = e === undefined ? undefined : ESCAPES[e]
          if (decoded === undefined) throw this.syntax('invalid escape', runEnd)
          out += decoded
          pos = runEnd + 2
        }
      } else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(runEnd + 1))) {
        out += text.slice(runEnd, runEnd + 2)
        pos = runEnd + 2
      } else if (c >= 0xd800 && c <= 0xdfff) {
        // May pair with an escaped neighbour, as in "\ud83d" followed by a raw low surrogate.
        mayBeUnpaired = true
        out += text[runEnd]
        pos = runEnd + 1
      } else if (runEnd >= text.length) {
        throw this.syntax('unterminated string', start)
      } else {
        throw this.syntax('control character in string must be escaped', runEnd)
      }
    }
    if (mayBeUnpaired && LONE_SURROGATE.test(out)) throw this.syntax('string contains an unpaired surrogate', start)
    return out
  }

  private parseLiteral<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) throw this.unexpected()
    this.pos += word.length
    return value
  }

  private parseNumber(): number {
    const start = this.pos
    NUMBER.lastIndex = start
    const m = NUMBER.exec(this.text)
    if (!m) throw this.unexpected()
    this.pos = NUMBER.lastIndex
    const written = m[0]
    const value = Number(written)
    if (this.integersOnly && !this.invalidNumber) {
      const problem =
        m[1] !== undefined || m[2] !== undefined
          ? 'a fraction or exponent'
          : written === '-0'
            ? 'minus zero'
            : !Number.isSafeInteger(value)
              ? 'an integer outside ±(2^53 − 1)'
              : undefined
      if (problem) {
        this.invalidNumber = new StrictJsonError(
          'validation_failed',
          `number ${written} is ${problem}; only integers within ±(2^53 − 1) are allowed`,
          this.text,
          start,
        )
      }
    }
    return value
  }
}
