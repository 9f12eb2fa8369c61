/**
 * The structural facts a language analyzer extracts from one file. Evaluators apply ASSERTIONS.md's name matching,
 * combination and wording to these facts; analyzers know only their language's syntax. Nothing inside a comment, a
 * string's contents or a syntax-error region is ever a fact (§2.5).
 */

/** 1-based line and column (UTF-16 code units, BOM not counted); endLine when the construct spans lines. */
export interface Span {
  line: number
  column: number
  endLine: number
}

export type LanguageId =
  | 'python'
  | 'javascript'
  | 'typescript'
  | 'tsx'
  | 'go'
  | 'java'
  | 'kotlin'
  | 'csharp'
  | 'ruby'
  | 'php'
  | 'rust'
  | 'c-family'
  | 'shell'
  | 'dockerfile'
  | 'dotenv'
  | 'yaml'
  | 'server-config'

/** A name reference as written in code, read into segments (`jwt.decode` → ['jwt', 'decode']). */
export type NamePath = string[]

export interface Parameter {
  name: string
  at: Span
  /** Declarative validation on the parameter (§3.5 form 3), described for details: `annotation 'Query'`. */
  declarativeValidation?: string
  /** Python: the annotation when it is a plain name or attribute path, for Pydantic model resolution by the evaluator. */
  annotation?: NamePath
}

export interface Definition {
  /** Unique within the file; facts inside a function list the ids of every enclosing function in `scopes`. */
  id: number
  kind: 'function' | 'class'
  /** The qualified name's segments (§2.6): enclosing classes/impl types/functions, then the name. */
  qualified: string[]
  /** For classes: `class`, `interface`, `struct`, `enum`, `trait`, `object`, `record`, `module`, `type` … */
  typeKind?: string
  at: Span
  /** Bodiless signatures (declare, overloads, abstract/interface members, extern, trait methods without body) are false. */
  hasBody: boolean
  /** Own decorators / annotations / attributes, callee path without arguments (`@router.post("/x")` → ['router','post']). */
  decorators: { path: NamePath; at: Span }[]
  params: Parameter[]
  /** Python classes: base class expressions as paths (`pydantic.BaseModel` → ['pydantic','BaseModel']). */
  bases?: NamePath[]
  /** Ids of enclosing function definitions, innermost first. */
  scopes: number[]
}

export interface Call {
  /** Call path per §3.4 (`self.jwt.decode` → ['self','jwt','decode']; `new Validator()` → ['Validator']). */
  path: NamePath
  at: Span
  scopes: number[]
  /** Every identifier occurring in the arguments (for parameter validation by call). */
  argIdentifiers: string[]
  /** Identifiers of the receiver chain (`token.verify()` → ['token']). */
  receiverIdentifiers: string[]
}

/** A guard (§3.5 form 1): a condition whose branch exits (raise/throw/return/panic/abort/bail!), or an assert. */
export interface Guard {
  kind: 'guard' | 'assert'
  identifiers: string[]
  at: Span
  scopes: number[]
}

export interface ErrorHandler {
  /** For details: `except`, `catch`, `.catch`, `if err != nil`, `errors.Is`, `?`, `match Err`, `rescue` … */
  label: string
  /** The exception types the handler names (§3.18); empty when it names none (a bare catch, `.catch(cb)`). */
  types: NamePath[]
  at: Span
  scopes: number[]
  /**
   * Names an error type without handling errors by itself (Go `errors.Is(err, X)` outside an `if` condition): it
   * counts only for a claim that names an exception (§3.18).
   */
  namesTypeOnly?: boolean
}

export interface Import {
  /** The module as written in the language's spelling (`cryptography.fernet`, `@fastify/helmet`, `ring::aead`). */
  module: string
  /** Java/Kotlin wildcard import: also imports everything under `module`. */
  wildcard?: boolean
  at: Span
  /** The import statement's first line, for details. */
  text: string
  /** Python `from X import A, B as C`: the imported names as bound in the module (`A`, `C`) with their original names. */
  names?: { local: string; imported: string }[]
}

export interface EnvRead {
  name: string
  at: Span
  /** The expression as written, for details (`process.env.SESSION_SECRET`). */
  text: string
}

export interface MiddlewareRegistration {
  /** The middleware as an identifier/callee path (`helmet.xssFilter`), matched as a reference (§2.6). */
  path?: NamePath
  /** Django strings: matched when the dotted string ends with the given name on a segment boundary. */
  dottedString?: string
  /** Fastify `register(require('m'))`: matched against the package name exactly. */
  packageName?: string
  at: Span
  /** For details: `app.use`, `add_middleware`, `MIDDLEWARE`, `UseAuthentication` … */
  via: string
}

export type HeaderValue =
  | { kind: 'literal'; text: string }
  | { kind: 'dynamic' }
  /** Set by a known middleware (`helmet()`); its value cannot be checked. */
  | { kind: 'middleware'; via: string }
  /** A site that cannot be judged at all (Django SECURE_HSTS_SECONDS that is not a literal). */
  | { kind: 'undecidable'; reason: string }

export interface HeaderSite {
  /** The header name as written (compared case-insensitively by the evaluator). */
  name: string
  value: HeaderValue
  at: Span
  /** For details: `res.setHeader`, `helmet()`, `add_header`, `Header set`, `response[...]` … */
  via: string
}

export interface TestDefinition {
  name: string
  fullName: string
  at: Span
}

/** Facts of one file. Each category is computed on first use and cached. */
export interface FileFacts {
  language: LanguageId
  /** The line of the first syntax error (tree-sitter ERROR or MISSING node) as a one-element list, or none. */
  syntaxErrors(): number[]
  definitions(): Definition[]
  calls(): Call[]
  guards(): Guard[]
  errorHandlers(): ErrorHandler[]
  imports(): Import[]
  envReads(): EnvRead[]
  middleware(): MiddlewareRegistration[]
  headers(): HeaderSite[]
  /** Test blocks that are not plain function definitions (JS `it`/`test`, RSpec). */
  testBlocks(): TestDefinition[]
}
