import { describe, expect, it } from 'vitest'
import type { FileFacts } from '../src/code/facts.js'
import { analyzeGo } from '../src/code/go.js'
import { analyze } from './code-helpers.js'

const go = (text: string) => analyze(analyzeGo, 'go', 'pkg/file.go', text)

const qualifiedOf = (facts: FileFacts, kind: 'function' | 'class') =>
  facts
    .definitions()
    .filter((d) => d.kind === kind)
    .map((d) => d.qualified.join('.'))
    .sort()

/** The call paths inside the function with the given qualified name. */
const callsIn = (facts: FileFacts, fn: string) => {
  const def = facts.definitions().find((d) => d.qualified.join('.') === fn)
  return facts
    .calls()
    .filter((c) => def && c.scopes.includes(def.id))
    .map((c) => c.path.join('.'))
}

describe('go definitions', () => {
  it('reads functions, methods qualified by their receiver type, and bodiless declarations', async () => {
    const facts = await go(
      [
        'package auth',
        '',
        '// func Commented() {}',
        'var doc = "func InString() {}"',
        '',
        'func RequireAuth(next http.Handler) http.Handler { return next }',
        'func (s *Service) Login(user, pass string, opts ...Option) error { return nil }',
        'func (c Cache[K, V]) Get(key K) V { var v V; return v }',
        'func (*Service) Logout() {}',
        'func asmHash(b []byte) uint32',
        '',
        'func main() { RequireAuth(nil) }',
      ].join('\n'),
    )
    const defs = facts.definitions().filter((d) => d.kind === 'function')
    expect(defs.map((d) => [d.qualified.join('.'), d.at.line, d.hasBody])).toEqual([
      ['RequireAuth', 6, true],
      ['Service.Login', 7, true],
      ['Cache.Get', 8, true],
      ['Service.Logout', 9, true],
      ['asmHash', 10, false],
      ['main', 12, true],
    ])
    const login = defs[1]!
    expect(login.at).toEqual({ line: 7, column: 1, endLine: 7 })
    expect(login.params.map((p) => [p.name, p.at.column])).toEqual([
      ['user', 25],
      ['pass', 31],
      ['opts', 44],
    ])
    expect(login.decorators).toEqual([])
    expect(login.scopes).toEqual([])
  })

  it('reads struct and interface types, grouped or single, but not aliases or other type definitions', async () => {
    const facts = await go(
      [
        'package limiter',
        '',
        'type RateLimiter struct {',
        '\tBurst int',
        '}',
        '',
        'type (',
        '\tStore interface {',
        '\t\tGet(key string) (int, error)',
        '\t}',
        '\tBucket struct{ n int }',
        '\tAlias = RateLimiter',
        '\tCount int',
        '\tHandlerFunc func(int)',
        ')',
        '',
        'type Pair[K comparable, V any] struct{ k K; v V }',
        '',
        '// type Commented struct{}',
        'func build() {',
        '\ttype local struct{}',
        '}',
      ].join('\n'),
    )
    const classes = facts.definitions().filter((d) => d.kind === 'class')
    expect(classes.map((d) => [d.qualified.join('.'), d.typeKind, d.at.line])).toEqual([
      ['RateLimiter', 'struct', 3],
      ['Store', 'interface', 8],
      ['Bucket', 'struct', 11],
      ['Pair', 'struct', 17],
      ['build.local', 'struct', 21],
    ])
    const build = facts.definitions().find((d) => d.qualified.join('.') === 'build')!
    expect(classes[4]!.scopes).toEqual([build.id])
    // Interface methods are bodiless signatures.
    const get = facts.definitions().find((d) => d.qualified.join('.') === 'Store.Get')!
    expect(get).toMatchObject({ kind: 'function', hasBody: false, at: { line: 9, column: 3, endLine: 9 } })
    expect(get.params.map((p) => p.name)).toEqual(['key'])
  })

  it('does not take func literals for definitions', async () => {
    const facts = await go(
      'package p\n\nvar handler = func(w int) { serve(w) }\n\nfunc run() {\n\tcb := func() {}\n\tcb()\n}\n',
    )
    expect(qualifiedOf(facts, 'function')).toEqual(['run'])
  })
})

describe('go calls', () => {
  it('builds call paths; a call receiver ends the chain', async () => {
    const facts = await go(
      [
        'package api',
        '',
        'func Handle(w http.ResponseWriter, r *http.Request) {',
        '\ttoken := jwt.Parse(r.Header.Get("Authorization"))',
        '\ts.jwt.Decode(token)',
        '\tgetClient().Verify(token)',
        '\titems[0].Check()',
        '\tvalidate(token)',
        '}',
      ].join('\n'),
    )
    expect(facts.calls().map((c) => [c.path.join('.'), c.at.line, c.at.column])).toEqual([
      ['jwt.Parse', 4, 11],
      ['r.Header.Get', 4, 21],
      ['s.jwt.Decode', 5, 2],
      ['Verify', 6, 2],
      ['getClient', 6, 2],
      ['Check', 7, 2],
      ['validate', 8, 2],
    ])
    const parse = facts.calls()[0]!
    expect(parse.argIdentifiers).toEqual(['r'])
    expect(parse.receiverIdentifiers).toEqual(['jwt'])
    expect(facts.calls()[3]!.receiverIdentifiers).toEqual(['getClient'])
    expect(facts.calls()[5]!.receiverIdentifiers).toEqual(['items'])
  })

  it('locates a method call continuing a chain on a later line at its method name', async () => {
    const facts = await go('package p\n\nfunc f() {\n\tbuilder.\n\t\tWithTimeout(5).\n\t\tBuild()\n}\n')
    expect(facts.calls().map((c) => [c.path.join('.'), c.at])).toEqual([
      ['Build', { line: 6, column: 3, endLine: 6 }],
      ['builder.WithTimeout', { line: 5, column: 3, endLine: 5 }],
    ])
  })

  it('counts calls inside closures for the enclosing function, never across functions', async () => {
    const facts = await go(
      [
        'package store',
        '',
        'func StoreAll(items []string) {',
        '\tfor _, it := range items {',
        '\t\tgo func(s string) { sanitize(s) }(it)',
        '\t}',
        '\tsort.Slice(items, func(i, j int) bool { return less(i, j) })',
        '}',
        '',
        'func Other() {',
        '\t// sanitize(x) in a comment',
        '\tlog.Println("sanitize(x) in a string")',
        '\tapply(sanitize)',
        '}',
        '',
        'var boot = initialise()',
      ].join('\n'),
    )
    expect(callsIn(facts, 'StoreAll')).toEqual(['sanitize', 'sort.Slice', 'less'])
    expect(callsIn(facts, 'Other')).toEqual(['log.Println', 'apply'])
    expect(facts.calls().find((c) => c.path[0] === 'initialise')?.scopes).toEqual([])
    expect(facts.calls().find((c) => c.path[0] === 'apply')?.argIdentifiers).toEqual(['sanitize'])
  })
})

describe('go guards', () => {
  it('reads ifs whose branch returns or panics at its top level', async () => {
    const facts = await go(
      [
        'package users',
        '',
        'func Update(id string, n int, name string) error {',
        '\tif id == "" {',
        '\t\treturn errBadID',
        '\t}',
        '\tif n < 0 {',
        '\t\tpanic("negative")',
        '\t}',
        '\tif len(name) > 3 {',
        '\t\tlog.Print(name)',
        '\t}',
        '\tif name != "" {',
        '\t\tfor {',
        '\t\t\treturn nil',
        '\t\t}',
        '\t}',
        '\tif _, err := strconv.Atoi(id); err != nil {',
        '\t\treturn err',
        '\t}',
        '\tif ok(n) {',
        '\t} else {',
        '\t\treturn nil',
        '\t}',
        '\treturn nil',
        '}',
      ].join('\n'),
    )
    const update = facts.definitions()[0]!
    expect(facts.guards().map((g) => [g.kind, g.at.line, g.identifiers])).toEqual([
      ['guard', 4, ['id']],
      ['guard', 7, ['n']],
      ['guard', 18, ['err', 'strconv', 'id']],
      ['guard', 21, ['ok', 'n']],
    ])
    expect(facts.guards().every((g) => g.scopes[0] === update.id)).toBe(true)
  })
})

describe('go error handlers', () => {
  it('reads nil comparisons of error variables and errors.Is / errors.As in conditions', async () => {
    const facts = await go(
      [
        'package store',
        '',
        'func ReadKey(path string) ([]byte, error) {',
        '\tdata, err := os.ReadFile(path)',
        '\tif err != nil {',
        '\t\treturn nil, err',
        '\t}',
        '\tif readErr := check(data); readErr == nil {',
        '\t}',
        '\tif errors.Is(err, fs.ErrNotExist) {',
        '\t}',
        '\tvar pathErr *fs.PathError',
        '\tif errors.As(err, &pathErr) {',
        '\t}',
        '\ttimeout := &TimeoutError{}',
        '\tswitch {',
        '\tcase errors.As(err, &timeout):',
        '\t}',
        '\tif data != nil {',
        '\t}',
        '\tfound := errors.Is(err, ErrGone)',
        '\treturn data, nil',
        '}',
      ].join('\n'),
    )
    const handlers = facts.errorHandlers()
    expect(
      handlers.map((h) => [h.label, h.types.map((t) => t.join('.')), h.at.line, h.namesTypeOnly === true]),
    ).toEqual([
      ['if err != nil', [], 5, false],
      ['if err != nil', [], 8, false],
      ['errors.Is', ['fs.ErrNotExist'], 10, false],
      ['errors.As', ['fs.PathError'], 13, false],
      ['errors.As', ['TimeoutError'], 17, false],
      // outside a condition it only names the type it tests (§3.18 with `exception`)
      ['errors.Is', ['ErrGone'], 21, true],
    ])
    expect(facts.errorHandlers()[0]!.scopes).toEqual([facts.definitions()[0]!.id])
  })

  it('does not resolve an errors.As target declared in another function', async () => {
    const facts = await go(
      [
        'package p',
        '',
        'func a() { var target *NotFound; _ = target }',
        'func b(err error) {',
        '\tif errors.As(err, &target) {',
        '\t}',
        '}',
      ].join('\n'),
    )
    expect(facts.errorHandlers().map((h) => [h.label, h.types])).toEqual([['errors.As', []]])
  })
})

describe('go imports, env reads, middleware, headers', () => {
  it('reads single and block imports with aliases, blank and dot imports', async () => {
    const facts = await go(
      [
        'package auth',
        '',
        'import "os"',
        'import (',
        '\t"net/http"',
        '',
        '\tjwt "github.com/golang-jwt/jwt/v5"',
        '\t_ "github.com/lib/pq"',
        '\t. "math"',
        '\t`golang.org/x/crypto/bcrypt`',
        '\t// "golang.org/x/commented"',
        ')',
        '',
        'var s = "import \\"fake/pkg\\""',
      ].join('\n'),
    )
    expect(facts.imports().map((i) => [i.module, i.at.line, i.text])).toEqual([
      ['os', 3, 'import "os"'],
      ['net/http', 5, '"net/http"'],
      ['github.com/golang-jwt/jwt/v5', 7, 'jwt "github.com/golang-jwt/jwt/v5"'],
      ['github.com/lib/pq', 8, '_ "github.com/lib/pq"'],
      ['math', 9, '. "math"'],
      ['golang.org/x/crypto/bcrypt', 10, '`golang.org/x/crypto/bcrypt`'],
    ])
  })

  it('reads os.Getenv and os.LookupEnv with a literal name only', async () => {
    const facts = await go(
      [
        'package main',
        '',
        'const keyName = "API_KEY"',
        '',
        'func main() {',
        '\tkey := os.Getenv("API_KEY_OLD")',
        '\tport, ok := os.LookupEnv(`PORT`)',
        '\tother := os.Getenv(keyName)',
        '\t// os.Getenv("COMMENTED")',
        '\tenv.Getenv("NOT_OS")',
        '\t_ = "os.Getenv(\\"IN_STRING\\")"',
        '}',
      ].join('\n'),
    )
    expect(facts.envReads()).toEqual([
      { name: 'API_KEY_OLD', at: { line: 6, column: 9, endLine: 6 }, text: 'os.Getenv("API_KEY_OLD")' },
      { name: 'PORT', at: { line: 7, column: 14, endLine: 7 }, text: 'os.LookupEnv(`PORT`)' },
    ])
  })

  it('reads X.Use(M) and X.Use(M()) registrations', async () => {
    const facts = await go(
      [
        'package server',
        '',
        'func routes() {',
        '\tr := chi.NewRouter()',
        '\tr.Use(middleware.Logger)',
        '\te.Use(middleware.CORS(), secure.New(opts).Handler)',
        '\tr.Group("/api").Use(RequireAuth)',
        '\tr.Use(mws...)',
        '\t// r.Use(Commented)',
        '\tr.Handle("/x", Wrapped(h))',
        '}',
      ].join('\n'),
    )
    expect(facts.middleware().map((m) => [m.path?.join('.'), m.at.line, m.at.column, m.via])).toEqual([
      ['middleware.Logger', 5, 8, 'r.Use'],
      ['middleware.CORS', 6, 8, 'e.Use'],
      ['Handler', 6, 27, 'e.Use'],
      ['RequireAuth', 7, 22, 'r.Group("/api").Use'],
    ])
  })

  it('reads header setters with a literal name; a constant name never counts', async () => {
    const facts = await go(
      [
        'package web',
        '',
        'const hsts = "Strict-Transport-Security"',
        '',
        'func SecureHeaders(w http.ResponseWriter, v string) {',
        '\tw.Header().Set("X-Frame-Options", "SAMEORIGIN")',
        '\tw.Header().Add("Content-Security-Policy", v)',
        '\tw.Header().Set(hsts, "max-age=63072000")',
        '\t// w.Header().Set("X-Commented", "1")',
        '\tw.Header().Set("X-Escaped", "a\\tb")',
        '}',
      ].join('\n'),
    )
    expect(facts.headers()).toEqual([
      {
        name: 'X-Frame-Options',
        value: { kind: 'literal', text: 'SAMEORIGIN' },
        at: { line: 6, column: 2, endLine: 6 },
        via: 'w.Header().Set',
      },
      {
        name: 'Content-Security-Policy',
        value: { kind: 'dynamic' },
        at: { line: 7, column: 2, endLine: 7 },
        via: 'w.Header().Add',
      },
      {
        name: 'X-Escaped',
        value: { kind: 'literal', text: 'a\tb' },
        at: { line: 10, column: 2, endLine: 10 },
        via: 'w.Header().Set',
      },
    ])
  })
})

describe('go syntax errors', () => {
  it('reports the first error line and drops constructs inside the error region', async () => {
    const facts = await go(
      [
        'package p',
        '',
        'func Good() {',
        '\thelper()',
        '}',
        '',
        'func Broken() {',
        '\tif x := ; {',
        '\t\taudit()',
        '\t}',
        '}',
      ].join('\n'),
    )
    expect(facts.syntaxErrors()).toEqual([8])
    expect(qualifiedOf(facts, 'function')).toEqual(['Broken', 'Good'])
    expect(facts.guards()).toEqual([])
    expect(callsIn(facts, 'Good')).toEqual(['helper'])
  })

  it('has no syntax error line for valid code', async () => {
    const facts = await go('package p\n\nfunc ok() {}\n')
    expect(facts.syntaxErrors()).toEqual([])
  })
})
