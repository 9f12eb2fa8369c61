import { describe, expect, it } from 'vitest'
import type { FileFacts } from '../src/code/facts.js'
import { analyzeRust } from '../src/code/rust.js'
import { analyze } from './code-helpers.js'

const rust = (text: string) => analyze(analyzeRust, 'rust', 'src/lib.rs', text)

const idOf = (facts: FileFacts, qualified: string) =>
  facts.definitions().find((d) => d.qualified.join('.') === qualified)?.id

/** The call paths inside the function with the given qualified name. */
const callsIn = (facts: FileFacts, fn: string) => {
  const id = idOf(facts, fn)
  return facts
    .calls()
    .filter((c) => id !== undefined && c.scopes.includes(id))
    .map((c) => c.path.join('.'))
}

describe('rust definitions', () => {
  it('reads fn items, impl methods qualified by the impl type, and trait methods', async () => {
    const facts = await rust(
      [
        '// fn commented() {}',
        'const DOC: &str = "fn in_string() {}";',
        'pub fn verify_token(token: &str) -> bool { true }',
        'impl<T> Store<T> { pub fn get(&self, key: &str) -> Option<T> { None } }',
        'impl fmt::Display for crate::auth::Token {',
        '    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { Ok(()) }',
        '}',
        'pub trait Signer {',
        '    fn sign(&self, data: &[u8]) -> Vec<u8>;',
        '    fn algorithm(&self) -> &str { "HS256" }',
        '}',
        'extern "C" { fn c_hash(p: *const u8) -> u32; }',
        'mod inner { pub fn helper() { fn nested() {} } }',
        'fn main() { verify_token("x"); }',
      ].join('\n'),
    )
    const fns = facts.definitions().filter((d) => d.kind === 'function')
    expect(fns.map((d) => [d.qualified.join('.'), d.at.line, d.hasBody])).toEqual([
      ['verify_token', 3, true],
      ['Store.get', 4, true],
      ['Token.fmt', 6, true],
      ['Signer.sign', 9, false],
      ['Signer.algorithm', 10, true],
      ['c_hash', 12, false],
      ['helper', 13, true],
      ['helper.nested', 13, true],
      ['main', 14, true],
    ])
    expect(fns[0]!.at).toEqual({ line: 3, column: 1, endLine: 3 })
    expect(fns[1]!.params.map((p) => [p.name, p.at.column])).toEqual([['key', 38]])
    expect(fns[7]!.scopes).toEqual([fns[6]!.id])
    expect(fns.every((d) => d.decorators.length === 0)).toBe(true)
  })

  it('reads structs, enums and traits', async () => {
    const facts = await rust(
      [
        '#[derive(Debug, Clone, Copy)]',
        'pub enum Role {',
        '    Admin,',
        '}',
        'pub struct Marker;',
        'struct Point(i32, i32);',
        'pub struct Claims<T> { sub: T }',
        'trait Policy {}',
        'type Alias = Claims<String>;',
        'union Bits { i: u32, f: f32 }',
        'fn build() { struct Local; }',
      ].join('\n'),
    )
    const classes = facts.definitions().filter((d) => d.kind === 'class')
    expect(classes.map((d) => [d.qualified.join('.'), d.typeKind, d.at.line])).toEqual([
      ['Role', 'enum', 2],
      ['Marker', 'struct', 5],
      ['Point', 'struct', 6],
      ['Claims', 'struct', 7],
      ['Policy', 'trait', 8],
      ['build.Local', 'struct', 11],
    ])
    expect(classes[5]!.scopes).toEqual([idOf(facts, 'build')])
  })

  it('reads parameter names, destructured ones included', async () => {
    const facts = await rust(
      'async fn create(mut count: u8, (a, b): (u8, u8), Json(payload): Json<New>, User { id, name: n }: User, _: u8) {}\n',
    )
    expect(facts.definitions()[0]!.params.map((p) => p.name)).toEqual(['count', 'a', 'b', 'payload', 'id', 'n'])
  })
})

describe('rust calls', () => {
  it('builds call paths for functions, associated functions, methods and macros', async () => {
    const facts = await rust(
      [
        'fn handle(&self, token: String) -> Result<()> {',
        '    let v = Validator::new();',
        '    let buf = Vec::<u8>::with_capacity(4);',
        '    self.jwt.decode(&token)?;',
        '    get_client().verify(&token);',
        '    let n = token.parse::<u32>()?;',
        '    crate::audit::record(n);',
        '    bail!("invalid {}", token);',
        '    anyhow::ensure!(n > 0, "zero");',
        '}',
      ].join('\n'),
    )
    expect(facts.calls().map((c) => [c.path.join('.'), c.at.line, c.at.column])).toEqual([
      ['Validator.new', 2, 13],
      ['Vec.with_capacity', 3, 15],
      ['self.jwt.decode', 4, 5],
      ['verify', 5, 5],
      ['get_client', 5, 5],
      ['token.parse', 6, 13],
      ['crate.audit.record', 7, 5],
      ['bail', 8, 5],
      ['anyhow.ensure', 9, 5],
    ])
    const calls = facts.calls()
    expect(calls[2]!.argIdentifiers).toEqual(['token'])
    expect(calls[2]!.receiverIdentifiers).toEqual([])
    expect(calls[5]!.receiverIdentifiers).toEqual(['token'])
    expect(calls[7]!.argIdentifiers).toEqual(['token'])
    expect(calls[8]!.argIdentifiers).toEqual(['n'])
  })

  it('reads calls written inside macro arguments', async () => {
    const facts = await rust(
      [
        'fn log_it(token: &str) {',
        '    println!("{} {}", redact(token), cfg.mask(token));',
        '    assert!(is_valid(&token), "{}", format!("{}", token));',
        '    my_macro! { fn generated(x: u8) {} }',
        '}',
      ].join('\n'),
    )
    expect(facts.calls().map((c) => [c.path.join('.'), c.at.line, c.at.column, c.receiverIdentifiers])).toEqual([
      ['println', 2, 5, []],
      ['redact', 2, 23, []],
      ['cfg.mask', 2, 38, ['cfg']],
      ['assert', 3, 5, []],
      ['is_valid', 3, 13, []],
      ['format', 3, 37, []],
      ['my_macro', 4, 5, []],
    ])
    expect(facts.calls().every((c) => c.scopes[0] === idOf(facts, 'log_it'))).toBe(true)
    expect(facts.definitions().map((d) => d.qualified.join('.'))).toEqual(['log_it'])
  })

  it('does not read calls in macro_rules bodies or attributes; nested functions list every enclosing scope', async () => {
    const facts = await rust(
      [
        'macro_rules! check { ($x:expr) => { validate($x) }; }',
        '#[validate(length(min = 1))]',
        'fn outer() {',
        '    fn inner() { audit(); }',
        '}',
      ].join('\n'),
    )
    const calls = facts.calls()
    expect(calls.map((c) => c.path.join('.'))).toEqual(['audit'])
    expect(calls[0]!.scopes).toEqual([idOf(facts, 'outer.inner'), idOf(facts, 'outer')])
  })

  it('counts calls inside closures for the enclosing function, never across functions', async () => {
    const facts = await rust(
      [
        'pub fn store_all(items: Vec<String>) -> Vec<String> {',
        '    items.into_iter().map(|item| sanitize(&item)).collect()',
        '}',
        '',
        'fn other(items: Vec<String>) -> Vec<String> {',
        '    // sanitize(x) in a comment',
        '    let s = "sanitize(x) in a string";',
        '    items.into_iter().map(sanitize).collect()',
        '}',
      ].join('\n'),
    )
    expect(callsIn(facts, 'store_all')).toEqual(['collect', 'map', 'items.into_iter', 'sanitize'])
    expect(callsIn(facts, 'other')).toEqual(['collect', 'map', 'items.into_iter'])
  })
})

describe('rust guards', () => {
  it('reads ifs whose branch returns, panics or bails, let-else and assert macros', async () => {
    const facts = await rust(
      [
        'fn update(id: u64, name: &str, opt: Option<u8>) -> Result<()> {',
        '    if id == 0 {',
        '        return Err(Error::BadId);',
        '    }',
        '    if name.is_empty() { panic!("empty") }',
        '    if let Some(limit) = opt { bail!("limit {}", limit); }',
        '    if name.len() > 3 { log(name); }',
        '    if id > 9 { loop { return Ok(()); } }',
        '    let Some(v) = opt else { return Ok(()) };',
        '    assert_eq!(id, 7);',
        '    if ok(id) { } else { std::process::abort() }',
        '    Ok(())',
        '}',
      ].join('\n'),
    )
    expect(facts.guards().map((g) => [g.kind, g.at.line, g.identifiers])).toEqual([
      ['guard', 2, ['id']],
      ['guard', 5, ['name']],
      ['guard', 6, ['opt']],
      ['guard', 9, ['opt']],
      ['assert', 10, ['id']],
      ['guard', 11, ['ok', 'id']],
    ])
    expect(facts.guards().every((g) => g.scopes[0] === idOf(facts, 'update'))).toBe(true)
  })
})

describe('rust error handlers', () => {
  it('reads ?, match Err arms, if let Err and map_err', async () => {
    const facts = await rust(
      [
        'fn fetch(url: &str) -> Result<Body, MyError> {',
        '    let r = client.get(url).send()?;',
        '    match r.json() {',
        '        Ok(b) => b,',
        '        Err(MyError::Timeout) => retry(),',
        '        Err(e @ MyError::Io(_)) | Err(Parse { .. }) => fallback(),',
        '        Err(e) => return Err(e),',
        '    };',
        '    if let Err(Canceled) = r {}',
        '    if let Some(x) = r.ok() {}',
        '    r.map_err(|e| wrap(e))',
        '}',
      ].join('\n'),
    )
    expect(facts.errorHandlers().map((h) => [h.label, h.types.map((t) => t.join('.')), h.at.line])).toEqual([
      ['?', [], 2],
      ['match Err', ['MyError.Timeout'], 5],
      ['match Err', ['MyError.Io', 'Parse'], 6],
      ['match Err', [], 7],
      ['if let Err', ['Canceled'], 9],
      ['map_err', [], 11],
    ])
    expect(facts.errorHandlers().every((h) => h.scopes[0] === idOf(facts, 'fetch'))).toBe(true)
  })

  it('reads qualified Err patterns and ignores while let, Ok arms and nested Err', async () => {
    const facts = await rust(
      [
        'fn drain(rx: Receiver) {',
        '    while let Err(e) = rx.try_recv() {}',
        '    match rx.recv() { Result::Err(RecvError) => {}, Ok(Err(inner)) => {}, _ => {} }',
        '    if let Some(x) = rx.peek() && let Err(Timeout) = x {}',
        '}',
      ].join('\n'),
    )
    expect(facts.errorHandlers().map((h) => [h.label, h.types.map((t) => t.join('.')), h.at.line])).toEqual([
      ['match Err', ['RecvError'], 3],
      ['if let Err', ['Timeout'], 4],
    ])
  })

  it('finds no handler in a function without one, nor in a comment', async () => {
    const facts = await rust(
      'fn plain() -> u8 {\n    // value?  match x { Err(e) => 1 }\n    let s = "r?";\n    1\n}\n',
    )
    expect(facts.errorHandlers()).toEqual([])
  })
})

describe('rust imports, env reads, headers', () => {
  it('reads each leaf of use trees and extern crates', async () => {
    const facts = await rust(
      [
        'use ring::{aead, rand::SystemRandom};',
        'use std::io::{self, Write as _};',
        'use serde::*;',
        'pub use crate::auth::Token as T;',
        'extern crate openssl;',
        '// use commented::thing;',
        'const S: &str = "use fake::thing;";',
      ].join('\n'),
    )
    expect(facts.imports().map((i) => [i.module, i.at.line, i.at.column, i.wildcard ?? false])).toEqual([
      ['ring::aead', 1, 12, false],
      ['ring::rand::SystemRandom', 1, 18, false],
      ['std::io', 2, 15, false],
      ['std::io::Write', 2, 21, false],
      ['serde', 3, 5, true],
      ['crate::auth::Token', 4, 9, false],
      ['openssl', 5, 1, false],
    ])
    expect(facts.imports()[0]!.text).toBe('use ring::{aead, rand::SystemRandom};')
  })

  it('reads env::var, var_os, env! and option_env! with a literal name only', async () => {
    const facts = await rust(
      [
        'const KEY: &str = "API_KEY";',
        'fn config() {',
        '    let a = std::env::var("DATABASE_URL");',
        '    let b = env::var_os("HOME");',
        '    let c = env!("CARGO_PKG_VERSION");',
        '    let d = option_env!("BUILD_SHA");',
        '    let e = env::var(KEY);',
        '    println!("{}", std::env::var("IN_MACRO").unwrap());',
        '    // env::var("COMMENTED")',
        '    let f = "env::var(\\"IN_STRING\\")";',
        '    let g = cfg.var("NOT_ENV");',
        '}',
      ].join('\n'),
    )
    expect(facts.envReads()).toEqual([
      { name: 'DATABASE_URL', at: { line: 3, column: 13, endLine: 3 }, text: 'std::env::var("DATABASE_URL")' },
      { name: 'HOME', at: { line: 4, column: 13, endLine: 4 }, text: 'env::var_os("HOME")' },
      { name: 'CARGO_PKG_VERSION', at: { line: 5, column: 13, endLine: 5 }, text: 'env!("CARGO_PKG_VERSION")' },
      { name: 'BUILD_SHA', at: { line: 6, column: 13, endLine: 6 }, text: 'option_env!("BUILD_SHA")' },
      { name: 'IN_MACRO', at: { line: 8, column: 20, endLine: 8 }, text: 'std::env::var("IN_MACRO")' },
    ])
  })

  it('reads insert_header tuples and header calls with a literal name', async () => {
    const facts = await rust(
      [
        'const XFO: &str = "X-Frame-Options";',
        'fn respond(v: String) -> HttpResponse {',
        '    HttpResponse::Ok()',
        '        .insert_header(("X-Frame-Options", "DENY"))',
        '        .insert_header((XFO, "SAMEORIGIN"))',
        '        .insert_header(ContentType::json())',
        '        .finish();',
        '    Response::builder().header("Strict-Transport-Security", v);',
        '    // .header("X-Commented", "1")',
        '}',
      ].join('\n'),
    )
    expect(facts.headers()).toEqual([
      {
        name: 'X-Frame-Options',
        value: { kind: 'literal', text: 'DENY' },
        // a method call continuing a chain on a later line is located at its method name
        at: { line: 4, column: 10, endLine: 4 },
        via: 'HttpResponse::Ok().insert_header',
      },
      {
        name: 'Strict-Transport-Security',
        value: { kind: 'dynamic' },
        at: { line: 8, column: 5, endLine: 8 },
        via: 'Response::builder().header',
      },
    ])
  })

  it('has no middleware facts', async () => {
    const facts = await rust('fn main() { App::new().wrap(Logger::default()); }\n')
    expect(facts.middleware()).toEqual([])
  })
})

describe('rust syntax errors', () => {
  it('reports the first error line and drops constructs inside the error region', async () => {
    const facts = await rust(
      ['fn good() { helper(); }', '', 'fn broken() {', '    let x = ;', '    if x { audit() }', '}', ''].join('\n'),
    )
    expect(facts.syntaxErrors()).toEqual([4])
    expect(callsIn(facts, 'good')).toEqual(['helper'])
  })

  it('has no syntax error line for valid code', async () => {
    expect((await rust('fn ok() {}\n')).syntaxErrors()).toEqual([])
  })
})
