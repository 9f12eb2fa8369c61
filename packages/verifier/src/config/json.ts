import type { TextIndex } from '../checkout/text.js'
import { type ConfigNode, type Entry, mapOf, type ParseResult, parsed, parseError, scalar } from './model.js'

const MAX_DEPTH = 1000
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * JSON with comments and trailing commas (JSONC), read with the line of every key; a duplicate key: the last wins.
 * Numbers keep the text they were written with.
 */
export function parseJson(text: string, index: TextIndex): ParseResult {
  const reader = new JsonReader(text, index)
  try {
    const root = reader.document()
    return parsed(root)
  } catch (e) {
    if (e instanceof JsonSyntaxError) return parseError(index.lineOf(e.offset), e.message)
    throw e
  }
}

class JsonReader {
  private pos = 0

  constructor(
    private readonly text: string,
    private readonly index: TextIndex,
  ) {}

  document(): ConfigNode {
    this.skipTrivia()
    const root = this.value(0)
    this.skipTrivia()
    if (this.pos < this.text.length) this.fail('unexpected content after the top-level value')
    return root
  }

  private fail(message: string, offset = this.pos): never {
    throw new JsonSyntaxError(offset, message)
  }

  private unexpected(): never {
    if (this.pos >= this.text.length) this.fail('unexpected end of input')
    this.fail(`unexpected character ${JSON.stringify(this.text[this.pos])}`)
  }

  private skipTrivia(): void {
    const t = this.text
    while (this.pos < t.length) {
      const c = t[this.pos]
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++
      else if (c === '/' && t[this.pos + 1] === '/') {
        const end = t.indexOf('\n', this.pos)
        this.pos = end < 0 ? t.length : end
      } else if (c === '/' && t[this.pos + 1] === '*') {
        const end = t.indexOf('*/', this.pos + 2)
        if (end < 0) this.fail('unterminated comment')
        this.pos = end + 2
      } else return
    }
  }

  private value(depth: number): ConfigNode {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`)
    const c = this.text[this.pos]
    if (c === '{') return this.object(depth)
    if (c === '[') return this.array(depth)
    if (c === '"') return scalar('string', this.string())
    for (const word of ['true', 'false', 'null'] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length
        return scalar(word === 'null' ? 'null' : 'boolean', word)
      }
    }
    NUMBER.lastIndex = this.pos
    const m = NUMBER.exec(this.text)
    if (m && !/[\w.+-]/.test(this.text[this.pos + m[0].length] ?? '')) {
      this.pos += m[0].length
      return scalar('number', m[0])
    }
    return this.unexpected()
  }

  private object(depth: number): ConfigNode {
    const entries = new Map<string, Entry>()
    this.pos++
    for (;;) {
      this.skipTrivia()
      if (this.text[this.pos] === '}') break
      if (this.text[this.pos] !== '"') this.unexpected()
      const keyOffset = this.pos
      const key = this.string()
      this.skipTrivia()
      if (this.text[this.pos] !== ':') this.unexpected()
      this.pos++
      this.skipTrivia()
      const node = this.value(depth + 1)
      entries.delete(key) // the last duplicate wins, and its line is the one reported
      entries.set(key, { node, line: this.index.lineOf(keyOffset) })
      this.skipTrivia()
      if (this.text[this.pos] === ',') this.pos++
      else if (this.text[this.pos] !== '}') this.unexpected()
    }
    this.pos++
    return mapOf(entries)
  }

  private array(depth: number): ConfigNode {
    const items: Entry[] = []
    this.pos++
    for (;;) {
      this.skipTrivia()
      if (this.text[this.pos] === ']') break
      const line = this.index.lineOf(this.pos)
      items.push({ node: this.value(depth + 1), line })
      this.skipTrivia()
      if (this.text[this.pos] === ',') this.pos++
      else if (this.text[this.pos] !== ']') this.unexpected()
    }
    this.pos++
    return { kind: 'list', items }
  }

  private string(): string {
    const t = this.text
    const start = this.pos
    let out = ''
    this.pos++
    for (;;) {
      const c = t[this.pos]
      if (c === undefined) this.fail('unterminated string', start)
      if (c === '"') break
      if (c < ' ') this.fail('control character in string')
      if (c === '\\') {
        const e = t[this.pos + 1] ?? ''
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(Number.parseInt(t.slice(this.pos + 2, this.pos + 6), 16))
          this.pos += 6
          continue
        }
        const decoded = ESCAPES[e]
        if (decoded === undefined) this.fail('invalid escape in string')
        out += decoded
        this.pos += 2
        continue
      }
      out += c
      this.pos++
    }
    this.pos++
    return out
  }
}
