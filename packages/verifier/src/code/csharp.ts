import type { SgNode } from '@ast-grep/napi'
import type {
  Call,
  EnvRead,
  ErrorHandler,
  Guard,
  HeaderSite,
  Import,
  MiddlewareRegistration,
  NamePath,
  Parameter,
  Span,
} from './facts.js'
import { JVM_CLR_HEADER_SETTERS } from './frameworks.js'
import { headerValue } from './literals.js'
import { type Analyzer, lazyFacts, spanOf } from './source.js'
import {
  branchExits,
  buildStructure,
  callFact,
  type DefinitionShape,
  type ScopesOf,
  structuredFacts,
} from './structure.js'

const TYPE_KINDS: Record<string, string> = {
  class_declaration: 'class',
  struct_declaration: 'struct',
  interface_declaration: 'interface',
  enum_declaration: 'enum',
  record_declaration: 'record',
}
const FUNCTION_KINDS = ['method_declaration', 'constructor_declaration', 'local_function_statement']
const DEFINITION_RULE = { rule: { any: [...Object.keys(TYPE_KINDS), ...FUNCTION_KINDS].map((kind) => ({ kind })) } }
/** Data-annotation attributes that validate a parameter (§3.5 form 3), without the `Attribute` suffix. */
const VALIDATION_ATTRIBUTES = new Set([
  'Required',
  'Range',
  'StringLength',
  'MinLength',
  'MaxLength',
  'RegularExpression',
  'EmailAddress',
  'Url',
])
const NUMBER_KINDS = new Set(['integer_literal', 'real_literal'])
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '0': '\0' }

export const analyzeCSharp: Analyzer = (source) => {
  const root = source.tree?.root()
  if (!root) return lazyFacts('csharp', undefined, {})
  return structuredFacts('csharp', root, () => buildStructure(root, DEFINITION_RULE, describeDefinition), {
    calls: collectCalls,
    guards: collectGuards,
    errorHandlers: collectHandlers,
    imports: collectImports,
    envReads: collectEnvReads,
    middleware: collectMiddleware,
    headers: collectHeaders,
  })
}

function describeDefinition(node: SgNode): DefinitionShape | undefined {
  const name = node.field('name')?.text()
  if (!name) return undefined
  const at = declarationSpan(node)
  const typeKind = TYPE_KINDS[node.kind()]
  const decorators = ownAttributes(node, typeKind ? 'type' : 'method').map((a) => ({
    path: namePath(a.field('name')),
    at: spanOf(a),
  }))
  if (typeKind) return { kind: 'class', name, typeKind, at, hasBody: true, decorators, params: [] }
  // `extern` and bodiless `partial` declarations have no body node.
  const hasBody = node.field('body') !== null
  return { kind: 'function', name, at, hasBody, decorators, params: parametersOf(node) }
}

/** A declaration's span from its first token after the attribute sections, which details name as its line. */
function declarationSpan(node: SgNode): Span {
  const first = node.children().find((c) => c.kind() !== 'attribute_list' && c.kind() !== 'comment')
  return { ...spanOf(first ?? node), endLine: spanOf(node).endLine }
}

/** Attributes in the node's own sections; a section with another target (`[return: X]`) is not the node's. */
function ownAttributes(node: SgNode, target: string): SgNode[] {
  const attributes: SgNode[] = []
  for (const list of node.children()) {
    if (list.kind() !== 'attribute_list') continue
    const specifier = list.children().find((c) => c.kind() === 'attribute_target_specifier')
    if (specifier && specifier.text().replace(/[\s:]/g, '') !== target) continue
    attributes.push(...list.children().filter((c) => c.kind() === 'attribute'))
  }
  return attributes
}

/** A type or attribute name as written, in segments; `global::` is dropped. */
function namePath(node: SgNode | null | undefined): NamePath {
  if (!node) return []
  switch (node.kind()) {
    case 'identifier':
      return [node.text()]
    case 'generic_name':
      return namePath(node.child(0))
    case 'qualified_name':
      return [...namePath(node.field('qualifier')), ...namePath(node.field('name'))]
    case 'alias_qualified_name': {
      const alias = node.field('alias')?.text()
      const rest = namePath(node.field('name'))
      return alias && alias !== 'global' ? [alias, ...rest] : rest
    }
    default:
      return []
  }
}

function validationOf(attributeLists: SgNode[]): string | undefined {
  for (const list of attributeLists) {
    if (list.kind() !== 'attribute_list') continue
    for (const attribute of list.children()) {
      if (attribute.kind() !== 'attribute') continue
      const name = namePath(attribute.field('name')).at(-1)
      if (name && VALIDATION_ATTRIBUTES.has(name.replace(/Attribute$/, ''))) return `attribute '${name}'`
    }
  }
  return undefined
}

function parametersOf(node: SgNode): Parameter[] {
  const params: Parameter[] = []
  const add = (name: SgNode, attributeLists: SgNode[]) => {
    const param: Parameter = { name: name.text(), at: spanOf(name) }
    const validation = validationOf(attributeLists)
    if (validation) param.declarativeValidation = validation
    params.push(param)
  }
  // A `params` array is spelled directly inside the list: attributes, `params`, type, name.
  let loose: SgNode[] = []
  for (const child of node.field('parameters')?.children() ?? []) {
    const kind = child.kind()
    if (kind === 'parameter') {
      const name = child.field('name')
      if (name) add(name, child.children())
    } else if (kind === ',' || kind === ')') {
      const name = loose.findLast((c) => c.kind() === 'identifier')
      if (name && loose.some((c) => c.kind() === 'params')) add(name, loose)
      loose = []
    } else if (kind !== '(') {
      loose.push(child)
    }
  }
  return params
}

/** The chain of names of a callee or receiver; a call, subscript or other expression ends it. */
function chainPath(node: SgNode | null | undefined): NamePath {
  if (!node) return []
  switch (node.kind()) {
    case 'identifier':
    case 'generic_name':
    case 'qualified_name':
    case 'alias_qualified_name':
      return namePath(node)
    case 'this':
      return ['this']
    case 'base':
      return ['base']
    case 'member_access_expression':
    case 'member_binding_expression': {
      const name = namePath(node.field('name'))
      return name.length > 0 ? [...chainPath(node.field('expression')), ...name] : []
    }
    case 'conditional_access_expression': {
      const binding = node.children().at(-1)
      return binding?.kind() === 'member_binding_expression'
        ? [...chainPath(node.field('condition')), ...chainPath(binding)]
        : []
    }
    default:
      return []
  }
}

function callPath(call: SgNode): NamePath {
  if (call.kind() === 'object_creation_expression') return namePath(call.field('type'))
  return chainPath(call.field('function'))
}

/** The variable a receiver chain starts from (`token.Claims().Verify()` → token). */
function receiverRoot(call: SgNode): string[] {
  const fn = call.field('function')
  if (fn?.kind() !== 'member_access_expression' && fn?.kind() !== 'conditional_access_expression') return []
  for (let n: SgNode | null = fn; n; ) {
    const kind = n.kind()
    if (n !== fn && kind === 'identifier') return [n.text()]
    if (kind === 'member_access_expression' || kind === 'element_access_expression') n = n.field('expression')
    else if (kind === 'conditional_access_expression') n = n.field('condition')
    else if (kind === 'invocation_expression') n = n.field('function')
    else if (kind === 'parenthesized_expression') n = n.namedChildren()[0] ?? null
    else return []
  }
  return []
}

const IDENTIFIER_RULE = { rule: { kind: 'identifier' } }
const NAME_HOLDERS = ['member_access_expression', 'member_binding_expression', 'argument', 'invocation_expression']
const EXCLUDED_RULE = {
  rule: { any: [...NAME_HOLDERS, 'generic_name', 'qualified_name'].map((kind) => ({ kind })) },
}

function startOf(node: SgNode): number {
  return node.range().start.index
}

/** Identifiers naming variables: callee and member names, named-argument labels and type names are left out. */
function identifiersIn(node: SgNode): string[] {
  if (node.kind() === 'identifier') return [node.text()]
  const excluded = new Set<number>()
  for (const holder of node.findAll(EXCLUDED_RULE)) {
    const kind = holder.kind()
    if (kind === 'generic_name' || kind === 'qualified_name') {
      for (const id of holder.findAll(IDENTIFIER_RULE)) excluded.add(startOf(id))
      continue
    }
    const name = holder.field(kind === 'invocation_expression' ? 'function' : 'name')
    if (name?.kind() === 'identifier') excluded.add(startOf(name))
  }
  return node
    .findAll(IDENTIFIER_RULE)
    .filter((id) => !excluded.has(startOf(id)))
    .map((id) => id.text())
}

function argumentsOf(call: SgNode): SgNode[] {
  const list = call.field('arguments') ?? call.field('subscript')
  const args = list?.children().filter((c) => c.kind() === 'argument') ?? []
  return args.map((a) => a.namedChildren().at(-1)).filter((e): e is SgNode => e !== undefined)
}

function collectCalls(root: SgNode, scopesOf: ScopesOf): Call[] {
  const calls: Call[] = []
  const rule = { rule: { any: [{ kind: 'invocation_expression' }, { kind: 'object_creation_expression' }] } }
  for (const node of root.findAll(rule)) {
    const path = callPath(node)
    // `nameof(x)` is evaluated by the compiler, not called.
    if (path.length === 0 || (path.length === 1 && path[0] === 'nameof')) continue
    const scopes = scopesOf(node)
    if (!scopes) continue
    const receiverIdentifiers = node.kind() === 'invocation_expression' ? receiverRoot(node) : []
    const args = node.field('arguments')
    calls.push(
      callFact({ path, at: spanOf(node), scopes, receiverIdentifiers }, () => (args ? identifiersIn(args) : [])),
    )
  }
  return calls
}

function collectGuards(root: SgNode, scopesOf: ScopesOf): Guard[] {
  const guards: Guard[] = []
  for (const node of root.findAll({ rule: { kind: 'if_statement' } })) {
    if (!branchExits(node.field('consequence')) && !branchExits(node.field('alternative'))) continue
    const condition = node.field('condition')
    const scopes = condition ? scopesOf(node) : undefined
    if (!condition || !scopes) continue
    guards.push({ kind: 'guard', identifiers: identifiersIn(condition), at: spanOf(node), scopes })
  }
  return guards
}

function collectHandlers(root: SgNode, scopesOf: ScopesOf): ErrorHandler[] {
  const handlers: ErrorHandler[] = []
  for (const clause of root.findAll({ rule: { kind: 'catch_clause' } })) {
    const scopes = scopesOf(clause)
    if (!scopes) continue
    const declaration = clause.children().find((c) => c.kind() === 'catch_declaration')
    const type = namePath(declaration?.field('type'))
    handlers.push({ label: 'catch', types: type.length > 0 ? [type] : [], at: spanOf(clause), scopes })
  }
  return handlers
}

function collectImports(root: SgNode, scopesOf: ScopesOf): Import[] {
  const imports: Import[] = []
  for (const node of root.findAll({ rule: { kind: 'using_directive' } })) {
    if (!scopesOf(node)) continue
    // In `using A = B.C;` the alias is the `name` field and the module is the type after it.
    const alias = node.field('name')
    const type = node.namedChildren().findLast((c) => c.id() !== alias?.id())
    const module = namePath(type).join('.')
    if (module) imports.push({ module, at: spanOf(node), text: node.text().split(/\r?\n/, 1)[0] ?? '' })
  }
  return imports
}

/** The value of a string literal (regular, verbatim, raw, or interpolated without holes); undefined otherwise. */
function stringValue(node: SgNode | undefined): string | undefined {
  switch (node?.kind()) {
    case 'verbatim_string_literal':
      return node.text().slice(2, -1).replaceAll('""', '"')
    case 'raw_string_literal':
      return node
        .children()
        .filter((c) => c.kind() === 'raw_string_content')
        .map((c) => c.text())
        .join('')
    case 'string_literal':
    case 'interpolated_string_expression': {
      if (node.text().startsWith('$@') || node.text().startsWith('@$')) return undefined
      let value = ''
      for (const part of node.children()) {
        const kind = part.kind()
        if (kind === 'string_literal_content' || kind === 'string_content') value += part.text()
        else if (kind === 'escape_sequence') value += decodeEscape(part.text())
        else if (kind === 'interpolation') return undefined
      }
      return value
    }
    default:
      return undefined
  }
}

function decodeEscape(sequence: string): string {
  const body = sequence.slice(1)
  if (/^[uUx]/.test(body)) return String.fromCodePoint(Number.parseInt(body.slice(1), 16))
  return ESCAPES[body] ?? body
}

/** Invocations `receiver.Name(...)` whose member name matches, outside syntax errors. */
function memberCalls(root: SgNode, pattern: string, scopesOf: ScopesOf): SgNode[] {
  const member = { kind: 'member_access_expression', has: { field: 'name', regex: pattern } }
  const rule = { rule: { kind: 'invocation_expression', has: { field: 'function', ...member } } }
  return root.findAll(rule).filter((n) => scopesOf(n) !== undefined)
}

function collectEnvReads(root: SgNode, scopesOf: ScopesOf): EnvRead[] {
  const reads: EnvRead[] = []
  for (const node of memberCalls(root, '^GetEnvironmentVariable$', scopesOf)) {
    const receiver = callPath(node).slice(0, -1).join('.')
    if (receiver !== 'Environment' && receiver !== 'System.Environment') continue
    const name = stringValue(argumentsOf(node)[0])
    if (name !== undefined) reads.push({ name, at: spanOf(node), text: node.text() })
  }
  return reads
}

function collectMiddleware(root: SgNode, scopesOf: ScopesOf): MiddlewareRegistration[] {
  const registrations: MiddlewareRegistration[] = []
  for (const node of memberCalls(root, '^Use[A-Z]', scopesOf)) {
    const member = node.field('function')?.field('name')
    const via = namePath(member).at(-1) ?? ''
    const at = spanOf(node)
    if (via === 'UseMiddleware') {
      // `UseMiddleware<M>()` or `UseMiddleware(typeof(M))`
      const typeArgs = member?.kind() === 'generic_name' ? member.child(1)?.namedChildren() : undefined
      const first = argumentsOf(node)[0]
      const type = typeArgs?.[0] ?? (first?.kind() === 'typeof_expression' ? first.field('type') : null)
      const path = namePath(type)
      if (path.length > 0) registrations.push({ path, at, via })
      continue
    }
    registrations.push({ path: [via.slice(3)], at, via }, { path: [via], at, via })
  }
  return registrations
}

function collectHeaders(root: SgNode, scopesOf: ScopesOf): HeaderSite[] {
  const sites: HeaderSite[] = []
  const setters = { field: 'function', regex: `(^|\\W)(${[...JVM_CLR_HEADER_SETTERS].join('|')})$` }
  for (const node of root.findAll({ rule: { kind: 'invocation_expression', has: setters } })) {
    const path = callPath(node)
    if (!JVM_CLR_HEADER_SETTERS.has(path.at(-1) ?? '')) continue
    const [first, second] = argumentsOf(node)
    const name = stringValue(first)
    if (name === undefined || !second || !scopesOf(node)) continue
    sites.push({ name, value: headerValue(second, stringValue, NUMBER_KINDS), at: spanOf(node), via: path.join('.') })
  }
  for (const node of root.findAll({ rule: { kind: 'assignment_expression' } })) {
    const site = subscriptAssignment(node)
    if (site && scopesOf(node)) sites.push(site)
  }
  return sites
}

/** `Response.Headers["X"] = "v"` or `response["X"] = "v"`. */
function subscriptAssignment(node: SgNode): HeaderSite | undefined {
  const target = node.field('left')
  if (target?.kind() !== 'element_access_expression' || node.field('operator')?.text() !== '=') return undefined
  const path = chainPath(target.field('expression'))
  const last = path.at(-1) ?? ''
  const isHeaders = path.length > 1 ? /^(headers|Headers)$/.test(last) : /^(response|resp|res)$/.test(last)
  const name = stringValue(argumentsOf(target)[0])
  if (!isHeaders || name === undefined) return undefined
  return {
    name,
    value: headerValue(node.field('right') ?? undefined, stringValue, NUMBER_KINDS),
    at: spanOf(node),
    via: `${path.join('.')}[...]`,
  }
}
