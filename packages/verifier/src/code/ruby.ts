import type { SgNode } from '@ast-grep/napi'
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
  TestDefinition,
} from './facts.js'
import { HEADER_OBJECT_CALLS, HEADER_SETTERS, RESPONSE_VARIABLES } from './frameworks.js'
import { headerValue, simpleEscape } from './literals.js'
import { type Analyzer, firstSyntaxErrorLine, lazyFacts, spanOf } from './source.js'
import { byPosition, contains, type Extent, errorRegions, extentOf, firstLine, namedChildren } from './tree.js'

function sameNode(a: SgNode | null, b: SgNode): boolean {
  if (!a) return false
  const x = a.range()
  const y = b.range()
  return x.start.index === y.start.index && x.end.index === y.end.index && a.kind() === b.kind()
}

/** The value of a string literal without interpolation; undefined for anything else. */
function stringValue(node: SgNode | undefined | null): string | undefined {
  if (node?.kind() !== 'string') return undefined
  const singleQuoted = /^(?:'|%q)/.test(node.text())
  let value = ''
  for (const part of namedChildren(node)) {
    if (part.kind() === 'string_content') value += singleQuoted ? part.text().replace(/\\([\\'])/g, '$1') : part.text()
    else if (part.kind() === 'escape_sequence') value += simpleEscape(part.text(), ESCAPES)
    else return undefined
  }
  return value
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', s: ' ', '0': '\0', e: '\x1b' }

/** Call path of a receiver chain (§3.4); [] when the chain ends at a call with arguments, a subscript or a literal. */
function chainOf(node: SgNode | null): NamePath {
  if (!node) return []
  switch (node.kind()) {
    case 'identifier':
    case 'constant':
    case 'self':
    case 'instance_variable':
    case 'class_variable':
    case 'global_variable':
      return [node.text()]
    case 'scope_resolution': {
      const name = node.field('name')
      return name ? [...chainOf(node.field('scope')), name.text()] : []
    }
    case 'call': {
      if (node.field('arguments') || node.field('block')) return []
      const method = node.field('method')
      return method ? [...chainOf(node.field('receiver')), method.text()] : []
    }
    default:
      return []
  }
}

/** Local identifiers (variables) anywhere under a node; method names of calls are not identifiers here. */
function identifiersIn(node: SgNode | null): string[] {
  if (!node) return []
  if (node.kind() === 'identifier') return [node.text()]
  const rule = { kind: 'identifier', not: { inside: { kind: 'call', field: 'method' } } }
  return node.findAll({ rule }).map((id) => id.text())
}

const NUMBER_KINDS: ReadonlySet<string> = new Set(['integer', 'float'])

function literalValue(node: SgNode | undefined): HeaderValue {
  return headerValue(node, stringValue, NUMBER_KINDS)
}

const FUNCTION_KINDS = ['method', 'singleton_method']
const TYPE_KINDS = ['class', 'module']
const EXITS = new Set(['raise', 'fail', 'throw', 'abort', 'panic'])
const MIDDLEWARE_ARGUMENT: Record<string, number> = { use: 0, insert_before: 1, insert_after: 1 }
const EXAMPLE_CALLS = new Set(['it', 'specify', 'scenario', 'test'])
const GROUP_CALLS = new Set(['describe', 'context'])

interface Scoped extends Extent {
  id: number
}

export const analyzeRuby: Analyzer = (source) => {
  const tree = source.tree
  if (!tree) throw new Error(`no syntax tree for ${source.rel}`)
  const root = tree.root()
  const { inError, live } = errorRegions(root)
  // Filtering calls by method name natively spares a round trip per call.
  const callsNamed = (names: Iterable<string>): SgNode[] => {
    const regex = `^(?:${[...names].map((n) => n.replace(/[?!]/g, '\\$&')).join('|')})$`
    const rule = { kind: 'call', has: { field: 'method', regex } }
    return root.findAll({ rule }).filter((n) => !inError(n))
  }

  let definitionCache: { definitions: Definition[]; functions: Scoped[] } | undefined
  const defs = () => {
    definitionCache ??= buildDefinitions(live)
    return definitionCache
  }
  const scopesOf = (node: SgNode): number[] => {
    const e = extentOf(node)
    return defs()
      .functions.filter((f) => contains(f, e) && !(f.start === e.start && f.end === e.end))
      .sort((a, b) => b.start - a.start)
      .map((f) => f.id)
  }

  return lazyFacts('ruby', () => firstSyntaxErrorLine(root), {
    definitions: () => defs().definitions,
    calls: () => collectCalls(live('call'), scopesOf),
    guards: () => collectGuards(live, scopesOf),
    errorHandlers: () => collectHandlers(live, scopesOf),
    imports: () => collectImports(callsNamed(['require', 'require_relative'])),
    envReads: () => collectEnvReads(live, callsNamed(['fetch'])),
    middleware: () => collectMiddleware(callsNamed(Object.keys(MIDDLEWARE_ARGUMENT))),
    headers: () => collectHeaders(live, callsNamed(new Set([...HEADER_SETTERS, ...HEADER_OBJECT_CALLS]))),
    testBlocks: () => collectTestBlocks(callsNamed([...GROUP_CALLS, ...EXAMPLE_CALLS])),
  })
}

interface Named extends Extent {
  node: SgNode
  segments: string[]
  kind: 'function' | 'class'
}

function buildDefinitions(live: (kind: string) => SgNode[]): { definitions: Definition[]; functions: Scoped[] } {
  const items: Named[] = []
  for (const kind of [...FUNCTION_KINDS, ...TYPE_KINDS]) {
    for (const node of live(kind)) {
      const name = node.field('name')
      if (!name) continue
      const isFunction = FUNCTION_KINDS.includes(kind)
      const segments = isFunction ? [name.text()] : chainOf(name)
      if (segments.length === 0) continue
      items.push({ node, segments, kind: isFunction ? 'function' : 'class', ...extentOf(node) })
    }
  }
  items.sort((a, b) => a.start - b.start || b.end - a.end)
  const ids = new Map(items.map((item, i) => [item, i + 1]))
  const definitions: Definition[] = []
  const functions: Scoped[] = []
  // Items are sorted by start (outermost first on ties), so the enclosing ones form a stack.
  const stack: typeof items = []
  for (const item of items) {
    while (stack.length > 0 && !contains(stack.at(-1)!, item)) stack.pop()
    const outer = [...stack]
    stack.push(item)
    const id = ids.get(item)!
    const definition: Definition = {
      id,
      kind: item.kind,
      qualified: [...outer.flatMap((o) => o.segments), ...item.segments],
      at: spanOf(item.node),
      hasBody: true,
      decorators: [],
      params: item.kind === 'function' ? paramsOf(item.node.field('parameters')) : [],
      scopes: outer
        .filter((o) => o.kind === 'function')
        .reverse()
        .map((o) => ids.get(o)!),
    }
    if (item.kind === 'class') definition.typeKind = String(item.node.kind())
    definitions.push(definition)
    if (item.kind === 'function') functions.push({ id, start: item.start, end: item.end })
  }
  return { definitions, functions }
}

function paramsOf(list: SgNode | null): Parameter[] {
  const params: Parameter[] = []
  const visit = (p: SgNode): void => {
    if (p.kind() === 'identifier') params.push({ name: p.text(), at: spanOf(p) })
    else if (p.kind() === 'destructured_parameter') for (const c of namedChildren(p)) visit(c)
    else {
      const name = p.field('name') ?? namedChildren(p).find((c) => c.kind() === 'identifier')
      if (name && name.kind() === 'identifier') params.push({ name: name.text(), at: spanOf(name) })
    }
  }
  for (const p of namedChildren(list)) visit(p)
  return params
}

/**
 * Ruby calls that count (§3.4): with arguments, parentheses, a receiver or a block, or a bare name ending in ! or ?
 * (a bare word may be a local variable).
 */
function collectCalls(nodes: SgNode[], scopesOf: (n: SgNode) => number[]): Call[] {
  const out: Call[] = []
  for (const call of nodes) {
    const method = call.field('method')
    if (!method) continue
    const name = method.text()
    const receiver = call.field('receiver')
    const args = call.field('arguments')
    if (!receiver && !args && !/[!?]$/.test(name) && !call.field('block')) continue
    const receiverChain = chainOf(receiver)
    const base = receiver && receiverChain.length > 0 ? baseOf(receiver) : undefined
    out.push({
      path: [...receiverChain, name],
      at: spanOf(call),
      scopes: scopesOf(call),
      argIdentifiers: identifiersIn(args),
      receiverIdentifiers: base?.kind() === 'identifier' ? [base.text()] : [],
    })
  }
  return out
}

function baseOf(node: SgNode): SgNode {
  const inner =
    node.kind() === 'call' ? node.field('receiver') : node.kind() === 'scope_resolution' ? node.field('scope') : null
  return inner ? baseOf(inner) : node
}

function isExit(statement: SgNode): boolean {
  if (statement.kind() === 'return') return true
  if (statement.kind() !== 'call' || statement.field('receiver')) return false
  return EXITS.has(statement.field('method')?.text() ?? '')
}

function branchExits(branch: SgNode | null): boolean {
  return namedChildren(branch).some(isExit)
}

function collectGuards(live: (kind: string) => SgNode[], scopesOf: (n: SgNode) => number[]): Guard[] {
  const out: Guard[] = []
  for (const kind of ['if', 'unless', 'elsif']) {
    for (const node of live(kind)) {
      const alternative = node.field('alternative')
      const elseBranch = alternative?.kind() === 'else' ? alternative : null
      if (!branchExits(node.field('consequence')) && !branchExits(elseBranch)) continue
      out.push(guard(node, scopesOf))
    }
  }
  for (const kind of ['if_modifier', 'unless_modifier']) {
    for (const node of live(kind)) {
      const body = node.field('body')
      if (body && isExit(body)) out.push(guard(node, scopesOf))
    }
  }
  return out.sort(byPosition)
}

function guard(node: SgNode, scopesOf: (n: SgNode) => number[]): Guard {
  return {
    kind: 'guard',
    identifiers: identifiersIn(node.field('condition')),
    at: spanOf(node),
    scopes: scopesOf(node),
  }
}

function collectHandlers(live: (kind: string) => SgNode[], scopesOf: (n: SgNode) => number[]): ErrorHandler[] {
  const out: ErrorHandler[] = []
  for (const node of live('rescue')) {
    const types = namedChildren(node.field('exceptions'))
      .map(chainOf)
      .filter((p) => p.length > 0)
    out.push({ label: 'rescue', types, at: spanOf(node), scopes: scopesOf(node) })
  }
  for (const node of live('rescue_modifier'))
    out.push({ label: 'rescue', types: [], at: spanOf(node), scopes: scopesOf(node) })
  return out.sort(byPosition)
}

function bareCallNamed(call: SgNode, names: Set<string> | string): boolean {
  if (call.field('receiver')) return false
  const name = call.field('method')?.text() ?? ''
  return typeof names === 'string' ? name === names : names.has(name)
}

function argsOf(call: SgNode): SgNode[] {
  return namedChildren(call.field('arguments'))
}

function collectImports(calls: SgNode[]): Import[] {
  const out: Import[] = []
  for (const call of calls) {
    if (!bareCallNamed(call, new Set(['require', 'require_relative']))) continue
    const module = stringValue(argsOf(call)[0])
    if (module !== undefined) out.push({ module, at: spanOf(call), text: firstLine(call.text()) })
  }
  return out
}

function isEnvConstant(node: SgNode | null): boolean {
  if (!node) return false
  if (node.kind() === 'constant') return node.text() === 'ENV'
  return node.kind() === 'scope_resolution' && !node.field('scope') && node.field('name')?.text() === 'ENV'
}

function collectEnvReads(live: (kind: string) => SgNode[], calls: SgNode[]): EnvRead[] {
  const out: EnvRead[] = []
  for (const ref of live('element_reference')) {
    if (!isEnvConstant(ref.field('object'))) continue
    const parent = ref.parent()
    if (parent?.kind() === 'assignment' && sameNode(parent.field('left'), ref)) continue
    const name = stringValue(namedChildren(ref).slice(1)[0])
    if (name !== undefined) out.push({ name, at: spanOf(ref), text: firstLine(ref.text()) })
  }
  for (const call of calls) {
    if (call.field('method')?.text() !== 'fetch' || !isEnvConstant(call.field('receiver'))) continue
    const name = stringValue(argsOf(call)[0])
    if (name !== undefined) out.push({ name, at: spanOf(call), text: firstLine(call.text()) })
  }
  return out.sort(byPosition)
}

function middlewarePath(arg: SgNode | undefined): NamePath {
  if (!arg) return []
  if (arg.kind() === 'call' && arg.field('method')?.text() === 'new') return chainOf(arg.field('receiver'))
  if (arg.kind() === 'call') {
    const method = arg.field('method')
    return method ? [...chainOf(arg.field('receiver')), method.text()] : []
  }
  return chainOf(arg)
}

function collectMiddleware(calls: SgNode[]): MiddlewareRegistration[] {
  const out: MiddlewareRegistration[] = []
  for (const call of calls) {
    const method = call.field('method')?.text() ?? ''
    const position = MIDDLEWARE_ARGUMENT[method]
    if (position === undefined) continue
    const receiver = chainOf(call.field('receiver'))
    if (receiver.at(-1) !== 'middleware') continue
    const path = middlewarePath(argsOf(call)[position])
    if (path.length > 0) out.push({ path, at: spanOf(call), via: [...receiver, method].join('.') })
  }
  return out
}

function collectHeaders(live: (kind: string) => SgNode[], calls: SgNode[]): HeaderSite[] {
  const out: HeaderSite[] = []
  for (const call of calls) {
    const method = call.field('method')?.text() ?? ''
    const via = [...chainOf(call.field('receiver')), method].join('.')
    const args = argsOf(call)
    const name = HEADER_SETTERS.has(method) ? stringValue(args[0]) : undefined
    if (name !== undefined) out.push({ name, value: literalValue(args[1]), at: spanOf(call), via })
    if (!HEADER_OBJECT_CALLS.has(method)) continue
    const pairs = args.flatMap((a) => (a.kind() === 'pair' ? [a] : a.kind() === 'hash' ? namedChildren(a) : []))
    for (const pair of pairs) {
      const key = stringValue(pair.field('key'))
      const value = pair.field('value')
      if (key !== undefined && pair.kind() === 'pair')
        out.push({ name: key, value: literalValue(value ?? undefined), at: spanOf(pair), via })
    }
  }
  for (const assignment of live('assignment')) {
    const left = assignment.field('left')
    if (left?.kind() !== 'element_reference') continue
    const object = chainOf(left.field('object'))
    const last = object.at(-1) ?? ''
    const isHeaders = last === 'headers' || last === 'Headers'
    if (!isHeaders && !(object.length === 1 && RESPONSE_VARIABLES.has(last))) continue
    const name = stringValue(namedChildren(left).slice(1)[0])
    if (name === undefined) continue
    const value = assignment.field('right') ?? undefined
    out.push({ name, value: literalValue(value), at: spanOf(assignment), via: `${object.join('.')}[...]` })
  }
  return out.sort(byPosition)
}

/** Title of a describe/context group: a string literal, or a constant as written (`RSpec.describe Foo`). */
function groupTitle(call: SgNode): string | undefined {
  const first = argsOf(call)[0]
  if (!first) return undefined
  if (first.kind() === 'constant' || first.kind() === 'scope_resolution') return first.text()
  return stringValue(first)
}

function isGroup(call: SgNode): boolean {
  if (!GROUP_CALLS.has(call.field('method')?.text() ?? '')) return false
  const receiver = call.field('receiver')
  return !receiver || (receiver.kind() === 'constant' && receiver.text() === 'RSpec')
}

function collectTestBlocks(calls: SgNode[]): TestDefinition[] {
  const groups: { block: Extent; title: string | undefined }[] = []
  for (const call of calls) {
    const block = call.field('block')
    if (block && isGroup(call)) groups.push({ block: extentOf(block), title: groupTitle(call) })
  }
  const out: TestDefinition[] = []
  for (const call of calls) {
    if (!bareCallNamed(call, EXAMPLE_CALLS)) continue
    const name = stringValue(argsOf(call)[0])
    const at = extentOf(call)
    const enclosing = groups.filter((g) => contains(g.block, at)).sort((a, b) => a.block.start - b.block.start)
    if (name === undefined || enclosing.length === 0) continue
    const titles = enclosing.flatMap((g) => (g.title === undefined ? [] : [g.title]))
    out.push({ name, fullName: [...titles, name].join(' '), at: spanOf(call) })
  }
  return out
}
