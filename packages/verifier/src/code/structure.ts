/** Definitions and scopes from the nesting of offsets, and lazy call facts, for the Java, Kotlin and C# analyzers. */
import type { NapiConfig, SgNode } from '@ast-grep/napi'
import type {
  Call,
  Definition,
  EnvRead,
  ErrorHandler,
  FileFacts,
  Guard,
  HeaderSite,
  Import,
  LanguageId,
  MiddlewareRegistration,
} from './facts.js'
import { firstSyntaxErrorLine, lazyFacts } from './source.js'
import { extentOf } from './tree.js'

/** What encloses a construct: a definition, or a syntax-error region (§2.5). */
export type Container = { kind: 'error' } | { kind: 'class' | 'function'; name: string; id: number; node: SgNode }

/** A definition as a language analyzer describes it; `buildStructure` adds the id, qualified name and scopes. */
export type DefinitionShape = Omit<Definition, 'id' | 'qualified' | 'scopes'> & { name: string }

/** Ids of the function definitions enclosing a node, innermost first; undefined inside a syntax-error region. */
export type ScopesOf = (node: SgNode) => number[] | undefined

export interface Structure {
  definitions: Definition[]
  scopesOf: ScopesOf
}

/**
 * Properly nested ranges added in document order, answering what encloses a node by its offsets alone: one native
 * call per fact instead of materialising every ancestor across the native boundary.
 */
class Nesting<T> {
  private readonly entries: { start: number; end: number; parent: number; value: T }[] = []

  /** Adds a range; ranges come in document order, an enclosing range before those inside it. */
  add(start: number, end: number, value: T): void {
    this.entries.push({ start, end, parent: this.innermost(start, end), value })
  }

  /** Values of the ranges enclosing the node, innermost first. */
  enclosing(node: SgNode): T[] {
    const { start, end } = extentOf(node)
    const values: T[] = []
    for (let i = this.innermost(start, end); i >= 0; i = this.entries[i]!.parent) values.push(this.entries[i]!.value)
    return values
  }

  private innermost(start: number, end: number): number {
    let lo = 0
    let hi = this.entries.length - 1
    let last = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (this.entries[mid]!.start <= start) {
        last = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    // The last range starting before the node encloses it, or one of its own encloses it.
    let i = last
    while (i >= 0 && this.entries[i]!.end < end) i = this.entries[i]!.parent
    return i
  }
}

function scopesIn(enclosing: Container[]): number[] | undefined {
  const scopes: number[] = []
  for (const c of enclosing) {
    if (c.kind === 'error') return undefined
    if (c.kind === 'function') scopes.push(c.id)
  }
  return scopes
}

/**
 * Collects the definitions a rule selects, in document order, with qualified names built from the enclosing
 * definitions (§2.6) and their scopes; definitions inside syntax-error regions are left out. Shared by the Java,
 * Kotlin and C# analyzers.
 */
export function buildStructure(
  root: SgNode,
  rule: NapiConfig,
  describe: (node: SgNode, enclosing: Container[]) => DefinitionShape | undefined,
): Structure {
  const nesting = new Nesting<Container>()
  const definitions: Definition[] = []
  const found = [...root.findAll({ rule: { kind: 'ERROR' } }), ...root.findAll(rule)].map((node) => ({
    node,
    ...extentOf(node),
  }))
  found.sort((a, b) => a.start - b.start || b.end - a.end)
  for (const { node, start, end } of found) {
    if (node.kind() === 'ERROR') {
      nesting.add(start, end, { kind: 'error' })
      continue
    }
    const enclosing = nesting.enclosing(node)
    const scopes = scopesIn(enclosing)
    const shape = scopes && describe(node, enclosing)
    if (!scopes || !shape) continue
    const { name, ...rest } = shape
    const outer = enclosing.flatMap((c) => (c.kind === 'error' ? [] : [c.name])).reverse()
    const id = definitions.length
    definitions.push({ id, qualified: [...outer, name], ...rest, scopes })
    nesting.add(start, end, { kind: shape.kind, name, id, node })
  }
  return { definitions, scopesOf: (node) => scopesIn(nesting.enclosing(node)) }
}

/** A call fact whose argument identifiers are read on first use: only parameter validation asks for them. */
export function callFact(fields: Omit<Call, 'argIdentifiers'>, readArguments: () => string[]): Call {
  let identifiers: string[] | undefined
  return {
    ...fields,
    get argIdentifiers() {
      identifiers ??= readArguments()
      return identifiers
    },
  }
}

/** The collectors of the categories besides definitions, each over the whole tree with the structure's scopes. */
export interface StructuredCollectors {
  calls: (root: SgNode, scopesOf: ScopesOf) => Call[]
  guards: (root: SgNode, scopesOf: ScopesOf) => Guard[]
  errorHandlers: (root: SgNode, scopesOf: ScopesOf) => ErrorHandler[]
  imports: (root: SgNode, scopesOf: ScopesOf) => Import[]
  envReads: (root: SgNode, scopesOf: ScopesOf) => EnvRead[]
  middleware: (root: SgNode, scopesOf: ScopesOf) => MiddlewareRegistration[]
  headers: (root: SgNode, scopesOf: ScopesOf) => HeaderSite[]
}

/** FileFacts of a Java-like analyzer: the structure is built on first use and gives every category its scopes. */
export function structuredFacts(
  language: LanguageId,
  root: SgNode,
  build: () => Structure,
  collect: StructuredCollectors,
): FileFacts {
  let built: Structure | undefined
  const structure = () => {
    built ??= build()
    return built
  }
  const scopesOf: ScopesOf = (node) => structure().scopesOf(node)
  return lazyFacts(language, () => firstSyntaxErrorLine(root), {
    definitions: () => structure().definitions,
    calls: () => collect.calls(root, scopesOf),
    guards: () => collect.guards(root, scopesOf),
    errorHandlers: () => collect.errorHandlers(root, scopesOf),
    imports: () => collect.imports(root, scopesOf),
    envReads: () => collect.envReads(root, scopesOf),
    middleware: () => collect.middleware(root, scopesOf),
    headers: () => collect.headers(root, scopesOf),
  })
}

/** Java and C#: whether an if-branch exits (a `throw` or `return` at its top level), for guards (§3.5). */
export function branchExits(branch: SgNode | null): boolean {
  const exits = (n: SgNode) => n.kind() === 'throw_statement' || n.kind() === 'return_statement'
  if (!branch) return false
  if (branch.kind() === 'block') return branch.children().some(exits)
  return exits(branch)
}
