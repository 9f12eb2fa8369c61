import type { NapiConfig, Range, Rule, SgNode } from '@ast-grep/napi'
import type {
  Call,
  Definition,
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
import { HEADER_SETTERS } from './frameworks.js'
import { headerValue } from './literals.js'
import {
  enclosingScopes,
  type FunctionRange,
  lazyScopeIndex,
  type ScopeIndex,
  type ScopesAt,
  type Valid,
} from './scopes.js'
import { type Analyzer, errorNodesPresent, firstSyntaxErrorLine, inErrorRegion, lazyFacts, spanOf } from './source.js'
import { spanOfRange } from './tree.js'

const ENV_READERS: ReadonlySet<string> = new Set(['Getenv', 'LookupEnv'])
const CLASS_KINDS: Record<string, string> = { struct_type: 'struct', interface_type: 'interface' }
const FUNCTION_RULE: NapiConfig = { rule: { any: [{ kind: 'function_declaration' }, { kind: 'method_declaration' }] } }
const NUMBER_KINDS = new Set(['int_literal', 'float_literal', 'imaginary_literal'])
/** A callee written as a plain chain of names, read without walking its nodes. */
const SIMPLE_CHAIN = /^[\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*$/u

// Rules run natively, so only candidate nodes cross into JavaScript.
const EXIT_STATEMENT: Rule = {
  any: [
    { kind: 'return_statement' },
    {
      kind: 'expression_statement',
      has: { kind: 'call_expression', has: { field: 'function', regex: '(^|\\.)(panic|abort)$' } },
    },
  ],
}
const EXITING_BLOCK: Rule = { kind: 'block', has: { kind: 'statement_list', has: EXIT_STATEMENT } }
/** An `if` of which a branch returns or panics at its top level. */
const GUARD_RULE: NapiConfig = {
  rule: {
    kind: 'if_statement',
    any: [{ has: { field: 'consequence', ...EXITING_BLOCK } }, { has: { field: 'alternative', ...EXITING_BLOCK } }],
  },
}
/** `err != nil`, `nil == readErr`: an error variable (`err` or a name ending in err/Err) compared with nil. */
const ERROR_NIL: Rule = {
  kind: 'binary_expression',
  regex: '^(\\w*(err|Err)\\s*[!=]=\\s*nil|nil\\s*[!=]=\\s*\\w*(err|Err))$',
}
const ERROR_NIL_IF_RULE: NapiConfig = {
  rule: {
    kind: 'if_statement',
    any: [
      { has: { field: 'condition', any: [ERROR_NIL, { has: { stopBy: 'end', ...ERROR_NIL } }] } },
      { has: { field: 'initializer', has: { stopBy: 'end', ...ERROR_NIL } } },
    ],
  },
}
const callTo = (regex: string): NapiConfig => ({ rule: { kind: 'call_expression', has: { field: 'function', regex } } })
const ERRORS_IS_AS_RULE = callTo('^errors\\.(Is|As)$')
const ENV_RULE = callTo('^os\\.(Getenv|LookupEnv)$')
const USE_RULE = callTo('\\.\\s*Use$')
const HEADER_RULE = callTo(`(^|\\.)\\s*(${[...HEADER_SETTERS].join('|')})$`)

/** A function's range with its qualified name, which qualifies the types declared inside it. */
interface GoFunction extends FunctionRange {
  qualified: string[]
}

export const analyzeGo: Analyzer = (source) => {
  const root = source.tree?.root()
  if (!root) return lazyFacts('go', undefined, {})
  const valid: Valid = errorNodesPresent(root) ? (node) => !inErrorRegion(node) : () => true

  const { index, scopesAt } = lazyScopeIndex(() => collectDefinitions(root, valid))
  return lazyFacts('go', () => firstSyntaxErrorLine(root), {
    definitions: () => index().definitions,
    calls: () => collectCalls(root, valid, scopesAt),
    guards: () => collectGuards(root, valid, scopesAt),
    errorHandlers: () => collectHandlers(root, valid, scopesAt),
    imports: () => collectImports(root, valid, source.index.lineText.bind(source.index)),
    envReads: () => collectEnvReads(root, valid),
    middleware: () => collectMiddleware(root, valid),
    headers: () => collectHeaders(root, valid),
  })
}

// ---------------------------------------------------------------- definitions

function collectDefinitions(root: SgNode, valid: Valid): ScopeIndex<GoFunction> {
  const definitions: Definition[] = []
  const functions: GoFunction[] = []
  // Go functions never nest, so functions have no enclosing scopes.
  for (const node of root.findAll(FUNCTION_RULE)) {
    const name = node.field('name')?.text()
    if (!name || !valid(node)) continue
    const receiver = node.kind() === 'method_declaration' ? receiverType(node) : undefined
    const qualified = receiver ? [receiver, name] : [name]
    const id = definitions.length
    const body = node.field('body')
    definitions.push(functionDefinition(id, node, qualified, body !== null, []))
    const range = node.range()
    functions.push({ id, start: range.start.index, end: range.end.index, scopes: [], qualified })
  }
  for (const spec of root.findAll({ rule: { kind: 'type_spec' } })) {
    const name = spec.field('name')?.text()
    const type = spec.field('type')
    const typeKind = type ? CLASS_KINDS[type.kind()] : undefined
    if (!name || !type || !typeKind || !valid(spec)) continue
    const scopes = enclosingScopes(functions, spec.range().start.index)
    const outer = functions.find((f) => f.id === scopes[0])?.qualified ?? []
    const qualified = [...outer, name]
    definitions.push({
      id: definitions.length,
      kind: 'class',
      qualified,
      typeKind,
      at: spanOf(spec),
      hasBody: true,
      decorators: [],
      params: [],
      scopes,
    })
    if (typeKind === 'interface') {
      // Interface methods are bodiless signatures: they never count as definitions, but are reported as such.
      for (const method of type.children().filter((c) => c.kind() === 'method_elem')) {
        const methodName = method.field('name')?.text()
        if (methodName) {
          definitions.push(functionDefinition(definitions.length, method, [...qualified, methodName], false, scopes))
        }
      }
    }
  }
  return { definitions, functions }
}

function functionDefinition(
  id: number,
  node: SgNode,
  qualified: string[],
  hasBody: boolean,
  scopes: number[],
): Definition {
  return {
    id,
    kind: 'function',
    qualified,
    at: spanOf(node),
    hasBody,
    decorators: [],
    params: parametersOf(node),
    scopes,
  }
}

/** The receiver's type name without `*` or type parameters (`func (r *Cache[K]) Get` → Cache). */
function receiverType(method: SgNode): string | undefined {
  const declaration = method
    .field('receiver')
    ?.children()
    .find((c) => c.kind() === 'parameter_declaration')
  let type = declaration?.field('type') ?? null
  while (
    type &&
    (type.kind() === 'pointer_type' || type.kind() === 'generic_type' || type.kind() === 'parenthesized_type')
  ) {
    type =
      type.kind() === 'generic_type' ? type.field('type') : (type.namedChildren().find((c) => !isComment(c)) ?? null)
  }
  return type?.kind() === 'type_identifier' ? type.text() : undefined
}

function parametersOf(node: SgNode): Parameter[] {
  const params: Parameter[] = []
  for (const p of node.field('parameters')?.children() ?? []) {
    if (p.kind() !== 'parameter_declaration' && p.kind() !== 'variadic_parameter_declaration') continue
    for (const name of p.fieldChildren('name')) params.push({ name: name.text(), at: spanOf(name) })
  }
  return params
}

// ---------------------------------------------------------------- calls

/** The chain of names ending at an expression; a call, subscript or any other expression ends it. */
function chainPath(node: SgNode | null): NamePath {
  if (!node) return []
  switch (node.kind()) {
    case 'identifier':
    case 'type_identifier':
    case 'package_identifier':
      return [node.text()]
    case 'selector_expression': {
      const field = node.field('field')
      return field ? [...chainPath(node.field('operand')), field.text()] : []
    }
    case 'qualified_type': {
      const name = node.field('name')
      return name ? [...chainPath(node.field('package')), name.text()] : []
    }
    default:
      return []
  }
}

interface Callee {
  path: NamePath
  /** The variable the receiver chain starts from (`req.Body.Validate()` → req). */
  receiver: string[]
  /** Whether the callee is a plain chain of names written on one line. */
  simple: boolean
}

/** The callee of a call (§3.4); undefined when it has no name (a func literal, a subscript). */
function calleeOf(call: SgNode): Callee | undefined {
  const fn = call.field('function')
  const text = fn?.text() ?? ''
  if (SIMPLE_CHAIN.test(text)) {
    const path = text.split('.')
    return { path, receiver: path.length > 1 ? [path[0]!] : [], simple: true }
  }
  if (fn?.kind() !== 'selector_expression') return undefined
  return { path: chainPath(fn), receiver: receiverRoot(fn.field('operand')), simple: false }
}

function callPath(call: SgNode): NamePath {
  return calleeOf(call)?.path ?? []
}

/** A call's span; a method call continuing a chain on a later line starts at its method name. */
function callSpan(call: SgNode, range: Range, simple: boolean): Span {
  const span = spanOfRange(range)
  const field = simple ? null : call.field('function')?.field('field')
  if (!field || field.range().start.line + 1 === span.line) return span
  return { ...spanOf(field), endLine: span.endLine }
}

function argumentsOf(call: SgNode): SgNode[] {
  return (
    call
      .field('arguments')
      ?.namedChildren()
      .filter((c) => !isComment(c)) ?? []
  )
}

function isComment(node: SgNode): boolean {
  return node.kind() === 'comment'
}

function identifiersIn(node: SgNode | null): string[] {
  if (!node) return []
  const found = node.findAll({ rule: { kind: 'identifier' } }).map((i) => i.text())
  return [...new Set(found)].filter((n) => n !== '_')
}

/** The variable a receiver chain starts from (`req.Body.Validate()` → req; `parse(s).Check()` → parse). */
function receiverRoot(node: SgNode | null): string[] {
  for (let n = node; n; ) {
    switch (n.kind()) {
      case 'identifier':
        return [n.text()]
      case 'selector_expression':
      case 'index_expression':
      case 'type_assertion_expression':
        n = n.field('operand')
        break
      case 'call_expression':
        n = n.field('function')
        break
      case 'parenthesized_expression':
        n = n.namedChildren().find((c) => !isComment(c)) ?? null
        break
      default:
        return []
    }
  }
  return []
}

function collectCalls(root: SgNode, valid: Valid, scopesAt: ScopesAt): Call[] {
  const calls: Call[] = []
  for (const node of root.findAll({ rule: { kind: 'call_expression' } })) {
    const callee = calleeOf(node)
    if (!callee || !valid(node)) continue
    const range = node.range()
    let argIdentifiers: string[] | undefined
    calls.push({
      path: callee.path,
      at: callSpan(node, range, callee.simple),
      scopes: scopesAt(node, range),
      // Computed on first read: only parameter validation needs them.
      get argIdentifiers() {
        argIdentifiers ??= identifiersIn(node.field('arguments'))
        return argIdentifiers
      },
      receiverIdentifiers: callee.receiver,
    })
  }
  // `Validate[int](x)`: tree-sitter-go reads a call with explicit type arguments as a conversion to a generic type.
  for (const node of root.findAll({
    rule: { kind: 'type_conversion_expression', has: { field: 'type', kind: 'generic_type' } },
  })) {
    const path = chainPath(node.field('type')?.field('type') ?? null)
    if (path.length === 0 || !valid(node)) continue
    const range = node.range()
    calls.push({
      path,
      at: spanOfRange(range),
      scopes: scopesAt(node, range),
      argIdentifiers: identifiersIn(node.field('operand')),
      receiverIdentifiers: path.length > 1 ? [path[0]!] : [],
    })
  }
  return calls
}

// ---------------------------------------------------------------- guards

function collectGuards(root: SgNode, valid: Valid, scopesAt: ScopesAt): Guard[] {
  const guards: Guard[] = []
  for (const node of root.findAll(GUARD_RULE)) {
    if (!valid(node)) continue
    // The initializer belongs to the condition: `if _, err := strconv.Atoi(id); err != nil { return }`.
    const identifiers = [
      ...new Set([...identifiersIn(node.field('initializer')), ...identifiersIn(node.field('condition'))]),
    ]
    const range = node.range()
    guards.push({ kind: 'guard', identifiers, at: spanOfRange(range), scopes: scopesAt(node, range) })
  }
  return guards
}

// ---------------------------------------------------------------- error handlers

/** Whether a call sits in the header of an `if` (condition or initializer) or in a `case` of a switch. */
function inConditionPosition(call: SgNode): boolean {
  const start = call.range().start.index
  for (let n = call.parent(); n; n = n.parent()) {
    const kind = n.kind()
    if (kind === 'if_statement') {
      const consequence = n.field('consequence')
      return consequence !== null && start < consequence.range().start.index
    }
    if (kind === 'expression_case') {
      const value = n.field('value')
      return value !== null && start < value.range().end.index
    }
    if (kind === 'block' || kind === 'func_literal' || kind === 'source_file') return false
  }
  return false
}

/** A declared variable's type: `var t *X`, `var t X`, `t := &X{}`, `t := X{}`. */
interface Declaration {
  name: string
  offset: number
  scope: number | undefined
  type: NamePath
}

function typePathOf(type: SgNode | null): NamePath {
  let t = type
  while (t && (t.kind() === 'pointer_type' || t.kind() === 'generic_type')) {
    t = t.kind() === 'generic_type' ? t.field('type') : (t.namedChildren().find((c) => !isComment(c)) ?? null)
  }
  return chainPath(t)
}

function collectDeclarations(root: SgNode, scopesAt: ScopesAt): Declaration[] {
  const declarations: Declaration[] = []
  const rule = { rule: { any: [{ kind: 'var_spec' }, { kind: 'short_var_declaration' }] } }
  for (const node of root.findAll(rule)) {
    const offset = node.range().start.index
    const scope = scopesAt(node)[0]
    if (node.kind() === 'var_spec') {
      const type = typePathOf(node.field('type'))
      for (const name of node.fieldChildren('name')) declarations.push({ name: name.text(), offset, scope, type })
      continue
    }
    const names =
      node
        .field('left')
        ?.namedChildren()
        .filter((c) => !isComment(c)) ?? []
    const values =
      node
        .field('right')
        ?.namedChildren()
        .filter((c) => !isComment(c)) ?? []
    names.forEach((name, i) => {
      let value = values[i] ?? null
      if (value?.kind() === 'unary_expression' && value.field('operator')?.text() === '&')
        value = value.field('operand')
      if (name.kind() === 'identifier' && value?.kind() === 'composite_literal') {
        declarations.push({ name: name.text(), offset, scope, type: typePathOf(value.field('type')) })
      }
    })
  }
  return declarations
}

/** The declared type of `target` in `errors.As(err, &target)`: the nearest preceding declaration in the same scope. */
function asTargetType(call: SgNode, declarations: () => Declaration[], scopesAt: ScopesAt): NamePath {
  const target = argumentsOf(call)[1]
  if (target?.kind() !== 'unary_expression' || target.field('operator')?.text() !== '&') return []
  const variable = target.field('operand')
  if (variable?.kind() !== 'identifier') return []
  const offset = call.range().start.index
  const scopes = scopesAt(call)
  const candidates = declarations().filter(
    (d) => d.name === variable.text() && d.offset < offset && (d.scope === undefined || d.scope === scopes[0]),
  )
  return candidates.at(-1)?.type ?? []
}

function collectHandlers(root: SgNode, valid: Valid, scopesAt: ScopesAt): ErrorHandler[] {
  const handlers: ErrorHandler[] = []
  for (const node of root.findAll(ERROR_NIL_IF_RULE)) {
    if (!valid(node)) continue
    const range = node.range()
    handlers.push({ label: 'if err != nil', types: [], at: spanOfRange(range), scopes: scopesAt(node, range) })
  }
  let declarations: Declaration[] | undefined
  const declared = () => {
    declarations ??= collectDeclarations(root, scopesAt)
    return declarations
  }
  for (const call of root.findAll(ERRORS_IS_AS_RULE)) {
    const path = callPath(call)
    if (path.length !== 2 || path[0] !== 'errors' || !valid(call)) continue
    const type = path[1] === 'Is' ? chainPath(argumentsOf(call)[1] ?? null) : asTargetType(call, declared, scopesAt)
    // §3.18: in an `if` condition it is a handler; anywhere it names the error type it tests.
    const condition = inConditionPosition(call)
    if (!condition && type.length === 0) continue
    handlers.push({
      label: `errors.${path[1]}`,
      types: type.length ? [type] : [],
      at: spanOf(call),
      scopes: scopesAt(call),
      ...(condition ? {} : { namesTypeOnly: true }),
    })
  }
  return handlers.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column)
}

// ---------------------------------------------------------------- imports, env, middleware, headers

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' }

function decodeEscape(sequence: string): string {
  const body = sequence.slice(1)
  const code = /^[xuU]/.test(body)
    ? Number.parseInt(body.slice(1), 16)
    : /^[0-7]{3}$/.test(body)
      ? Number.parseInt(body, 8)
      : undefined
  if (code !== undefined) return Number.isNaN(code) || code > 0x10ffff ? sequence : String.fromCodePoint(code)
  return ESCAPES[body] ?? body
}

/** The value of a string literal, escapes decoded (raw strings drop carriage returns); undefined for anything else. */
function stringValue(node: SgNode | null | undefined): string | undefined {
  if (node?.kind() === 'raw_string_literal') return node.text().slice(1, -1).replaceAll('\r', '')
  if (node?.kind() !== 'interpreted_string_literal') return undefined
  let value = ''
  for (const part of node.namedChildren()) {
    if (part.kind() === 'escape_sequence') value += decodeEscape(part.text())
    else if (part.kind() === 'interpreted_string_literal_content') value += part.text()
  }
  return value
}

function collectImports(root: SgNode, valid: Valid, lineText: (line: number) => string): Import[] {
  const imports: Import[] = []
  for (const spec of root.findAll({ rule: { kind: 'import_spec' } })) {
    const module = stringValue(spec.field('path'))
    if (!module || !valid(spec)) continue
    const at = spanOf(spec)
    // In an import block the spec's own line says more than `import (`.
    imports.push({ module, at, text: lineText(at.line).trim() })
  }
  return imports
}

function collectEnvReads(root: SgNode, valid: Valid): EnvRead[] {
  const reads: EnvRead[] = []
  for (const call of root.findAll(ENV_RULE)) {
    const path = callPath(call)
    if (path.length !== 2 || path[0] !== 'os' || !ENV_READERS.has(path[1]!)) continue
    const name = stringValue(argumentsOf(call)[0])
    if (!name || !valid(call)) continue
    reads.push({ name, at: spanOf(call), text: call.text() })
  }
  return reads
}

/** The callee as written, without whitespace, for details (`w.Header().Set`). */
function calleeText(call: SgNode): string {
  return call.field('function')?.text().replace(/\s+/g, '') ?? ''
}

/** The middleware an argument of `X.Use(…)` names: an identifier path, or the callee of a call. */
function middlewarePath(arg: SgNode): NamePath {
  return arg.kind() === 'call_expression' ? callPath(arg) : chainPath(arg)
}

function collectMiddleware(root: SgNode, valid: Valid): MiddlewareRegistration[] {
  const registrations: MiddlewareRegistration[] = []
  for (const call of root.findAll(USE_RULE)) {
    if (callPath(call).at(-1) !== 'Use' || !valid(call)) continue
    for (const arg of argumentsOf(call)) {
      const path = middlewarePath(arg)
      if (path.length > 0) registrations.push({ path, at: spanOf(arg), via: calleeText(call) })
    }
  }
  return registrations
}

function collectHeaders(root: SgNode, valid: Valid): HeaderSite[] {
  const sites: HeaderSite[] = []
  for (const call of root.findAll(HEADER_RULE)) {
    const callee = calleeOf(call)
    if (!callee || !HEADER_SETTERS.has(callee.path.at(-1) ?? '')) continue
    const [first, second] = argumentsOf(call)
    const name = stringValue(first)
    if (!name || !valid(call)) continue
    sites.push({
      name,
      value: headerValue(second, stringValue, NUMBER_KINDS),
      at: callSpan(call, call.range(), callee.simple),
      via: calleeText(call),
    })
  }
  return sites
}
