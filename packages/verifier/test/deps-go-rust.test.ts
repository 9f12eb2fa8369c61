import { describe, expect, it } from 'vitest'
import { brief, exists, version } from './deps-helpers.js'

const GO_MOD = [
  'module example.com/app',
  '',
  'go 1.22',
  '',
  'require github.com/gin-gonic/gin v1.9.1',
  '',
  'require (',
  '\tgolang.org/x/crypto v0.17.0',
  '\tgolang.org/x/net v0.19.0 // indirect',
  '\texample.com/forked v1.0.0',
  '\texample.com/local v1.2.0',
  ')',
  '',
  'replace example.com/forked => example.com/fork v1.4.0',
  'replace (',
  '\texample.com/local v1.2.0 => ../local',
  ')',
  '',
].join('\n')

describe('Go', () => {
  it('finds require lines and blocks, indirect included, by exact module path', async () => {
    const files = { 'go.mod': GO_MOD }
    expect(brief(await exists(files, 'go.mod', 'golang.org/x/net'))).toEqual({
      status: 'pass',
      details: "'golang.org/x/net' declared in go.mod (require, line 9)",
    })
    expect((await exists(files, 'go.mod', 'github.com/gin-gonic/gin')).status).toBe('pass')
    expect((await exists(files, 'go.mod', 'golang.org/x')).status).toBe('fail')
    expect((await exists(files, 'go.mod', 'example.com/app')).status).toBe('fail')
  })

  it('tests the selected version against comparators', async () => {
    const files = { 'go.mod': GO_MOD }
    expect(brief(await version(files, 'go.mod', 'golang.org/x/crypto', '>=v0.17.0'))).toEqual({
      status: 'pass',
      details: "'golang.org/x/crypto' v0.17.0 (go.mod) satisfies >=v0.17.0",
    })
    expect(brief(await version(files, 'go.mod', 'golang.org/x/net', '>=v0.23.0, <v1'))).toEqual({
      status: 'fail',
      details: "'golang.org/x/net' v0.19.0 (go.mod) does not satisfy >=v0.23.0, <v1",
    })
  })

  it('honours replace directives: a version is tested, a local path cannot be proven', async () => {
    const files = { 'go.mod': GO_MOD }
    expect(brief(await version(files, 'go.mod', 'example.com/forked', '>=v1.3.0'))).toEqual({
      status: 'pass',
      details: "'example.com/forked' v1.4.0 (go.mod, replaced by example.com/fork v1.4.0) satisfies >=v1.3.0",
    })
    expect(brief(await version(files, 'go.mod', 'example.com/local', '>=v1.0.0'))).toEqual({
      status: 'fail',
      details: "'example.com/local' is replaced by local path '../local' in go.mod; cannot prove",
    })
  })

  it('orders pseudo-versions and pre-releases by version', async () => {
    const files = { 'go.mod': 'module m\n\nrequire example.com/x v0.0.0-20240101120000-abcdef123456\n' }
    expect((await version(files, 'go.mod', 'example.com/x', '<v0.1.0')).status).toBe('pass')
    expect((await version(files, 'go.mod', 'example.com/x', '>=v0.0.0')).status).toBe('fail')
  })

  it('errors on an invalid constraint and on a malformed go.mod', async () => {
    expect(brief(await version({ 'go.mod': GO_MOD }, 'go.mod', 'golang.org/x/net', '>>v1'))).toEqual({
      status: 'error',
      details: "invalid constraint '>>v1' for Go",
    })
    expect(brief(await exists({ 'go.mod': 'module m\nrequire (\n\tgolang.org/x/net\n)\n' }, 'go.mod', 'x'))).toEqual({
      status: 'error',
      details: 'cannot parse go.mod at line 3: a require needs a module path and a version',
    })
    expect(brief(await exists({ 'go.mod': 'module m\nrequire (\n' }, 'go.mod', 'x'))).toEqual({
      status: 'error',
      details: 'cannot parse go.mod: unterminated require block',
    })
  })
})

const CARGO = [
  '[package]',
  'name = "vault"',
  '',
  '[dependencies]',
  'serde = "1.0.190"',
  'tokio = { version = "~1.35", features = ["full"] }',
  'rand_core = { package = "rand-core-fork", version = "=0.6.4" }',
  'local = { path = "../local", version = "0.1" }',
  'gitdep = { git = "https://git.test/x" }',
  'wild = "*"',
  'inherited = { workspace = true }',
  '',
  '[dependencies.ring]',
  'version = "0.17"',
  '',
  '[dev-dependencies]',
  'proptest = "1"',
  '',
  "[target.'cfg(unix)'.dependencies]",
  'nix = "0.27"',
  '',
  '[workspace.dependencies]',
  'inherited = "^2.1"',
  '',
].join('\n')

describe('Rust', () => {
  it('finds every dependency table, dotted tables, target tables and renamed entries', async () => {
    const files = { 'Cargo.toml': CARGO }
    expect(brief(await exists(files, 'Cargo.toml', 'ring'))).toEqual({
      status: 'pass',
      details: "'ring' declared in Cargo.toml (dependencies, line 13)",
    })
    expect(brief(await exists(files, 'Cargo.toml', 'nix'))).toEqual({
      status: 'pass',
      details: "'nix' declared in Cargo.toml (target.cfg(unix).dependencies, line 20)",
    })
    for (const name of ['serde', 'tokio', 'proptest', 'rand-core-fork', 'Rand_Core_Fork', 'inherited']) {
      expect((await exists(files, 'Cargo.toml', name)).status, name).toBe('pass')
    }
    expect((await exists(files, 'Cargo.toml', 'rand_core')).status).toBe('fail')
  })

  it('tests requirements as intervals when there is no Cargo.lock', async () => {
    const files = { 'Cargo.toml': CARGO }
    expect(brief(await version(files, 'Cargo.toml', 'serde', '>=1.0.190, <2'))).toEqual({
      status: 'pass',
      details: "'serde' declared '1.0.190' in Cargo.toml is inside '>=1.0.190, <2'",
    })
    expect((await version(files, 'Cargo.toml', 'serde', '>=1.0.195')).status).toBe('fail')
    expect((await version(files, 'Cargo.toml', 'tokio', '^1.35')).status).toBe('pass')
    expect((await version(files, 'Cargo.toml', 'tokio', '1.35.*')).status).toBe('pass')
    expect((await version(files, 'Cargo.toml', 'ring', '>=0.17.5')).status).toBe('fail')
    expect((await version(files, 'Cargo.toml', 'ring', '~0.17')).status).toBe('pass')
    expect(brief(await version(files, 'Cargo.toml', 'rand-core-fork', '>=0.6.4'))).toEqual({
      status: 'pass',
      details: "'rand-core-fork' 0.6.4 (Cargo.toml) satisfies >=0.6.4",
    })
    expect((await version(files, 'Cargo.toml', 'inherited', '>=2.1, <3')).status).toBe('pass')
  })

  it('cannot prove *, git and path dependencies', async () => {
    const files = { 'Cargo.toml': CARGO }
    expect(brief(await version(files, 'Cargo.toml', 'wild', '>=0'))).toEqual({
      status: 'fail',
      details: "'wild' declared '*' in Cargo.toml does not bound the version; cannot prove",
    })
    expect((await version(files, 'Cargo.toml', 'gitdep', '>=0')).details).toBe(
      "'gitdep' declared 'https://git.test/x' in Cargo.toml is a git source; cannot prove",
    )
    expect((await version(files, 'Cargo.toml', 'local', '>=0')).details).toBe(
      "'local' declared '../local' in Cargo.toml is a path source; cannot prove",
    )
  })

  it('applies [patch] entries to the dependencies they replace', async () => {
    const files = { 'Cargo.toml': `${CARGO}\n[patch.crates-io]\nserde = { git = "https://git.test/serde" }\n` }
    expect((await exists(files, 'Cargo.toml', 'serde')).status).toBe('pass')
    expect((await version(files, 'Cargo.toml', 'serde', '>=1')).details).toBe(
      "'serde' declared 'https://git.test/serde' in Cargo.toml is a git source; cannot prove",
    )
  })

  it('prefers Cargo.lock and fails when one locked copy is outside the constraint', async () => {
    const lock = [
      'version = 3',
      '',
      '[[package]]',
      'name = "ring"',
      'version = "0.17.8"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"',
      '',
      '[[package]]',
      'name = "ring"',
      'version = "0.16.20"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"',
      '',
    ].join('\n')
    const o = await version({ 'Cargo.toml': CARGO, 'Cargo.lock': lock }, 'Cargo.toml', 'ring', '>=0.17')
    expect(brief(o)).toEqual({ status: 'fail', details: "'ring' 0.16.20 (Cargo.lock) does not satisfy >=0.17" })
    expect(o.locations).toEqual([expect.objectContaining({ file: 'Cargo.lock', line: 9 })])
    expect(o.examined).toEqual(['Cargo.toml', 'Cargo.lock'])
  })

  it('errors on an invalid requirement and on malformed TOML', async () => {
    expect(brief(await version({ 'Cargo.toml': CARGO }, 'Cargo.toml', 'serde', '>>1'))).toEqual({
      status: 'error',
      details: "invalid constraint '>>1' for Rust",
    })
    const o = await exists({ 'Cargo.toml': '[dependencies]\nserde = \n' }, 'Cargo.toml', 'serde')
    expect(o.status).toBe('error')
    expect(o.details).toMatch(/^cannot parse Cargo\.toml at line 2: /)
  })
})
