import type { KeySegment } from '@warrant/core'

/**
 * The document model every configuration format is read into (ASSERTIONS.md §3.8): scalars rendered as the file
 * wrote them (§3.9), lists and mappings, each entry with the line of its key (or list item).
 */
export type ScalarType = 'string' | 'number' | 'boolean' | 'null' | 'datetime'

export interface ScalarNode {
  readonly kind: 'scalar'
  readonly type: ScalarType
  /** The rendered value: decoded strings, numbers as written, `true`/`false`, `null`. */
  readonly text: string
  /** XML attributes of an element without child elements, keyed `@name`. */
  readonly attributes?: ReadonlyMap<string, Entry>
}

export interface ListNode {
  readonly kind: 'list'
  readonly items: readonly Entry[]
  /** Repeated XML elements: a name in a key path passes through to every item. */
  readonly repeated?: boolean
}

export interface MapNode {
  readonly kind: 'map'
  get(name: string): Entry | undefined
}

export type ConfigNode = ScalarNode | ListNode | MapNode

export interface Entry {
  readonly node: ConfigNode
  /** 1-based line of the key (or list item) in the file. */
  readonly line: number
}

/**
 * A parsed file: one root per document (only YAML has several), or where and why it did not parse. A file with
 * flat keys (properties, dotenv) is addressed by the whole key path as one name: `spring.datasource.url`.
 */
export type ParseResult =
  | { readonly ok: true; readonly documents: readonly ConfigNode[]; readonly flatKeys?: boolean }
  | { readonly ok: false; readonly line: number; readonly reason: string }

export const parsed = (...documents: ConfigNode[]): ParseResult => ({ ok: true, documents })
export const parsedFlat = (root: ConfigNode): ParseResult => ({ ok: true, documents: [root], flatKeys: true })
export const parseError = (line: number, reason: string): ParseResult => ({ ok: false, line, reason })

export const scalar = (type: ScalarType, text: string, attributes?: ReadonlyMap<string, Entry>): ScalarNode =>
  attributes ? { kind: 'scalar', type, text, attributes } : { kind: 'scalar', type, text }

export const NULL_SCALAR: ScalarNode = scalar('null', 'null')

export const mapOf = (entries: ReadonlyMap<string, Entry>): MapNode => ({
  kind: 'map',
  get: (name) => entries.get(name),
})

function child(node: ConfigNode, name: string): Entry | undefined {
  if (node.kind === 'map') return node.get(name)
  if (node.kind === 'scalar') return node.attributes?.get(name)
  return undefined
}

/** Repeated XML elements stand for each of their items when a name follows. */
const spread = (e: Entry): readonly Entry[] => (e.node.kind === 'list' && e.node.repeated ? e.node.items : [e])

/** A key path as one flat name: segments joined by `.`, indexes written `[n]`. */
export function flatKeyPath(path: readonly KeySegment[]): KeySegment[] {
  const name = path.map((s) => s.name + s.indexes.map((i) => `[${i}]`).join('')).join('.')
  return [{ name, indexes: [] }]
}

/**
 * Every entry a key path reaches in one document. A name into a non-mapping or an index into a non-list reaches
 * nothing; a name after repeated XML elements reaches into each of them.
 */
export function resolveKey(root: ConfigNode, path: readonly KeySegment[]): Entry[] {
  let current: Entry[] = [{ node: root, line: 1 }]
  for (const segment of path) {
    const next: Entry[] = []
    for (const entry of current) {
      for (const item of spread(entry)) {
        const found = child(item.node, segment.name)
        if (found) next.push(found)
      }
    }
    current = next
    for (const index of segment.indexes) {
      current = current.flatMap((e) => {
        const item = e.node.kind === 'list' ? e.node.items[index] : undefined
        return item ? [item] : []
      })
    }
  }
  return current
}
