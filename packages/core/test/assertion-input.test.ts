import { describe, expect, it } from 'vitest'
import { globProblem, pathProblem } from '../src/catalogue/path-rules.js'
import { matchesEmptyString, regexProblem } from '../src/catalogue/regex-rules.js'
import {
  CATALOGUE,
  MAX_PARAM_ARRAY_ITEMS,
  normalizeRepo,
  REPO_PATTERN,
  validateAssertionItem,
  validateParams,
  validateParamsDetailed,
} from '../src/index.js'

const item = (type: string, params: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type,
  params,
  description: 'The middleware that validates the JWT exists.',
  ...extra,
})

/** The [path, code] pairs of a failed validation, in order. */
const codes = (input: unknown) => {
  const r = validateAssertionItem(input)
  if (r.ok) throw new Error(`expected errors, got ${JSON.stringify(r.value)}`)
  return r.errors.map((e) => [e.path, e.code])
}

describe('validateAssertionItem: accepted items', () => {
  it('returns the item with catalogue defaults applied and the repo in lower case', () => {
    expect(
      validateAssertionItem(
        item('pattern_matches', { file: 'app/main.py', pattern: 'x' }, { repo: 'Acme/Payments-API' }),
      ),
    ).toEqual({
      ok: true,
      value: {
        type: 'pattern_matches',
        params: { file: 'app/main.py', pattern: 'x', multiline: false, dotall: false, ignore_case: false },
        description: 'The middleware that validates the JWT exists.',
        repo: 'acme/payments-api',
      },
    })
  })

  it('treats an absent or null repo as untagged', () => {
    for (const extra of [{}, { repo: null }]) {
      const r = validateAssertionItem(item('file_exists', { file: 'SECURITY.md' }, extra))
      expect(r).toMatchObject({ ok: true, value: { repo: null } })
    }
  })

  it('accepts every example of the catalogue', () => {
    for (const entry of CATALOGUE.values()) {
      if (entry.name === 'file_hash') continue // its example abbreviates the digest
      expect(validateAssertionItem(item(entry.name, entry.example)), entry.name).toMatchObject({ ok: true })
    }
  })

  it('accepts a full-length file_hash digest in any case, with or without a prefix', () => {
    const hex = 'A'.repeat(64)
    for (const params of [
      { file: 'a.js', expected_hash: hex },
      { file: 'a.js', expected_hash: `SHA256:${hex}` },
      { file: 'a.js', expected_hash: `sha512:${'0'.repeat(128)}`, algorithm: 'sha512' },
      { file: 'a.js', expected_hash: 'b'.repeat(96), algorithm: 'sha384' },
    ]) {
      expect(validateAssertionItem(item('file_hash', params)), JSON.stringify(params)).toMatchObject({ ok: true })
    }
  })
})

describe('validateAssertionItem: item members', () => {
  it('reports members other than type, params, description and repo as unknown_field', () => {
    expect(codes(item('file_exists', { file: 'a' }, { id: 'x', 'a/b': 1 }))).toEqual([
      ['/id', 'unknown_field'],
      ['/a~1b', 'unknown_field'],
    ])
  })

  it('reports a missing, non-string or unknown type as unknown_assertion_type', () => {
    expect(codes({ params: {}, description: 'd' })).toEqual([['/type', 'unknown_assertion_type']])
    expect(codes({ type: 7, params: {}, description: 'd' })).toEqual([['/type', 'unknown_assertion_type']])
    const r = validateAssertionItem({ type: 'function_exist', params: {}, description: 'd' })
    expect(r).toEqual({
      ok: false,
      errors: [{ path: '/type', code: 'unknown_assertion_type', message: 'unknown assertion type "function_exist"' }],
    })
  })

  it('reports a missing, empty or non-string description as description_invalid', () => {
    for (const description of [undefined, '', 42, null]) {
      expect(codes({ type: 'file_exists', params: { file: 'a' }, description })).toEqual([
        ['/description', 'description_invalid'],
      ])
    }
  })

  it('counts the description limit (2 KiB) in UTF-8 bytes', () => {
    expect(validateAssertionItem(item('file_exists', { file: 'a' }, { description: 'é'.repeat(1024) })).ok).toBe(true)
    expect(codes(item('file_exists', { file: 'a' }, { description: `${'é'.repeat(1024)}x` }))).toEqual([
      ['/description', 'description_too_long'],
    ])
  })

  it.each([
    [''],
    ['acme'],
    ['/acme/api'],
    ['acme/api/'],
    ['acme//api'],
    ['acme/api name'],
    ['ácme/api'],
    [`acme/${'a'.repeat(196)}`],
    [42],
    [{}],
  ])('reports the repo %j as repo_invalid', (repo) => {
    expect(codes(item('file_exists', { file: 'a' }, { repo }))).toEqual([['/repo', 'repo_invalid']])
  })

  it('accepts repos of two or more segments up to 200 bytes', () => {
    for (const repo of ['acme/api', 'group/sub.group/name_1-x', `acme/${'a'.repeat(195)}`]) {
      expect(validateAssertionItem(item('file_exists', { file: 'a' }, { repo })).ok, repo).toBe(true)
    }
    expect(REPO_PATTERN.test('a/b')).toBe(true)
    expect(normalizeRepo('Acme/API')).toBe('acme/api')
  })

  it('reports an item that is not an object', () => {
    expect(codes([])).toEqual([['', 'validation_failed']])
  })

  it('treats absent params as {} and reports params that are not an object as param_type', () => {
    expect(codes({ type: 'file_exists', description: 'd' })).toEqual([['/params/file', 'param_missing']])
    expect(codes({ type: 'file_exists', params: ['a'], description: 'd' })).toEqual([['/params', 'param_type']])
  })

  it('collects every error of an item', () => {
    expect(
      codes({
        type: 'function_exists',
        params: { file: '/etc/passwd', glob: '../**', name: 'f()', nmae: 'x' },
        description: '',
        repo: '',
        extra: 1,
      }),
    ).toEqual([
      ['/extra', 'unknown_field'],
      ['/params/name', 'value_invalid'],
      ['/params/nmae', 'param_unknown'],
      ['/params/glob', 'value_invalid'],
      ['/params/file', 'path_invalid'],
      ['/params/glob', 'glob_invalid'],
      ['/description', 'description_invalid'],
      ['/repo', 'repo_invalid'],
    ])
  })
})

describe('validateAssertionItem: params', () => {
  it('param_missing: a required param, one of an either-or pair, or a param another one needs', () => {
    expect(codes(item('function_exists', { file: 'a.py' }))).toEqual([['/params/name', 'param_missing']])
    expect(codes(item('function_exists', { name: 'f' }))).toEqual([['/params', 'param_missing']])
    expect(codes(item('pattern_absent', { file: 'a', pattern: 'x', scope_end: 'y' }))).toEqual([
      ['/params/scope_start', 'param_missing'],
    ])
    expect(codes(item('config_value_matches', { file: 'a', key: 'k', operator: '<' }))).toEqual([
      ['/params/value', 'param_missing'],
    ])
  })

  it('param_unknown: a param the type does not define, with the validateParams message', () => {
    const r = validateAssertionItem(item('decorator_present', { file: 'a', function: 'f', decorator: 'd', fn: 'g' }))
    expect(r).toEqual({
      ok: false,
      errors: [{ path: '/params/fn', code: 'param_unknown', message: "'fn' is not a parameter of decorator_present" }],
    })
  })

  it('param_type: the wrong JSON type, also inside arrays', () => {
    expect(codes(item('pattern_matches', { file: 'a', pattern: 5, ignore_case: 'true' }))).toEqual([
      ['/params/pattern', 'param_type'],
      ['/params/ignore_case', 'param_type'],
    ])
    expect(codes(item('test_passes', { command: 'npm test', timeout_s: '600' }))).toEqual([
      ['/params/timeout_s', 'param_type'],
    ])
    expect(codes(item('no_plaintext_secret', { glob: 'config/**', patterns: ['AKIA', 7] }))).toEqual([
      ['/params/patterns/1', 'param_type'],
    ])
    expect(codes(item('no_plaintext_secret', { glob: 'config/**', patterns: 'AKIA' }))).toEqual([
      ['/params/patterns', 'param_type'],
    ])
  })

  it('param_too_long: any string param over 4 KiB (UTF-8), array items included', () => {
    expect(
      validateAssertionItem(item('parameter_validated', { file: 'a', function: 'f', parameter: 'é'.repeat(2048) })).ok,
    ).toBe(true)
    expect(codes(item('parameter_validated', { file: 'a', function: 'f', parameter: `${'é'.repeat(2048)}x` }))).toEqual(
      [['/params/parameter', 'param_too_long']],
    )
    expect(codes(item('test_passes', { command: ['npm', 'x'.repeat(4097)] }))).toEqual([
      ['/params/command/1', 'param_too_long'],
    ])
    // Too long wins over the kind's own rules: one error per value.
    expect(codes(item('file_exists', { file: `/${'a'.repeat(5000)}` }))).toEqual([['/params/file', 'param_too_long']])
  })

  it('param_too_many: an array param over the catalogue maximum', () => {
    const patterns = Array.from({ length: MAX_PARAM_ARRAY_ITEMS }, (_, i) => `secret${i}`)
    expect(validateAssertionItem(item('no_plaintext_secret', { glob: 'config/**', patterns })).ok).toBe(true)
    expect(codes(item('no_plaintext_secret', { glob: 'config/**', patterns: [...patterns, 'x'] }))).toEqual([
      ['/params/patterns', 'param_too_many'],
    ])
    expect(codes(item('test_passes', { command: Array(MAX_PARAM_ARRAY_ITEMS + 1).fill('x') }))).toEqual([
      ['/params/command', 'param_too_many'],
    ])
  })

  it.each([
    ['/etc/passwd', "'file': absolute path not allowed: /etc/passwd"],
    ['C:/x', "'file': absolute path not allowed: C:/x"],
    ['//server/x', "'file': absolute path not allowed: //server/x"],
    ['a/../../x', "'file': path escapes project root: a/../../x"],
    ['src\\main.py', "'file': backslash in path not allowed: src\\main.py"],
    ['a\u0001b', '\'file\': path contains a control character: "a\\u0001b"'],
    ['a\u007fb', '\'file\': path contains a control character: "a\u007fb"'],
    ['a\0b', "'file' must not contain NUL"],
    ['', '\'file\' must be a non-empty string (got "")'],
    [`${'a/'.repeat(512)}b`, "'file': path longer than 1024 bytes"],
  ])('path_invalid: %j', (file, message) => {
    const r = validateAssertionItem(item('file_exists', { file }))
    expect(r).toEqual({ ok: false, errors: [{ path: '/params/file', code: 'path_invalid', message }] })
  })

  it('accepts paths that stay inside the root once . and .. are resolved', () => {
    for (const file of ['./a.py', 'a/../b.py', 'a/./b/../c.py', 'x..y/z']) {
      expect(validateAssertionItem(item('file_exists', { file })).ok, file).toBe(true)
    }
  })

  it.each([
    ['src/[a', "'glob': invalid glob 'src/[a': unclosed character class in [a"],
    ['src/{a,b', "'glob': invalid glob 'src/{a,b': unclosed brace in {a,b"],
    ['src/a\\', "'glob': invalid glob 'src/a\\': trailing backslash"],
    ['src/{[a,b]}', "'glob': invalid glob 'src/{[a,b]}': unclosed character class in [a"],
    ['../**/*.py', "'glob': path escapes project root: ../**/*.py"],
    ['/src/**', "'glob': absolute path not allowed: /src/**"],
  ])('glob_invalid: %j', (glob, message) => {
    const r = validateAssertionItem(item('class_exists', { glob, name: 'C' }))
    expect(r).toEqual({ ok: false, errors: [{ path: '/params/glob', code: 'glob_invalid', message }] })
  })

  it('accepts the glob grammar, escapes included, and checks junit as a glob', () => {
    for (const glob of ['src/**/*.{ts,tsx}', 'a/[!._]x?.py', 'a/\\[literal\\].py', 'config/*']) {
      expect(validateAssertionItem(item('class_exists', { glob, name: 'C' })).ok, glob).toBe(true)
    }
    expect(codes(item('test_passes', { junit: 'reports/[x' }))).toEqual([['/params/junit', 'glob_invalid']])
    expect(codes(item('test_exists', { pattern: '/tests/**' }))).toEqual([['/params/pattern', 'glob_invalid']])
  })

  it.each([
    ['(a)\\1', "unsupported regex in 'pattern': back-reference \\1 (not linear-time)"],
    ['[\\2]', "unsupported regex in 'pattern': back-reference \\2 (not linear-time)"],
    ['\\k<n>', "unsupported regex in 'pattern': back-reference \\k (not linear-time)"],
    ['a(?=b)', "unsupported regex in 'pattern': look-ahead (?= (not linear-time)"],
    ['a(?!b)', "unsupported regex in 'pattern': look-ahead (?! (not linear-time)"],
    ['(?<=a)b', "unsupported regex in 'pattern': look-behind (?<= (not linear-time)"],
    ['(?<!a)b', "unsupported regex in 'pattern': look-behind (?<! (not linear-time)"],
    ['a{1001}', "unsupported regex in 'pattern': counted repetition {1001} above 1000 (not linear-time)"],
    ['a{2,5000}', "unsupported regex in 'pattern': counted repetition {2,5000} above 1000 (not linear-time)"],
    [
      '(?i)secret',
      "unsupported regex in 'pattern': inline flags (?i) (use the ignore_case / multiline / dotall params)",
    ],
    ['a*', "pattern matches the empty string: 'pattern'"],
    ['^', "pattern matches the empty string: 'pattern'"],
    ['\\B', "pattern matches the empty string: 'pattern'"],
    ['', '\'pattern\' must be a non-empty string (got "")'],
  ])('regex_unsupported: %j', (pattern, message) => {
    const r = validateAssertionItem(item('pattern_absent', { glob: 'src/**', pattern }))
    expect(r).toEqual({ ok: false, errors: [{ path: '/params/pattern', code: 'regex_unsupported', message }] })
  })

  it('regex_invalid: a pattern that does not compile, in every regex param', () => {
    const r = validateAssertionItem(item('pattern_matches', { file: 'a', pattern: 'a(', scope_start: '[b' }))
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          path: '/params/pattern',
          code: 'regex_invalid',
          message: "invalid regex in 'pattern': /a(/: Unterminated group",
        },
        {
          path: '/params/scope_start',
          code: 'regex_invalid',
          message: "invalid regex in 'scope_start': /[b/: Unterminated character class",
        },
      ],
    })
    expect(codes(item('http_header_set', { file: 'a', header: 'X', value: '+x' }))).toEqual([
      ['/params/value', 'regex_invalid'],
    ])
    expect(codes(item('config_value_matches', { file: 'a', key: 'k', pattern: '(?<=x)y' }))).toEqual([
      ['/params/pattern', 'regex_unsupported'],
    ])
    expect(codes(item('no_plaintext_secret', { glob: 'a/**', patterns: ['ok', 'x?', ')'] }))).toEqual([
      ['/params/patterns/1', 'regex_unsupported'],
      ['/params/patterns/2', 'regex_invalid'],
    ])
  })

  it('value_invalid: enums, formats, ranges and conflicting params', () => {
    expect(
      codes(item('config_value_matches', { file: 'a', key: 'a..b', operator: '~', value: 'abc', match: 'some' })),
    ).toEqual([
      ['/params/key', 'value_invalid'],
      ['/params/operator', 'value_invalid'],
      ['/params/value', 'value_invalid'],
      ['/params/match', 'value_invalid'],
    ])
    expect(codes(item('env_var_referenced', { file: 'a', variable: 'MY-VAR' }))).toEqual([
      ['/params/variable', 'value_invalid'],
    ])
    expect(codes(item('test_passes', { command: 'make test', timeout_s: 0 }))).toEqual([
      ['/params/timeout_s', 'value_invalid'],
    ])
    expect(codes(item('test_passes', { junit: 'r.xml', file: 't.py' }))).toEqual([['/params/file', 'value_invalid']])
    expect(codes(item('test_passes', { pattern: 't/*.py', file: 't.py' }))).toEqual([['/params/file', 'value_invalid']])
    expect(codes(item('no_plaintext_secret', { glob: 'a/**', patterns: [] }))).toEqual([
      ['/params/patterns', 'value_invalid'],
    ])
  })

  it.each([
    [{ expected_hash: 'sha256:abc' }, '/params/expected_hash', "'expected_hash' must be 64 hex characters for sha256"],
    [
      { expected_hash: 'z'.repeat(64) },
      '/params/expected_hash',
      "'expected_hash' must be 64 hex characters for sha256",
    ],
    [
      { expected_hash: 'a'.repeat(64), algorithm: 'sha512' },
      '/params/expected_hash',
      "'expected_hash' must be 128 hex characters for sha512",
    ],
    [{ expected_hash: `md5:${'a'.repeat(32)}` }, '/params/expected_hash', 'md5 is too weak to prove integrity'],
    [{ expected_hash: 'a'.repeat(40), algorithm: 'sha1' }, '/params/algorithm', 'sha1 is too weak to prove integrity'],
    [
      { expected_hash: 'a'.repeat(64), algorithm: 'blake3' },
      '/params/algorithm',
      "unsupported algorithm 'blake3' (use sha256, sha384, sha512, sha3-256 or sha3-512)",
    ],
    [
      { expected_hash: `sha384:${'a'.repeat(96)}`, algorithm: 'sha256' },
      '/params/expected_hash',
      "'expected_hash' prefix 'sha384' disagrees with 'algorithm' 'sha256'",
    ],
  ])('value_invalid for file_hash %j', (params, path, message) => {
    expect(validateAssertionItem(item('file_hash', { file: 'vendor/x.js', ...params }))).toEqual({
      ok: false,
      errors: [{ path, code: 'value_invalid', message }],
    })
  })
})

describe('validateParamsDetailed and validateParams agree', () => {
  const cases: [string, unknown][] = [
    ['function_exists', { name: 'f', nmae: 1, other: 2 }],
    ['pattern_matches', { file: 'a', glob: 'b', pattern: 5 }],
    ['test_passes', { junit: 'r.xml', command: 'x', timeout_s: 1.5 }],
    ['config_value_matches', { file: 'a', key: 'k', pattern: 'x', operator: '<', value: 1 }],
    ['file_exists', 'nope'],
  ]
  it.each(cases)('%s %j: the same messages', (type, params) => {
    const entry = CATALOGUE.get(type)!
    const plain = validateParams(entry, params)
    const detailed = validateParamsDetailed(entry, params)
    expect(plain.ok).toBe(false)
    expect(detailed.ok).toBe(false)
    if (plain.ok || detailed.ok) return
    expect([...new Set(detailed.problems.map((p) => p.message))].join('; ')).toBe(plain.problems.join('; '))
  })
})

describe('regex rules', () => {
  // Small patterns only: the engine is the reference for what matches "".
  const patterns = [
    'a',
    'a*',
    'a+',
    'a?',
    'a{0}',
    'a{0,3}',
    'a{1,3}',
    'a{2}?',
    '(a|)',
    '(?:a|b)',
    '(?:a|b*)',
    '(?<n>x?)y?',
    '[]',
    '[]?',
    '[^]',
    '[^]*',
    '[]]',
    '.',
    '.*',
    '^',
    '$',
    '^$',
    '\\b',
    '\\B',
    '\\bx*',
    'x|\\B',
    '\\x41{0}',
    '\\u0041{0}',
    '\\u004',
    '\\x4{0}',
    '\\cA{0}',
    '\\c{0}',
    '\\0{0}',
    '\\012{0}',
    '\\08{0}',
    'a{,2}',
    'a{',
    '{',
    'x{1}{',
    '\\p{L}',
    '\\d*',
    '\\s',
    '[a-z]{0,5}',
    '((a)?)b?',
    '(a*)+',
    'a|b|',
    '|',
    '(|a)',
    '\\/',
    '\\{0}',
    '[\\]]*',
    '(?:)',
  ]
  it.each(patterns)('%j matches the empty string exactly when the engine says so', (pattern) => {
    expect(matchesEmptyString(pattern)).toBe(new RegExp(pattern).test(''))
  })

  it('never runs the pattern: a catastrophic one is judged at once', () => {
    const t0 = performance.now()
    expect(regexProblem('pattern', '(?:|){1000}(?:(?:|){1000}){1000}x')).toBeUndefined()
    expect(regexProblem('pattern', '(?:(?:|){1000}){1000}')?.code).toBe('regex_unsupported')
    // A hang guard, not a speed test: running the pattern would take exponential time, far beyond this bound.
    expect(performance.now() - t0).toBeLessThan(5_000)
  })
})

describe('path rules', () => {
  it('accepts relative paths and reports the first broken rule', () => {
    expect(pathProblem('src/a.py')).toBeUndefined()
    expect(pathProblem('a/b/../../c')).toBeUndefined()
    expect(pathProblem('a/b/../../../c')).toBe('path escapes project root: a/b/../../../c')
    expect(pathProblem('\\\\server\\x')).toBe('absolute path not allowed: \\\\server\\x')
    expect(pathProblem('a\\*', { glob: true })).toBeUndefined()
    expect(globProblem('a/{b,{c,d}}/*.ts')).toBeUndefined()
    expect(globProblem('a/{b,{c,d}/*.ts')).toBe("invalid glob 'a/{b,{c,d}/*.ts': unclosed brace in {b,{c,d}")
  })
})
