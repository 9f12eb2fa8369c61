import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import { lineLocator } from '../json/lines.js'
import { jsonPointer } from '../json/pointer.js'
import { parseStrictJsonWithPositions, StrictJsonError } from '../json/strict.js'
import type { ModelFileError } from './types.js'

/**
 * Reads a model file into plain JSON values (PLATFORM.md §8.1), keeping where each member and element starts so
 * that later errors can name a line and column.
 */
export interface ReadDocument {
  value: unknown
  /** Offset of each member (its key) and element by JSON Pointer. */
  offsets: Map<string, number>
  locate(offset: number): { line: number; column: number }
}

export type ReadResult = { ok: true; doc: ReadDocument } | { ok: false; errors: ModelFileError[] }

export function readJson(text: string): ReadResult {
  try {
    const { value, positions } = parseStrictJsonWithPositions(text)
    return { ok: true, doc: { value, offsets: positions, locate: lineLocator(text) } }
  } catch (e) {
    if (!(e instanceof StrictJsonError)) throw e
    return { ok: false, errors: [{ path: '', line: e.line, column: e.column, code: e.code, message: e.message }] }
  }
}

const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]*)$/

/** YAML 1.2, JSON-compatible subset only: no anchors, aliases, tags, merge keys, floats or duplicate keys. */
export function readYaml(text: string): ReadResult {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, version: '1.2' })
  const locate = (offset: number) => {
    const p = lines.linePos(offset)
    return { line: p.line, column: p.col }
  }
  const errors: ModelFileError[] = []
  const fail = (path: (string | number)[], offset: number, code: string, message: string) =>
    errors.push({ path: jsonPointer(path), ...locate(offset), code, message })

  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      fail([], e.pos[0], e.code === 'DUPLICATE_KEY' ? 'duplicate_key' : 'invalid_yaml', firstLine(e.message))
    }
    return { ok: false, errors }
  }
  if (doc.directives.yaml.explicit && doc.directives.yaml.version !== '1.2') {
    fail([], 0, 'yaml_unsupported', `YAML ${doc.directives.yaml.version} is not accepted; model files are YAML 1.2`)
    return { ok: false, errors }
  }

  const offsets = new Map<string, number>()
  const toPlain = (node: Node | null, path: (string | number)[], at: number): unknown => {
    if (node === null) return null
    const offset = node.range?.[0] ?? at
    if (isAlias(node)) {
      fail(path, offset, 'yaml_unsupported', 'aliases are not accepted (JSON-compatible YAML only)')
      return null
    }
    if (node.anchor) fail(path, offset, 'yaml_unsupported', `anchor &${node.anchor} is not accepted`)
    if (node.tag) fail(path, offset, 'yaml_unsupported', `tag ${node.tag} is not accepted`)
    if (isMap(node)) {
      const obj: Record<string, unknown> = {}
      for (const pair of node.items) {
        const key = pair.key as Node | null
        const keyOffset = key?.range?.[0] ?? offset
        if (!isScalar(key) || typeof key.value !== 'string') {
          fail(path, keyOffset, 'yaml_unsupported', 'mapping keys must be strings')
          continue
        }
        if (key.value === '<<' && key.type === 'PLAIN') {
          fail(path, keyOffset, 'yaml_unsupported', 'merge keys (<<) are not accepted')
          continue
        }
        if (key.anchor || key.tag) fail(path, keyOffset, 'yaml_unsupported', 'anchors and tags are not accepted')
        const memberPath = [...path, key.value]
        offsets.set(jsonPointer(memberPath), keyOffset)
        // An own property even for `__proto__`.
        Object.defineProperty(obj, key.value, {
          value: toPlain(pair.value as Node | null, memberPath, keyOffset),
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      return obj
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const itemOffset = (item as Node | null)?.range?.[0] ?? offset
        offsets.set(jsonPointer([...path, i]), itemOffset)
        return toPlain(item as Node | null, [...path, i], itemOffset)
      })
    }
    if (isScalar(node) && typeof node.value === 'number') {
      const integer =
        node.type === 'PLAIN' && DECIMAL_INTEGER.test(node.source ?? '') && Number.isSafeInteger(node.value)
      if (!integer) {
        fail(
          path,
          offset,
          'validation_failed',
          `number ${node.source} is not accepted; only integers within ±(2^53 − 1)`,
        )
      }
      return node.value
    }
    return isScalar(node) ? node.value : null
  }

  const root = doc.contents as Node | null
  offsets.set('', root?.range?.[0] ?? 0)
  const value = toPlain(root, [], 0)
  return errors.length > 0 ? { ok: false, errors } : { ok: true, doc: { value, offsets, locate } }
}

/** yaml's messages end with " at line L, column C:" and a code excerpt; line and column are reported apart. */
function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
}
