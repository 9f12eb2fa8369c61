import type { NapiConfig, SgNode } from '@ast-grep/napi'
import type {
  Call,
  Definition,
  EnvRead,
  ErrorHandler,
  Guard,
  HeaderSite,
  HeaderValue,
  Import,
  MiddlewareRegistration,
  NamePath,
  Parameter,
  Span,
  TestDefinition,
} from './facts.js'
import { HEADER_OBJECT_CALLS, HEADER_SETTERS, RESPONSE_VARIABLES } from './frameworks.js'
import {
  type Analyzer,
  errorNodesPresent,
  firstSyntaxErrorLine,
  inErrorRegion,
  lazyFacts,
  type SourceFile,
  spanOf,
} from './source.js'

/**
 * JavaScript, TypeScript and TSX analyzer (ASSERTIONS §2.5, §2.6, §3.1–§3.5, §3.7, §3.16–§3.18, §3.20, §3.21).
 * Nodes are found with native `findAll` queries; scopes come from the byte ranges of definition bodies, so no fact
 * needs a walk up the tree except in files with syntax errors.
 */
export const analyzeJavaScript: Analyzer = (source) => {
  const root = source.tree?.root()
  if (!root) throw new Error(`javascript analyzer needs a syntax tree: ${source.rel}`)
  const file = new JsFile(source, root, errorNodesPresent(root))
  return lazyFacts(source.language, () => firstSyntaxErrorLine(root), {
    definitions: () => file.definitions(),
    calls: () => file.calls(),
    guards: () => file.guards(),
    errorHandlers: () => file.errorHandlers(),
    imports: () => file.imports(),
    envReads: () => file.envReads(),
    middleware: () => file.middleware(),
    headers: () => file.headers(),
    testBlocks: () => file.testBlocks(),
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Node helpers

const anyKind = (...kinds: string[]) => ({ rule: { any: kinds.map((kind) => ({ kind })) } })

const sameNode = (a: SgNode | null, b: SgNode) => a !== null && a.id() === b.id()

const startOf = (n: SgNode) => n.range().start.index

/**
 * Defines `key` as an enumerable property computed on first read. Tree queries cost a native call per node, so the
 * costly parts of a fact (identifier lists, parameters, decorators) are only computed for facts an evaluator reads.
 */
function lazily<T extends object, K extends string, V>(target: T, key: K, compute: () => V): T & Record<K, V> {
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      const value = compute()
      Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true })
      return value
    },
  })
  return target as T & Record<K, V>
}

/** A span from the start of one node to the end of another (a member call is located at its method name). */
function spanBetween(start: SgNode, end: SgNode): Span {
  const s = start.range().start
  return { line: s.line + 1, column: s.column + 1, endLine: end.range().end.line + 1 }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' }

function decodeEscapes(raw: string): string {
  return raw.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])/g, (_, e: string) => {
    if (e.startsWith('u{')) return String.fromCodePoint(Number.parseInt(e.slice(2, -1), 16))
    if (e.length > 1 && (e[0] === 'u' || e[0] === 'x')) return String.fromCharCode(Number.parseInt(e.slice(1), 16))
    if (e === '\r\n' || e === '\n' || e === '\r' || e === '\u2028' || e === '\u2029') return ''
    return ESCAPES[e] ?? e
  })
}

/** The value of a string literal or of a template literal without substitutions; undefined for anything else. */
function literalString(n: SgNode | null): string | undefined {
  if (!n) return undefined
  const kind = n.kind()
  if (kind !== 'string' && kind !== 'template_string') return undefined
  if (kind === 'template_string' && n.children().some((c) => c.kind() === 'template_substitution')) return undefined
  return decodeEscapes(n.text().slice(1, -1))
}

/** The value of a literal as written: strings and substitution-free templates decoded, numbers as written. */
function literalValue(n: SgNode | null): string | undefined {
  if (n?.kind() === 'number') return n.text()
  return literalString(n)
}

/** Strips wrappers that do not change what an expression is (`x!`, `x as T`, `(x)`, `await x`). */
const WRAPPER_KINDS = new Set([
  'parenthesized_expression',
  'non_null_expression',
  'as_expression',
  'satisfies_expression',
  'await_expression',
])

function unwrap(n: SgNode): SgNode {
  let cur = n
  while (WRAPPER_KINDS.has(cur.kind() as string)) {
    const inner = cur.namedChildren().find((c) => c.kind() !== 'comment')
    if (!inner) return cur
    cur = inner
  }
  return cur
}

/**
 * The call path of §3.4 for a callee or reference: identifiers and member names, `?.` read as `.`, `this`/`super`
 * kept; a receiver that is not itself a name chain (a call, a subscript, a literal) ends the chain.
 */
function pathOf(n: SgNode): NamePath | undefined {
  switch (n.kind()) {
    case 'identifier':
    case 'this':
    case 'super':
    case 'property_identifier':
    case 'private_property_identifier':
      return [n.text()]
    case 'member_expression': {
      const obj = n.field('object')
      const prop = n.field('property')
      if (!obj || !prop) return undefined
      return [...(pathOf(obj) ?? []), prop.text()]
    }
    case 'non_null_expression': {
      const inner = n.child(0)
      return inner ? pathOf(inner) : undefined
    }
    default:
      return undefined
  }
}

/** The identifier a member chain starts from (`token.verify` → token), if it starts from one. */
function chainRoot(n: SgNode | null): string | undefined {
  let cur: SgNode | null = n
  while (cur && (cur.kind() === 'member_expression' || cur.kind() === 'non_null_expression')) {
    cur = cur.kind() === 'member_expression' ? cur.field('object') : cur.child(0)
  }
  return cur?.kind() === 'identifier' ? cur.text() : undefined
}

/** Identifiers occurring anywhere in a node (shorthand `{ email }` included), each once. */
function identifiersIn(n: SgNode | null): string[] {
  if (!n) return []
  const found = new Set<string>()
  if (n.kind() === 'identifier' || n.kind() === 'shorthand_property_identifier') found.add(n.text())
  for (const id of n.findAll(anyKind('identifier', 'shorthand_property_identifier'))) found.add(id.text())
  return [...found]
}

/** Name of a class member or object key: identifiers (`#f` keeps its `#`), string and number keys. */
function memberName(n: SgNode | null): string | undefined {
  if (!n) return undefined
  switch (n.kind()) {
    case 'property_identifier':
    case 'private_property_identifier':
    case 'identifier':
    case 'type_identifier':
    case 'number':
      return n.text()
    case 'string':
      return literalString(n)
    default:
      return undefined
  }
}

/** The callee of a call or `new` expression. */
const calleeOf = (call: SgNode) => call.field('function') ?? call.field('constructor')

/** Arguments of a call as nodes (a tagged template has the template as its only argument). */
function argumentsOf(call: SgNode): SgNode[] {
  const args = call.field('arguments')
  if (!args) return []
  if (args.kind() !== 'arguments') return [args]
  return args.children().filter((c) => c.isNamed() && c.kind() !== 'comment')
}

// ---------------------------------------------------------------------------------------------------------------
// Definitions and scopes

const FUNCTION_VALUE_KINDS = new Set(['function_expression', 'generator_function', 'arrow_function'])

/** A definition, or a named class expression that only qualifies its members (not itself a definition, §3.2). */
interface DefSite {
  def?: Definition
  name: string
  /** Byte offset the definition is located at; enclosing definitions are those whose body contains it. */
  anchor: number
  /** Byte range of the body; facts in it are lexically inside the definition. Empty for bodiless signatures. */
  bodyStart: number
  bodyEnd: number
  /** Object-literal qualification between the enclosing definitions and the name (`obj` in `obj.k`). */
  objectPath: string[]
  parent?: DefSite
}

interface DefDraft {
  kind: 'function' | 'class'
  name: string
  typeKind?: string
  anchor: SgNode
  body: SgNode | null
  hasBody: boolean
  /** The function node whose parameters the definition declares. */
  function?: SgNode
  /** The class member whose decorators the definition carries. */
  member?: SgNode
  objectPath: string[]
  /** A class expression not bound to a variable: its name qualifies its members, it defines nothing itself. */
  qualifierOnly?: boolean
}

const JS_DEFINITION_KINDS = [
  'function_declaration',
  'generator_function_declaration',
  'function_expression',
  'generator_function',
  'arrow_function',
  'method_definition',
  'class_declaration',
  'class',
]
/** TypeScript's grammars know these kinds; a query naming them is refused by the JavaScript grammar. */
const TS_DEFINITION_KINDS = [
  ...JS_DEFINITION_KINDS,
  'function_signature',
  'method_signature',
  'abstract_method_signature',
  'abstract_class_declaration',
  'interface_declaration',
  'enum_declaration',
  'type_alias_declaration',
]

/** Where a function expression or arrow function is bound to a name (§3.1), if it is. */
function functionBinding(fn: SgNode): { name: string; anchor: SgNode; objectPath: string[] } | undefined {
  const p = fn.parent()
  if (!p) return undefined
  switch (p.kind()) {
    case 'variable_declarator': {
      const name = p.field('name')
      if (!sameNode(p.field('value'), fn) || name?.kind() !== 'identifier') return undefined
      return { name: name.text(), anchor: p, objectPath: [] }
    }
    case 'assignment_expression': {
      const left = p.field('left')
      if (!sameNode(p.field('right'), fn) || !left) return undefined
      const target = pathOf(left)?.join('.') ?? ''
      const exported = /^(module\.)?exports\.[^.]+$/.exec(target)
      return exported ? { name: target.slice(target.lastIndexOf('.') + 1), anchor: p, objectPath: [] } : undefined
    }
    case 'pair': {
      const name = memberName(p.field('key'))
      if (!sameNode(p.field('value'), fn) || name === undefined) return undefined
      return { name, anchor: p, objectPath: objectQualifier(p.parent()) }
    }
    case 'field_definition':
    case 'public_field_definition': {
      const name = memberName(p.field('property') ?? p.field('name'))
      if (!sameNode(p.field('value'), fn) || name === undefined) return undefined
      return { name, anchor: p, objectPath: [] }
    }
    default:
      return undefined
  }
}

/** The qualification an object literal gets from what it is bound to (§2.6: a literal bound to `v` qualifies by `v`). */
function objectQualifier(obj: SgNode | null): string[] {
  if (obj?.kind() !== 'object') return []
  let value = obj
  let p = obj.parent()
  while (
    p &&
    (p.kind() === 'as_expression' || p.kind() === 'satisfies_expression' || p.kind() === 'parenthesized_expression')
  ) {
    value = p
    p = p.parent()
  }
  if (!p) return []
  switch (p.kind()) {
    case 'variable_declarator': {
      const name = p.field('name')
      return sameNode(p.field('value'), value) && name?.kind() === 'identifier' ? [name.text()] : []
    }
    case 'pair': {
      const key = memberName(p.field('key'))
      return sameNode(p.field('value'), value) && key !== undefined ? [...objectQualifier(p.parent()), key] : []
    }
    case 'field_definition':
    case 'public_field_definition': {
      const name = memberName(p.field('property') ?? p.field('name'))
      return sameNode(p.field('value'), value) && name !== undefined ? [name] : []
    }
    case 'assignment_expression': {
      const left = p.field('left')
      const path = left ? pathOf(left) : undefined
      if (!sameNode(p.field('right'), value) || !path) return []
      const isModuleExports = path.join('.') === 'exports' || path.join('.') === 'module.exports'
      return isModuleExports ? [] : [path[path.length - 1]!]
    }
    default:
      return []
  }
}

/** Decorator callee path without arguments: `@a.b(x)` → ['a','b']. */
function decoratorPath(decorator: SgNode): NamePath | undefined {
  const expr = decorator.namedChildren()[0]
  if (!expr) return undefined
  return pathOf(expr.kind() === 'call_expression' ? (expr.field('function') ?? expr) : expr)
}

/** A class member's own decorators: children (JavaScript grammar) and the decorators just before it (TypeScript). */
function memberDecorators(member: SgNode): { path: NamePath; at: Span }[] {
  const nodes = member.children().filter((c) => c.kind() === 'decorator')
  for (let p = member.prev(); p?.kind() === 'decorator'; p = p.prev()) nodes.unshift(p)
  const out: { path: NamePath; at: Span }[] = []
  for (const d of nodes) {
    const path = decoratorPath(d)
    if (path) out.push({ path, at: spanOf(d) })
  }
  return out
}

/** §3.5's validator words; `validat` rather than `validate` so that the spec's own `ValidationPipe` example counts. */
const VALIDATOR_WORD = /validat|check|sanitize|verify|assert|ensure|parse|clean/i

/** §3.5 form 3 for TypeScript: a parameter decorator whose name or arguments contain a validator word. */
function declarativeValidation(param: SgNode): string | undefined {
  for (const d of param.children()) {
    if (d.kind() !== 'decorator') continue
    const names = d.findAll(anyKind('identifier', 'property_identifier', 'type_identifier')).map((n) => n.text())
    if (names.some((n) => VALIDATOR_WORD.test(n))) return `decorator '${(decoratorPath(d) ?? names).join('.')}'`
  }
  return undefined
}

/** Names bound by a parameter pattern (destructuring included), with their spans. */
function patternNames(n: SgNode | null, out: SgNode[]): void {
  if (!n) return
  switch (n.kind()) {
    case 'identifier':
    case 'shorthand_property_identifier_pattern':
      out.push(n)
      return
    case 'assignment_pattern':
    case 'object_assignment_pattern':
      patternNames(n.field('left'), out)
      return
    case 'pair_pattern':
      patternNames(n.field('value'), out)
      return
    case 'object_pattern':
    case 'array_pattern':
    case 'rest_pattern':
      for (const c of n.namedChildren()) patternNames(c, out)
      return
    default:
      return
  }
}

function paramsOf(fn: SgNode): Parameter[] {
  const single = fn.field('parameter')
  const list = single ? [single] : (fn.field('parameters')?.namedChildren() ?? [])
  const params: Parameter[] = []
  for (const p of list) {
    const typed = p.kind() === 'required_parameter' || p.kind() === 'optional_parameter'
    const names: SgNode[] = []
    patternNames(typed ? p.field('pattern') : p, names)
    const validation = typed ? declarativeValidation(p) : undefined
    for (const n of names) {
      params.push({ name: n.text(), at: spanOf(n), ...(validation ? { declarativeValidation: validation } : {}) })
    }
  }
  return params
}

/** Span of a definition, starting after its own leading decorators. */
function definitionSpan(n: SgNode): Span {
  if (n.child(0)?.kind() !== 'decorator') return spanOf(n)
  const first = n.children().find((c) => c.kind() !== 'decorator')
  return first ? spanBetween(first, n) : spanOf(n)
}

function functionDraft(node: SgNode, name: string, anchor: SgNode, objectPath: string[], member?: SgNode): DefDraft {
  const body = node.field('body')
  return {
    kind: 'function',
    name,
    anchor,
    body,
    hasBody: body !== null,
    function: node,
    ...(member ? { member } : {}),
    objectPath,
  }
}

function classDraft(node: SgNode, name: string, typeKind: string, anchor: SgNode, hasBody: boolean): DefDraft {
  return {
    kind: 'class',
    name,
    typeKind,
    anchor,
    body: node.field('body'),
    hasBody,
    objectPath: [],
  }
}

const isAmbient = (n: SgNode) => n.parent()?.kind() === 'ambient_declaration'

/** Reads one candidate node into a definition draft, or undefined when it defines nothing (§3.1, §3.2). */
function draftOf(node: SgNode): DefDraft | undefined {
  const kind = node.kind()
  switch (kind) {
    case 'function_declaration':
    case 'generator_function_declaration':
    case 'function_signature': {
      const name = node.field('name')?.text()
      return name ? functionDraft(node, name, node, []) : undefined
    }
    case 'function_expression':
    case 'generator_function':
    case 'arrow_function': {
      const binding = functionBinding(node)
      return binding ? functionDraft(node, binding.name, binding.anchor, binding.objectPath) : undefined
    }
    case 'method_definition':
    case 'method_signature':
    case 'abstract_method_signature': {
      const name = memberName(node.field('name'))
      if (name === undefined) return undefined
      const container = node.parent()
      if (container?.kind() === 'object') return functionDraft(node, name, node, objectQualifier(container))
      return functionDraft(node, name, node, [], node)
    }
    case 'class_declaration':
    case 'abstract_class_declaration': {
      const name = node.field('name')?.text()
      return name ? classDraft(node, name, 'class', node, !isAmbient(node)) : undefined
    }
    case 'class': {
      const p = node.parent()
      const variable = p?.kind() === 'variable_declarator' && sameNode(p.field('value'), node) ? p.field('name') : null
      if (p && variable?.kind() === 'identifier') return classDraft(node, variable.text(), 'class', p, true)
      const own = node.field('name')?.text()
      return own ? { ...classDraft(node, own, 'class', node, true), qualifierOnly: true } : undefined
    }
    case 'interface_declaration':
    case 'enum_declaration': {
      const name = node.field('name')?.text()
      const typeKind = kind === 'interface_declaration' ? 'interface' : 'enum'
      return name ? classDraft(node, name, typeKind, node, !isAmbient(node)) : undefined
    }
    case 'type_alias_declaration': {
      const name = node.field('name')?.text()
      if (!name || node.field('value')?.kind() !== 'object_type') return undefined
      return { ...classDraft(node, name, 'type', node, !isAmbient(node)), body: node.field('value') }
    }
    default:
      return undefined
  }
}

/** Definitions ordered by body start, with each one's nearest enclosing definition, for range-based scope lookup. */
class ScopeIndex {
  private readonly sorted: DefSite[]

  constructor(sites: DefSite[]) {
    this.sorted = [...sites].sort((a, b) => a.bodyStart - b.bodyStart || b.bodyEnd - a.bodyEnd)
    const stack: DefSite[] = []
    for (const site of this.sorted) {
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!
        if (top.bodyStart <= site.bodyStart && site.bodyEnd <= top.bodyEnd && top.bodyEnd > top.bodyStart) break
        stack.pop()
      }
      site.parent = stack[stack.length - 1]
      stack.push(site)
    }
  }

  /** Sites whose body contains the byte offset, innermost first. */
  enclosing(offset: number): DefSite[] {
    let lo = 0
    let hi = this.sorted.length - 1
    let last = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (this.sorted[mid]!.bodyStart <= offset) {
        last = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    const out: DefSite[] = []
    for (let s = last >= 0 ? this.sorted[last] : undefined; s; s = s.parent) {
      if (s.bodyStart <= offset && offset < s.bodyEnd) out.push(s)
    }
    return out
  }

  /** Ids of the function definitions enclosing the offset, innermost first. */
  scopes(offset: number): number[] {
    const ids: number[] = []
    for (const s of this.enclosing(offset)) if (s.def?.kind === 'function') ids.push(s.def.id)
    return ids
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Headers (§3.21)

/** helmet 7 defaults: each header with the option names that control it (current name first, legacy alias second). */
const HELMET_HEADERS: [header: string, options: string[]][] = [
  ['Content-Security-Policy', ['contentSecurityPolicy']],
  ['Cross-Origin-Opener-Policy', ['crossOriginOpenerPolicy']],
  ['Cross-Origin-Resource-Policy', ['crossOriginResourcePolicy']],
  ['Origin-Agent-Cluster', ['originAgentCluster']],
  ['Referrer-Policy', ['referrerPolicy']],
  ['Strict-Transport-Security', ['strictTransportSecurity', 'hsts']],
  ['X-Content-Type-Options', ['xContentTypeOptions', 'noSniff']],
  ['X-DNS-Prefetch-Control', ['xDnsPrefetchControl', 'dnsPrefetchControl']],
  ['X-Download-Options', ['xDownloadOptions', 'ieNoOpen']],
  ['X-Frame-Options', ['xFrameOptions', 'frameguard']],
  ['X-Permitted-Cross-Domain-Policies', ['xPermittedCrossDomainPolicies', 'permittedCrossDomainPolicies']],
  ['X-XSS-Protection', ['xXssProtection', 'xssFilter']],
]
const HELMET_MIDDLEWARE = new Map(HELMET_HEADERS.flatMap(([header, options]) => options.map((o) => [o, header])))

const LITERAL_OPTION_KINDS = new Set(['true', 'object', 'array', 'number', 'string', 'template_string'])

function headerValue(n: SgNode | undefined): HeaderValue {
  const text = n ? literalValue(n) : undefined
  return text === undefined ? { kind: 'dynamic' } : { kind: 'literal', text }
}

// ---------------------------------------------------------------------------------------------------------------
// The analysis of one file

const TEST_CALLEE = /^(it|test|specify)(\.(only|skip))?$/
const SUITE_CALLEE = /^(describe|context|suite)(\.(only|skip))?$/

class JsFile {
  private defSites?: { sites: DefSite[]; index: ScopeIndex }

  constructor(
    private readonly source: SourceFile,
    private readonly root: SgNode,
    private readonly hasErrors: boolean,
  ) {}

  /** Constructs in a syntax-error region never count (§2.5). */
  private bad(n: SgNode): boolean {
    return this.hasErrors && inErrorRegion(n)
  }

  private find(rule: NapiConfig): SgNode[] {
    return this.root.findAll(rule).filter((n) => !this.bad(n))
  }

  private scopes(n: SgNode): number[] {
    return this.scopeIndex().scopes(startOf(n))
  }

  private scopeIndex(): ScopeIndex {
    return this.sites().index
  }

  private sites(): { sites: DefSite[]; index: ScopeIndex } {
    if (this.defSites) return this.defSites
    const kinds = this.source.language === 'javascript' ? JS_DEFINITION_KINDS : TS_DEFINITION_KINDS
    const drafts = this.find(anyKind(...kinds))
      .map((n) => draftOf(n))
      .filter((d): d is DefDraft => d !== undefined)
    let nextId = 0
    const sites: DefSite[] = drafts.map((d) => {
      const anchor = startOf(d.anchor)
      const body = d.body?.range()
      const site: DefSite = {
        name: d.name,
        anchor,
        bodyStart: body ? body.start.index : anchor,
        bodyEnd: body ? body.end.index : anchor,
        objectPath: d.objectPath,
      }
      if (!d.qualifierOnly) {
        const def = {
          id: nextId++,
          kind: d.kind,
          qualified: [],
          ...(d.typeKind ? { typeKind: d.typeKind } : {}),
          at: definitionSpan(d.anchor),
          hasBody: d.hasBody,
          scopes: [],
        }
        const withParams = lazily(def, 'params', () => (d.function ? paramsOf(d.function) : []))
        site.def = lazily(withParams, 'decorators', () => (d.member ? memberDecorators(d.member) : []))
      }
      return site
    })
    const index = new ScopeIndex(sites)
    for (const site of sites) {
      if (!site.def) continue
      const outer = index.enclosing(site.anchor)
      site.def.qualified = [...outer.map((s) => s.name).reverse(), ...site.objectPath, site.name]
      site.def.scopes = outer.filter((s) => s.def?.kind === 'function').map((s) => s.def!.id)
    }
    this.defSites = { sites, index }
    return this.defSites
  }

  definitions(): Definition[] {
    return this.sites().sites.flatMap((s) => (s.def ? [s.def] : []))
  }

  calls(): Call[] {
    const out: Call[] = []
    for (const call of this.find(anyKind('call_expression', 'new_expression'))) {
      const callee = calleeOf(call)
      if (!callee || callee.kind() === 'import') continue
      const path = pathOf(callee)
      if (!path || path.length === 0) continue
      const member = callee.kind() === 'member_expression' ? callee : null
      const fact = {
        path,
        at: call.kind() === 'new_expression' || !member ? spanOf(call) : spanBetween(member.field('property')!, call),
        scopes: this.scopes(call),
      }
      const withArgs = lazily(fact, 'argIdentifiers', () => identifiersIn(call.field('arguments')))
      out.push(
        lazily(withArgs, 'receiverIdentifiers', () => {
          const root = member ? chainRoot(member.field('object')) : undefined
          return root ? [root] : []
        }),
      )
    }
    return out
  }

  guards(): Guard[] {
    const out: Guard[] = []
    for (const stmt of this.find({ rule: { kind: 'if_statement' } })) {
      const alternative = stmt.field('alternative')
      const branches = [stmt.field('consequence'), alternative?.namedChildren().find((c) => c.kind() !== 'comment')]
      if (!branches.some((b) => b && branchExits(b))) continue
      const guard = { kind: 'guard' as const, at: spanOf(stmt), scopes: this.scopes(stmt) }
      out.push(lazily(guard, 'identifiers', () => identifiersIn(stmt.field('condition'))))
    }
    return out
  }

  errorHandlers(): ErrorHandler[] {
    const out: ErrorHandler[] = []
    for (const clause of this.find({ rule: { kind: 'catch_clause' } })) {
      const param = clause.field('parameter')
      const name = param?.kind() === 'identifier' ? param.text() : undefined
      const handler = { label: 'catch', at: spanOf(clause), scopes: this.scopes(clause) }
      out.push(lazily(handler, 'types', () => instanceofTypes(clause.field('body'), name)))
    }
    const promiseCatch = {
      rule: { kind: 'call_expression', has: { field: 'function', kind: 'member_expression', regex: 'catch$' } },
    }
    for (const call of this.find(promiseCatch)) {
      const property = call.field('function')?.field('property')
      if (property?.text() !== 'catch') continue
      const handler = { label: '.catch', at: spanBetween(property, call), scopes: this.scopes(call) }
      const types = () => {
        const callback = argumentsOf(call)[0]
        if (!callback || !FUNCTION_VALUE_KINDS.has(callback.kind() as string)) return []
        return instanceofTypes(callback.field('body'), firstParamName(callback))
      }
      out.push(lazily(handler, 'types', types))
    }
    return out
  }

  imports(): Import[] {
    const out: Import[] = []
    const add = (module: string | undefined, at: SgNode) => {
      if (module === undefined) return
      const span = spanOf(at)
      out.push({ module, at: span, text: this.source.index.lineText(span.line).trim() })
    }
    for (const stmt of this.find(anyKind('import_statement', 'export_statement'))) {
      const source = stmt.field('source') ?? (stmt.kind() === 'import_statement' ? requiredSource(stmt) : null)
      if (source) add(literalString(source), stmt)
    }
    const loaders = { rule: { kind: 'call_expression', has: { field: 'function', regex: '^(require|import)$' } } }
    for (const call of this.find(loaders)) {
      const callee = call.field('function')
      if (callee?.kind() !== 'import' && !(callee?.kind() === 'identifier' && callee.text() === 'require')) continue
      add(literalString(argumentsOf(call)[0] ?? null), call)
    }
    return out.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column)
  }

  envReads(): EnvRead[] {
    const out: EnvRead[] = []
    const envAccess = {
      rule: {
        any: [{ kind: 'member_expression' }, { kind: 'subscript_expression' }],
        has: { field: 'object', regex: 'env$' },
      },
    }
    for (const n of this.find(envAccess)) {
      const object = n.field('object')
      if (!object || !isEnvObject(object) || isAssignedTo(n)) continue
      const name =
        n.kind() === 'member_expression' ? propertyName(n.field('property')) : literalString(n.field('index'))
      if (name !== undefined) out.push({ name, at: spanOf(n), text: n.text() })
    }
    const destructuring = { rule: { kind: 'variable_declarator', has: { field: 'value', regex: 'env$' } } }
    for (const decl of this.find(destructuring)) {
      const value = decl.field('value')
      const pattern = decl.field('name')
      if (!value || !isEnvObject(value) || pattern?.kind() !== 'object_pattern') continue
      const text = decl.text().split('\n')[0]!
      for (const entry of pattern.namedChildren()) {
        const key = destructuredKey(entry)
        if (key) out.push({ name: key.name, at: spanOf(key.node), text })
      }
    }
    return out.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column)
  }

  middleware(): MiddlewareRegistration[] {
    const out: MiddlewareRegistration[] = []
    const registrations = {
      rule: {
        kind: 'call_expression',
        has: { field: 'function', kind: 'member_expression', has: { field: 'property', regex: '^(use|register)$' } },
      },
    }
    for (const call of this.find(registrations)) {
      const callee = call.field('function')!
      const method = callee.field('property')!.text()
      const via = (pathOf(callee) ?? [method]).join('.')
      const args = argumentsOf(call)
      for (const arg of method === 'register' ? args.slice(0, 1) : args) {
        for (const m of flattenArrays(arg)) {
          const reg = registration(unwrap(m), method === 'register')
          if (reg) out.push({ ...reg, at: spanOf(m), via })
        }
      }
    }
    return out
  }

  headers(): HeaderSite[] {
    const out: HeaderSite[] = []
    const headerCalls = {
      rule: {
        kind: 'call_expression',
        has: {
          field: 'function',
          regex: '(setHeader|set|header|headers|append|add|addHeader|Set|Add|Append|insert_header|writeHead)$',
        },
      },
    }
    for (const call of this.find(headerCalls)) {
      const path = pathOf(call.field('function')!)
      const method = path?.[path.length - 1]
      if (!path || !method) continue
      const via = path.join('.')
      const args = argumentsOf(call)
      // Every header-setting API takes a value too; a lone argument (`seen.add('X-Frame-Options')`) sets nothing.
      const name = HEADER_SETTERS.has(method) && args.length >= 2 ? literalString(args[0]!) : undefined
      if (name !== undefined) out.push({ name, value: headerValue(args[1]), at: spanOf(args[0]!), via })
      if (!HEADER_OBJECT_CALLS.has(method)) continue
      // `res.set({…})` takes the headers first; `writeHead(status, [message], {…})` takes them last.
      for (const arg of method === 'writeHead' ? args : args.slice(0, 1)) {
        if (arg.kind() !== 'object') continue
        for (const pair of arg.namedChildren()) {
          if (pair.kind() !== 'pair') continue
          const key = pair.field('key')
          const keyName = key?.kind() === 'property_identifier' ? key.text() : literalString(key)
          const value = pair.field('value')
          if (key && keyName !== undefined)
            out.push({ name: keyName, value: headerValue(value ?? undefined), at: spanOf(key), via })
        }
      }
    }
    for (const assign of this.find({
      rule: { kind: 'assignment_expression', has: { field: 'left', kind: 'subscript_expression' } },
    })) {
      const left = assign.field('left')!
      const target = left.field('object')
      const name = literalString(left.field('index'))
      if (!target || name === undefined || !isHeaderTarget(target)) continue
      const via = `${(pathOf(target) ?? ['headers']).join('.')}[...]`
      out.push({ name, value: headerValue(assign.field('right') ?? undefined), at: spanOf(left), via })
    }
    const helmetCalls = { rule: { kind: 'call_expression', has: { field: 'function', regex: '^helmet\\b' } } }
    for (const call of this.find(helmetCalls)) out.push(...helmetSites(call))
    return out.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column)
  }

  testBlocks(): TestDefinition[] {
    const calleeRegex = (re: RegExp) => ({
      rule: { kind: 'call_expression', has: { field: 'function', regex: re.source } },
    })
    const suites: { start: number; end: number; title: string }[] = []
    for (const call of this.find(calleeRegex(SUITE_CALLEE))) {
      const title = literalString(argumentsOf(call)[0] ?? null)
      const args = call.field('arguments')
      if (title !== undefined && args) suites.push({ start: startOf(args), end: args.range().end.index, title })
    }
    const out: TestDefinition[] = []
    for (const call of this.find(calleeRegex(TEST_CALLEE))) {
      const callee = call.field('function')
      if (!callee || !TEST_CALLEE.test(pathOf(callee)?.join('.') ?? '')) continue
      const name = literalString(argumentsOf(call)[0] ?? null)
      if (name === undefined) continue
      const at = startOf(call)
      const titles = suites.filter((s) => s.start <= at && at < s.end).map((s) => s.title)
      out.push({ name, fullName: [...titles, name].join(' '), at: spanOf(call) })
    }
    return out
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Category helpers

/** The module of `import x = require('m')`. */
function requiredSource(stmt: SgNode): SgNode | null {
  return (
    stmt
      .children()
      .find((c) => c.kind() === 'import_require_clause')
      ?.field('source') ?? null
  )
}

/** Whether a branch of an if statement contains, at its top level, a throw, a return, or a panic/abort call. */
function branchExits(branch: SgNode): boolean {
  const statements = branch.kind() === 'statement_block' ? branch.namedChildren() : [branch]
  return statements.some((s) => {
    const kind = s.kind()
    if (kind === 'throw_statement' || kind === 'return_statement') return true
    if (kind !== 'expression_statement') return false
    const expr = s.namedChildren()[0]
    const callee = expr?.kind() === 'call_expression' ? expr.field('function') : null
    const path = callee ? pathOf(callee) : undefined
    return path?.length === 1 && (path[0] === 'panic' || path[0] === 'abort')
  })
}

/** The first parameter's name when it is a plain identifier (`err => …`, `(err: unknown) => …`). */
function firstParamName(fn: SgNode): string | undefined {
  const first = fn.field('parameter') ?? fn.field('parameters')?.namedChildren()[0]
  const name = first?.kind() === 'required_parameter' ? first.field('pattern') : first
  return name?.kind() === 'identifier' ? name.text() : undefined
}

/** Types tested with `<name> instanceof X` in a handler body (§3.18). */
function instanceofTypes(body: SgNode | null, name: string | undefined): NamePath[] {
  if (!body || name === undefined) return []
  const tests = body.findAll({ rule: { kind: 'binary_expression', has: { field: 'operator', regex: '^instanceof$' } } })
  if (body.kind() === 'binary_expression') tests.unshift(body)
  const types: NamePath[] = []
  for (const t of tests) {
    const left = t.field('left')
    const right = t.field('right')
    if (t.field('operator')?.text() !== 'instanceof' || left?.kind() !== 'identifier' || left.text() !== name) continue
    const path = right ? pathOf(right) : undefined
    if (path && !types.some((p) => p.join('.') === path.join('.'))) types.push(path)
  }
  return types
}

/** `process.env` or `import.meta.env`, with optional chaining. */
function isEnvObject(n: SgNode): boolean {
  if (n.kind() !== 'member_expression' || n.field('property')?.text() !== 'env') return false
  const owner = n.field('object')
  if (owner?.kind() === 'identifier') return owner.text() === 'process'
  return owner?.kind() === 'meta_property' && owner.text().replace(/\s/g, '') === 'import.meta'
}

/** `process.env.X = …` writes the variable; it does not read it. */
function isAssignedTo(n: SgNode): boolean {
  const p = n.parent()
  return p?.kind() === 'assignment_expression' && sameNode(p.field('left'), n)
}

const propertyName = (n: SgNode | null) => (n?.kind() === 'property_identifier' ? n.text() : undefined)

/** The environment key an entry of `const { … } = process.env` reads. */
function destructuredKey(entry: SgNode): { name: string; node: SgNode } | undefined {
  switch (entry.kind()) {
    case 'shorthand_property_identifier_pattern':
      return { name: entry.text(), node: entry }
    case 'object_assignment_pattern': {
      const left = entry.field('left')
      return left?.kind() === 'shorthand_property_identifier_pattern' ? { name: left.text(), node: left } : undefined
    }
    case 'pair_pattern': {
      const key = entry.field('key')
      const name = key?.kind() === 'property_identifier' ? key.text() : literalString(key)
      return key && name !== undefined ? { name, node: key } : undefined
    }
    default:
      return undefined
  }
}

function flattenArrays(n: SgNode): SgNode[] {
  return n.kind() === 'array' ? n.namedChildren().flatMap((c) => flattenArrays(c)) : [n]
}

/** A middleware argument: a name (`helmet`), a call of one (`helmet()`, `new M()`), or a loaded package (Fastify). */
function registration(
  arg: SgNode,
  loadsPackages: boolean,
): Pick<MiddlewareRegistration, 'path' | 'packageName'> | undefined {
  const kind = arg.kind()
  if (kind === 'identifier' || kind === 'member_expression') {
    const path = pathOf(arg)
    return path ? { path } : undefined
  }
  if (kind !== 'call_expression' && kind !== 'new_expression') return undefined
  const callee = calleeOf(arg)
  if (!callee) return undefined
  const loader = callee.kind() === 'import' || (callee.kind() === 'identifier' && callee.text() === 'require')
  if (loader) {
    const packageName =
      loadsPackages && kind === 'call_expression' ? literalString(argumentsOf(arg)[0] ?? null) : undefined
    return packageName !== undefined ? { packageName } : undefined
  }
  const path = pathOf(callee)
  return path && path.length > 0 ? { path } : undefined
}

/** `….headers[…]`, `….Headers[…]`, or a variable named response/resp/res. */
function isHeaderTarget(n: SgNode): boolean {
  if (n.kind() === 'identifier') return RESPONSE_VARIABLES.has(n.text())
  if (n.kind() !== 'member_expression') return false
  const prop = n.field('property')?.text()
  return prop === 'headers' || prop === 'Headers'
}

/** Headers set by `helmet(…)` (defaults less options that are literally false) and by helmet's sub-middlewares. */
function helmetSites(call: SgNode): HeaderSite[] {
  const callee = call.field('function')!
  const path = pathOf(callee)
  const at = spanOf(call)
  if (path?.length === 2 && path[0] === 'helmet') {
    const header = HELMET_MIDDLEWARE.get(path[1]!)
    const via = `helmet.${path[1]}()`
    return header ? [{ name: header, value: { kind: 'middleware', via }, at, via }] : []
  }
  if (path?.length !== 1 || path[0] !== 'helmet') return []
  const via = 'helmet()'
  const options = argumentsOf(call)[0]
  const settings = options ? helmetOptions(unwrap(options)) : new Map<string, HelmetOption>()
  const sites: HeaderSite[] = []
  // §3.21: only an option that is `false` in a literal options object removes a header; anything else leaves it set.
  for (const [header, names] of HELMET_HEADERS) {
    const off = settings !== 'unknown' && names.some((n) => settings.get(n) === 'off')
    if (!off) sites.push({ name: header, value: { kind: 'middleware', via }, at, via })
  }
  return sites
}

type HelmetOption = 'set' | 'off' | 'unknown'

/** Option states of a helmet options argument; 'unknown' when it is not a literal object without spreads. */
function helmetOptions(options: SgNode): Map<string, HelmetOption> | 'unknown' {
  if (options.kind() !== 'object') return 'unknown'
  const states = new Map<string, HelmetOption>()
  for (const entry of options.namedChildren()) {
    const kind = entry.kind()
    if (kind === 'comment') continue
    if (kind !== 'pair') return 'unknown'
    const key = entry.field('key')
    const name = key?.kind() === 'property_identifier' ? key.text() : literalString(key)
    if (name === undefined) return 'unknown'
    const valueKind = String(entry.field('value')?.kind() ?? '')
    states.set(name, valueKind === 'false' ? 'off' : LITERAL_OPTION_KINDS.has(valueKind) ? 'set' : 'unknown')
  }
  return states
}
