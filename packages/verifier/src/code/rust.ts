import type { NapiConfig, Range, Rule, SgNode } from '@ast-grep/napi'
import type {
  Call,
  Definition,
  EnvRead,
  ErrorHandler,
  Guard,
  HeaderSite,
  Import,
  NamePath,
  Parameter,
  Span,
} from './facts.js'
import { HEADER_SETTERS } from './frameworks.js'
import { headerValue } from './literals.js'
import { type FunctionRange, lazyScopeIndex, type ScopeIndex, type ScopesAt, type Valid } from './scopes.js'
import { type Analyzer, errorNodesPresent, firstSyntaxErrorLine, inErrorRegion, lazyFacts, spanOf } from './source.js'
import { spanOfRange } from './tree.js'

// Rules run natively, so only candidate nodes cross into JavaScript.
const EXIT: Rule = {
  any: [
    { kind: 'return_expression' },
    { kind: 'macro_invocation', has: { field: 'macro', regex: '(^|::)(panic|bail)$' } },
    { kind: 'call_expression', has: { field: 'function', regex: '(^|::|\\.)(panic|abort)$' } },
  ],
}
/** A block that returns, panics, bails or aborts among its own statements or as its value. */
const EXITING_BLOCK: Rule = { kind: 'block', has: { any: [EXIT, { kind: 'expression_statement', has: EXIT }] } }
const GUARD_RULE: NapiConfig = {
  rule: {
    any: [
      {
        kind: 'if_expression',
        any: [
          { has: { field: 'consequence', ...EXITING_BLOCK } },
          { has: { field: 'alternative', kind: 'else_clause', has: EXITING_BLOCK } },
        ],
      },
      // `let Some(x) = v else { return … }` is Rust's guard statement.
      { kind: 'let_declaration', has: { field: 'alternative', ...EXITING_BLOCK } },
      { kind: 'macro_invocation', has: { field: 'macro', regex: '(^|::)(debug_)?assert(_eq|_ne)?$' } },
    ],
  },
}
const ERR_TUPLE: Rule = { kind: 'tuple_struct_pattern', has: { field: 'type', regex: '(^|::)Err$' } }
const ERR_PATTERN: Rule = { any: [ERR_TUPLE, { kind: 'or_pattern', has: { stopBy: 'end', ...ERR_TUPLE } }] }
const HANDLER_RULE: NapiConfig = {
  rule: {
    any: [
      { kind: 'try_expression' },
      { kind: 'match_arm', has: { field: 'pattern', has: ERR_PATTERN } },
      { kind: 'let_condition', has: { field: 'pattern', ...ERR_PATTERN } },
    ],
  },
}
const CLASS_KINDS: Record<string, string> = { struct_item: 'struct', enum_item: 'enum', trait_item: 'trait' }
/** Definitions and the items that qualify the definitions inside them. */
const CONTAINER_KINDS = new Set(['impl_item', 'trait_item', 'function_item'])
const DEFINITION_RULE: NapiConfig = {
  rule: {
    any: ['function_item', 'function_signature_item', 'impl_item', ...Object.keys(CLASS_KINDS)].map((kind) => ({
      kind,
    })),
  },
}
const PATH_KINDS = new Set(['identifier', 'self', 'crate', 'super', 'type_identifier'])
const COMMENT_KINDS = new Set(['line_comment', 'block_comment'])
const NUMBER_KINDS = new Set(['integer_literal', 'float_literal'])
/** A callee written as a plain path on one line (`a::b`, `self.jwt.decode`), read without walking its nodes. */
const SIMPLE_PATH = /^[\p{L}_][\p{L}\p{N}_]*(?:(?:::|\.)[\p{L}_][\p{L}\p{N}_]*)*$/u

/**
 * A call: a call expression, a macro invocation, or a call written inside a macro's token tree (which tree-sitter
 * leaves unparsed: `println!("{}", redact(&token))` calls `redact`).
 */
interface CallSite {
  /** The node whose position gives the scopes. */
  node: SgNode
  /** Where the call starts, for document order. */
  offset: number
  path: NamePath
  at: Span
  macro: boolean
  /** The `arguments` of a call expression, or the token tree holding the arguments. */
  args: SgNode | null
  receiverIdentifiers: string[]
  /** The call as written up to its arguments' end, for details. */
  text: () => string
}

export const analyzeRust: Analyzer = (source) => {
  const root = source.tree?.root()
  if (!root) return lazyFacts('rust', undefined, {})
  const valid: Valid = errorNodesPresent(root) ? (node) => !inErrorRegion(node) : () => true

  const { index, scopesAt } = lazyScopeIndex(() => collectDefinitions(root, valid))
  let sites: CallSite[] | undefined
  const callSites = () => {
    sites ??= collectCallSites(root, valid)
    return sites
  }
  return lazyFacts('rust', () => firstSyntaxErrorLine(root), {
    definitions: () => index().definitions,
    calls: () => callSites().map((s) => toCall(s, scopesAt)),
    guards: () => collectGuards(root, valid, scopesAt),
    errorHandlers: () => collectHandlers(root, valid, scopesAt, callSites()),
    imports: () => collectImports(root, valid),
    envReads: () => collectEnvReads(callSites()),
    headers: () => collectHeaders(callSites()),
  })
}

function isComment(node: SgNode): boolean {
  return COMMENT_KINDS.has(`${node.kind()}`)
}

function namedChildren(node: SgNode | null): SgNode[] {
  return node?.namedChildren().filter((c) => !isComment(c)) ?? []
}

// ---------------------------------------------------------------- names

/** A path as written (`a::b::C`, `self.jwt`); a call, subscript or other expression ends it. */
function pathOf(node: SgNode | null): NamePath {
  if (!node) return []
  const kind = node.kind()
  if (PATH_KINDS.has(`${kind}`)) return [node.text()]
  switch (kind) {
    case 'scoped_identifier':
    case 'scoped_type_identifier': {
      const name = node.field('name')
      return name ? [...pathOf(node.field('path')), name.text()] : []
    }
    case 'field_expression': {
      const field = node.field('field')
      return field ? [...pathOf(node.field('value')), field.text()] : []
    }
    case 'generic_type':
      return pathOf(node.field('type'))
    case 'generic_function':
      return pathOf(node.field('function'))
    default:
      return []
  }
}

/** The name an `impl` block qualifies its methods with: the implementing type without generics or references. */
function implTypeName(impl: SgNode): string {
  let type = impl.field('type')
  while (type && (type.kind() === 'generic_type' || type.kind() === 'reference_type')) type = type.field('type')
  if (!type) return ''
  return type.kind() === 'scoped_type_identifier' ? (type.field('name')?.text() ?? '') : type.text()
}

// ---------------------------------------------------------------- definitions

interface Container {
  end: number
  name: string
  functionId?: number
}

function collectDefinitions(root: SgNode, valid: Valid): ScopeIndex {
  const definitions: Definition[] = []
  const functions: FunctionRange[] = []
  // Nodes come in document order: the open containers enclosing a node are those not yet ended.
  const open: Container[] = []
  for (const node of root.findAll(DEFINITION_RULE)) {
    const range = node.range()
    while (open.length > 0 && open.at(-1)!.end <= range.start.index) open.pop()
    const kind = `${node.kind()}`
    const name = kind === 'impl_item' ? implTypeName(node) : node.field('name')?.text()
    if (!name || !valid(node)) continue
    const qualified = [...open.map((c) => c.name), name]
    const scopes = open.flatMap((c) => (c.functionId === undefined ? [] : [c.functionId])).reverse()
    const container: Container = { end: range.end.index, name }
    if (CONTAINER_KINDS.has(kind)) open.push(container)
    if (kind === 'impl_item') continue
    const id = definitions.length
    const typeKind = CLASS_KINDS[kind]
    if (typeKind) {
      const at = spanOfRange(range)
      definitions.push({
        id,
        kind: 'class',
        qualified,
        typeKind,
        at,
        hasBody: true,
        decorators: [],
        params: [],
        scopes,
      })
      continue
    }
    if (kind === 'function_item') {
      container.functionId = id
      functions.push({ id, start: range.start.index, end: range.end.index, scopes })
    }
    definitions.push({
      id,
      kind: 'function',
      qualified,
      at: spanOfRange(range),
      hasBody: kind === 'function_item',
      decorators: [],
      params: parametersOf(node),
      scopes,
    })
  }
  return { definitions, functions }
}

function parametersOf(node: SgNode): Parameter[] {
  const params: Parameter[] = []
  for (const p of node.field('parameters')?.children() ?? []) {
    if (p.kind() !== 'parameter') continue
    for (const name of boundNames(p.field('pattern'))) params.push({ name: name.text(), at: spanOf(name) })
  }
  return params
}

/** The names a pattern binds (`(a, b)`, `Json(payload)`, `User { id, name: n }`); type paths bind nothing. */
function boundNames(pattern: SgNode | null): SgNode[] {
  if (!pattern) return []
  switch (pattern.kind()) {
    case 'identifier':
    case 'shorthand_field_identifier':
      return [pattern]
    case 'tuple_struct_pattern':
    case 'struct_pattern':
      return namedChildren(pattern).slice(1).flatMap(boundNames)
    case 'field_pattern': {
      const inner = pattern.field('pattern')
      return inner ? boundNames(inner) : boundNames(pattern.field('name'))
    }
    case 'scoped_identifier':
    case 'self':
      return []
    default:
      return namedChildren(pattern).flatMap(boundNames)
  }
}

// ---------------------------------------------------------------- calls

/** The variable a receiver chain starts from (`token.claims().verify()` → token); `self` and literals give none. */
function receiverRoot(node: SgNode | null): string[] {
  for (let n = node; n; ) {
    switch (n.kind()) {
      case 'identifier':
        return [n.text()]
      case 'field_expression':
        n = n.field('value')
        break
      case 'call_expression':
        n = n.field('function')
        break
      case 'generic_function':
        n = n.field('function')
        break
      case 'index_expression':
      case 'try_expression':
      case 'await_expression':
      case 'parenthesized_expression':
      case 'reference_expression':
        n = namedChildren(n)[0] ?? null
        break
      default:
        return []
    }
  }
  return []
}

interface Callee {
  path: NamePath
  receiver: string[]
  /** Whether the callee is a plain path written on one line. */
  simple: boolean
}

/** The callee of a call or macro (§3.4); an empty path when it has no name (a closure, a subscript). */
function calleeOf(fn: SgNode | null): Callee {
  const text = fn?.text() ?? ''
  if (SIMPLE_PATH.test(text)) {
    const path = text.split(/::|\./)
    // A method call's receiver is the variable the chain starts from; `self` and `Type::CONST` name none.
    const method = text.includes('.') && !text.includes('::') && path[0] !== 'self'
    return { path, receiver: method ? [path[0]!] : [], simple: true }
  }
  const method = fn?.kind() === 'generic_function' ? fn.field('function') : fn
  const receiver = method?.kind() === 'field_expression' ? receiverRoot(method.field('value')) : []
  return { path: pathOf(fn), receiver, simple: false }
}

/** A call's span; a method call continuing a chain on a later line starts at its method name. */
function callSpan(call: SgNode, range: Range, callee: Callee): Span {
  const span = spanOfRange(range)
  if (callee.simple) return span
  const fn = call.field('function')
  const method = fn?.kind() === 'generic_function' ? fn.field('function') : fn
  const field = method?.kind() === 'field_expression' ? method.field('field') : null
  if (!field || field.range().start.line + 1 === span.line) return span
  return { ...spanOf(field), endLine: span.endLine }
}

function collectCallSites(root: SgNode, valid: Valid): CallSite[] {
  const sites: CallSite[] = []
  const rule = { rule: { any: [{ kind: 'call_expression' }, { kind: 'macro_invocation' }] } }
  for (const node of root.findAll(rule)) {
    const macro = node.kind() === 'macro_invocation'
    const callee = calleeOf(node.field(macro ? 'macro' : 'function'))
    if (!valid(node)) continue
    const range = node.range()
    const args = macro ? (namedChildren(node).find((c) => c.kind() === 'token_tree') ?? null) : node.field('arguments')
    if (callee.path.length > 0) {
      const at = macro ? spanOfRange(range) : callSpan(node, range, callee)
      sites.push({
        node,
        offset: range.start.index,
        path: callee.path,
        at,
        macro,
        args,
        receiverIdentifiers: callee.receiver,
        text: () => node.text(),
      })
    }
  }
  return [...sites, ...collectTokenCalls(root, valid)].sort((a, b) => a.offset - b.offset)
}

/**
 * Calls inside a macro's tokens: a path of identifiers joined by `::` or `.` followed by `(…)`, or by `!` and a
 * delimited group (a nested macro). `fn name(…)` inside a macro defines rather than calls. Token trees outside macro
 * invocations (`macro_rules!` bodies, attributes) are not code.
 */
const TOKEN_CALL_RULE: NapiConfig = {
  rule: {
    kind: 'token_tree',
    all: [{ inside: { kind: 'token_tree' } }, { inside: { kind: 'macro_invocation', stopBy: 'end' } }],
    any: [{ regex: '^\\(', follows: { kind: 'identifier' } }, { follows: { regex: '^!$' } }],
  },
}

function collectTokenCalls(root: SgNode, valid: Valid): CallSite[] {
  const sites: CallSite[] = []
  for (const group of root.findAll(TOKEN_CALL_RULE)) {
    let token = group.prev()
    const macro = token?.kind() === '!'
    if (macro) token = token?.prev() ?? null
    const path: string[] = []
    let written = ''
    let first: SgNode | undefined
    while (token && PATH_KINDS.has(`${token.kind()}`)) {
      first = token
      path.unshift(token.text())
      written = token.text() + written
      const separator = token.prev()
      const before = separator?.prev()
      const joined = separator?.kind() === '::' || separator?.kind() === '.'
      if (!joined || !before || !PATH_KINDS.has(`${before.kind()}`)) break
      written = separator!.text() + written
      token = before
    }
    if (!first || first.prev()?.kind() === 'fn' || !valid(group)) continue
    const from = first.range().start
    const method = written.includes('.') && !written.includes('::') && first.kind() === 'identifier'
    sites.push({
      node: group,
      offset: from.index,
      path,
      at: { line: from.line + 1, column: from.column + 1, endLine: group.range().end.line + 1 },
      macro,
      args: group,
      receiverIdentifiers: method ? [first.text()] : [],
      text: () => `${written}${macro ? '!' : ''}${group.text()}`,
    })
  }
  return sites
}

function identifiersIn(node: SgNode | null): string[] {
  if (!node) return []
  return [...new Set(node.findAll({ rule: { kind: 'identifier' } }).map((i) => i.text()))]
}

function toCall(site: CallSite, scopesAt: ScopesAt): Call {
  let argIdentifiers: string[] | undefined
  return {
    path: site.path,
    at: site.at,
    scopes: scopesAt(site.node),
    // Computed on first read: only parameter validation needs them.
    get argIdentifiers() {
      argIdentifiers ??= identifiersIn(site.args)
      return argIdentifiers
    },
    receiverIdentifiers: site.receiverIdentifiers,
  }
}

/** The arguments of a call site: expressions of a call, or the comma-separated token groups of a macro. */
function argumentGroups(site: CallSite): SgNode[][] {
  if (!site.args) return []
  if (site.args.kind() === 'arguments') return namedChildren(site.args).map((a) => [a])
  const groups: SgNode[][] = [[]]
  for (const token of site.args.children().slice(1, -1)) {
    if (isComment(token)) continue
    if (token.kind() === ',') groups.push([])
    else groups.at(-1)!.push(token)
  }
  return groups
}

/** The value of the argument when it is a single string literal. */
function literalArgument(argument: SgNode[] | undefined): string | undefined {
  return argument?.length === 1 ? stringValue(argument[0]) : undefined
}

// ---------------------------------------------------------------- strings

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0' }
const LINE_CONTINUATION = /^\\\r?\n/

function decodeEscape(sequence: string): string {
  const body = sequence.slice(1)
  const hex = /^x([0-9a-fA-F]{2})$/.exec(body)?.[1] ?? /^u\{([0-9a-fA-F_]{1,8})\}$/.exec(body)?.[1]?.replaceAll('_', '')
  if (hex !== undefined) {
    const code = Number.parseInt(hex, 16)
    return code > 0x10ffff ? sequence : String.fromCodePoint(code)
  }
  return ESCAPES[body] ?? body
}

/** The value of a (raw) string literal, escapes decoded; undefined for anything else. */
function stringValue(node: SgNode | null | undefined): string | undefined {
  const kind = node?.kind()
  if (!node || (kind !== 'string_literal' && kind !== 'raw_string_literal')) return undefined
  let value = ''
  let continued = false
  for (const part of node.namedChildren()) {
    const text = part.text()
    if (part.kind() === 'string_content') value += continued ? text.trimStart() : text
    else if (part.kind() === 'escape_sequence' && !LINE_CONTINUATION.test(text)) value += decodeEscape(text)
    // a line continuation swallows the newline and the next line's leading whitespace
    continued = part.kind() === 'escape_sequence' && LINE_CONTINUATION.test(text)
  }
  return value
}

// ---------------------------------------------------------------- guards

/** Identifiers a condition tests; in `if let P = v` only those of `v` (the pattern binds new names). */
function conditionIdentifiers(condition: SgNode | null): string[] {
  if (!condition) return []
  if (condition.kind() === 'let_condition') return identifiersIn(condition.field('value'))
  if (condition.kind() === 'let_chain') return [...new Set(namedChildren(condition).flatMap(conditionIdentifiers))]
  return identifiersIn(condition)
}

function collectGuards(root: SgNode, valid: Valid, scopesAt: ScopesAt): Guard[] {
  const guards: Guard[] = []
  for (const node of root.findAll(GUARD_RULE)) {
    if (!valid(node)) continue
    const kind = node.kind()
    const guard: Pick<Guard, 'kind' | 'identifiers'> =
      kind === 'if_expression'
        ? { kind: 'guard', identifiers: conditionIdentifiers(node.field('condition')) }
        : kind === 'let_declaration'
          ? { kind: 'guard', identifiers: identifiersIn(node.field('value')) }
          : {
              kind: 'assert',
              identifiers: identifiersIn(namedChildren(node).find((c) => c.kind() === 'token_tree') ?? null),
            }
    const range = node.range()
    guards.push({ ...guard, at: spanOfRange(range), scopes: scopesAt(node, range) })
  }
  return guards
}

// ---------------------------------------------------------------- error handlers

/** The error types an `Err(…)` pattern names: `Err(MyError::Timeout)` → MyError::Timeout; a binding names none. */
function patternTypes(pattern: SgNode): NamePath[] {
  switch (pattern.kind()) {
    case 'scoped_identifier':
      return [pathOf(pattern)]
    case 'identifier':
      // A lower-case name binds the error; a capitalised one is a unit struct or constant.
      return /^[A-Z]/.test(pattern.text()) ? [[pattern.text()]] : []
    case 'tuple_struct_pattern':
    case 'struct_pattern': {
      const type = pathOf(namedChildren(pattern)[0] ?? null)
      return type.length > 0 ? [type] : []
    }
    case 'captured_pattern':
    case 'or_pattern':
    case 'ref_pattern':
    case 'reference_pattern':
    case 'mut_pattern':
      return namedChildren(pattern).flatMap(patternTypes)
    default:
      return []
  }
}

/** The types named by the `Err(…)` alternatives of a pattern; undefined when the pattern does not match `Err`. */
function errPatternTypes(pattern: SgNode | null | undefined): NamePath[] | undefined {
  if (!pattern) return undefined
  if (pattern.kind() === 'or_pattern') {
    const alternatives = namedChildren(pattern).map(errPatternTypes)
    return alternatives.some((a) => a !== undefined) ? alternatives.flatMap((a) => a ?? []) : undefined
  }
  if (pattern.kind() !== 'tuple_struct_pattern') return undefined
  const [type, ...inner] = namedChildren(pattern)
  if (pathOf(type ?? null).at(-1) !== 'Err') return undefined
  return inner.flatMap(patternTypes)
}

/** The `if` a `let` condition belongs to (directly or in a let chain); undefined for `while let` and match guards. */
function enclosingIf(condition: SgNode): SgNode | undefined {
  let parent = condition.parent()
  if (parent?.kind() === 'let_chain') parent = parent.parent()
  return parent?.kind() === 'if_expression' ? parent : undefined
}

function collectHandlers(root: SgNode, valid: Valid, scopesAt: ScopesAt, sites: CallSite[]): ErrorHandler[] {
  const handlers: ErrorHandler[] = []
  const add = (label: string, types: NamePath[], node: SgNode, at?: Span) => {
    if (!valid(node)) return
    const range = node.range()
    handlers.push({ label, types, at: at ?? spanOfRange(range), scopes: scopesAt(node, range) })
  }
  for (const node of root.findAll(HANDLER_RULE)) {
    const kind = node.kind()
    if (kind === 'try_expression') add('?', [], node)
    else if (kind === 'match_arm') {
      const pattern = namedChildren(node.field('pattern')).find((c) => c.kind() !== 'let_condition')
      const types = errPatternTypes(pattern)
      if (types) add('match Err', types, node)
    } else {
      const statement = enclosingIf(node)
      const types = errPatternTypes(node.field('pattern'))
      if (statement && types) add('if let Err', types, statement)
    }
  }
  for (const site of sites) {
    if (!site.macro && site.path.at(-1) === 'map_err') add('map_err', [], site.node, site.at)
  }
  return handlers.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column)
}

// ---------------------------------------------------------------- imports, env, headers

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? ''
}

/** Each leaf of a `use` tree as a full path (`use ring::{aead, rand::SystemRandom}` → ring::aead, ring::rand::SystemRandom). */
function useLeaves(node: SgNode, prefix: string[], out: { path: string[]; node: SgNode; wildcard: boolean }[]): void {
  switch (node.kind()) {
    case 'use_list':
      for (const item of namedChildren(node)) useLeaves(item, prefix, out)
      return
    case 'scoped_use_list': {
      const list = node.field('list')
      if (list) useLeaves(list, [...prefix, ...pathOf(node.field('path'))], out)
      return
    }
    case 'use_as_clause': {
      const path = node.field('path')
      if (path) useLeaves(path, prefix, out)
      return
    }
    case 'use_wildcard':
      out.push({ path: [...prefix, ...pathOf(namedChildren(node)[0] ?? null)], node, wildcard: true })
      return
    case 'self':
      // `use a::{self, b}` imports `a` itself
      out.push({ path: prefix.length > 0 ? prefix : ['self'], node, wildcard: false })
      return
    default:
      out.push({ path: [...prefix, ...pathOf(node)], node, wildcard: false })
  }
}

function collectImports(root: SgNode, valid: Valid): Import[] {
  const imports: Import[] = []
  const rule = { rule: { any: [{ kind: 'use_declaration' }, { kind: 'extern_crate_declaration' }] } }
  for (const node of root.findAll(rule)) {
    if (!valid(node)) continue
    const text = firstLine(node.text())
    if (node.kind() === 'extern_crate_declaration') {
      const name = node.field('name')
      if (name) imports.push({ module: name.text(), at: spanOf(node), text })
      continue
    }
    const argument = node.field('argument')
    const leaves: { path: string[]; node: SgNode; wildcard: boolean }[] = []
    if (argument) useLeaves(argument, [], leaves)
    for (const leaf of leaves) {
      if (leaf.path.length === 0) continue
      const entry: Import = { module: leaf.path.join('::'), at: spanOf(leaf.node), text }
      if (leaf.wildcard) entry.wildcard = true
      imports.push(entry)
    }
  }
  return imports
}

function isEnvRead(site: CallSite): boolean {
  const last = site.path.at(-1)
  if (site.macro) return last === 'env' || last === 'option_env'
  return site.path.at(-2) === 'env' && (last === 'var' || last === 'var_os')
}

function collectEnvReads(sites: CallSite[]): EnvRead[] {
  const reads: EnvRead[] = []
  for (const site of sites) {
    if (!isEnvRead(site)) continue
    const name = literalArgument(argumentGroups(site)[0])
    if (name) reads.push({ name, at: site.at, text: site.text() })
  }
  return reads
}

function collectHeaders(sites: CallSite[]): HeaderSite[] {
  const headers: HeaderSite[] = []
  for (const site of sites) {
    if (site.macro || site.args?.kind() !== 'arguments' || !HEADER_SETTERS.has(site.path.at(-1) ?? '')) continue
    let [first, second] = namedChildren(site.args)
    // actix-web: `.insert_header(("X-Frame-Options", "DENY"))`
    if (first?.kind() === 'tuple_expression') [first, second] = namedChildren(first)
    const name = stringValue(first)
    if (!name) continue
    const via = site.node.field('function')?.text().replace(/\s+/g, '') ?? site.path.join('.')
    headers.push({ name, value: headerValue(second, stringValue, NUMBER_KINDS), at: site.at, via })
  }
  return headers
}
