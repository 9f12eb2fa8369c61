import type { TextFile } from '../checkout/checkout.js'
import { type ManifestProblem, parseProblem } from './types.js'

/**
 * A strict JSON parser (RFC 8259) that keeps the offset of every value and key, so declarations can be located.
 * A duplicate key keeps the last value, as JSON.parse does.
 */
export type JsonNode =
  | { type: 'object'; offset: number; members: Map<string, JsonMember> }
  | { type: 'array'; offset: number; items: JsonNode[] }
  | { type: 'string'; offset: number; value: string }
  | { type: 'number' | 'boolean' | 'null'; offset: number; raw: string }

export interface JsonMember {
  keyOffset: number
  value: JsonNode
}

export type JsonObject = Extract<JsonNode, { type: 'object' }>

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
  }
}

const MAX_DEPTH = 2000
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
/** A run of string characters that need no decoding (at least one: the caller has checked the first). */
const PLAIN = /[^"\\\u0000-\u001f]+/y

export function parseJsonTree(text: string): JsonNode {
  let pos = 0

  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, pos)
  }
  const skipSpace = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++
  }
  const expect = (ch: string) => {
    skipSpace()
    if (text[pos] !== ch) fail(pos >= text.length ? `expected '${ch}' at end of input` : `expected '${ch}'`)
    pos++
  }

  const parseString = (): string => {
    pos++ // opening quote
    let out = ''
    for (;;) {
      const ch = text[pos]
      if (ch === undefined) return fail('unterminated string')
      if (ch === '"') {
        pos++
        return out
      }
      if (ch === '\\') {
        const esc = text[pos + 1] ?? ''
        if (esc === 'u') {
          const hex = text.slice(pos + 2, pos + 6)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid unicode escape')
          out += String.fromCharCode(Number.parseInt(hex, 16))
          pos += 6
        } else if (esc in ESCAPES) {
          out += ESCAPES[esc]
          pos += 2
        } else fail('invalid escape in string')
      } else if (ch < ' ') {
        fail('control character in string')
      } else {
        PLAIN.lastIndex = pos
        const run = PLAIN.exec(text)![0]
        out += run
        pos += run.length
      }
    }
  }

  const parseValue = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail('nesting too deep')
    skipSpace()
    const offset = pos
    const ch = text[pos]
    if (ch === '{') {
      pos++
      const members = new Map<string, JsonMember>()
      skipSpace()
      if (text[pos] === '}') {
        pos++
        return { type: 'object', offset, members }
      }
      for (;;) {
        skipSpace()
        if (text[pos] !== '"') fail('expected a property name')
        const keyOffset = pos
        const key = parseString()
        expect(':')
        members.delete(key)
        members.set(key, { keyOffset, value: parseValue(depth + 1) })
        skipSpace()
        if (text[pos] === ',') pos++
        else if (text[pos] === '}') {
          pos++
          return { type: 'object', offset, members }
        } else fail("expected ',' or '}'")
      }
    }
    if (ch === '[') {
      pos++
      const items: JsonNode[] = []
      skipSpace()
      if (text[pos] === ']') {
        pos++
        return { type: 'array', offset, items }
      }
      for (;;) {
        items.push(parseValue(depth + 1))
        skipSpace()
        if (text[pos] === ',') pos++
        else if (text[pos] === ']') {
          pos++
          return { type: 'array', offset, items }
        } else fail("expected ',' or ']'")
      }
    }
    if (ch === '"') return { type: 'string', offset, value: parseString() }
    for (const word of ['true', 'false', 'null'] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length
        return { type: word === 'null' ? 'null' : 'boolean', offset, raw: word }
      }
    }
    NUMBER.lastIndex = pos
    const m = NUMBER.exec(text)
    if (m) {
      pos += m[0].length
      return { type: 'number', offset, raw: m[0] }
    }
    return fail(ch === undefined ? 'unexpected end of input' : `unexpected character '${ch}'`)
  }

  const root = parseValue(0)
  skipSpace()
  if (pos < text.length) fail('unexpected content after the value')
  return root
}

export const member = (node: JsonNode | undefined, key: string): JsonMember | undefined =>
  node?.type === 'object' ? node.members.get(key) : undefined

export const asObject = (node: JsonNode | undefined): JsonObject | undefined =>
  node?.type === 'object' ? node : undefined

export const asString = (node: JsonNode | undefined): string | undefined =>
  node?.type === 'string' ? node.value : undefined

/** Parses a file as JSON, or gives the parse problem with its line. */
export function readJson(file: TextFile): JsonNode | ManifestProblem {
  try {
    return parseJsonTree(file.text)
  } catch (e) {
    if (e instanceof JsonSyntaxError) return parseProblem(file, e.message, file.index.lineOf(e.offset))
    throw e
  }
}
