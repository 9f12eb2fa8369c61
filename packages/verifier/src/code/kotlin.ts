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
import { BEAN_VALIDATION, JVM_CLR_HEADER_SETTERS, SPRING_REGISTRATIONS } from './frameworks.js'
import { headerValue } from './literals.js'
import { type Analyzer, lazyFacts, spanOf } from './source.js'
import {
  buildStructure,
  type Container,
  callFact,
  type DefinitionShape,
  type ScopesOf,
  type Structure,
  structuredFacts,
} from './structure.js'

const DEFINITION_RULE = {
  rule: {
    any: [
      { kind: 'class_declaration' },
      { kind: 'object_declaration' },
      { kind: 'function_declaration' },
      { kind: 'secondary_constructor' },
    ],
  },
}
const CLASS_KINDS = new Set(['class_declaration', 'object_declaration'])
const LEADING_NOISE = new Set(['annotation', 'line_comment', 'multiline_comment'])
const NUMBER_KINDS = new Set(['integer_literal', 'long_literal', 'hex_literal', 'bin_literal', 'real_literal'])
const IDENTIFIER_RULE = { rule: { any: [{ kind: 'simple_identifier' }, { kind: 'interpolated_identifier' }] } }
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b' }

export const analyzeKotlin: Analyzer = (source) => {
  const root = source.tree?.root()
  if (!root) return lazyFacts('kotlin', undefined, {})
  return structuredFacts('kotlin', root, () => buildKotlinStructure(root), {
    calls: collectCalls,
    guards: collectGuards,
    errorHandlers: collectHandlers,
    imports: collectImports,
    envReads: collectEnvReads,
    middleware: collectMiddleware,
    headers: collectHeaders,
  })
}

function childOfKind(node: SgNode, kind: string): SgNode | undefined {
  return node.children().find((c) => c.kind() === kind)
}

function typeKindOf(node: SgNode): string {
  if (node.kind() === 'object_declaration') return 'object'
  if (childOfKind(node, 'interface')) return 'interface'
  if (childOfKind(node, 'enum')) return 'enum'
  const modifiers = childOfKind(node, 'modifiers')?.children() ?? []
  return modifiers.some((m) => m.kind() === 'class_modifier' && m.text() === 'annotation') ? 'annotation' : 'class'
}

function buildKotlinStructure(root: SgNode): Structure {
  const detached = detachedAnnotations(root)
  return buildStructure(root, DEFINITION_RULE, (node, enclosing) => describeDefinition(node, enclosing, detached))
}

function describeDefinition(
  node: SgNode,
  enclosing: Container[],
  detached: ReadonlyMap<number, SgNode[]>,
): DefinitionShape | undefined {
  const kind = String(node.kind())
  // A secondary constructor is named after its class.
  const owner = enclosing.find((c) => c.kind === 'class')
  const name =
    kind === 'secondary_constructor'
      ? owner?.kind === 'class'
        ? owner.name
        : undefined
      : unquote(childOfKind(node, CLASS_KINDS.has(kind) ? 'type_identifier' : 'simple_identifier'))
  if (!name) return undefined
  const at = declarationSpan(node)
  const annotations = [...(detached.get(node.id()) ?? []), ...annotationsOf(node)]
  const decorators = annotations.map((a) => ({ path: annotationPath(a), at: spanOf(a) }))
  if (CLASS_KINDS.has(kind)) {
    return { kind: 'class', name, typeKind: typeKindOf(node), at, hasBody: true, decorators, params: [] }
  }
  const hasBody = kind === 'secondary_constructor' || childOfKind(node, 'function_body') !== undefined
  return { kind: 'function', name, at, hasBody, decorators, params: parametersOf(node) }
}

/** A name without the backticks of a quoted identifier (`` fun `rejects empty input`() ``). */
function unquote(name: SgNode | undefined): string | undefined {
  return name?.text().replace(/^`(.*)`$/, '$1')
}

/** A declaration's span from its first token after the annotations, which details name as its line. */
function declarationSpan(node: SgNode): Span {
  const first = firstToken(node)
  return { ...spanOf(first ?? node), endLine: spanOf(node).endLine }
}

function firstToken(node: SgNode): SgNode | undefined {
  for (const child of node.children()) {
    if (LEADING_NOISE.has(String(child.kind()))) continue
    if (child.kind() !== 'modifiers') return child
    const inner = firstToken(child)
    if (inner) return inner
  }
  return undefined
}

function annotationsOf(node: SgNode): SgNode[] {
  return (childOfKind(node, 'modifiers')?.children() ?? []).filter((c) => c.kind() === 'annotation')
}

/**
 * tree-sitter-kotlin reads `@A("x")` before a top-level `fun` as an annotated parenthesized expression standing
 * before the function; such a statement (annotations around a parenthesized expression) belongs to the function.
 * Returns those annotations by the id of the function they belong to.
 */
function detachedAnnotations(root: SgNode): Map<number, SgNode[]> {
  const detached = new Map<number, SgNode[]>()
  let previous: SgNode | undefined
  for (const node of root.namedChildren()) {
    const kind = node.kind()
    if (kind === 'line_comment' || kind === 'multiline_comment') continue
    const annotations = kind === 'function_declaration' && previous ? annotationStatement(previous) : []
    if (annotations.length > 0) detached.set(node.id(), annotations)
    previous = node
  }
  return detached
}

function annotationStatement(statement: SgNode): SgNode[] {
  const annotations: SgNode[] = []
  for (let n: SgNode | undefined = statement; n?.kind() === 'prefix_expression'; ) {
    const [first, rest, ...more] = n.children()
    if (first?.kind() !== 'annotation' || !rest || more.length > 0) return []
    annotations.push(first)
    if (rest.kind() === 'parenthesized_expression') return annotations
    n = rest
  }
  return []
}

function userTypePath(userType: SgNode | undefined): NamePath {
  return (userType?.children() ?? []).filter((c) => c.kind() === 'type_identifier').map((c) => c.text())
}

function annotationPath(annotation: SgNode): NamePath {
  const target = childOfKind(annotation, 'constructor_invocation') ?? annotation
  return userTypePath(childOfKind(target, 'user_type'))
}

function parametersOf(node: SgNode): Parameter[] {
  const params: Parameter[] = []
  let pending: SgNode[] = []
  for (const p of childOfKind(node, 'function_value_parameters')?.children() ?? []) {
    if (p.kind() === 'parameter_modifiers') {
      pending = [...pending, ...p.children().filter((c) => c.kind() === 'annotation')]
      continue
    }
    if (p.kind() !== 'parameter') continue
    const annotations = pending
    pending = []
    const name = childOfKind(p, 'simple_identifier')
    if (!name) continue
    const param: Parameter = { name: unquote(name) ?? '', at: spanOf(name) }
    const constraint = annotations
      .map((a) => annotationPath(a).at(-1))
      .find((n) => n !== undefined && BEAN_VALIDATION.has(n))
    if (constraint) param.declarativeValidation = `annotation '${constraint}'`
    params.push(param)
  }
  return params
}

/** The chain of names of a callee or receiver; a call, subscript or other expression ends it. */
function chainPath(node: SgNode | undefined | null): NamePath {
  if (!node) return []
  switch (node.kind()) {
    case 'simple_identifier':
      return [node.text()]
    case 'this_expression':
      return ['this']
    case 'super_expression':
      return ['super']
    case 'navigation_expression': {
      const member = memberName(node.children().at(-1))
      return member ? [...chainPath(node.child(0)), member] : []
    }
    default:
      return []
  }
}

function memberName(suffix: SgNode | undefined): string | undefined {
  if (suffix?.kind() !== 'navigation_suffix') return undefined
  return childOfKind(suffix, 'simple_identifier')?.text()
}

/** The variable a receiver chain starts from (`token.claims().verify()` → token). */
function receiverRoot(callee: SgNode | null): string[] {
  if (callee?.kind() !== 'navigation_expression') return []
  for (let n: SgNode | null = callee.child(0); n; ) {
    const kind = n.kind()
    if (kind === 'simple_identifier') return [n.text()]
    if (kind === 'navigation_expression' || kind === 'call_expression' || kind === 'indexing_expression') n = n.child(0)
    else if (kind === 'parenthesized_expression') n = n.namedChildren()[0] ?? null
    else return []
  }
  return []
}

/** A call whose only suffix is a trailing lambda continues the call it wraps: `require(x) { "msg" }`. */
function isTrailingLambda(call: SgNode): boolean {
  const callee = call.child(0)
  const suffix = call.children().at(-1)
  return callee?.kind() === 'call_expression' && !!suffix && !childOfKind(suffix, 'value_arguments')
}

const EXCLUDED_RULE = {
  rule: { any: [{ kind: 'navigation_suffix' }, { kind: 'call_expression' }, { kind: 'value_argument' }] },
}

function startOf(node: SgNode): number {
  return node.range().start.index
}

/** Identifiers naming variables in the nodes: callee and member names and named-argument labels are left out. */
function identifiersIn(nodes: SgNode[]): string[] {
  const out: string[] = []
  for (const node of nodes) {
    if (node.kind() === 'simple_identifier') {
      out.push(node.text())
      continue
    }
    const excluded = new Set<number>()
    for (const holder of node.findAll(EXCLUDED_RULE)) {
      const [first, second] = holder.children()
      const kind = holder.kind()
      const isName = first?.kind() === 'simple_identifier'
      if (kind === 'navigation_suffix') {
        const member = childOfKind(holder, 'simple_identifier')
        if (member) excluded.add(startOf(member))
      } else if (isName && (kind === 'call_expression' || second?.kind() === '=')) excluded.add(startOf(first))
    }
    for (const id of node.findAll(IDENTIFIER_RULE)) if (!excluded.has(startOf(id))) out.push(id.text())
  }
  return out
}

function valueArguments(call: SgNode): SgNode[] {
  const args = childOfKind(call.children().at(-1) ?? call, 'value_arguments')
  const values = args?.children().filter((c) => c.kind() === 'value_argument') ?? []
  return values.map((v) => v.namedChildren().at(-1)).filter((e): e is SgNode => e !== undefined)
}

function calledPath(call: SgNode): NamePath {
  return call.kind() === 'call_expression' ? chainPath(call.child(0)) : []
}

function collectCalls(root: SgNode, scopesOf: ScopesOf): Call[] {
  const calls: Call[] = []
  // The trailing lambda of `require(x) { … }` wraps the call it belongs to; its suffix adds to that call's arguments.
  const trailing = new Map<number, SgNode>()
  const plain: SgNode[] = []
  for (const node of root.findAll({ rule: { kind: 'call_expression' } })) {
    const suffix = node.children().at(-1)
    if (!isTrailingLambda(node)) plain.push(node)
    else if (suffix) trailing.set(startOf(node.child(0) ?? node), suffix)
  }
  for (const node of plain) {
    const path = calledPath(node)
    const scopes = path.length > 0 ? scopesOf(node) : undefined
    if (!scopes) continue
    const receiverIdentifiers = receiverRoot(node.child(0))
    const suffixes = [node.children().at(-1), trailing.get(startOf(node))]
    const args = suffixes.filter((s): s is SgNode => s?.kind() === 'call_suffix')
    calls.push(callFact({ path, at: spanOf(node), scopes, receiverIdentifiers }, () => identifiersIn(args)))
  }
  return calls
}

function branchExits(body: SgNode): boolean {
  const content = body.namedChildren()[0]
  const statements = content?.kind() === 'statements' ? content.namedChildren() : content ? [content] : []
  return statements.some((s) => s.kind() === 'jump_expression' && /^(throw|return)\b/.test(s.text()))
}

function collectGuards(root: SgNode, scopesOf: ScopesOf): Guard[] {
  const guards: Guard[] = []
  for (const node of root.findAll({ rule: { kind: 'if_expression' } })) {
    const [condition, ...rest] = node.namedChildren()
    const branches = rest.filter((c) => c.kind() === 'control_structure_body')
    if (!condition || condition.kind() === 'control_structure_body' || !branches.some(branchExits)) continue
    const scopes = scopesOf(node)
    if (!scopes) continue
    guards.push({ kind: 'guard', identifiers: identifiersIn([condition]), at: spanOf(node), scopes })
  }
  return guards
}

function collectHandlers(root: SgNode, scopesOf: ScopesOf): ErrorHandler[] {
  const handlers: ErrorHandler[] = []
  for (const clause of root.findAll({ rule: { kind: 'catch_block' } })) {
    const scopes = scopesOf(clause)
    if (!scopes) continue
    const type = userTypePath(childOfKind(clause, 'user_type'))
    handlers.push({ label: 'catch', types: type.length > 0 ? [type] : [], at: spanOf(clause), scopes })
  }
  return handlers
}

function collectImports(root: SgNode, scopesOf: ScopesOf): Import[] {
  const imports: Import[] = []
  for (const node of root.findAll({ rule: { kind: 'import_header' } })) {
    const name = childOfKind(node, 'identifier')
    if (!name || !scopesOf(node)) continue
    const module = name
      .children()
      .filter((c) => c.kind() === 'simple_identifier')
      .map((c) => c.text())
      .join('.')
    // The header node runs on over the line break and comments after it; the span ends with its last part.
    const parts = node.namedChildren().filter((c) => c.kind() !== 'line_comment' && c.kind() !== 'multiline_comment')
    const at = { ...spanOf(node), endLine: spanOf(parts.at(-1) ?? node).endLine }
    const entry: Import = { module, at, text: node.text().split(/\r?\n/, 1)[0] ?? '' }
    if (childOfKind(node, 'wildcard_import')) entry.wildcard = true
    imports.push(entry)
  }
  return imports
}

/** The value of a string literal without templates, escapes decoded; undefined for anything else. */
function stringValue(node: SgNode | undefined): string | undefined {
  if (node?.kind() !== 'string_literal') return undefined
  const raw = node.text().startsWith('"""')
  let value = ''
  for (const part of node.namedChildren()) {
    if (part.kind() !== 'string_content') return undefined
    value += raw ? part.text() : decodeEscapes(part.text())
  }
  return value
}

function decodeEscapes(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
    e.length > 1 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
  )
}

/** Calls whose callee is one of the names, bare or as the member of a navigation (`System.getenv`). */
function namedCalls(root: SgNode, names: Iterable<string>, scopesOf: ScopesOf): SgNode[] {
  const name = { kind: 'simple_identifier', regex: `^(${[...names].join('|')})$` }
  const member = { kind: 'navigation_expression', has: { kind: 'navigation_suffix', has: name } }
  const calls = root.findAll({ rule: { kind: 'call_expression', has: { any: [name, member] } } })
  const wanted = new Set(names)
  return calls.filter(
    (c) => !isTrailingLambda(c) && wanted.has(calledPath(c).at(-1) ?? '') && scopesOf(c) !== undefined,
  )
}

function collectEnvReads(root: SgNode, scopesOf: ScopesOf): EnvRead[] {
  const reads: EnvRead[] = []
  for (const node of namedCalls(root, ['getenv'], scopesOf)) {
    const receiver = calledPath(node).slice(0, -1).join('.')
    if (receiver !== 'System' && receiver !== 'java.lang.System') continue
    const name = stringValue(valueArguments(node)[0])
    if (name !== undefined) reads.push({ name, at: spanOf(node), text: node.text() })
  }
  return reads
}

function collectMiddleware(root: SgNode, scopesOf: ScopesOf): MiddlewareRegistration[] {
  const registrations: MiddlewareRegistration[] = []
  for (const node of namedCalls(root, SPRING_REGISTRATIONS, scopesOf)) {
    const arg = valueArguments(node)[0]
    // `new M()` is written `M()` in Kotlin: a call names the middleware by its callee.
    const path = arg?.kind() === 'call_expression' ? calledPath(arg) : chainPath(arg)
    if (path.length > 0) registrations.push({ path, at: spanOf(node), via: calledPath(node).at(-1) ?? '' })
  }
  return registrations
}

function collectHeaders(root: SgNode, scopesOf: ScopesOf): HeaderSite[] {
  const sites: HeaderSite[] = []
  for (const node of namedCalls(root, JVM_CLR_HEADER_SETTERS, scopesOf)) {
    const [first, second] = valueArguments(node)
    const name = stringValue(first)
    if (name === undefined || !second) continue
    sites.push({
      name,
      value: headerValue(second, stringValue, NUMBER_KINDS),
      at: spanOf(node),
      via: calledPath(node).join('.'),
    })
  }
  for (const node of root.findAll({ rule: { kind: 'assignment' } })) {
    const site = subscriptAssignment(node)
    if (site && scopesOf(node)) sites.push(site)
  }
  return sites
}

/** `response.headers["X"] = "v"` or `response["X"] = "v"`. */
function subscriptAssignment(node: SgNode): HeaderSite | undefined {
  const [target, operator] = node.children()
  if (target?.kind() !== 'directly_assignable_expression' || operator?.kind() !== '=') return undefined
  const parts = target.children()
  const subscript = parts.at(-1)
  if (subscript?.kind() !== 'indexing_suffix') return undefined
  const [head, ...members] = parts.slice(0, -1)
  const path = [...chainPath(head), ...members.map((m) => memberName(m) ?? '')]
  const last = path.at(-1) ?? ''
  const isHeaders = path.length > 1 ? /^(headers|Headers)$/.test(last) : /^(response|resp|res)$/.test(last)
  const name = stringValue(subscript.namedChildren()[0])
  if (!isHeaders || name === undefined || path.includes('')) return undefined
  return {
    name,
    value: headerValue(node.namedChildren().at(-1), stringValue, NUMBER_KINDS),
    at: spanOf(node),
    via: `${path.join('.')}[...]`,
  }
}
