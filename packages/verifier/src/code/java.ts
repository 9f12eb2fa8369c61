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
} from './facts.js'
import { type Analyzer, firstSyntaxErrorLine, lazyFacts, spanOf } from './source.js'

/** Bean Validation constraints and `@Valid`/`@Validated` (§3.5 form 3), shared with the Kotlin analyzer. */
export const BEAN_VALIDATION: ReadonlySet<string> = new Set([
  'Valid',
  'Validated',
  'NotNull',
  'NotBlank',
  'NotEmpty',
  'Size',
  'Min',
  'Max',
  'Pattern',
  'Email',
  'Positive',
  'PositiveOrZero',
  'Negative',
  'NegativeOrZero',
  'Digits',
  'DecimalMin',
  'DecimalMax',
  'Past',
  'Future',
])

/** Spring filter and interceptor registrations (§3.20); the middleware is the first argument. */
export const SPRING_REGISTRATIONS: ReadonlySet<string> = new Set([
  'addFilter',
  'addFilterBefore',
  'addFilterAfter',
  'addFilterAt',
  'addInterceptor',
])

/** Calls that set a header when their first argument is the header name as a literal (§3.21). */
export const HEADER_SETTERS: ReadonlySet<string> = new Set([
  'setHeader',
  'addHeader',
  'set',
  'add',
  'append',
  'header',
  'Set',
  'Add',
  'Append',
])

const TYPE_KINDS: Record<string, string> = {
  class_declaration: 'class',
  interface_declaration: 'interface',
  enum_declaration: 'enum',
  record_declaration: 'record',
  annotation_type_declaration: 'annotation',
}
const FUNCTION_KINDS = new Set(['method_declaration', 'constructor_declaration', 'compact_constructor_declaration'])
const DEFINITION_RULE = { rule: { any: [...Object.keys(TYPE_KINDS), ...FUNCTION_KINDS].map((kind) => ({ kind })) } }
const EXITS = new Set(['throw_statement', 'return_statement'])
const LEADING_NOISE = new Set(['marker_annotation', 'annotation', 'line_comment', 'block_comment'])

export const analyzeJava: Analyzer = (source) => {
  const root = source.tree?.root()
  if (!root) return lazyFacts('java', undefined, {})
  let built: Structure | undefined
  const structure = () => {
    built ??= buildStructure(root, DEFINITION_RULE, describeDefinition)
    return built
  }
  const scopesOf: ScopesOf = (node) => structure().scopesOf(node)
  return lazyFacts('java', () => firstSyntaxErrorLine(root), {
    definitions: () => structure().definitions,
    calls: () => collectCalls(root, scopesOf),
    guards: () => collectGuards(root, scopesOf),
    errorHandlers: () => collectHandlers(root, scopesOf),
    imports: () => collectImports(root, scopesOf),
    envReads: () => collectEnvReads(root, scopesOf),
    middleware: () => collectMiddleware(root, scopesOf),
    headers: () => collectHeaders(root, scopesOf),
  })
}

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

/** Start and end offsets of a node (UTF-16 units). */
function offsets(node: SgNode): { start: number; end: number } {
  const r = node.range()
  return { start: r.start.index, end: r.end.index }
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
    const { start, end } = offsets(node)
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
    ...offsets(node),
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
    if (member) members.add(offsets(member).start)
  }
  return node
    .findAll(IDENTIFIER_RULE)
    .filter((id) => !members.has(offsets(id).start))
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

function branchExits(branch: SgNode | null): boolean {
  if (!branch) return false
  if (branch.kind() === 'block') return branch.children().some((s) => EXITS.has(String(s.kind())))
  return EXITS.has(String(branch.kind()))
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

function headerValue(node: SgNode | undefined): HeaderValue {
  const text = stringValue(node)
  if (text !== undefined) return { kind: 'literal', text }
  if (node && NUMBER_KINDS.has(String(node.kind()))) return { kind: 'literal', text: node.text() }
  return { kind: 'dynamic' }
}

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
  const names = [...HEADER_SETTERS].join('|')
  const rule = { rule: { kind: 'method_invocation', has: { field: 'name', regex: `^(${names})$` } } }
  for (const node of root.findAll(rule)) {
    const [first, second] = argumentsOf(node)
    const name = stringValue(first)
    if (name === undefined || !second || !scopesOf(node)) continue
    sites.push({ name, value: headerValue(second), at: spanOf(node), via: callPath(node).join('.') })
  }
  return sites
}
