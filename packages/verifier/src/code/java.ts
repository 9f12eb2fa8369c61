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
  branchExits,
  buildStructure,
  type Container,
  callFact,
  type DefinitionShape,
  type ScopesOf,
  structuredFacts,
} from './structure.js'
import { extentOf } from './tree.js'

const TYPE_KINDS: Record<string, string> = {
  class_declaration: 'class',
  interface_declaration: 'interface',
  enum_declaration: 'enum',
  record_declaration: 'record',
  annotation_type_declaration: 'annotation',
}
const FUNCTION_KINDS = new Set(['method_declaration', 'constructor_declaration', 'compact_constructor_declaration'])
const DEFINITION_RULE = { rule: { any: [...Object.keys(TYPE_KINDS), ...FUNCTION_KINDS].map((kind) => ({ kind })) } }
const LEADING_NOISE = new Set(['marker_annotation', 'annotation', 'line_comment', 'block_comment'])

export const analyzeJava: Analyzer = (source) => {
  const root = source.tree?.root()
  if (!root) return lazyFacts('java', undefined, {})
  return structuredFacts('java', root, () => buildStructure(root, DEFINITION_RULE, describeDefinition), {
    calls: collectCalls,
    guards: collectGuards,
    errorHandlers: collectHandlers,
    imports: collectImports,
    envReads: collectEnvReads,
    middleware: collectMiddleware,
    headers: collectHeaders,
  })
}

function describeDefinition(node: SgNode, enclosing: Container[]): DefinitionShape | undefined {
  const name = node.field('name')?.text()
  if (!name) return undefined
  const at = declarationSpan(node)
  const decorators = annotationsOf(node).map((a) => ({ path: annotationPath(a), at: spanOf(a) }))
  const typeKind = TYPE_KINDS[node.kind()]
  if (typeKind) return { kind: 'class', name, typeKind, at, hasBody: true, decorators, params: [] }
  // A compact canonical constructor takes the components of its record.
  const record =
    node.kind() === 'compact_constructor_declaration' ? enclosing.find((c) => c.kind === 'class') : undefined
  const params = parametersOf(record?.kind === 'class' ? record.node : node)
  return { kind: 'function', name, at, hasBody: node.field('body') !== null, decorators, params }
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
  const modifiers = node.children().find((c) => c.kind() === 'modifiers')
  return (modifiers?.children() ?? []).filter((c) => c.kind() === 'annotation' || c.kind() === 'marker_annotation')
}

function annotationPath(annotation: SgNode): NamePath {
  const name = annotation.field('name')
  return name ? name.findAll({ rule: { kind: 'identifier' } }).map((i) => i.text()) : []
}

function parametersOf(node: SgNode): Parameter[] {
  const list = node.field('parameters')
  const params: Parameter[] = []
  for (const p of list?.children() ?? []) {
    const kind = p.kind()
    const name =
      kind === 'formal_parameter'
        ? p.field('name')
        : kind === 'spread_parameter'
          ? p.find({ rule: { kind: 'variable_declarator' } })?.field('name')
          : undefined
    if (name?.kind() !== 'identifier') continue
    const param: Parameter = { name: name.text(), at: spanOf(name) }
    const constraint = annotationsOf(p)
      .map((a) => annotationPath(a).at(-1))
      .find((n) => n !== undefined && BEAN_VALIDATION.has(n))
    if (constraint) param.declarativeValidation = `annotation '${constraint}'`
    params.push(param)
  }
  return params
}

/** The chain of names ending at a member access or call receiver; a call, subscript or other expression ends it. */
function chainPath(node: SgNode | null): NamePath {
  if (!node) return []
  switch (node.kind()) {
    case 'identifier':
      return [node.text()]
    case 'this':
      return ['this']
    case 'super':
      return ['super']
    case 'field_access': {
      const field = node.field('field')
      return field ? [...chainPath(node.field('object')), field.text()] : []
    }
    default:
      return []
  }
}

function typePath(node: SgNode | null): NamePath {
  if (!node) return []
  if (node.kind() === 'generic_type') return typePath(node.child(0))
  return node.findAll({ rule: { kind: 'type_identifier' } }).map((t) => t.text())
}

function callPath(call: SgNode): NamePath {
  if (call.kind() === 'object_creation_expression') return typePath(call.field('type'))
  const name = call.field('name')
  return name ? [...chainPath(call.field('object')), name.text()] : []
}

/** The variable a receiver chain starts from (`token.claims().verify()` → token); `this` and calls of nothing give none. */
function receiverRoot(node: SgNode | null): string[] {
  for (let n = node; n; ) {
    const kind = n.kind()
    if (kind === 'identifier') return [n.text()]
    if (kind === 'field_access' || kind === 'method_invocation') n = n.field('object')
    else if (kind === 'array_access') n = n.field('array')
    else if (kind === 'parenthesized_expression') n = n.child(1)
    else return []
  }
  return []
}

const IDENTIFIER_RULE = { rule: { kind: 'identifier' } }
const MEMBER_RULE = { rule: { any: [{ kind: 'field_access' }, { kind: 'method_invocation' }] } }

/** Identifiers that name variables in an expression: member names after a `.` and method names are left out. */
function identifiersIn(node: SgNode): string[] {
  if (node.kind() === 'identifier') return [node.text()]
  const members = new Set<number>()
  for (const access of node.findAll(MEMBER_RULE)) {
    const member = access.field(access.kind() === 'field_access' ? 'field' : 'name')
    if (member) members.add(extentOf(member).start)
  }
  return node
    .findAll(IDENTIFIER_RULE)
    .filter((id) => !members.has(extentOf(id).start))
    .map((id) => id.text())
}

function collectCalls(root: SgNode, scopesOf: ScopesOf): Call[] {
  const calls: Call[] = []
  const rule = { rule: { any: [{ kind: 'method_invocation' }, { kind: 'object_creation_expression' }] } }
  for (const node of root.findAll(rule)) {
    const path = callPath(node)
    const scopes = path.length > 0 ? scopesOf(node) : undefined
    if (!scopes) continue
    const receiverIdentifiers = node.kind() === 'method_invocation' ? receiverRoot(node.field('object')) : []
    const args = node.field('arguments')
    calls.push(
      callFact({ path, at: spanOf(node), scopes, receiverIdentifiers }, () => (args ? identifiersIn(args) : [])),
    )
  }
  return calls
}

function collectGuards(root: SgNode, scopesOf: ScopesOf): Guard[] {
  const guards: Guard[] = []
  const rule = { rule: { any: [{ kind: 'if_statement' }, { kind: 'assert_statement' }] } }
  for (const node of root.findAll(rule)) {
    const isIf = node.kind() === 'if_statement'
    if (isIf && !branchExits(node.field('consequence')) && !branchExits(node.field('alternative'))) continue
    const condition = isIf ? node.field('condition') : (node.children().find((c) => c.isNamed()) ?? null)
    const scopes = condition ? scopesOf(node) : undefined
    if (!condition || !scopes) continue
    guards.push({ kind: isIf ? 'guard' : 'assert', identifiers: identifiersIn(condition), at: spanOf(node), scopes })
  }
  return guards
}

function collectHandlers(root: SgNode, scopesOf: ScopesOf): ErrorHandler[] {
  const handlers: ErrorHandler[] = []
  for (const clause of root.findAll({ rule: { kind: 'catch_clause' } })) {
    const scopes = scopesOf(clause)
    if (!scopes) continue
    const caught = clause.find({ rule: { kind: 'catch_type' } })
    const types = (caught?.children() ?? []).filter((t) => t.isNamed()).map((t) => typePath(t))
    handlers.push({ label: 'catch', types: types.filter((t) => t.length > 0), at: spanOf(clause), scopes })
  }
  return handlers
}

function collectImports(root: SgNode, scopesOf: ScopesOf): Import[] {
  const imports: Import[] = []
  for (const node of root.findAll({ rule: { kind: 'import_declaration' } })) {
    if (!scopesOf(node)) continue
    const name = node.children().find((c) => c.kind() === 'scoped_identifier' || c.kind() === 'identifier')
    if (!name) continue
    const segments = name.kind() === 'identifier' ? [name] : name.findAll({ rule: { kind: 'identifier' } })
    const module = segments.map((s) => s.text()).join('.')
    const entry: Import = { module, at: spanOf(node), text: firstLine(node.text()) }
    if (node.children().some((c) => c.kind() === 'asterisk')) entry.wildcard = true
    imports.push(entry)
  }
  return imports
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? ''
}

const COMMENT_KINDS = new Set(['line_comment', 'block_comment'])

function argumentsOf(call: SgNode): SgNode[] {
  const args = call.field('arguments')?.children() ?? []
  return args.filter((c) => c.isNamed() && !COMMENT_KINDS.has(String(c.kind())))
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', s: ' ', '0': '\0' }

/** The value of a string literal without interpolation, escapes decoded; undefined for anything else. */
function stringValue(node: SgNode | undefined): string | undefined {
  if (node?.kind() !== 'string_literal') return undefined
  let value = ''
  for (const part of node.children()) {
    const kind = part.kind()
    if (kind === 'string_fragment' || kind === 'multiline_string_fragment') value += part.text()
    else if (kind === 'escape_sequence') value += decodeEscape(part.text())
    else if (part.isNamed()) return undefined
  }
  return value
}

function decodeEscape(sequence: string): string {
  const body = sequence.slice(1)
  if (body.startsWith('u')) return String.fromCharCode(Number.parseInt(body.replace(/^u+/, ''), 16))
  if (/^[0-7]+$/.test(body)) return String.fromCharCode(Number.parseInt(body, 8))
  return ESCAPES[body] ?? body
}

const NUMBER_KINDS = new Set([
  'decimal_integer_literal',
  'hex_integer_literal',
  'octal_integer_literal',
  'binary_integer_literal',
  'decimal_floating_point_literal',
  'hex_floating_point_literal',
])

function collectEnvReads(root: SgNode, scopesOf: ScopesOf): EnvRead[] {
  const reads: EnvRead[] = []
  const rule = { rule: { kind: 'method_invocation', has: { field: 'name', regex: '^getenv$' } } }
  for (const node of root.findAll(rule)) {
    const receiver = chainPath(node.field('object')).join('.')
    if (receiver !== 'System' && receiver !== 'java.lang.System') continue
    const name = stringValue(argumentsOf(node)[0])
    if (name === undefined || !scopesOf(node)) continue
    reads.push({ name, at: spanOf(node), text: node.text() })
  }
  return reads
}

/** The middleware an argument names: `new M()` or a call `m()` by its callee, an identifier path as written. */
function middlewarePath(arg: SgNode | undefined): NamePath {
  if (!arg) return []
  const kind = arg.kind()
  if (kind === 'object_creation_expression' || kind === 'method_invocation') return callPath(arg)
  return chainPath(arg)
}

function collectMiddleware(root: SgNode, scopesOf: ScopesOf): MiddlewareRegistration[] {
  const registrations: MiddlewareRegistration[] = []
  const names = [...SPRING_REGISTRATIONS].join('|')
  const rule = { rule: { kind: 'method_invocation', has: { field: 'name', regex: `^(${names})$` } } }
  for (const node of root.findAll(rule)) {
    const path = middlewarePath(argumentsOf(node)[0])
    if (path.length === 0 || !scopesOf(node)) continue
    registrations.push({ path, at: spanOf(node), via: node.field('name')?.text() ?? '' })
  }
  return registrations
}

function collectHeaders(root: SgNode, scopesOf: ScopesOf): HeaderSite[] {
  const sites: HeaderSite[] = []
  const names = [...JVM_CLR_HEADER_SETTERS].join('|')
  const rule = { rule: { kind: 'method_invocation', has: { field: 'name', regex: `^(${names})$` } } }
  for (const node of root.findAll(rule)) {
    const [first, second] = argumentsOf(node)
    const name = stringValue(first)
    if (name === undefined || !second || !scopesOf(node)) continue
    sites.push({
      name,
      value: headerValue(second, stringValue, NUMBER_KINDS),
      at: spanOf(node),
      via: callPath(node).join('.'),
    })
  }
  return sites
}
