import { parse, TomlError } from 'smol-toml'
import type { TextFile } from '../checkout/checkout.js'
import { type ManifestProblem, parseProblem } from './types.js'

export type TomlTable = Record<string, unknown>

export const isTable = (x: unknown): x is TomlTable =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date)

export const table = (x: unknown): TomlTable | undefined => (isTable(x) ? x : undefined)

export function readToml(file: TextFile): { root: TomlTable } | ManifestProblem {
  try {
    return { root: parse(file.text) as TomlTable }
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')
      return parseProblem(file, reason, e.line)
    }
    throw e
  }
}

const KEY_PART = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`
const KEY_PATH = String.raw`${KEY_PART}(?:\s*\.\s*${KEY_PART})*`
const HEADER = new RegExp(String.raw`^\s*(\[\[?)\s*(${KEY_PATH})\s*\]`)
const ASSIGNMENT = new RegExp(String.raw`^\s*(${KEY_PATH})\s*=`)
const PART = new RegExp(KEY_PART, 'g')

const splitKey = (path: string) =>
  [...path.matchAll(PART)].map((m) => m[0].replace(/^"(.*)"$/s, '$1').replace(/^'(.*)'$/s, '$1'))

/**
 * Where keys and table headers start, found by a line scan (smol-toml gives no positions). Array-of-tables entries are
 * addressed by their index as a path segment: `package.3.name`. Used for locations only, never for verdicts.
 */
export class TomlLines {
  private readonly offsets = new Map<string, number>()

  constructor(readonly text: string) {
    const arrays = new Map<string, number>()
    let current: string[] = []
    let offset = 0
    let inMultiline = false
    for (const raw of text.split('\n')) {
      const start = offset
      offset += raw.length + 1
      const quotes = (raw.match(/"""|'''/g) ?? []).length
      if (inMultiline) {
        if (quotes % 2 === 1) inMultiline = false
        continue
      }
      if (quotes % 2 === 1) inMultiline = true
      const indent = raw.length - raw.trimStart().length
      const header = HEADER.exec(raw)
      if (header) {
        const path = this.indexed(splitKey(header[2]!), arrays)
        if (header[1] === '[[') {
          const name = path.join('.')
          const index = arrays.get(name) ?? 0
          arrays.set(name, index + 1)
          path.push(String(index))
        }
        current = path
        this.record(path, start + indent)
        continue
      }
      const assignment = ASSIGNMENT.exec(raw)
      if (assignment) this.record([...current, ...splitKey(assignment[1]!)], start + indent)
    }
  }

  /** Inserts the current index after every prefix that names an array of tables (`[package.source]`). */
  private indexed(path: string[], arrays: Map<string, number>): string[] {
    const out: string[] = []
    for (let i = 0; i < path.length; i++) {
      out.push(path[i]!)
      const count = arrays.get(out.join('.'))
      if (count !== undefined && i < path.length - 1) out.push(String(count - 1))
    }
    return out
  }

  private record(path: string[], offset: number): void {
    const key = path.join('\u0000')
    if (!this.offsets.has(key)) this.offsets.set(key, offset)
  }

  /** Offset of a key or table header, else of the nearest enclosing one that was found, else 0. */
  offsetOf(path: readonly string[]): number {
    for (let n = path.length; n > 0; n--) {
      const found = this.offsets.get(path.slice(0, n).join('\u0000'))
      if (found !== undefined) return found
    }
    return 0
  }

  /** Offset of a string element of the array at `path` (PEP 508 strings), else of the array's key. */
  offsetOfString(path: readonly string[], value: string): number {
    const from = this.offsetOf(path)
    for (const quote of ['"', "'"]) {
      const at = this.text.indexOf(`${quote}${value}${quote}`, from)
      if (at >= 0) return at
    }
    return from
  }
}
