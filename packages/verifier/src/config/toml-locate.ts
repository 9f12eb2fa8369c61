import type { TextIndex } from '../checkout/text.js'

/** A path into a TOML document: table keys and array indexes. */
export type TomlPath = readonly (string | number)[]
export const tomlPathKey = (path: TomlPath) => JSON.stringify(path)

export interface TomlLocation {
  line: number
  /** The source text of a number, boolean or date. */
  raw?: string
}

const BARE_KEY = /[A-Za-z0-9_-]+/y
const SCALAR_END = /[\s,\]}#]/
const BASIC_ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' }

/**
 * Scans a TOML document that already parsed and records, for every path, the line where it is first written
 * (the key, the table header or the array item) and the source text of scalars other than strings.
 */
export function locateToml(text: string, index: TextIndex): Map<string, TomlLocation> {
  const scanner = new TomlScanner(text, index)
  scanner.document()
  return scanner.locations
}

class TomlScanner {
  readonly locations = new Map<string, TomlLocation>()
  /** How many elements each array of tables has so far, by concrete path. */
  private readonly tableArrays = new Map<string, number>()
  private pos = 0

  constructor(
    private readonly text: string,
    private readonly index: TextIndex,
  ) {}

  document(): void {
    let table: (string | number)[] = []
    while (this.skipTrivia(true) < this.text.length) {
      const start = this.pos
      if (this.text[this.pos] === '[') table = this.header()
      else this.keyValue(table)
      if (this.pos === start) this.pos++ // never stall on text the scan does not understand
    }
  }

  private skipTrivia(newlines: boolean): number {
    const t = this.text
    while (this.pos < t.length) {
      const c = t[this.pos]!
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === '\r'))) this.pos++
      else if (c === '#') {
        const end = t.indexOf('\n', this.pos)
        this.pos = end < 0 ? t.length : end
      } else break
    }
    return this.pos
  }

  private record(path: TomlPath, offset: number, raw?: string): void {
    const key = tomlPathKey(path)
    if (raw !== undefined) this.locations.set(key, { line: this.index.lineOf(offset), raw })
    else if (!this.locations.has(key)) this.locations.set(key, { line: this.index.lineOf(offset) })
  }

  /** `[a.b]` or `[[a.b]]`: returns the concrete path of the table, with the current index of each array of tables. */
  private header(): (string | number)[] {
    const start = this.pos
    const isArray = this.text[this.pos + 1] === '['
    this.pos += isArray ? 2 : 1
    const keys = this.key()
    this.skipTrivia(false)
    this.pos += isArray ? 2 : 1
    const path: (string | number)[] = []
    keys.forEach((k, i) => {
      path.push(k)
      this.record(path, start)
      const pathKey = tomlPathKey(path)
      const count = this.tableArrays.get(pathKey)
      if (isArray && i === keys.length - 1) {
        this.tableArrays.set(pathKey, (count ?? 0) + 1)
        path.push(count ?? 0)
        this.record(path, start)
      } else if (count !== undefined) path.push(count - 1)
    })
    return path
  }

  private keyValue(table: readonly (string | number)[]): void {
    const start = this.pos
    const path = this.dottedKey(table, start)
    this.skipTrivia(false)
    this.pos++ // '='
    this.skipTrivia(false)
    this.value(path, start)
  }

  /** A dotted key under `base`; records every table it implies. */
  private dottedKey(base: readonly (string | number)[], start: number): (string | number)[] {
    const path = [...base]
    for (const k of this.key()) {
      path.push(k)
      this.record(path, start)
    }
    return path
  }

  private key(): string[] {
    const parts: string[] = []
    for (;;) {
      this.skipTrivia(false)
      const c = this.text[this.pos]
      if (c === '"') parts.push(this.basicString())
      else if (c === "'") parts.push(this.literalString())
      else {
        BARE_KEY.lastIndex = this.pos
        const m = BARE_KEY.exec(this.text)
        if (!m) return parts
        parts.push(m[0])
        this.pos += m[0].length
      }
      this.skipTrivia(false)
      if (this.text[this.pos] !== '.') return parts
      this.pos++
    }
  }

  private value(path: (string | number)[], anchor: number): void {
    const t = this.text
    const c = t[this.pos]
    if (t.startsWith('"""', this.pos)) this.multilineString('"""')
    else if (t.startsWith("'''", this.pos)) this.multilineString("'''")
    else if (c === '"') this.basicString()
    else if (c === "'") this.literalString()
    else if (c === '[') this.array(path)
    else if (c === '{') this.inlineTable(path)
    else {
      this.record(path, anchor, this.bareScalar())
      return
    }
    this.record(path, anchor)
  }

  private array(path: readonly (string | number)[]): void {
    this.pos++
    for (let i = 0; this.skipTrivia(true) < this.text.length && this.text[this.pos] !== ']'; i++) {
      const start = this.pos
      this.value([...path, i], start)
      this.skipTrivia(true)
      if (this.text[this.pos] === ',') this.pos++
      if (this.pos === start) return
    }
    this.pos++
  }

  private inlineTable(path: readonly (string | number)[]): void {
    this.pos++
    while (this.skipTrivia(true) < this.text.length && this.text[this.pos] !== '}') {
      const start = this.pos
      this.keyValue(path)
      this.skipTrivia(true)
      if (this.text[this.pos] === ',') this.pos++
      if (this.pos === start) return
    }
    this.pos++
  }

  /** A number, boolean or date: up to a delimiter; a date followed by ` HH:` continues with its time. */
  private bareScalar(): string {
    const start = this.pos
    this.skipUntilDelimiter()
    if (/^\d{4}-\d{2}-\d{2}$/.test(this.text.slice(start, this.pos)) && /^ \d{2}:/.test(this.text.slice(this.pos))) {
      this.pos++
      this.skipUntilDelimiter()
    }
    return this.text.slice(start, this.pos)
  }

  private skipUntilDelimiter(): void {
    while (this.pos < this.text.length && !SCALAR_END.test(this.text[this.pos]!)) this.pos++
  }

  private basicString(): string {
    let out = ''
    this.pos++
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      const c = this.text[this.pos]!
      if (c !== '\\') {
        out += c
        this.pos++
        continue
      }
      const e = this.text[this.pos + 1] ?? ''
      const hex = e === 'u' ? 4 : e === 'U' ? 8 : 0
      if (hex > 0) {
        out += String.fromCodePoint(Number.parseInt(this.text.slice(this.pos + 2, this.pos + 2 + hex), 16) || 0xfffd)
        this.pos += 2 + hex
      } else {
        out += BASIC_ESCAPES[e] ?? e
        this.pos += 2
      }
    }
    this.pos++
    return out
  }

  private literalString(): string {
    const end = this.text.indexOf("'", this.pos + 1)
    const stop = end < 0 ? this.text.length : end
    const out = this.text.slice(this.pos + 1, stop)
    this.pos = stop + 1
    return out
  }

  /** Skips `"""…"""` or `'''…'''`; up to two quotes next to the closing delimiter belong to the content. */
  private multilineString(delimiter: string): void {
    const q = delimiter[0]!
    this.pos += 3
    while (this.pos < this.text.length) {
      if (q === '"' && this.text[this.pos] === '\\') this.pos += 2
      else if (this.text.startsWith(delimiter, this.pos)) {
        this.pos += 3
        for (let extra = 0; extra < 2 && this.text[this.pos] === q; extra++) this.pos++
        return
      } else this.pos++
    }
  }
}
