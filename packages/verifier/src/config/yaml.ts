import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parseAllDocuments,
  type Scalar,
  visit,
  type YAMLMap,
} from 'yaml'
import type { TextIndex } from '../checkout/text.js'
import {
  type ConfigNode,
  type Entry,
  type MapNode,
  NULL_SCALAR,
  type ParseResult,
  parsed,
  parseError,
  type ScalarNode,
  scalar,
} from './model.js'

/** The `yaml` package's own bound on alias expansion (its default): a billion-laughs file is an error. */
const MAX_ALIAS_COUNT = 100

const OPTIONS = {
  version: '1.2',
  schema: 'core',
  merge: true,
  uniqueKeys: true,
  prettyErrors: false,
  resolveKnownTags: false,
} as const

/**
 * YAML 1.2 with the core schema, every document of a stream (ASSERTIONS.md §3.8). Duplicate keys and unresolved
 * aliases are parse errors; unknown tags are ignored and their value kept. The documents are walked lazily from the
 * syntax tree, so aliases are never expanded beyond the key path being looked up.
 */
export function parseYaml(text: string, index: TextIndex): ParseResult {
  const documents: ConfigNode[] = []
  for (const doc of parseAllDocuments(text, OPTIONS)) {
    const problem = doc.errors[0]
    if (problem) return parseError(index.lineOf(problem.pos[0]), problem.message)
    // A core-schema tag the value cannot satisfy (`!!int x`) is an error; other tags are ignored (§3.8).
    const badTag = doc.warnings.find((w) =>
      /^Unresolved tag: tag:yaml\.org,2002:(int|float|bool|null)\b/.test(w.message),
    )
    if (badTag) return parseError(index.lineOf(badTag.pos[0]), badTag.message.split('\n')[0]!)
    const reader = new YamlDocumentReader(doc, index)
    const invalid = reader.validate()
    if (invalid) return invalid
    documents.push(reader.root())
  }
  return parsed(...documents)
}

type Collection = Node | Alias | null | undefined

class YamlDocumentReader {
  private readonly aliasTargets = new Map<Alias, Node>()
  private readonly converted = new Map<unknown, ConfigNode>()

  constructor(
    private readonly doc: Document.Parsed,
    private readonly index: TextIndex,
  ) {}

  /** Resolves every alias once (the last anchor of that name before it) and bounds alias expansion. */
  validate(): ParseResult | undefined {
    const anchors = new Map<string, Node>()
    let unresolved: Alias | undefined
    visit(this.doc, {
      Node: (_key, node) => {
        if (isAlias(node)) {
          const target = anchors.get(node.source)
          if (target) this.aliasTargets.set(node, target)
          else unresolved ??= node
        } else if (node.anchor) anchors.set(node.anchor, node)
      },
    })
    if (unresolved) return parseError(this.lineOf(unresolved), `unresolved alias *${unresolved.source}`)
    try {
      // Converting once bounds alias expansion (maxAliasCount) and validates merge keys.
      this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
    } catch (e) {
      return parseError(this.lineOf(this.doc.contents), (e as Error).message)
    }
    return undefined
  }

  root(): ConfigNode {
    return this.node(this.doc.contents)
  }

  private lineOf(node: unknown): number {
    const range = (node as { range?: [number, number, number] } | null)?.range
    return this.index.lineOf(range?.[0] ?? 0)
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? this.aliasTargets.get(node) : node
  }

  private node(raw: unknown): ConfigNode {
    const node = this.deref(raw)
    const known = this.converted.get(node)
    if (known) return known
    if (isScalar(node)) {
      const s = renderScalar(node)
      this.converted.set(node, s)
      return s
    }
    if (isMap(node)) {
      const map: MapNode = { kind: 'map', get: (name) => this.lookup(node, name, new Set()) }
      this.converted.set(node, map)
      return map
    }
    if (isSeq(node)) {
      const items: Entry[] = []
      const list: ConfigNode = { kind: 'list', items }
      // Registered before the items are read, so a sequence that contains itself through an alias terminates.
      this.converted.set(node, list)
      for (const item of node.items) items.push({ node: this.node(item), line: this.lineOf(item) })
      return list
    }
    return NULL_SCALAR
  }

  /** A key of a mapping, merge keys (`<<`) included: explicit keys first, then each merge source in order. */
  private lookup(map: YAMLMap, name: string, visited: Set<YAMLMap>): Entry | undefined {
    if (visited.has(map)) return undefined
    visited.add(map)
    let found: Entry | undefined
    const merges: unknown[] = []
    for (const pair of map.items) {
      const key = this.deref(pair.key)
      if (isScalar(key) && typeof key.value === 'symbol') merges.push(pair.value)
      else if (isScalar(key) && renderScalar(key).text === name) {
        found = { node: this.node(pair.value), line: this.lineOf(pair.key) }
      }
    }
    if (found) return found
    for (const source of merges.flatMap((m) => this.mergeSources(m))) {
      const merged = this.lookup(source, name, visited)
      if (merged) return merged
    }
    return undefined
  }

  private mergeSources(value: unknown): YAMLMap[] {
    const target = this.deref(value) as Collection
    if (isMap(target)) return [target]
    if (isSeq(target)) return target.items.map((i) => this.deref(i)).filter((i): i is YAMLMap => isMap(i))
    return []
  }
}

const CORE_TAGS = new Set(['!', ...['str', 'int', 'float', 'bool', 'null'].map((t) => `tag:yaml.org,2002:${t}`)])
const NULL = /^(?:~|null|Null|NULL|)$/
const BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/
const NUMBER =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/

/** Renders a scalar (§3.9): numbers as written, booleans and null in lower case, strings as their value. */
function renderScalar(node: Scalar): ScalarNode {
  const source = node.source ?? String(node.value)
  if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
    // An unknown tag is ignored: a plain scalar resolves as if untagged, a quoted or block one stays a string.
    return node.type === 'PLAIN' ? resolvePlain(source) : scalar('string', source)
  }
  const v = node.value
  if (v === null) return scalar('null', 'null')
  if (typeof v === 'boolean') return scalar('boolean', String(v))
  if (typeof v === 'number' || typeof v === 'bigint') return scalar('number', source.trim())
  return scalar('string', typeof v === 'string' ? v : source)
}

/** The core schema's resolution of an untagged plain scalar. */
function resolvePlain(source: string): ScalarNode {
  if (NULL.test(source)) return scalar('null', 'null')
  if (BOOL.test(source)) return scalar('boolean', source.toLowerCase())
  if (NUMBER.test(source)) return scalar('number', source)
  return scalar('string', source)
}
