import { describe, expect, it } from 'vitest'
import { brief, exists, version } from './deps-helpers.js'

const GEMFILE = [
  "source 'https://rubygems.org'",
  '',
  "gem 'rails', '~> 7.1', '>= 7.1.2'",
  "gem 'puma', '6.4.2'",
  "gem 'rack' # no version",
  "# gem 'commented'",
  'group :development do',
  "  gem 'debug', platforms: %i[mri]",
  'end',
  "gem 'mylib', git: 'https://git.test/mylib.git'",
  "gem 'local', path: '../local'",
  '',
].join('\n')

const GEMFILE_LOCK = [
  'GEM',
  '  remote: https://rubygems.org/',
  '  specs:',
  '    nokogiri (1.16.2-x86_64-linux)',
  '      racc (~> 1.4)',
  '    rails (7.1.3)',
  '    rack (3.0.9)',
  '    racc (1.7.3)',
  '',
  'PATH',
  '  remote: ../local',
  '  specs:',
  '    local (0.1.0)',
  '',
  'DEPENDENCIES',
  '  rails (~> 7.1)',
  '',
].join('\n')

describe('Ruby', () => {
  it('reads gem lines and Gemfile.lock specs by exact name', async () => {
    expect(brief(await exists({ Gemfile: GEMFILE }, 'Gemfile', 'debug'))).toEqual({
      status: 'pass',
      details: "'debug' declared in Gemfile (line 8)",
    })
    expect((await exists({ Gemfile: GEMFILE }, 'Gemfile', 'commented')).status).toBe('fail')
    expect((await exists({ Gemfile: GEMFILE }, 'Gemfile', 'Rails')).status).toBe('fail')
    expect((await exists({ 'Gemfile.lock': GEMFILE_LOCK }, 'Gemfile.lock', 'racc')).status).toBe('pass')
  })

  it('tests requirements as intervals and pinned versions', async () => {
    const files = { Gemfile: GEMFILE }
    expect(brief(await version(files, 'Gemfile', 'rails', '>= 7.1.2, < 8'))).toEqual({
      status: 'pass',
      details: "'rails' declared '~> 7.1, >= 7.1.2' in Gemfile is inside '>= 7.1.2, < 8'",
    })
    expect((await version(files, 'Gemfile', 'rails', '~> 7.1.2')).status).toBe('fail')
    expect((await version({ Gemfile: "gem 'x', github: 'a/x'\n" }, 'Gemfile', 'x', '>= 0')).details).toBe(
      "'x' declared 'a/x' in Gemfile is a git source; cannot prove",
    )
    expect((await version(files, 'Gemfile', 'puma', '>= 6.4.1')).details).toBe(
      "'puma' 6.4.2 (Gemfile) satisfies >= 6.4.1",
    )
    expect((await version(files, 'Gemfile', 'rack', '>= 3')).details).toBe(
      "'rack' declared without a version in Gemfile; cannot prove",
    )
    expect((await version(files, 'Gemfile', 'mylib', '>= 0')).details).toBe(
      "'mylib' declared 'https://git.test/mylib.git' in Gemfile is a git source; cannot prove",
    )
  })

  it('prefers Gemfile.lock next to the Gemfile, platform suffixes removed', async () => {
    const files = { Gemfile: `${GEMFILE}gem 'nokogiri'\n`, 'Gemfile.lock': GEMFILE_LOCK }
    expect(brief(await version(files, 'Gemfile', 'rails', '~> 7.1.3'))).toEqual({
      status: 'pass',
      details: "'rails' 7.1.3 (Gemfile.lock) satisfies ~> 7.1.3",
    })
    expect(brief(await version(files, 'Gemfile', 'nokogiri', '>= 1.16.5'))).toEqual({
      status: 'fail',
      details: "'nokogiri' 1.16.2 (Gemfile.lock) does not satisfy >= 1.16.5",
    })
    expect((await version(files, 'Gemfile', 'local', '>= 0')).details).toBe(
      "'local' in Gemfile.lock is a path source; cannot prove",
    )
  })

  it('orders pre-releases before their release', async () => {
    const files = { Gemfile: "gem 'rails', '7.1.0.rc1'\n" }
    expect((await version(files, 'Gemfile', 'rails', '>= 7.1.0')).status).toBe('fail')
    expect((await version(files, 'Gemfile', 'rails', '>= 7.0.8')).status).toBe('pass')
  })

  it('errors on an invalid requirement and a malformed lockfile', async () => {
    expect(brief(await version({ Gemfile: GEMFILE }, 'Gemfile', 'rails', '=> 7'))).toEqual({
      status: 'error',
      details: "invalid constraint '=> 7' for Ruby",
    })
    expect(brief(await exists({ 'Gemfile.lock': 'GEM\n  specs:\n    broken\n' }, 'Gemfile.lock', 'x'))).toEqual({
      status: 'error',
      details: "cannot parse Gemfile.lock at line 3: unexpected spec line 'broken'",
    })
  })
})

describe('PHP', () => {
  const COMPOSER = JSON.stringify(
    {
      require: { php: '>=8.1', 'Monolog/Monolog': '^3.5', 'guzzlehttp/guzzle': '7.8.1' },
      'require-dev': { 'phpunit/phpunit': '^10.5 || ^11.0' },
    },
    null,
    2,
  )

  it('compares names in lower case', async () => {
    expect(brief(await exists({ 'composer.json': COMPOSER }, 'composer.json', 'monolog/monolog'))).toEqual({
      status: 'pass',
      details: "'monolog/monolog' declared in composer.json (require, line 4)",
    })
    expect((await exists({ 'composer.json': COMPOSER }, 'composer.json', 'monolog')).status).toBe('fail')
  })

  it('tests Composer constraints as intervals', async () => {
    const files = { 'composer.json': COMPOSER }
    expect((await version(files, 'composer.json', 'monolog/monolog', '>=3.5 <4')).status).toBe('pass')
    expect((await version(files, 'composer.json', 'monolog/monolog', '>=3.6')).status).toBe('fail')
    expect((await version(files, 'composer.json', 'phpunit/phpunit', '>=10.5,<12')).status).toBe('pass')
    expect((await version(files, 'composer.json', 'phpunit/phpunit', '^10.5')).status).toBe('fail')
    expect((await version(files, 'composer.json', 'guzzlehttp/guzzle', '~7.8.0')).details).toBe(
      "'guzzlehttp/guzzle' 7.8.1 (composer.json) satisfies ~7.8.0",
    )
  })

  it('prefers composer.lock and cannot prove branch versions', async () => {
    const lock = JSON.stringify({
      packages: [
        { name: 'monolog/monolog', version: '3.5.0' },
        { name: 'acme/branch', version: 'dev-main' },
      ],
      'packages-dev': [{ name: 'phpunit/phpunit', version: '10.5.2' }],
    })
    const files = {
      'composer.json': COMPOSER.replace('"php"', '"acme/branch": "dev-main", "php"'),
      'composer.lock': lock,
    }
    expect(brief(await version(files, 'composer.json', 'monolog/monolog', '^3.5'))).toEqual({
      status: 'pass',
      details: "'monolog/monolog' 3.5.0 (composer.lock: packages) satisfies ^3.5",
    })
    expect(brief(await version(files, 'composer.json', 'acme/branch', '>=1'))).toEqual({
      status: 'fail',
      details: "'acme/branch' version 'dev-main' (composer.lock: packages) is not a version; cannot prove",
    })
  })

  it('cannot prove * and errors on a malformed composer.json', async () => {
    const files = { 'composer.json': '{"require": {"acme/any": "*"}}' }
    expect((await version(files, 'composer.json', 'acme/any', '>=1')).details).toBe(
      "'acme/any' declared '*' in composer.json does not bound the version; cannot prove",
    )
    expect(brief(await exists({ 'composer.json': '{"require": {"a/b": "^1",}}' }, 'composer.json', 'a/b'))).toEqual({
      status: 'error',
      details: 'cannot parse composer.json at line 1: expected a property name',
    })
  })

  it('errors on an invalid constraint', async () => {
    expect(brief(await version({ 'composer.json': COMPOSER }, 'composer.json', 'monolog/monolog', '^^3'))).toEqual({
      status: 'error',
      details: "invalid constraint '^^3' for PHP",
    })
  })
})

describe('.NET', () => {
  const CSPROJ = `<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup>
    <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />
    <PackageReference Include="Serilog">
      <Version>[3.1.0,4.0.0)</Version>
    </PackageReference>
    <PackageReference Include="Floating" Version="6.*" />
    <PackageReference Include="Unversioned" />
  </ItemGroup>
</Project>
`

  it('reads PackageReference items case-insensitively', async () => {
    expect(brief(await exists({ 'src/App.csproj': CSPROJ }, 'src/App.csproj', 'newtonsoft.json'))).toEqual({
      status: 'pass',
      details: "'newtonsoft.json' declared in src/App.csproj (PackageReference, line 3)",
    })
    expect((await exists({ 'src/App.csproj': CSPROJ }, 'src/App.csproj', 'Newtonsoft')).status).toBe('fail')
  })

  it('treats a bare version as the resolved version and tests ranges as intervals', async () => {
    const files = { 'App.csproj': CSPROJ }
    expect(brief(await version(files, 'App.csproj', 'Newtonsoft.Json', '[13.0.1,)'))).toEqual({
      status: 'pass',
      details: "'Newtonsoft.Json' 13.0.3 (App.csproj) satisfies [13.0.1,)",
    })
    expect((await version(files, 'App.csproj', 'Newtonsoft.Json', '[13.0.4,)')).status).toBe('fail')
    expect((await version(files, 'App.csproj', 'Serilog', '[3.0.0,)')).status).toBe('pass')
    expect((await version(files, 'App.csproj', 'Serilog', '[3.1.1,)')).status).toBe('fail')
    expect((await version(files, 'App.csproj', 'Floating', '[6.0.0,7.0.0)')).status).toBe('pass')
    expect((await version(files, 'App.csproj', 'Unversioned', '[1.0,)')).details).toBe(
      "'Unversioned' declared without a version in App.csproj; cannot prove",
    )
  })

  it('reads packages.config and orders pre-releases first', async () => {
    const config = '<?xml version="1.0"?>\n<packages>\n  <package id="jQuery" version="3.7.1-beta.2" />\n</packages>\n'
    expect((await version({ 'packages.config': config }, 'packages.config', 'jquery', '[3.7.0,)')).status).toBe('pass')
    expect((await version({ 'packages.config': config }, 'packages.config', 'jquery', '3.7.1')).status).toBe('fail')
  })

  it('errors on an invalid range and on malformed XML', async () => {
    expect(brief(await version({ 'App.csproj': CSPROJ }, 'App.csproj', 'Serilog', '[3.0'))).toEqual({
      status: 'error',
      details: "invalid constraint '[3.0' for .NET",
    })
    expect((await exists({ 'App.csproj': '<Project><ItemGroup></Project>' }, 'App.csproj', 'x')).status).toBe('error')
  })
})
