// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are JavaScript sources whose template literals are under test
import { describe, expect, it } from 'vitest'
import type { Definition, FileFacts, LanguageId } from '../src/code/facts.js'
import { analyzeJavaScript } from '../src/code/javascript.js'
import { analyze } from './code-helpers.js'

const js = (text: string) => analyze(analyzeJavaScript, 'javascript', 'src/app.js', text)
const ts = (text: string) => analyze(analyzeJavaScript, 'typescript', 'src/app.ts', text)
const run = (language: LanguageId, text: string) => analyze(analyzeJavaScript, language, 'src/app', text)

const names = (f: FileFacts) => f.definitions().map((d) => d.qualified.join('.'))
const byName = (f: FileFacts, qualified: string): Definition[] =>
  f.definitions().filter((d) => d.qualified.join('.') === qualified)
const one = (f: FileFacts, qualified: string): Definition => {
  const found = byName(f, qualified)
  expect(found).toHaveLength(1)
  return found[0]!
}

describe('definitions: functions', () => {
  it('reads declarations and bound function expressions with their qualified names', async () => {
    const f = await js(
      [
        'async function a() {}',
        'function* b() {}',
        'export function c() {}',
        'export default function d() {}',
        'const e = async (x) => x',
        'let f = function () {}',
        'var g = function* () {}',
        'exports.h = function () {}',
        'module.exports.i = () => 1',
        'const obj = { j() {}, k: () => 1, "l": function () {}, nested: { m() {} } }',
        'class C {',
        '  n = () => 1',
        '  static #o = function () {}',
        '  p() {}',
        '  get q() { return 1 }',
        '  set q(v) {}',
        '  static r() {}',
        '  #s() {}',
        '  constructor() {}',
        '}',
      ].join('\n'),
    )
    expect(f.definitions().map((d) => [d.qualified.join('.'), d.kind, d.at.line, d.hasBody])).toEqual([
      ['a', 'function', 1, true],
      ['b', 'function', 2, true],
      ['c', 'function', 3, true],
      ['d', 'function', 4, true],
      ['e', 'function', 5, true],
      ['f', 'function', 6, true],
      ['g', 'function', 7, true],
      ['h', 'function', 8, true],
      ['i', 'function', 9, true],
      ['obj.j', 'function', 10, true],
      ['obj.k', 'function', 10, true],
      ['obj.l', 'function', 10, true],
      ['obj.nested.m', 'function', 10, true],
      ['C', 'class', 11, true],
      ['C.n', 'function', 12, true],
      ['C.#o', 'function', 13, true],
      ['C.p', 'function', 14, true],
      ['C.q', 'function', 15, true],
      ['C.q', 'function', 16, true],
      ['C.r', 'function', 17, true],
      ['C.#s', 'function', 18, true],
      ['C.constructor', 'function', 19, true],
    ])
  })

  it('locates a definition at its binding, after its decorators', async () => {
    const f = await ts('class A {\n  @Get()\n  list() {}\n}\nconst verify = (t) => t\n')
    expect(one(f, 'A.list').at).toEqual({ line: 3, column: 3, endLine: 3 })
    expect(one(f, 'verify').at).toEqual({ line: 5, column: 7, endLine: 5 })
    expect(one(f, 'A').at).toEqual({ line: 1, column: 1, endLine: 4 })
  })

  it('qualifies by enclosing functions and classes, and lists enclosing function ids as scopes', async () => {
    const f = await js(
      [
        'function outer() {',
        '  class Inner { m() {} }',
        '  const cfg = { deep() {} }',
        '  const inner = () => { function leaf() {} }',
        '}',
      ].join('\n'),
    )
    expect(names(f)).toEqual([
      'outer',
      'outer.Inner',
      'outer.Inner.m',
      'outer.cfg.deep',
      'outer.inner',
      'outer.inner.leaf',
    ])
    const outer = one(f, 'outer')
    const inner = one(f, 'outer.inner')
    expect(outer.scopes).toEqual([])
    expect(one(f, 'outer.Inner.m').scopes).toEqual([outer.id])
    expect(one(f, 'outer.inner.leaf').scopes).toEqual([inner.id, outer.id])
    expect(new Set(f.definitions().map((d) => d.id)).size).toBe(6)
  })

  it('qualifies members of object literals by what the literal is bound to', async () => {
    const f = await js(
      [
        'module.exports = { a() {} }',
        'exports.routes = { b() {} }',
        'register({ c() {} })',
        'const typed = ({ d: () => 1 })',
        'const x = { [computed]: () => 1, 42: function () {} }',
      ].join('\n'),
    )
    expect(names(f)).toEqual(['a', 'routes.b', 'c', 'typed.d', 'x.42'])
  })

  it('does not qualify by namespaces or modules', async () => {
    const f = await ts('namespace Auth { export function login() {} }\ndeclare module "x" { function y(): void }\n')
    expect(f.definitions().map((d) => [d.qualified.join('.'), d.hasBody])).toEqual([
      ['login', true],
      ['y', false],
    ])
  })

  it('does not count calls, references, anonymous callbacks, comments or strings', async () => {
    const f = await js(
      [
        '// function verifyToken() {}',
        'const s = "function verifyToken() {}"',
        'verifyToken(t)',
        'module.exports = { verifyToken }',
        'app.get("/", function handler(req, res) {})',
        'items.map((x) => x * 2)',
        'export default function () {}',
        'const t = `${() => 1}`',
      ].join('\n'),
    )
    expect(names(f)).toEqual([])
  })

  it('marks TypeScript declare, overload, abstract and interface signatures as bodiless', async () => {
    const f = await ts(
      [
        'declare function a(x: string): void',
        'function b(x: string): void',
        'function b(x: unknown) {}',
        'abstract class C {',
        '  abstract m(): void',
        '  o(x: string): void',
        '  o(x: unknown) {}',
        '  cb?: () => void',
        '}',
        'interface I { n(): void; prop: string }',
        'declare class D { p(): void }',
        'type T = { q(): void }',
      ].join('\n'),
    )
    expect(f.definitions().map((d) => [d.qualified.join('.'), d.kind, d.typeKind, d.hasBody])).toEqual([
      ['a', 'function', undefined, false],
      ['b', 'function', undefined, false],
      ['b', 'function', undefined, true],
      ['C', 'class', 'class', true],
      ['C.m', 'function', undefined, false],
      ['C.o', 'function', undefined, false],
      ['C.o', 'function', undefined, true],
      ['I', 'class', 'interface', true],
      ['I.n', 'function', undefined, false],
      ['D', 'class', 'class', false],
      ['D.p', 'function', undefined, false],
      ['T', 'class', 'type', true],
      ['T.q', 'function', undefined, false],
    ])
  })
})

describe('definitions: classes', () => {
  it('reads classes, bound class expressions, interfaces, enums and object type aliases', async () => {
    const f = await ts(
      [
        'export class A {}',
        'export abstract class B {}',
        'const C = class {}',
        'export const D = class Named { m() {} }',
        'interface E {}',
        'enum F { X }',
        'type G = { a: string }',
        'type H = string',
        'type J = A & { b: number }',
        'module.exports = class K { login() {} }',
      ].join('\n'),
    )
    expect(
      f
        .definitions()
        .filter((d) => d.kind === 'class')
        .map((d) => [d.qualified.join('.'), d.typeKind]),
    ).toEqual([
      ['A', 'class'],
      ['B', 'class'],
      ['C', 'class'],
      ['D', 'class'],
      ['E', 'interface'],
      ['F', 'enum'],
      ['G', 'type'],
    ])
    // An unbound class expression defines no class, but its name still qualifies its methods.
    expect(names(f)).toContain('K.login')
    expect(names(f)).toContain('D.m')
  })

  it('reads TSX and JSX files', async () => {
    const tsx = await run('tsx', 'export const Page = (p: Props) => <div onClick={() => go()}>{`a${b()}`}</div>\n')
    expect(names(tsx)).toEqual(['Page'])
    expect(tsx.calls().map((c) => c.path.join('.'))).toEqual(['go', 'b'])
    const jsx = await run('javascript', 'function App() { return <Button label="save()" /> }\n')
    expect(names(jsx)).toEqual(['App'])
    expect(jsx.calls()).toEqual([])
  })
})

describe('definitions: parameters and decorators', () => {
  it('reads plain, default, rest, destructured and typed parameters', async () => {
    const f = await ts(
      [
        'function f(a, b = 1, { c, d: e, f = 2, ...g }, [h, ...i], ...j) {}',
        'const k = (this: Window, l: string, m?: number) => l',
        'const n = o => o',
      ].join('\n'),
    )
    expect(one(f, 'f').params.map((p) => p.name)).toEqual(['a', 'b', 'c', 'e', 'f', 'g', 'h', 'i', 'j'])
    expect(one(f, 'f').params[2]!.at).toEqual({ line: 1, column: 24, endLine: 1 })
    expect(one(f, 'k').params.map((p) => p.name)).toEqual(['l', 'm'])
    expect(one(f, 'n').params.map((p) => p.name)).toEqual(['o'])
  })

  it('reads method decorators in TypeScript and JavaScript, not those of the class or a neighbour', async () => {
    const text = [
      '@Controller("users")',
      'export class UsersController {',
      '  // @UseGuards(AdminGuard)',
      '  @Delete(":id") @auth.required',
      '  remove(@Param("id") id: string) {}',
      '',
      '  list() {}',
      '}',
    ].join('\n')
    const f = await ts(text)
    expect(one(f, 'UsersController.remove').decorators).toEqual([
      { path: ['Delete'], at: { line: 4, column: 3, endLine: 4 } },
      { path: ['auth', 'required'], at: { line: 4, column: 18, endLine: 4 } },
    ])
    expect(one(f, 'UsersController.list').decorators).toEqual([])
    expect(one(f, 'UsersController').decorators).toEqual([])
    const g = await js('class A {\n  @dec.x() m() {}\n  n() {}\n}\n')
    expect(one(g, 'A.m').decorators.map((d) => d.path)).toEqual([['dec', 'x']])
    expect(one(g, 'A.n').decorators).toEqual([])
  })

  it('reads declarative validation from parameter decorators by name or argument, not from strings', async () => {
    const f = await ts(
      [
        'class C {',
        '  m(',
        '    @Param("id", ParseIntPipe) id: number,',
        '    @Body(new ValidationPipe()) body?: Dto,',
        '    @Query("validate") q: string,',
        '    @CheckedArg() c: string,',
        '    plain: string,',
        '  ) {}',
        '}',
      ].join('\n'),
    )
    expect(one(f, 'C.m').params.map((p) => [p.name, p.declarativeValidation])).toEqual([
      ['id', "decorator 'Param'"],
      ['body', "decorator 'Body'"],
      ['q', undefined],
      ['c', "decorator 'CheckedArg'"],
      ['plain', undefined],
    ])
  })
})

describe('calls', () => {
  it('builds call paths per §3.4 with scopes, argument and receiver identifiers', async () => {
    const f = await ts(
      [
        'function handle(req, token) {',
        '  jwt.verify(token, { key })',
        '  this.svc?.check(req.body.id)',
        '  new Validator(req)',
        '  new schemas.User()',
        '  getClient().verify(token)',
        '  obj["m"](x)',
        '  a!.b()',
        '  items.map(validate)',
        '  const cb = () => { inner(token) }',
        '  list.forEach((x) => later(x))',
        '}',
        'function other() { elsewhere() }',
      ].join('\n'),
    )
    const handle = one(f, 'handle').id
    const cb = one(f, 'handle.cb').id
    expect(f.calls().map((c) => [c.path.join('.'), c.at.line, c.at.column, c.scopes])).toEqual([
      ['jwt.verify', 2, 7, [handle]],
      ['this.svc.check', 3, 13, [handle]],
      ['Validator', 4, 3, [handle]],
      ['schemas.User', 5, 3, [handle]],
      ['verify', 6, 15, [handle]],
      ['getClient', 6, 3, [handle]],
      ['a.b', 8, 6, [handle]],
      ['items.map', 9, 9, [handle]],
      ['inner', 10, 22, [cb, handle]],
      ['list.forEach', 11, 8, [handle]],
      ['later', 11, 23, [handle]],
      ['elsewhere', 13, 20, [one(f, 'other').id]],
    ])
    const [verify, check] = f.calls()
    expect(verify!.argIdentifiers).toEqual(['token', 'key'])
    expect(verify!.receiverIdentifiers).toEqual(['jwt'])
    expect(check!.argIdentifiers).toEqual(['req'])
    expect(check!.receiverIdentifiers).toEqual([])
  })

  it('exposes lazily computed fields as ordinary enumerable properties', async () => {
    const f = await js('function f(a) { check(a, { b }) }\n')
    expect(JSON.parse(JSON.stringify(f.calls()[0]))).toEqual({
      path: ['check'],
      at: { line: 1, column: 17, endLine: 1 },
      scopes: [0],
      argIdentifiers: ['a', 'b'],
      receiverIdentifiers: [],
    })
    expect(Object.keys(one(f, 'f'))).toEqual([
      'id',
      'kind',
      'qualified',
      'at',
      'hasBody',
      'scopes',
      'params',
      'decorators',
    ])
  })

  it('ignores calls in comments and strings, but reads template interpolations', async () => {
    const f = await js('// validate(x)\nconst s = "validate(x)"\nconst t = `validate(x) ${check(y)}`\n')
    expect(f.calls().map((c) => c.path)).toEqual([['check']])
  })

  it('does not place a decorator call or a default parameter value inside the function body', async () => {
    const f = await ts('class A {\n  @Get(route())\n  m(x = compute()) { body() }\n}\n')
    const m = one(f, 'A.m').id
    expect(f.calls().map((c) => [c.path.join('.'), c.scopes])).toEqual([
      ['Get', []],
      ['route', []],
      ['compute', []],
      ['body', [m]],
    ])
  })
})

describe('guards', () => {
  it('reads ifs whose branch exits at its top level', async () => {
    const f = await js(
      [
        'function f(a, b, c, d, e) {',
        '  if (!a) throw new Error("a")',
        '  if (b.length > 3) { log(); return null }',
        '  if (c) log(); else { throw new TypeError() }',
        '  if (d) { if (x) { return } }',
        '  if (e > 1) { console.warn("big") }',
        '  if (ok(e)) abort()',
        '}',
      ].join('\n'),
    )
    const id = one(f, 'f').id
    expect(f.guards()).toEqual([
      { kind: 'guard', identifiers: ['a'], at: { line: 2, column: 3, endLine: 2 }, scopes: [id] },
      { kind: 'guard', identifiers: ['b'], at: { line: 3, column: 3, endLine: 3 }, scopes: [id] },
      { kind: 'guard', identifiers: ['c'], at: { line: 4, column: 3, endLine: 4 }, scopes: [id] },
      { kind: 'guard', identifiers: ['x'], at: { line: 5, column: 12, endLine: 5 }, scopes: [id] },
      { kind: 'guard', identifiers: ['ok', 'e'], at: { line: 7, column: 3, endLine: 7 }, scopes: [id] },
    ])
  })
})

describe('error handlers', () => {
  it('reads try/catch with instanceof types on the caught name, and not try/finally', async () => {
    const f = await ts(
      [
        'async function f() {',
        '  try { await g() } catch (e) {',
        '    if (e instanceof errors.Timeout) retry()',
        '    if (other instanceof RangeError) log()',
        '    if (e instanceof TypeError || e instanceof errors.Timeout) {}',
        '  }',
        '  try { g() } finally { done() }',
        '  try { g() } catch { }',
        '}',
      ].join('\n'),
    )
    const id = one(f, 'f').id
    expect(f.errorHandlers()).toEqual([
      {
        label: 'catch',
        types: [['errors', 'Timeout'], ['TypeError']],
        at: { line: 2, column: 21, endLine: 6 },
        scopes: [id],
      },
      { label: 'catch', types: [], at: { line: 8, column: 15, endLine: 8 }, scopes: [id] },
    ])
  })

  it('reads .catch calls, with instanceof types inside the callback', async () => {
    const f = await ts(
      [
        'function fetchProfile(client, id) {',
        '  return client',
        '    .get("/users/" + id)',
        '    .catch((err: unknown) => { if (err instanceof HttpError) return null; throw err })',
        '}',
        'const g = () => p?.catch(handleError)',
        'const h = () => p.catch(e => e instanceof Timeout && null)',
      ].join('\n'),
    )
    expect(f.errorHandlers().map((h) => [h.label, h.types, h.at.line, h.at.column, h.scopes])).toEqual([
      ['.catch', [['HttpError']], 4, 6, [one(f, 'fetchProfile').id]],
      ['.catch', [], 6, 20, [one(f, 'g').id]],
      ['.catch', [['Timeout']], 7, 19, [one(f, 'h').id]],
    ])
  })
})

describe('imports', () => {
  it('reads every import form with a literal module', async () => {
    const f = await ts(
      [
        "import express from 'express'",
        "import type { T } from './types'",
        "import 'reflect-metadata'",
        "export * from '@app/core'",
        "export { a } from 'node:path'",
        "import fs = require('fs')",
        "const jwt = require('jsonwebtoken')",
        'const lazy = await import(`./lazy`)',
        'const dyn = require(name)',
        "const s = 'import x from \"fake\"' // require('nope')",
        "require.resolve('not-an-import')",
      ].join('\n'),
    )
    expect(f.imports().map((i) => [i.module, i.at.line, i.text])).toEqual([
      ['express', 1, "import express from 'express'"],
      ['./types', 2, "import type { T } from './types'"],
      ['reflect-metadata', 3, "import 'reflect-metadata'"],
      ['@app/core', 4, "export * from '@app/core'"],
      ['node:path', 5, "export { a } from 'node:path'"],
      ['fs', 6, "import fs = require('fs')"],
      ['jsonwebtoken', 7, "const jwt = require('jsonwebtoken')"],
      ['./lazy', 8, 'const lazy = await import(`./lazy`)'],
    ])
  })

  it('gives a multi-line import statement its first line as text', async () => {
    const f = await js("import {\n  a,\n  b,\n} from 'express-session'\n")
    expect(f.imports()).toEqual([
      { module: 'express-session', at: { line: 1, column: 1, endLine: 4 }, text: 'import {' },
    ])
  })
})

describe('environment reads', () => {
  it('reads process.env and import.meta.env with literal names', async () => {
    const f = await ts(
      [
        'const a = process.env.SESSION_SECRET',
        "const b = process.env['DB_URL']",
        'const c = process.env?.OPTIONAL',
        'const { PORT, HOST: host, DEBUG = "0", ...rest } = process.env',
        'const d = import.meta.env.VITE_API',
        'const e = process.env[name]',
        'const f = `${process.env.IN_TEMPLATE}`',
        "const g = 'process.env.IN_STRING' // process.env.IN_COMMENT",
        'process.env.WRITTEN = "1"',
        'const h = env.NOT_PROCESS',
      ].join('\n'),
    )
    expect(f.envReads().map((r) => [r.name, r.at.line, r.at.column, r.text])).toEqual([
      ['SESSION_SECRET', 1, 11, 'process.env.SESSION_SECRET'],
      ['DB_URL', 2, 11, "process.env['DB_URL']"],
      ['OPTIONAL', 3, 11, 'process.env?.OPTIONAL'],
      ['PORT', 4, 9, '{ PORT, HOST: host, DEBUG = "0", ...rest } = process.env'],
      ['HOST', 4, 15, '{ PORT, HOST: host, DEBUG = "0", ...rest } = process.env'],
      ['DEBUG', 4, 27, '{ PORT, HOST: host, DEBUG = "0", ...rest } = process.env'],
      ['VITE_API', 5, 11, 'import.meta.env.VITE_API'],
      ['IN_TEMPLATE', 7, 14, 'process.env.IN_TEMPLATE'],
    ])
  })

  it('does not read a name mentioned only in a message', async () => {
    const f = await js(
      "if (!process.env.SESSION_KEY) {\n  throw new Error('JWT_SECRET and SESSION_KEY must be set');\n}\n",
    )
    expect(f.envReads().map((r) => r.name)).toEqual(['SESSION_KEY'])
  })
})

describe('middleware', () => {
  it('reads use and register registrations', async () => {
    const f = await js(
      [
        'app.use(helmet())',
        "app.use('/api', cors(), [rateLimit(), auth.required])",
        'router.use(new Session())',
        'app.use(helmet.xssFilter())',
        "fastify.register(require('@fastify/helmet'), { global: true })",
        "fastify.register(import('@fastify/cors'))",
        'fastify.register(plugin, options)',
        'app.use((req, res, next) => next())',
        "const cors2 = require('cors')",
        "app.get('/', cors2)",
      ].join('\n'),
    )
    expect(
      f.middleware().map((m) => [m.path?.join('.') ?? `pkg:${m.packageName}`, m.via, m.at.line, m.at.column]),
    ).toEqual([
      ['helmet', 'app.use', 1, 9],
      ['cors', 'app.use', 2, 17],
      ['rateLimit', 'app.use', 2, 26],
      ['auth.required', 'app.use', 2, 39],
      ['Session', 'router.use', 3, 12],
      ['helmet.xssFilter', 'app.use', 4, 9],
      ['pkg:@fastify/helmet', 'fastify.register', 5, 18],
      ['pkg:@fastify/cors', 'fastify.register', 6, 18],
      ['plugin', 'fastify.register', 7, 18],
    ])
  })
})

describe('headers', () => {
  it('reads header calls, object keys and subscript assignments with literal names', async () => {
    const f = await js(
      [
        'function h(req, res, response) {',
        "  res.setHeader('X-A', 'v')",
        '  res.set(`X-B`, 10)',
        '  res.header("X-C", value)',
        "  res.set({ 'X-D': 'd', XE: `e${x}` })",
        "  res.writeHead(200, { 'Content-Type': 'text/plain' })",
        "  res.headers['X-F'] = 'f'",
        '  response["X-G"] = "g"',
        "  other['X-H'] = 'h'",
        "  res.setHeader(NAME, 'v')",
        "  res.status(200).set('X-I', `i`)",
        "  cache.set('user', { name: 'not a header' })",
        "  seen.add('X-Frame-Options')",
        "  // res.setHeader('X-J', 'j')",
        "  res.send(\"res.setHeader('X-K', 'k')\")",
        '}',
      ].join('\n'),
    )
    expect(f.headers().map((s) => [s.name, s.value, s.via, s.at.line])).toEqual([
      ['X-A', { kind: 'literal', text: 'v' }, 'res.setHeader', 2],
      ['X-B', { kind: 'literal', text: '10' }, 'res.set', 3],
      ['X-C', { kind: 'dynamic' }, 'res.header', 4],
      ['X-D', { kind: 'literal', text: 'd' }, 'res.set', 5],
      ['XE', { kind: 'dynamic' }, 'res.set', 5],
      ['Content-Type', { kind: 'literal', text: 'text/plain' }, 'res.writeHead', 6],
      ['X-F', { kind: 'literal', text: 'f' }, 'res.headers[...]', 7],
      ['X-G', { kind: 'literal', text: 'g' }, 'response[...]', 8],
      ['X-I', { kind: 'literal', text: 'i' }, 'set', 11],
      ['user', { kind: 'dynamic' }, 'cache.set', 12],
    ])
  })

  it('reads helmet defaults, options set to false, sub-middlewares and non-literal options (which remove nothing)', async () => {
    const helmetHeaders = async (text: string) =>
      (await js(text)).headers().map((s) => [s.name, s.value.kind === 'undecidable' ? 'undecidable' : s.value, s.via])
    const all = [
      'Content-Security-Policy',
      'Cross-Origin-Opener-Policy',
      'Cross-Origin-Resource-Policy',
      'Origin-Agent-Cluster',
      'Referrer-Policy',
      'Strict-Transport-Security',
      'X-Content-Type-Options',
      'X-DNS-Prefetch-Control',
      'X-Download-Options',
      'X-Frame-Options',
      'X-Permitted-Cross-Domain-Policies',
      'X-XSS-Protection',
    ]
    const viaHelmet = { kind: 'middleware', via: 'helmet()' }
    expect(await helmetHeaders('app.use(helmet())')).toEqual(all.map((h) => [h, viaHelmet, 'helmet()']))
    expect(
      await helmetHeaders('app.use(helmet({ frameguard: false, hsts: { maxAge: 1 }, xContentTypeOptions: false }))'),
    ).toEqual(
      all
        .filter((h) => h !== 'X-Frame-Options' && h !== 'X-Content-Type-Options')
        .map((h) => [h, viaHelmet, 'helmet()']),
    )
    // §3.21: only an option that is `false` in a literal options object removes its header
    expect(await helmetHeaders('app.use(helmet({ hsts: isProd }))')).toEqual(all.map((h) => [h, viaHelmet, 'helmet()']))
    expect(await helmetHeaders('app.use(helmet(options))')).toEqual(all.map((h) => [h, viaHelmet, 'helmet()']))
    expect(await helmetHeaders('app.use(helmet.hsts({ maxAge: 1 }), helmet.frameguard(), helmet.unknown())')).toEqual([
      ['Strict-Transport-Security', { kind: 'middleware', via: 'helmet.hsts()' }, 'helmet.hsts()'],
      ['X-Frame-Options', { kind: 'middleware', via: 'helmet.frameguard()' }, 'helmet.frameguard()'],
    ])
    expect(await helmetHeaders('const helmet = require("helmet") // helmet()')).toEqual([])
  })
})

describe('test blocks', () => {
  it('reads it/test/specify titles qualified by describe/context/suite titles', async () => {
    const f = await ts(
      [
        "describe('verifyToken', () => {",
        '  context(`when expired`, () => {',
        "    it('rejects expired tokens', () => {})",
        "    it.only('only this', () => {})",
        "    it.todo('later')",
        '    test.skip(`tmpl ${x}`, () => {})',
        '  })',
        "  describe(name, () => { specify('inner', () => {}) })",
        '})',
        "test('top level', () => {})",
        "suite.skip('s', () => { test.skip('skipped', () => {}) })",
        "// it('commented', () => {})",
        'it(title, () => {})',
      ].join('\n'),
    )
    expect(f.testBlocks()).toEqual([
      {
        name: 'rejects expired tokens',
        fullName: 'verifyToken when expired rejects expired tokens',
        at: { line: 3, column: 5, endLine: 3 },
      },
      { name: 'only this', fullName: 'verifyToken when expired only this', at: { line: 4, column: 5, endLine: 4 } },
      { name: 'inner', fullName: 'verifyToken inner', at: { line: 8, column: 26, endLine: 8 } },
      { name: 'top level', fullName: 'top level', at: { line: 10, column: 1, endLine: 10 } },
      { name: 'skipped', fullName: 's skipped', at: { line: 11, column: 25, endLine: 11 } },
    ])
    expect(names(f)).toEqual([])
  })
})

describe('syntax errors', () => {
  it('reports the first error line and drops constructs inside the error region', async () => {
    const f = await js(
      [
        'function before() { a() }',
        'const x = process.env.OK',
        'function broken( {',
        '  call1()',
        '}',
        'function swallowed() { call2() }',
      ].join('\n'),
    )
    expect(f.syntaxErrors()).toEqual([3])
    expect(names(f)).toEqual(['before'])
    expect(f.calls().map((c) => c.path.join('.'))).toEqual(['a'])
    expect(f.envReads().map((r) => r.name)).toEqual(['OK'])
  })

  it('has no syntax error line for a valid file', async () => {
    expect((await ts('export const a = 1\n')).syntaxErrors()).toEqual([])
  })
})
