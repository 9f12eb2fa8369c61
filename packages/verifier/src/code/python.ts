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
import { HEADER_OBJECT_CALLS, HEADER_SETTERS } from './frameworks.js'
import { type Analyzer, errorNodesPresent, firstSyntaxErrorLine, lazyFacts, spanOf } from './source.js'
import { byPosition, contains, type Extent, extentOf, spanOfRange } from './tree.js'

/**
 * Python analyzer (ASSERTIONS §2.5, §3.1–§3.5, §3.16–§3.18, §3.20, §3.21). Facts come from syntax nodes outside error
 * regions, except PEP 758 `except A, B:` clauses, which are also read from the tokens of an error region (§3.18).
 * Candidates are found with native ast-grep rules, and facts few evaluators read (parameters, identifier lists) are
 * computed on first read: every node visited from JavaScript costs a native call.
 */
export const analyzePython: Analyzer = (source) => {
  const tree = source.tree
  if (!tree) throw new Error(`no syntax tree for ${source.rel}`)
  const root = tree.root()
  const file = new PythonFile(root, source.text, source.rel.endsWith('.pyi'), errorNodesPresent(root))
  return lazyFacts('python', () => firstSyntaxErrorLine(root), {
    definitions: () => file.definitions().map((d) => d.fact),
    calls: () => file.calls(),
    guards: () => file.guards(),
    errorHandlers: () => file.errorHandlers(),
    imports: () => file.imports(),
    envReads: () => file.envReads(),
    middleware: () => file.middleware(),
    headers: () => file.headers(),
  })
}

type Rule = NapiConfig['rule']

interface DefinitionNode {
  fact: Definition
  node: SgNode
  /** Source extent of the body (functions) or of the whole definition (classes), for enclosing lookups. */
  inner: Extent
  outer: Extent
}

/** Names of the os module and of its environ/getenv, as bound by this file's imports. */
interface OsBindings {
  os: Set<string>
  environ: Set<string>
  getenv: Set<string>
}

/** Identifiers that name variables: attribute names after `.` and keyword-argument names are not. */
const REFERENCE_IDENTIFIER: Rule = {
  kind: 'identifier',
  not: {
    any: [
      { inside: { kind: 'attribute', field: 'attribute' } },
      { inside: { kind: 'keyword_argument', field: 'name' } },
    ],
  },
}
const calleeMatching = (regex: string): Rule => ({ kind: 'call', has: { field: 'function', regex } })
/** A statement that leaves the branch: raise, return, or a call to panic/abort (§3.5 form 1). */
const EXIT_STATEMENT: Rule = {
  any: [
    { kind: 'raise_statement' },
    { kind: 'return_statement' },
    { kind: 'expression_statement', has: calleeMatching('(^|\\.)(panic|abort)$') },
  ],
}
const EXIT_BLOCK: Rule = { kind: 'block', has: EXIT_STATEMENT }
const EXITING_BRANCH: Rule[] = [
  { has: { kind: 'elif_clause', has: { field: 'consequence', ...EXIT_BLOCK } } },
  { has: { kind: 'else_clause', has: { field: 'body', ...EXIT_BLOCK } } },
]
/** An if statement of which a branch exits at its top level. */
const GUARD_IF: Rule = {
  kind: 'if_statement',
  any: [{ has: { field: 'consequence', ...EXIT_BLOCK } }, ...EXITING_BRANCH],
}
/** An elif whose own branch, or a branch reached when its condition is false, exits. */
const GUARD_ELIF: Rule = {
  kind: 'elif_clause',
  any: [
    { has: { field: 'consequence', ...EXIT_BLOCK } },
    {
      precedes: {
        stopBy: 'end',
        any: [
          { kind: 'elif_clause', has: { field: 'consequence', ...EXIT_BLOCK } },
          { kind: 'else_clause', has: { field: 'body', ...EXIT_BLOCK } },
        ],
      },
    },
  ],
}
const STRING: Rule = { any: [{ kind: 'string' }, { kind: 'concatenated_string' }] }
/** `x.setHeader("Name", v)` and the other setter names of §3.21, with a string first. */
const HEADER_SETTER_CALL: Rule = {
  kind: 'call',
  all: [
    {
      has: {
        field: 'function',
        kind: 'attribute',
        regex: '\\.\\s*(setHeader|set|header|append|add|addHeader|Set|Add|Append|insert_header)$',
      },
    },
    { has: { field: 'arguments', has: { nthChild: 1, ...STRING } } },
  ],
}
/** `x.set({"Name": v})`: a dictionary argument of a set/header/headers/writeHead call. */
const HEADER_OBJECT_CALL: Rule = {
  kind: 'call',
  all: [
    { has: { field: 'function', regex: '(^|\\.)\\s*(set|header|headers|writeHead)$' } },
    { has: { field: 'arguments', has: { kind: 'dictionary' } } },
  ],
}
/** `response["Name"] = v`, `x.headers["Name"] = v`. */
const HEADER_SUBSCRIPT_ASSIGNMENT: Rule = {
  kind: 'assignment',
  has: {
    field: 'left',
    kind: 'subscript',
    has: {
      field: 'value',
      any: [
        { kind: 'identifier', regex: '^(response|resp|res)$' },
        { kind: 'attribute', regex: '\\.\\s*(headers|Headers)$' },
      ],
    },
  },
}
/** The `except` keyword (or an identifier spelled so, as error recovery leaves it) inside an error region. */
const EXCEPT_TOKEN_IN_ERROR: Rule = { regex: '^except$', inside: { kind: 'ERROR', stopBy: 'end' } }
const HSTS_SETTING = 'SECURE_HSTS_SECONDS'
const HSTS_ASSIGNMENT: Rule = {
  kind: 'assignment',
  has: { field: 'left', kind: 'identifier', regex: `^${HSTS_SETTING}$` },
}
const DJANGO_MIDDLEWARE = '^(MIDDLEWARE|MIDDLEWARE_CLASSES)$'
const DJANGO_MIDDLEWARE_ASSIGNMENT: Rule = {
  any: [{ kind: 'assignment' }, { kind: 'augmented_assignment' }],
  has: { field: 'left', kind: 'identifier', regex: DJANGO_MIDDLEWARE },
}
const DJANGO_MIDDLEWARE_CALL = calleeMatching('^(MIDDLEWARE|MIDDLEWARE_CLASSES)\\s*\\.\\s*(append|insert)$')
const ASGI_MIDDLEWARE_CALL = calleeMatching('(^|\\.)\\s*(add_middleware|Middleware)$')

const VALIDATION_CALLS = new Set(['Field', 'Query', 'Path', 'Body', 'Header', 'Cookie', 'Form'])
const CONSTRAINED_TYPES = new Set(['conint', 'constr', 'confloat', 'conlist'])
const NON_POSITIONAL_ARGUMENTS = new Set(['keyword_argument', 'list_splat', 'dictionary_splat', 'comment'])
/** Leaves read when looking for a PEP 758 clause in an error region; a real clause header is far shorter. */
const MAX_CLAUSE_TOKENS = 200
const NAME = '[\\p{L}\\p{Nl}_][\\p{L}\\p{Nl}\\p{Mn}\\p{Mc}\\p{Nd}\\p{Pc}]*'
const NAME_CHAIN = new RegExp(`^${NAME}(?:\\s*\\.\\s*${NAME})*$`, 'u')

class PythonFile {
  private memo = new Map<string, unknown>()
  private readonly errorExtents: Extent[]

  constructor(
    private readonly root: SgNode,
    private readonly text: string,
    private readonly isStub: boolean,
    hasErrors: boolean,
  ) {
    this.errorExtents = hasErrors ? root.findAll({ rule: { kind: 'ERROR' } }).map((e) => extentOf(e)) : []
  }

  private cached<T>(key: string, compute: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, compute())
    return this.memo.get(key) as T
  }

  /** Whether an extent lies inside a syntax-error region (§2.5). */
  private inError(x: Extent): boolean {
    return this.errorExtents.some((e) => contains(e, x))
  }

  /** Nodes matching a rule outside error regions, in document order, with their extents. */
  private find(rule: Rule): { node: SgNode; extent: Extent; span: Span }[] {
    const out: { node: SgNode; extent: Extent; span: Span }[] = []
    for (const node of this.root.findAll({ rule })) {
      const r = node.range()
      const extent = { start: r.start.index, end: r.end.index }
      if (!this.inError(extent)) out.push({ node, extent, span: spanOfRange(r) })
    }
    return out
  }

  definitions(): DefinitionNode[] {
    return this.cached('definitions', () => this.readDefinitions())
  }

  /** Ids of the functions whose body contains the extent, innermost first. */
  private scopesOf(x: Extent): number[] {
    const scopes: number[] = []
    for (const d of this.definitions())
      if (d.fact.kind === 'function' && contains(d.inner, x)) scopes.unshift(d.fact.id)
    return scopes
  }

  private readDefinitions(): DefinitionNode[] {
    const out: DefinitionNode[] = []
    for (const { node, extent, span } of this.find({
      any: [{ kind: 'function_definition' }, { kind: 'class_definition' }],
    })) {
      const name = node.field('name')
      if (!name) continue
      const isFunction = node.kind() === 'function_definition'
      const decorators = decoratorsOf(node)
      const body = isFunction ? node.field('body') : null
      const fact = {
        id: out.length,
        kind: isFunction ? 'function' : 'class',
        qualified: [name.text()],
        at: span,
        hasBody: !isFunction || this.hasBody(body, decorators),
        decorators,
        scopes: [],
      } as Omit<Definition, 'params'>
      if (isFunction) lazy(fact, 'params', () => paramsOf(node.field('parameters')))
      else Object.assign(fact, { params: [], typeKind: 'class', bases: basesOf(node.field('superclasses')) })
      out.push({ fact: fact as Definition, node, outer: extent, inner: body ? extentOf(body) : extent })
    }
    // Document order: every enclosing definition precedes the definitions it contains.
    for (const d of out) {
      const enclosing = out.filter((e) => e !== d && e.inner.start <= d.outer.start && d.outer.end <= e.inner.end)
      d.fact.qualified = [...enclosing.map((e) => e.fact.qualified.at(-1)!), ...d.fact.qualified]
      d.fact.scopes = enclosing
        .filter((e) => e.fact.kind === 'function')
        .map((e) => e.fact.id)
        .reverse()
    }
    return out
  }

  /** Overload signatures, stub files and abstract methods without an implementation are bodiless (§3.1). */
  private hasBody(body: SgNode | null, decorators: Definition['decorators']): boolean {
    if (this.isStub) return false
    const named = (n: string) => decorators.some((d) => d.path.at(-1) === n)
    if (named('overload')) return false
    return named('abstractmethod') ? !isPlaceholderBody(body) : true
  }

  calls(): Call[] {
    return this.find({ kind: 'call' }).flatMap(({ node, extent, span }) => {
      const callee = node.field('function')
      const chain = callee ? calleeChain(callee) : undefined
      if (!chain || chain.path.length === 0) return []
      const call = { path: chain.path, at: span, scopes: this.scopesOf(extent), receiverIdentifiers: chain.receiver }
      return [
        lazy(call, 'argIdentifiers', () => {
          const args = node.field('arguments')
          return args ? referenceIdentifiers(args) : []
        }),
      ]
    })
  }

  guards(): Guard[] {
    const out: Guard[] = []
    for (const { node, extent, span } of this.find({ any: [GUARD_IF, GUARD_ELIF, { kind: 'assert_statement' }] })) {
      const isAssert = node.kind() === 'assert_statement'
      // The condition of an if/elif; the tested expression of an assert (not its message).
      const tested = isAssert ? node.namedChildren()[0] : node.field('condition')
      if (!tested) continue
      const guard = { kind: isAssert ? 'assert' : 'guard', at: span, scopes: this.scopesOf(extent) } as const
      out.push(lazy(guard, 'identifiers', () => referenceIdentifiers(tested)))
    }
    return out
  }

  errorHandlers(): ErrorHandler[] {
    const out: ErrorHandler[] = this.find({ kind: 'except_clause' }).map(({ node, extent, span }) => ({
      label: 'except',
      types: exceptClauseTypes(node),
      at: span,
      scopes: this.scopesOf(extent),
    }))
    if (this.errorExtents.length > 0) out.push(...this.pep758InErrorRegions())
    return out.sort(byPosition)
  }

  /** `except A, B:` whose tokens lie in an error region (older grammars reject PEP 758; §3.18 requires it). */
  private pep758InErrorRegions(): ErrorHandler[] {
    const out: ErrorHandler[] = []
    if (!this.text.includes('except')) return out
    for (const token of this.root.findAll({ rule: EXCEPT_TOKEN_IN_ERROR })) {
      if (!token.isLeaf() || (token.kind() !== 'except' && token.kind() !== 'identifier')) continue
      // A token in an error region inside a well-formed clause belongs to that clause, which was read already.
      const clause = token.ancestors().find((a) => a.kind() === 'except_clause')
      if (clause && !this.inError(extentOf(clause))) continue
      const types = pep758Types(token)
      if (types) out.push({ label: 'except', types, at: spanOf(token), scopes: this.scopesOf(extentOf(token)) })
    }
    return out
  }

  imports(): Import[] {
    return this.readImports().facts
  }

  private readImports(): { facts: Import[]; osAliases: string[] } {
    return this.cached('imports', () => {
      const facts: Import[] = []
      const osAliases: string[] = []
      if (this.text.includes('import')) this.readImportStatements(facts, osAliases)
      return { facts, osAliases }
    })
  }

  private readImportStatements(out: Import[], osAliases: string[]): void {
    const statements = this.find({
      any: [{ kind: 'import_statement' }, { kind: 'import_from_statement' }, { kind: 'future_import_statement' }],
    })
    for (const { node, span: at } of statements) {
      const text = node.text().split('\n')[0]!.trimEnd()
      if (node.kind() === 'import_statement') {
        for (const name of node.fieldChildren('name')) {
          const aliased = name.kind() === 'aliased_import'
          const module = dottedName(aliased ? name.field('name') : name)
          if (module) out.push({ module, at, text })
          const alias = aliased ? name.field('alias')?.text() : undefined
          if (module === 'os' && alias) osAliases.push(alias)
        }
        continue
      }
      const module =
        node.kind() === 'future_import_statement' ? '__future__' : node.field('module_name')?.text().replace(/\s+/g, '')
      if (!module) continue
      const names = importedNames(node)
      out.push({ module, at, text, ...(names.length > 0 ? { names } : {}) })
      const separator = module.endsWith('.') ? '' : '.'
      for (const n of names) out.push({ module: `${module}${separator}${n.imported}`, at, text })
    }
  }

  private osBindings(): OsBindings {
    const { facts, osAliases } = this.readImports()
    const bound: OsBindings = { os: new Set(['os', ...osAliases]), environ: new Set(), getenv: new Set() }
    for (const i of facts) {
      if (i.module !== 'os') continue
      for (const n of i.names ?? []) {
        if (n.imported === 'environ') bound.environ.add(n.local)
        if (n.imported === 'getenv') bound.getenv.add(n.local)
      }
    }
    return bound
  }

  envReads(): EnvRead[] {
    if (!/\b(environ|getenv)\b/.test(this.text)) return []
    const os = this.osBindings()
    const isEnviron = (n: SgNode | null): boolean => {
      const path = n ? namePath(n) : undefined
      if (path?.length === 1) return os.environ.has(path[0]!)
      return path?.length === 2 && os.os.has(path[0]!) && path[1] === 'environ'
    }
    const out: EnvRead[] = []
    const dot = '\\s*\\.\\s*'
    const names = (set: Set<string>) => [...set, '[^\\s\\S]'].join('|')
    const environ = `(${names(os.os)})${dot}environ|${names(os.environ)}`
    const subscript: Rule = { kind: 'subscript', has: { field: 'value', regex: `^(${environ})$` } }
    const call = calleeMatching(`^((${environ})${dot}get|(${names(os.os)})${dot}getenv|${names(os.getenv)})$`)
    for (const { node, span } of this.find({ any: [subscript, call] })) {
      if (node.kind() === 'subscript') {
        if (!isEnviron(node.field('value')) || isWriteTarget(node)) continue
        const name = literalString(node.field('subscript'))
        if (name !== undefined) out.push({ name, at: span, text: compact(node.text()) })
        continue
      }
      const callee = node.field('function')!
      const path = namePath(callee)
      const isGetenv =
        (path?.length === 1 && os.getenv.has(path[0]!)) ||
        (path?.length === 2 && os.os.has(path[0]!) && path[1] === 'getenv')
      const readsEnviron = callee.kind() === 'attribute' && path?.at(-1) === 'get' && isEnviron(callee.field('object'))
      const args = node.field('arguments')
      if (!args || (!isGetenv && !readsEnviron)) continue
      const name = literalString(argument(args, 0, 'key'))
      if (name !== undefined) out.push({ name, at: span, text: compact(node.text()) })
    }
    return out
  }

  middleware(): MiddlewareRegistration[] {
    const out: MiddlewareRegistration[] = []
    if (!/middleware/i.test(this.text)) return out
    const rule = { any: [ASGI_MIDDLEWARE_CALL, DJANGO_MIDDLEWARE_CALL, DJANGO_MIDDLEWARE_ASSIGNMENT] }
    for (const { node, extent, span } of this.find(rule)) {
      const callee = node.kind() === 'call' ? node.field('function') : null
      const path = callee ? namePath(callee) : undefined
      if (!callee) {
        if (this.atModuleLevel(extent)) out.push(...djangoSettingEntries(node))
      } else if (path?.length === 2 && /^MIDDLEWARE(_CLASSES)?$/.test(path[0]!)) {
        if (this.atModuleLevel(extent)) out.push(...djangoAddedEntry(node, path))
      } else out.push(...asgiRegistration(node, callee, span))
    }
    return out
  }

  headers(): HeaderSite[] {
    const out: HeaderSite[] = []
    for (const { node, span } of this.find({
      any: [HEADER_SETTER_CALL, HEADER_OBJECT_CALL, HEADER_SUBSCRIPT_ASSIGNMENT],
    })) {
      if (node.kind() === 'assignment') out.push(...subscriptHeaderSite(node, span))
      else out.push(...callHeaderSites(node, span))
    }
    if (this.text.includes(HSTS_SETTING)) {
      for (const { node, extent, span } of this.find(HSTS_ASSIGNMENT)) {
        const right = node.field('right')
        const value = right && this.scopesOf(extent).length === 0 ? hstsValue(right) : undefined
        if (value) out.push({ name: 'Strict-Transport-Security', value, at: span, via: HSTS_SETTING })
      }
    }
    return out.sort(byPosition)
  }

  /** Not inside any function or class (Django settings are module-level names). */
  private atModuleLevel(x: Extent): boolean {
    return !this.definitions().some((d) => contains(d.outer, x))
  }
}

/** Defines an enumerable property computed on its first read. */
function lazy<T extends object, K extends PropertyKey, V>(target: T, key: K, compute: () => V): T & Record<K, V> {
  let value: V | undefined
  let computed = false
  Object.defineProperty(target, key, {
    enumerable: true,
    get: () => {
      if (!computed) {
        value = compute()
        computed = true
      }
      return value
    },
  })
  return target as T & Record<K, V>
}

// ---- names and paths ----

/** `a.b.c` as segments when the expression is a pure chain of names; undefined otherwise. */
function namePath(node: SgNode | null): NamePath | undefined {
  if (!node) return undefined
  const kind = node.kind()
  if (kind === 'identifier') return [node.text()]
  if (kind !== 'attribute') return undefined
  const text = node.text()
  if (NAME_CHAIN.test(text)) return text.split(/\s*\.\s*/)
  const head = namePath(node.field('object'))
  const attr = node.field('attribute')
  return head && attr ? [...head, attr.text()] : undefined
}

/**
 * Call path per §3.4 — the name chain ending at the callee, cut by a receiver that is a call, subscript or other
 * expression (`get_client().verify` → ['verify']) — and the identifier at the root of the receiver.
 */
function calleeChain(callee: SgNode): { path: NamePath; receiver: string[] } | undefined {
  const kind = callee.kind()
  if (kind === 'identifier') return { path: [callee.text()], receiver: [] }
  if (kind !== 'attribute') return undefined
  const pure = namePath(callee)
  if (pure) return { path: pure, receiver: [pure[0]!] }
  const path: string[] = []
  let n: SgNode | null = callee
  for (; n?.kind() === 'attribute'; n = n.field('object')) {
    const attr = n.field('attribute')
    if (attr) path.unshift(attr.text())
  }
  if (n?.kind() === 'identifier') path.unshift(n.text())
  return { path, receiver: receiverRoot(n) }
}

/** The identifier at the root of a receiver expression (`token.strip().verify()` → token). */
function receiverRoot(node: SgNode | null): string[] {
  for (let n = node; n; ) {
    const kind = n.kind()
    if (kind === 'identifier') return [n.text()]
    if (kind === 'attribute') n = n.field('object')
    else if (kind === 'call') n = n.field('function')
    else if (kind === 'subscript') n = n.field('value')
    else if (kind === 'parenthesized_expression') n = n.namedChildren()[0] ?? null
    else return []
  }
  return []
}

/** Identifiers naming variables in an expression (f-string interpolations included, string contents never). */
function referenceIdentifiers(node: SgNode): string[] {
  if (node.kind() === 'identifier') return [node.text()]
  return node.findAll({ rule: REFERENCE_IDENTIFIER }).map((n) => n.text())
}

function dottedName(node: SgNode | null): string | undefined {
  const text = node?.text().replace(/\s+/g, '')
  return text ? text : undefined
}

function importedNames(node: SgNode): { local: string; imported: string }[] {
  const out: { local: string; imported: string }[] = []
  for (const name of node.fieldChildren('name')) {
    const aliased = name.kind() === 'aliased_import'
    const imported = dottedName(aliased ? name.field('name') : name)
    const local = aliased ? name.field('alias')?.text() : imported
    if (imported && local) out.push({ local, imported })
  }
  return out
}

// ---- definitions ----

function decoratorsOf(definition: SgNode): Definition['decorators'] {
  const parent = definition.parent()
  if (parent?.kind() !== 'decorated_definition') return []
  const out: Definition['decorators'] = []
  for (const decorator of parent.namedChildren()) {
    if (decorator.kind() !== 'decorator') continue
    const expr = decorator.namedChildren().find((c) => c.kind() !== 'comment') ?? null
    // Only a name, an attribute path or a call of one names a decorator (§3.3).
    const path = namePath(expr?.kind() === 'call' ? expr.field('function') : expr)
    if (path) out.push({ path, at: spanOf(decorator) })
  }
  return out
}

/** A body of only a docstring, `...`, `pass` or `raise NotImplementedError`: an abstract method's placeholder. */
function isPlaceholderBody(body: SgNode | null): boolean {
  if (!body) return true
  return body.namedChildren().every((s) => {
    const kind = s.kind()
    if (kind === 'comment' || kind === 'pass_statement') return true
    if (kind === 'raise_statement') return /^raise\s+NotImplementedError\b/.test(s.text())
    if (kind !== 'expression_statement') return false
    const expr = s.namedChildren()[0]
    return expr?.kind() === 'ellipsis' || expr?.kind() === 'string'
  })
}

function basesOf(superclasses: SgNode | null): NamePath[] {
  if (!superclasses) return []
  return superclasses
    .namedChildren()
    .map((c) => namePath(c))
    .filter((p): p is NamePath => p !== undefined)
}

function paramsOf(parameters: SgNode | null): Parameter[] {
  const out: Parameter[] = []
  for (const p of parameters?.namedChildren() ?? []) {
    const kind = p.kind()
    if (kind === 'identifier') out.push({ name: p.text(), at: spanOf(p) })
    else if (kind === 'list_splat_pattern' || kind === 'dictionary_splat_pattern' || kind === 'tuple_pattern')
      out.push(...boundNames(p))
    else if (kind === 'typed_parameter' || kind === 'default_parameter' || kind === 'typed_default_parameter') {
      const nameNode = p.field('name') ?? p.namedChildren()[0] ?? null
      const type = p.field('type')?.namedChildren()[0] ?? null
      const validation = declarativeValidation(type, p.field('value'))
      const annotation = namePath(type)
      for (const param of nameNode ? boundNames(nameNode) : []) {
        if (validation) param.declarativeValidation = validation
        if (annotation) param.annotation = annotation
        out.push(param)
      }
    }
  }
  return out
}

/** The names a parameter pattern binds, without `*`/`**` (Python 2 tuple parameters bind each name). */
function boundNames(node: SgNode): Parameter[] {
  if (node.kind() === 'identifier') return [{ name: node.text(), at: spanOf(node) }]
  return node.namedChildren().flatMap(boundNames)
}

/** §3.5 form 3: `Annotated[T, Query(…)]`, a constrained type, or a default that is a validation call. */
function declarativeValidation(type: SgNode | null, defaultValue: SgNode | null): string | undefined {
  for (const m of type ? annotatedMetadata(type) : []) {
    const name = validationCall(m, VALIDATION_CALLS)
    if (name) return `Annotated[..., ${name}(...)]`
  }
  const typeCalls = type ? [type, ...type.findAll({ rule: { kind: 'call' } })] : []
  const constrained = typeCalls.map((c) => validationCall(c, CONSTRAINED_TYPES)).find(Boolean)
  if (constrained) return `${constrained}(...)`
  const byDefault = validationCall(defaultValue, VALIDATION_CALLS)
  return byDefault ? `${byDefault}(...)` : undefined
}

/** The metadata expressions of `Annotated[T, m1, m2]` / `typing.Annotated[...]`; empty for other annotations. */
function annotatedMetadata(type: SgNode): SgNode[] {
  if (type.kind() === 'generic_type') {
    const [head, params] = type.namedChildren()
    if (namePath(head ?? null)?.at(-1) !== 'Annotated' || !params) return []
    return params
      .namedChildren()
      .slice(1)
      .map((t) => (t.kind() === 'type' ? (t.namedChildren()[0] ?? t) : t))
  }
  if (type.kind() === 'subscript' && namePath(type.field('value'))?.at(-1) === 'Annotated')
    return type.namedChildren().slice(2)
  return []
}

/** The callee as written when the node is a call to one of the names (matched by last segment). */
function validationCall(node: SgNode | null, names: Set<string>): string | undefined {
  if (node?.kind() !== 'call') return undefined
  const path = namePath(node.field('function'))
  return path && names.has(path.at(-1)!) ? path.join('.') : undefined
}

// ---- error handlers ----

/** The types an except clause names: `except X`, `except (X, Y) as e`, `except* X`, PEP 758 `except X, Y:`. */
function exceptClauseTypes(clause: SgNode): NamePath[] {
  const out: NamePath[] = []
  for (const child of clause.children()) {
    const kind = child.kind()
    if (kind === ':') break
    if (child.isNamed() && kind !== 'ERROR' && kind !== 'comment') out.push(...exceptionPaths(child))
  }
  return out
}

function exceptionPaths(node: SgNode): NamePath[] {
  const kind = node.kind()
  if (kind === 'tuple' || kind === 'parenthesized_expression') return node.namedChildren().flatMap(exceptionPaths)
  if (kind === 'as_pattern') {
    const value = node.namedChildren()[0]
    return value ? exceptionPaths(value) : []
  }
  const path = namePath(node)
  return path ? [path] : []
}

/** Reads `[*] Name(.Name)* (, Name(.Name)*)+ :` from the leaves after an `except` token; undefined if absent. */
function pep758Types(exceptToken: SgNode): NamePath[] | undefined {
  const types: NamePath[] = []
  let current: string[] = []
  let expectName = true
  let token = nextLeaf(exceptToken)
  if (token?.text() === '*') token = nextLeaf(token)
  for (let read = 0; token && read < MAX_CLAUSE_TOKENS; read++, token = nextLeaf(token)) {
    const text = token.text()
    if (expectName) {
      if (token.kind() !== 'identifier') return undefined
      current.push(text)
      expectName = false
    } else if (text === '.') expectName = true
    else if (text === ',' || text === ':') {
      types.push(current)
      current = []
      if (text === ':') return types.length >= 2 ? types : undefined
      expectName = true
    } else return undefined
  }
  return undefined
}

/** The first non-empty, non-comment leaf of a subtree (zero-width MISSING leaves are skipped). */
function firstLeaf(node: SgNode): SgNode | null {
  const kids = node.children()
  if (kids.length === 0) return node.text() !== '' && node.kind() !== 'comment' ? node : null
  for (const kid of kids) {
    const leaf = firstLeaf(kid)
    if (leaf) return leaf
  }
  return null
}

/** The next leaf in document order, leaving the current subtree when needed. */
function nextLeaf(node: SgNode): SgNode | null {
  for (let n: SgNode | null = node; n; n = n.parent()) {
    for (let sibling = n.next(); sibling; sibling = sibling.next()) {
      const leaf = firstLeaf(sibling)
      if (leaf) return leaf
    }
  }
  return null
}

// ---- literals and arguments ----

/** The positional argument at `index` (none when a keyword or splat comes first), or the keyword argument `keyword`. */
function argument(args: SgNode, index: number, keyword?: string): SgNode | null {
  const all = args.namedChildren()
  const positional: SgNode[] = []
  for (const a of all) {
    if (NON_POSITIONAL_ARGUMENTS.has(String(a.kind()))) break
    positional.push(a)
  }
  if (positional.length > index) return positional[index]!
  if (!keyword) return null
  const named = all.find((a) => a.kind() === 'keyword_argument' && a.field('name')?.text() === keyword)
  return named?.field('value') ?? null
}

/** The value of a string literal (implicit concatenation included); undefined for f-strings with interpolations. */
function literalString(node: SgNode | null): string | undefined {
  if (!node) return undefined
  if (node.kind() === 'concatenated_string') {
    const parts = node.namedChildren().map(literalString)
    return parts.every((p) => p !== undefined) ? parts.join('') : undefined
  }
  if (node.kind() !== 'string') return undefined
  let prefix = ''
  let value = ''
  for (const part of node.namedChildren()) {
    const kind = part.kind()
    if (kind === 'string_start')
      prefix = part
        .text()
        .replace(/['"]+$/, '')
        .toLowerCase()
    else if (kind === 'string_content') value += part.text()
    else if (kind === 'interpolation') return undefined
  }
  if (prefix.includes('f')) value = value.replace(/\{\{/g, '{').replace(/\}\}/g, '}')
  return prefix.includes('r') ? value : decodeEscapes(value)
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\n': '',
}

function decodeEscapes(raw: string): string {
  return raw.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[\s\S])/g, (whole, e: string) => {
    if (/^[xuU]./.test(e)) return String.fromCodePoint(Number.parseInt(e.slice(1), 16))
    if (/^[0-7]/.test(e)) return String.fromCodePoint(Number.parseInt(e, 8))
    return SIMPLE_ESCAPES[e] ?? whole
  })
}

function compact(text: string): string {
  return text.replace(/\s+/g, ' ')
}

/** Whether a subscript is written to (`os.environ["X"] = v`, `del os.environ["X"]`) rather than read. */
function isWriteTarget(subscript: SgNode): boolean {
  const parent = subscript.parent()
  if (parent?.kind() === 'delete_statement') return true
  return parent?.kind() === 'assignment' && parent.field('left')?.id() === subscript.id()
}

// ---- middleware and headers ----

/** The middleware an argument names or calls. */
function middlewarePath(arg: SgNode | null): NamePath | undefined {
  return namePath(arg?.kind() === 'call' ? arg.field('function') : arg)
}

/** FastAPI/Starlette `X.add_middleware(M, …)` and `Middleware(M, …)` (§3.20). */
function asgiRegistration(call: SgNode, callee: SgNode, at: Span): MiddlewareRegistration[] {
  const last = namePath(callee)?.at(-1)
  const isAdd = last === 'add_middleware'
  if ((isAdd && callee.kind() !== 'attribute') || (!isAdd && last !== 'Middleware')) return []
  const args = call.field('arguments')
  const path = args ? middlewarePath(argument(args, 0, isAdd ? 'middleware_class' : 'cls')) : undefined
  return path ? [{ path, at, via: isAdd ? 'add_middleware' : 'Middleware' }] : []
}

/** Django `MIDDLEWARE.append("…")` / `MIDDLEWARE.insert(i, "…")`. */
function djangoAddedEntry(call: SgNode, [setting, method]: NamePath): MiddlewareRegistration[] {
  const args = call.field('arguments')
  const entry = args ? argument(args, method === 'append' ? 0 : 1) : null
  const dotted = literalString(entry)
  return entry && dotted !== undefined ? [{ dottedString: dotted, at: spanOf(entry), via: setting! }] : []
}

/** Django `MIDDLEWARE = [...]` / `(...)` and `MIDDLEWARE += [...]`: each string entry. */
function djangoSettingEntries(assignment: SgNode): MiddlewareRegistration[] {
  if (assignment.kind() === 'augmented_assignment' && assignment.field('operator')?.text() !== '+=') return []
  const setting = assignment.field('left')!.text()
  return listEntries(assignment.field('right')).flatMap((entry) => {
    const dotted = literalString(entry)
    return dotted !== undefined ? [{ dottedString: dotted, at: spanOf(entry), via: setting }] : []
  })
}

/** Entries of a list or tuple, through `+` concatenations and parentheses. */
function listEntries(node: SgNode | null): SgNode[] {
  if (!node) return []
  const kind = node.kind()
  if (kind === 'list' || kind === 'tuple') return node.namedChildren().filter((c) => c.kind() !== 'comment')
  if (kind === 'parenthesized_expression') return listEntries(node.namedChildren()[0] ?? null)
  if (kind === 'binary_operator' && node.field('operator')?.text() === '+')
    return [...listEntries(node.field('left')), ...listEntries(node.field('right'))]
  return []
}

/** `response["Name"] = value` or `x.headers["Name"] = value` (the target was matched by the rule). */
function subscriptHeaderSite(assignment: SgNode, at: Span): HeaderSite[] {
  const left = assignment.field('left')!
  const target = left.field('value')!
  const name = literalString(left.field('subscript'))
  const right = assignment.field('right')
  if (name === undefined || !right) return []
  return [{ name, value: headerValue(right), at, via: `${compact(target.text())}[...]` }]
}

/** A setter call with a literal name and a value, and the literal keys of dictionary arguments of set/header/…. */
function callHeaderSites(call: SgNode, at: Span): HeaderSite[] {
  const callee = call.field('function')!
  const chain = calleeChain(callee)
  const args = call.field('arguments')
  if (!chain || !args) return []
  const via = chain.path.join('.')
  const out: HeaderSite[] = []
  const last = chain.path.at(-1)!
  const name = callee.kind() === 'attribute' && HEADER_SETTERS.has(last) ? literalString(argument(args, 0)) : undefined
  const value = argument(args, 1)
  if (name !== undefined && value) out.push({ name, value: headerValue(value), at, via })
  if (!HEADER_OBJECT_CALLS.has(last)) return out
  for (const dict of args.namedChildren().filter((a) => a.kind() === 'dictionary')) {
    for (const pair of dict.namedChildren().filter((p) => p.kind() === 'pair')) {
      const key = literalString(pair.field('key'))
      const pairValue = pair.field('value')
      if (key !== undefined && pairValue) out.push({ name: key, value: headerValue(pairValue), at: spanOf(pair), via })
    }
  }
  return out
}

function headerValue(node: SgNode): HeaderValue {
  const kind = node.kind()
  if (kind === 'integer' || kind === 'float') return { kind: 'literal', text: node.text() }
  const text = literalString(node)
  return text !== undefined ? { kind: 'literal', text } : { kind: 'dynamic' }
}

/** `SECURE_HSTS_SECONDS`: a literal n > 0 sets HSTS; a literal ≤ 0, None or False sets none; anything else is unknown. */
function hstsValue(node: SgNode): HeaderValue | undefined {
  let n = node
  let sign = 1
  if (n.kind() === 'unary_operator') {
    const operand = n.field('argument')
    const op = n.field('operator')?.text()
    if (operand && (op === '-' || op === '+')) {
      sign = op === '-' ? -1 : 1
      n = operand
    }
  }
  const kind = n.kind()
  if (n === node && (kind === 'none' || kind === 'false')) return undefined
  if (kind === 'integer' || kind === 'float') {
    const seconds = sign * Number(n.text().replace(/_/g, '').replace(/[lL]$/, ''))
    if (!Number.isNaN(seconds)) return seconds > 0 ? { kind: 'middleware', via: HSTS_SETTING } : undefined
  }
  return { kind: 'undecidable', reason: `${HSTS_SETTING} is not a literal number` }
}
