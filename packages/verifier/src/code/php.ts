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
  NamePath,
  Parameter,
} from './facts.js'
import { HEADER_OBJECT_CALLS, HEADER_SETTERS, RESPONSE_VARIABLES } from './frameworks.js'
import { headerValue, simpleEscape } from './literals.js'
import { type Analyzer, firstSyntaxErrorLine, lazyFacts, spanOf } from './source.js'
import { byPosition, contains, type Extent, errorRegions, extentOf, firstLine, namedChildren } from './tree.js'

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', v: '\v', e: '\x1b', f: '\f', '0': '\0' }

/** The value of a string literal without interpolation; undefined for anything else. */
function stringValue(node: SgNode | null | undefined): string | undefined {
  if (!node) return undefined
  if (node.kind() === 'parenthesized_expression') return stringValue(namedChildren(node)[0])
  const kind = node.kind()
  if (kind !== 'string' && kind !== 'encapsed_string') return undefined
  let value = ''
  for (const part of namedChildren(node)) {
    if (part.kind() === 'string_content')
      value += kind === 'string' ? part.text().replace(/\\([\\'])/g, '$1') : part.text()
    else if (part.kind() === 'escape_sequence') value += simpleEscape(part.text(), ESCAPES)
    else return undefined
  }
  return value
}

function variableName(node: SgNode): string {
  return node.text().replace(/^\$/, '')
}

/** `\A\B` and `A\B` as segments ['A', 'B']. */
function nameSegments(node: SgNode): string[] {
  return node
    .text()
    .split('\\')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Call path of a receiver chain (§3.4): variables without `$`, member and scope names; calls and subscripts end it. */
function chainOf(node: SgNode | null | undefined): NamePath {
  if (!node) return []
  switch (node.kind()) {
    case 'variable_name':
      return [variableName(node)]
    case 'name':
    case 'relative_scope':
      return [node.text()]
    case 'qualified_name':
      return nameSegments(node)
    case 'member_access_expression':
    case 'nullsafe_member_access_expression': {
      const name = node.field('name')
      return name?.kind() === 'name' ? [...chainOf(node.field('object')), name.text()] : []
    }
    default:
      return []
  }
}

function baseVariable(node: SgNode | null | undefined): string[] {
  if (!node) return []
  if (node.kind() === 'variable_name') return [variableName(node)]
  if (node.kind() === 'member_access_expression' || node.kind() === 'nullsafe_member_access_expression')
    return baseVariable(node.field('object'))
  return []
}

function variablesIn(node: SgNode | null | undefined): string[] {
  if (!node) return []
  return node.findAll({ rule: { kind: 'variable_name' } }).map(variableName)
}

/** The argument expressions of a call (the `argument` wrappers removed). */
function argsOf(call: SgNode): SgNode[] {
  const list = call.field('arguments') ?? call.children().find((c) => c.kind() === 'arguments')
  return namedChildren(list).map((a) => (a.kind() === 'argument' ? (namedChildren(a).at(-1) ?? a) : a))
}

const FUNCTION_KINDS = ['function_definition', 'method_declaration']
const TYPE_KINDS: Record<string, string> = {
  class_declaration: 'class',
  interface_declaration: 'interface',
  trait_declaration: 'trait',
  enum_declaration: 'enum',
}
const CALL_KINDS = [
  'function_call_expression',
  'member_call_expression',
  'nullsafe_member_call_expression',
  'scoped_call_expression',
  'object_creation_expression',
]
const EXIT_CALLS = new Set(['abort', 'panic'])
const INCLUDE_KINDS = ['require_expression', 'require_once_expression', 'include_expression', 'include_once_expression']
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

interface CallSite {
  node: SgNode
  path: NamePath
  args: SgNode[]
  receiver?: SgNode | null
}

interface Scoped extends Extent {
  id: number
}

export const analyzePhp: Analyzer = (source) => {
  const tree = source.tree
  if (!tree) throw new Error(`no syntax tree for ${source.rel}`)
  const root = tree.root()
  const { live } = errorRegions(root)

  let definitionCache: { definitions: Definition[]; functions: Scoped[] } | undefined
  const defs = () => {
    definitionCache ??= buildDefinitions(live)
    return definitionCache
  }
  const scopesOf = (node: SgNode): number[] => {
    const e = extentOf(node)
    return defs()
      .functions.filter((f) => contains(f, e))
      .sort((a, b) => b.start - a.start)
      .map((f) => f.id)
  }
  let callSites: CallSite[] | undefined
  const calls = () => {
    callSites ??= CALL_KINDS.flatMap(live)
      .map(callSite)
      .filter((c): c is CallSite => c !== undefined)
    return callSites
  }

  return lazyFacts('php', () => firstSyntaxErrorLine(root), {
    definitions: () => defs().definitions,
    calls: () =>
      calls()
        .map((c) => toCall(c, scopesOf))
        .sort(byPosition),
    guards: () => collectGuards(live, scopesOf),
    errorHandlers: () => collectHandlers(live, scopesOf),
    imports: () => collectImports(live),
    envReads: () => collectEnvReads(live, calls()),
    headers: () => collectHeaders(live, calls()),
  })
}

interface Named extends Extent {
  node: SgNode
  name: string
  typeKind?: string
}

function buildDefinitions(live: (kind: string) => SgNode[]): { definitions: Definition[]; functions: Scoped[] } {
  const items: Named[] = []
  for (const kind of [...FUNCTION_KINDS, ...Object.keys(TYPE_KINDS)]) {
    for (const node of live(kind)) {
      const name = node.field('name')
      if (!name) continue
      const typeKind = TYPE_KINDS[kind]
      items.push({ node, name: name.text(), ...(typeKind ? { typeKind } : {}), ...extentOf(node) })
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
      kind: item.typeKind ? 'class' : 'function',
      qualified: [...outer.map((o) => o.name), item.name],
      at: spanOf(item.node),
      hasBody: item.typeKind ? true : item.node.field('body') !== null,
      decorators: [],
      params: item.typeKind ? [] : paramsOf(item.node.field('parameters')),
      scopes: outer
        .filter((o) => !o.typeKind)
        .reverse()
        .map((o) => ids.get(o)!),
    }
    if (item.typeKind) definition.typeKind = item.typeKind
    else functions.push({ id, start: item.start, end: item.end })
    definitions.push(definition)
  }
  return { definitions, functions }
}

function paramsOf(list: SgNode | null): Parameter[] {
  const params: Parameter[] = []
  for (const p of namedChildren(list)) {
    const name = p.field('name')
    if (name?.kind() === 'variable_name') params.push({ name: variableName(name), at: spanOf(name) })
  }
  return params
}

function callSite(node: SgNode): CallSite | undefined {
  const args = argsOf(node)
  switch (node.kind()) {
    case 'function_call_expression': {
      const fn = node.field('function')
      const path = fn?.kind() === 'variable_name' ? [variableName(fn)] : chainOf(fn)
      return path.length > 0 ? { node, path, args } : undefined
    }
    case 'member_call_expression':
    case 'nullsafe_member_call_expression': {
      const name = node.field('name')
      if (name?.kind() !== 'name') return undefined
      const receiver = node.field('object')
      return { node, path: [...chainOf(receiver), name.text()], args, receiver }
    }
    case 'scoped_call_expression': {
      const name = node.field('name')
      if (name?.kind() !== 'name') return undefined
      const receiver = node.field('scope')
      return { node, path: [...chainOf(receiver), name.text()], args, receiver }
    }
    default: {
      const type = namedChildren(node)[0]
      const isType = type?.kind() === 'name' || type?.kind() === 'qualified_name'
      return isType ? { node, path: chainOf(type), args } : undefined
    }
  }
}

function toCall(site: CallSite, scopesOf: (n: SgNode) => number[]): Call {
  return {
    path: site.path,
    at: spanOf(site.node),
    scopes: scopesOf(site.node),
    argIdentifiers: site.args.flatMap((a) => (a.kind() === 'variable_name' ? [variableName(a)] : variablesIn(a))),
    receiverIdentifiers: baseVariable(site.receiver),
  }
}

function statementsOf(body: SgNode | null | undefined): SgNode[] {
  if (!body) return []
  const kind = body.kind()
  return kind === 'compound_statement' || kind === 'colon_block' ? namedChildren(body) : [body]
}

function isExit(statement: SgNode): boolean {
  const kind = statement.kind()
  if (kind === 'return_statement' || kind === 'throw_statement' || kind === 'throw_expression') return true
  if (kind !== 'expression_statement') return false
  const expression = namedChildren(statement)[0]
  if (!expression) return false
  if (expression.kind() === 'throw_expression') return true
  if (expression.kind() !== 'function_call_expression') return false
  return EXIT_CALLS.has(expression.field('function')?.text().toLowerCase() ?? '')
}

function branchExits(body: SgNode | null | undefined): boolean {
  return statementsOf(body).some(isExit)
}

function collectGuards(live: (kind: string) => SgNode[], scopesOf: (n: SgNode) => number[]): Guard[] {
  const out: Guard[] = []
  const add = (node: SgNode): void => {
    const identifiers = variablesIn(node.field('condition'))
    out.push({ kind: 'guard', identifiers, at: spanOf(node), scopes: scopesOf(node) })
  }
  for (const node of live('if_statement')) {
    const elseClause = node.children().find((c) => c.kind() === 'else_clause')
    if (branchExits(node.field('body')) || branchExits(elseClause?.field('body'))) add(node)
  }
  for (const node of live('else_if_clause')) if (branchExits(node.field('body'))) add(node)
  return out.sort(byPosition)
}

function collectHandlers(live: (kind: string) => SgNode[], scopesOf: (n: SgNode) => number[]): ErrorHandler[] {
  return live('catch_clause').map((node) => {
    const type = node.field('type')
    const named = type?.kind() === 'type_list' ? namedChildren(type) : type ? [type] : []
    const types = named
      .map((t) => (t.kind() === 'named_type' ? namedChildren(t)[0] : t))
      .filter((t): t is SgNode => t !== undefined && (t.kind() === 'name' || t.kind() === 'qualified_name'))
      .map(nameSegments)
    return { label: 'catch', types, at: spanOf(node), scopes: scopesOf(node) }
  })
}

function clauseName(clause: SgNode): string | undefined {
  const name = namedChildren(clause).find((c) => c.kind() === 'qualified_name' || c.kind() === 'name')
  return name ? nameSegments(name).join('\\') : undefined
}

function collectImports(live: (kind: string) => SgNode[]): Import[] {
  const out: Import[] = []
  for (const declaration of live('namespace_use_declaration')) {
    const text = firstLine(declaration.text())
    const at = spanOf(declaration)
    const children = namedChildren(declaration)
    const group = children.find((c) => c.kind() === 'namespace_use_group')
    const prefix = children.find((c) => c.kind() === 'namespace_name')
    const clauses = group ? namedChildren(group) : children.filter((c) => c.kind() === 'namespace_use_clause')
    for (const clause of clauses) {
      const name = clauseName(clause)
      if (name === undefined) continue
      const module = group && prefix ? `${nameSegments(prefix).join('\\')}\\${name}` : name
      out.push({ module, at, text })
    }
  }
  for (const node of INCLUDE_KINDS.flatMap(live)) {
    const module = stringValue(namedChildren(node)[0])
    if (module !== undefined) out.push({ module, at: spanOf(node), text: firstLine(node.text()) })
  }
  return out.sort(byPosition)
}

function isAssignmentTarget(node: SgNode): boolean {
  const parent = node.parent()
  const left = parent?.kind() === 'assignment_expression' ? parent.field('left') : null
  return left !== null && left.range().start.index === node.range().start.index && left.kind() === node.kind()
}

function collectEnvReads(live: (kind: string) => SgNode[], calls: CallSite[]): EnvRead[] {
  const out: EnvRead[] = []
  for (const call of calls) {
    if (call.node.kind() !== 'function_call_expression' || call.path.length !== 1) continue
    if (call.path[0]!.toLowerCase() !== 'getenv') continue
    const name = stringValue(call.args[0])
    if (name !== undefined) out.push({ name, at: spanOf(call.node), text: firstLine(call.node.text()) })
  }
  for (const ref of live('subscript_expression')) {
    const [object, index] = namedChildren(ref)
    if (object?.kind() !== 'variable_name' || !['$_ENV', '$_SERVER'].includes(object.text())) continue
    const name = stringValue(index)
    if (name !== undefined && !isAssignmentTarget(ref)) out.push({ name, at: spanOf(ref), text: firstLine(ref.text()) })
  }
  return out.sort(byPosition)
}

const NUMBER_KINDS: ReadonlySet<string> = new Set(['integer', 'float'])

function literalValue(node: SgNode | undefined): HeaderValue {
  return headerValue(node, stringValue, NUMBER_KINDS)
}

/** The literal text before any interpolation or concatenation of a `header(…)` argument, and whether that is all. */
function leadingText(node: SgNode | undefined): { text: string; complete: boolean } | undefined {
  if (!node) return undefined
  const whole = stringValue(node)
  if (whole !== undefined) return { text: whole, complete: true }
  if (node.kind() === 'encapsed_string') {
    const first = namedChildren(node)[0]
    return first?.kind() === 'string_content' ? { text: first.text(), complete: false } : undefined
  }
  if (node.kind() === 'binary_expression' && node.children().some((c) => c.text() === '.' && !c.isNamed())) {
    const lead = leadingText(node.field('left') ?? undefined)
    return lead ? { text: lead.text, complete: false } : undefined
  }
  return undefined
}

/** PHP `header("Name: value")`: the name before the first colon, the value trimmed. */
function headerLine(call: CallSite): HeaderSite | undefined {
  const lead = leadingText(call.args[0])
  const colon = lead?.text.indexOf(':') ?? -1
  if (!lead || colon < 0) return undefined
  const name = lead.text.slice(0, colon).trim()
  if (!HEADER_TOKEN.test(name)) return undefined
  const value: HeaderValue = lead.complete
    ? { kind: 'literal', text: lead.text.slice(colon + 1).trim() }
    : { kind: 'dynamic' }
  return { name, value, at: spanOf(call.node), via: 'header' }
}

function collectHeaders(live: (kind: string) => SgNode[], calls: CallSite[]): HeaderSite[] {
  const out: HeaderSite[] = []
  for (const call of calls) {
    const method = call.path.at(-1) ?? ''
    const via = call.path.join('->')
    if (
      call.node.kind() === 'function_call_expression' &&
      call.path.length === 1 &&
      method.toLowerCase() === 'header'
    ) {
      const site = headerLine(call)
      if (site) out.push(site)
      continue
    }
    if (call.node.kind() === 'object_creation_expression') continue
    const name = HEADER_SETTERS.has(method) ? stringValue(call.args[0]) : undefined
    if (name !== undefined) out.push({ name, value: literalValue(call.args[1]), at: spanOf(call.node), via })
    if (!HEADER_OBJECT_CALLS.has(method)) continue
    for (const array of call.args.filter((a) => a.kind() === 'array_creation_expression')) {
      for (const element of namedChildren(array)) {
        const [key, value] = namedChildren(element)
        const keyName = element.children().some((c) => c.text() === '=>') ? stringValue(key) : undefined
        if (keyName !== undefined) out.push({ name: keyName, value: literalValue(value), at: spanOf(element), via })
      }
    }
  }
  for (const assignment of live('assignment_expression')) {
    const left = assignment.field('left')
    if (left?.kind() !== 'subscript_expression') continue
    const [object, index] = namedChildren(left)
    const path = chainOf(object)
    const last = path.at(-1) ?? ''
    const isHeaders = path.length > 1 && (last === 'headers' || last === 'Headers')
    if (!isHeaders && !(object?.kind() === 'variable_name' && RESPONSE_VARIABLES.has(last))) continue
    const name = stringValue(index)
    if (name === undefined) continue
    out.push({
      name,
      value: literalValue(assignment.field('right') ?? undefined),
      at: spanOf(assignment),
      via: `${path.join('->')}[...]`,
    })
  }
  return out.sort(byPosition)
}
