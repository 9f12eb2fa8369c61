import { describe, expect, it } from 'vitest'
import { CATALOGUE, catalogueData, parseKeyPath, splitName, validateParams } from '../src/index.js'

const validate = (type: string, params: unknown) => validateParams(CATALOGUE.get(type)!, params)

describe('the catalogue', () => {
  it('holds the 21 types of ASSERTIONS.md §3, each with claim, description, example and Tier 2 template', () => {
    expect([...CATALOGUE.keys()]).toEqual([
      'function_exists',
      'class_exists',
      'decorator_present',
      'function_calls',
      'parameter_validated',
      'test_passes',
      'test_exists',
      'config_key_exists',
      'config_value_matches',
      'dependency_exists',
      'dependency_version',
      'file_exists',
      'file_hash',
      'pattern_matches',
      'pattern_absent',
      'import_present',
      'env_var_referenced',
      'error_handled',
      'no_plaintext_secret',
      'middleware_registered',
      'http_header_set',
    ])
    for (const t of CATALOGUE.values()) {
      expect(t.claim.length).toBeGreaterThan(5)
      expect(t.tier2.question).toMatch(/\?$/)
      expect(validate(t.name, t.example)).toMatchObject({ ok: true })
    }
  })

  it('exports JSON schemas for other consumers', () => {
    const data = catalogueData()
    const fe = data.find((d) => d.name === 'function_exists')!
    expect(fe.json_schema).toMatchObject({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
    })
    expect(fe.params.name).toMatchObject({ type: 'string', required: true })
  })
})

describe('param validation (§2.8)', () => {
  it.each([
    [
      'function_exists',
      { file: 'a.py', nmae: 'x' },
      ["'name' is required", "'nmae' is not a parameter of function_exists"],
    ],
    ['function_exists', { file: 'a', glob: 'b', name: 'x' }, ["'file' and 'glob' are mutually exclusive"]],
    ['function_exists', { name: 'x' }, ["'file' or 'glob' is required"]],
    ['test_passes', { timeout_s: '600' }, ['\'timeout_s\' must be an integer from 1 to 3600 (got "600")']],
    ['test_passes', { timeout_s: 0 }, ["'timeout_s' must be an integer from 1 to 3600 (got 0)"]],
    [
      'decorator_present',
      { file: 'a', function: 'f', decorator: 'login_required()' },
      ['\'decorator\' must be a dotted name without arguments (got "login_required()")'],
    ],
    [
      'pattern_matches',
      { file: 'a', pattern: 'x', ignore_case: 'true' },
      ['\'ignore_case\' must be a boolean (got "true")'],
    ],
    ['pattern_matches', { file: 'a', pattern: '' }, ['\'pattern\' must be a non-empty string (got "")']],
    ['pattern_matches', { file: 'a', pattern: 'x', scope_end: 'y' }, ["'scope_end' requires 'scope_start'"]],
    ['file_exists', { file: 'a\u0000b' }, ["'file' must not contain NUL"]],
    ['config_value_matches', { file: 'a', key: 'k', operator: '<=' }, ["'value' is required with 'operator'"]],
    ['config_value_matches', { file: 'a', key: 'k', value: 1 }, ["'pattern' or 'operator' is required"]],
    ['config_value_matches', { file: 'a', key: 'k', pattern: 'x', value: 1 }, ["'value' requires 'operator'"]],
    [
      'config_value_matches',
      { file: 'a', key: 'k', operator: '=<', value: 1 },
      ['\'operator\' must be one of ==, !=, >, >=, <, <= (got "=<")'],
    ],
    ['config_key_exists', { file: 'a', key: 'a..b' }, ['\'key\' must be a key path like a.b[0]."c.d" (got "a..b")']],
    ['no_plaintext_secret', { glob: 'x', patterns: [] }, ["'patterns' must be a non-empty array of regexes (got [])"]],
    ['test_passes', { junit: 'r.xml', pattern: 't/**' }, ["'pattern' cannot be combined with 'junit'"]],
    ['test_passes', { command: 'npm test', file: 'x' }, ["'file' cannot be combined with 'command'"]],
    [
      'env_var_referenced',
      { file: 'a', variable: 'A-B' },
      ['\'variable\' must be an environment variable name [A-Za-z_][A-Za-z0-9_]* (got "A-B")'],
    ],
  ])('%s %j', (type, params, problems) => {
    expect(validate(type, params)).toEqual({ ok: false, problems })
  })

  it('refuses params that are not an object', () => {
    expect(validate('file_exists', [])).toEqual({ ok: false, problems: ['params must be a JSON object'] })
    expect(validate('file_exists', null)).toEqual({ ok: false, problems: ['params must be a JSON object'] })
  })

  it('applies defaults after validation and never coerces', () => {
    expect(validate('pattern_matches', { file: 'a', pattern: 'x' })).toEqual({
      ok: true,
      params: { file: 'a', pattern: 'x', multiline: false, dotall: false, ignore_case: false },
    })
    expect(validate('config_value_matches', { file: 'a', key: 'k', operator: '>=', value: '0.5' })).toMatchObject({
      ok: true,
      params: { value: '0.5', match: 'any' },
    })
  })
})

describe('names and key paths', () => {
  it('splits names on . :: -> and \\', () => {
    expect(splitName('AuthService.login')).toEqual(['AuthService', 'login'])
    expect(splitName('Token::verify')).toEqual(['Token', 'verify'])
    expect(splitName('$this->check')).toEqual(['$this', 'check'])
    expect(splitName('App\\Auth\\guard')).toEqual(['App', 'Auth', 'guard'])
    expect(splitName('@login_required')).toEqual(['login_required'])
    expect(splitName('[Authorize]')).toEqual(['Authorize'])
    expect(splitName('#secret')).toEqual(['#secret'])
    for (const bad of ['a b', 'f()', 'a..b', '', '.a']) expect(splitName(bad)).toBeUndefined()
  })

  it('parses key paths with indexes and quoted segments', () => {
    expect(parseKeyPath('spec.containers[0].image')).toEqual([
      { name: 'spec', indexes: [] },
      { name: 'containers', indexes: [0] },
      { name: 'image', indexes: [] },
    ])
    expect(parseKeyPath('project.properties."java.version"')).toEqual([
      { name: 'project', indexes: [] },
      { name: 'properties', indexes: [] },
      { name: 'java.version', indexes: [] },
    ])
    expect(parseKeyPath('a."q\\"x"[1][2]')).toEqual([
      { name: 'a', indexes: [] },
      { name: 'q"x', indexes: [1, 2] },
    ])
    for (const bad of ['a..b', 'a[', 'a[x]', '"open', 'a b', '.a', 'a.']) expect(parseKeyPath(bad)).toBeUndefined()
  })
})
