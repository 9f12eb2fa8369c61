import { describe, expect, it } from 'vitest'
import { parseStrictJson, parseStrictJsonBytes, parseStrictJsonWithPositions, StrictJsonError } from '../src/index.js'

/** The StrictJsonError thrown by `fn`, or a failed expectation. */
function thrown(fn: () => unknown): StrictJsonError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(StrictJsonError)
    return e as StrictJsonError
  }
  throw new Error('expected a StrictJsonError')
}

const failure = (text: string, opts?: { integersOnly?: boolean }) => {
  const e = thrown(() => parseStrictJson(text, opts))
  return { code: e.code, offset: e.offset, line: e.line, column: e.column }
}

const utf8 = (s: string) => new TextEncoder().encode(s)

describe('parseStrictJson: RFC 8259 grammar', () => {
  it('parses every kind of value', () => {
    expect(
      parseStrictJson(' {"a": [1, -2, true, false, null, "x\\u00e9\\n\\"\\\\\\/\\b\\f\\r\\t"], "b": {}} '),
    ).toEqual({
      a: [1, -2, true, false, null, 'xé\n"\\/\b\f\r\t'],
      b: {},
    })
    expect(parseStrictJson('"top"')).toBe('top')
    expect(parseStrictJson('0')).toBe(0)
    expect(parseStrictJson('[]')).toEqual([])
  })

  it('decodes surrogate pairs written as escapes or raw', () => {
    expect(parseStrictJson('"\\ud83d\\ude00😀"')).toBe('😀😀')
    expect(parseStrictJson('["\\ud83d\ude00", "\ud83d\\ude00"]')).toEqual(['😀', '😀'])
  })

  it.each([
    ['', 0, 'unexpected end of input'],
    ['   ', 3, 'unexpected end of input'],
    ['{"a":1,}', 7, 'unexpected character "}"'],
    ['[1,]', 3, 'unexpected character "]"'],
    ['[1 2]', 3, 'unexpected character "2"'],
    ["{'a':1}", 1, 'unexpected character "\'"'],
    ['{a:1}', 1, 'unexpected character "a"'],
    ['{"a" 1}', 5, 'unexpected character "1"'],
    ['[1] x', 4, 'unexpected character "x"'],
    ['01', 1, 'unexpected character "1"'],
    ['-', 0, 'unexpected character "-"'],
    ['1.', 1, 'unexpected character "."'],
    ['.5', 0, 'unexpected character "."'],
    ['+1', 0, 'unexpected character "+"'],
    ['NaN', 0, 'unexpected character "N"'],
    ['tru', 0, 'unexpected character "t"'],
    ['nul', 0, 'unexpected character "n"'],
    ['"abc', 0, 'unterminated string'],
    ['"a\tb"', 2, 'control character in string must be escaped'],
    ['"a\\x"', 2, 'invalid escape'],
    ['"\\u12G4"', 1, 'invalid \\u escape'],
    ['\u00a0[]', 0, 'unexpected character "\u00a0"'],
    ['\ufeff[]', 0, 'byte-order mark not allowed'],
  ])('rejects %j as invalid_json at offset %i', (text, offset, message) => {
    const e = thrown(() => parseStrictJson(text))
    expect([e.code, e.offset, e.message]).toEqual(['invalid_json', offset, message])
  })

  it('reports line and column (1-based) of the offending character', () => {
    expect(failure('{\n  "a": 1,\n  "b": [1, 2,, 3]\n}')).toEqual({
      code: 'invalid_json',
      offset: 25,
      line: 3,
      column: 14,
    })
  })
})

describe('parseStrictJson: strict rules', () => {
  it('rejects a repeated member name as duplicate_key at the second occurrence', () => {
    expect(failure('{"a": 1,\n "b": {"c": 1, "c": 2}}')).toEqual({
      code: 'duplicate_key',
      offset: 24,
      line: 2,
      column: 16,
    })
    // Names compare after escape decoding.
    expect(failure('{"a": 1, "\\u0061": 2}').code).toBe('duplicate_key')
    expect(failure('{"__proto__": 1, "__proto__": 2}').code).toBe('duplicate_key')
    expect(parseStrictJson('[{"a": 1}, {"a": 2}]')).toEqual([{ a: 1 }, { a: 2 }])
  })

  it('rejects unpaired surrogates after escape decoding', () => {
    expect(failure('["ok", "x\\ud800y"]')).toMatchObject({ code: 'invalid_json', offset: 7 })
    expect(failure('"\\udc00"').code).toBe('invalid_json')
    expect(failure('"\\ude00\\ud83d"').code).toBe('invalid_json')
    expect(failure('{"\\ud800": 1}').code).toBe('invalid_json')
    expect(failure('"\ud800"').code).toBe('invalid_json')
  })

  it('accepts nesting of 64 and rejects 65, where the 65th bracket opens', () => {
    expect(parseStrictJson(`${'['.repeat(64)}${']'.repeat(64)}`)).toBeInstanceOf(Array)
    expect(parseStrictJson(`${'{"a":'.repeat(64)}1${'}'.repeat(64)}`)).toBeTypeOf('object')
    expect(failure(`${'['.repeat(65)}${']'.repeat(65)}`)).toMatchObject({ code: 'invalid_json', offset: 64 })
    const e = thrown(() => parseStrictJson(`${'[{"a":'.repeat(40)}1${'}]'.repeat(40)}`))
    expect([e.code, e.message]).toEqual(['invalid_json', 'nesting deeper than 64'])
    // Far deeper than the limit still fails cleanly, without exhausting the stack.
    expect(failure('['.repeat(100_000)).code).toBe('invalid_json')
  })

  it.each([
    ['1.0', 'a fraction or exponent'],
    ['1e3', 'a fraction or exponent'],
    ['1E+3', 'a fraction or exponent'],
    ['-0', 'minus zero'],
    ['9007199254740992', 'an integer outside ±(2^53 − 1)'],
    ['-9007199254740992', 'an integer outside ±(2^53 − 1)'],
    ['123456789012345678901234567890', 'an integer outside ±(2^53 − 1)'],
  ])('rejects the number %s as validation_failed (%s)', (written, problem) => {
    const e = thrown(() => parseStrictJson(`{"n": ${written}}`))
    expect([e.code, e.offset, e.message]).toEqual([
      'validation_failed',
      6,
      `number ${written} is ${problem}; only integers within ±(2^53 − 1) are allowed`,
    ])
  })

  it('accepts integers up to ±(2^53 − 1)', () => {
    expect(parseStrictJson('[9007199254740991, -9007199254740991, 0, -1]')).toEqual([
      9007199254740991, -9007199254740991, 0, -1,
    ])
  })

  it('accepts any RFC 8259 number for third-party documents', () => {
    expect(parseStrictJson('[1.5, -0, 1e3, 2E-2, 9007199254740993]', { integersOnly: false })).toEqual([
      1.5, -0, 1000, 0.02, 9007199254740992,
    ])
  })

  it('lets a syntax error win over a number or duplicate problem earlier in the text', () => {
    expect(failure('[1.5, {"a":1,"a":2}, ]').code).toBe('invalid_json')
    expect(failure('[1.5, {"a":1,"a":2}]').code).toBe('duplicate_key')
    expect(failure('[1.5, 2.5]')).toMatchObject({ code: 'validation_failed', offset: 1 })
  })
})

describe('parseStrictJson: objects', () => {
  it('stores a member named __proto__ as an own property without touching the prototype', () => {
    const value = parseStrictJson('{"__proto__": {"admin": true}, "b": 1}') as Record<string, unknown>
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.keys(value)).toEqual(['__proto__', 'b'])
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ admin: true })
    expect((value as { admin?: unknown }).admin).toBeUndefined()
    expect(({} as { admin?: unknown }).admin).toBeUndefined()
  })

  it('keeps members named like Object.prototype properties as plain data', () => {
    const value = parseStrictJson('{"constructor": 1, "toString": "x", "hasOwnProperty": null}')
    expect(value).toEqual({ constructor: 1, toString: 'x', hasOwnProperty: null })
  })
})

describe('parseStrictJsonWithPositions', () => {
  it('maps every JSON Pointer to where its member name or element starts', () => {
    const text = '{"a": [10, {"b/c": "x", "~d": null}], "": 2}'
    const { value, positions } = parseStrictJsonWithPositions(text)
    expect(value).toEqual({ a: [10, { 'b/c': 'x', '~d': null }], '': 2 })
    expect(Object.fromEntries(positions)).toEqual({
      '': 0,
      '/a': 1,
      '/a/0': 7,
      '/a/1': 11,
      '/a/1/b~1c': 12,
      '/a/1/~0d': 24,
      '/': 38,
    })
  })
})

describe('parseStrictJsonBytes', () => {
  it('decodes UTF-8 and parses', () => {
    expect(parseStrictJsonBytes(utf8('{"é": "😀"}'))).toEqual({ é: '😀' })
  })

  it('rejects a byte-order mark', () => {
    const e = thrown(() => parseStrictJsonBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x5b, 0x5d])))
    expect([e.code, e.offset, e.message]).toEqual(['invalid_json', 0, 'byte-order mark not allowed'])
  })

  it.each([
    ['a lone continuation byte', [0x80]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an invalid lead byte', [0xff]],
  ])('rejects invalid UTF-8 (%s) at its position in the decoded text', (_, bad) => {
    const bytes = new Uint8Array([...utf8('[\n "é",\n "'), ...bad, ...utf8('"]')])
    const e = thrown(() => parseStrictJsonBytes(bytes))
    expect([e.code, e.message, e.offset, e.line, e.column]).toEqual(['invalid_json', 'invalid UTF-8', 10, 3, 3])
  })
})

describe('performance', () => {
  it('parses a 4 MiB results body exactly as JSON.parse does', () => {
    const result = (i: number) => ({
      assertion_id: `asr_01J8Z3V9YQ4K2M7N5P6R8S${String(i).padStart(4, '0')}`,
      assertion_digest: `sha256:${'ab'.repeat(32)}`,
      tier: 1,
      result: i % 7 === 0 ? 'fail' : 'pass',
      details: `pattern found in src/handlers/payments_${i}.py:42 — "add_middleware(JWTAuthMiddleware)" é\\n`,
      locations: [{ path: `src/handlers/payments_${i}.py`, start_line: 42, end_line: 43 }],
      evidence_digest: `sha256:${'cd'.repeat(32)}`,
      duration_ms: i,
    })
    const results = []
    let size = 0
    for (let i = 0; size < 4 * 1024 * 1024; i++) {
      const r = result(i)
      results.push(r)
      size += JSON.stringify(r).length + 1
    }
    const text = JSON.stringify({ pipeline: { provider: 'local', run_id: '1' }, results }, null, 1)
    // Speed is measured by the benchmarks, not asserted here: a loaded CI machine must not fail a correct parser.
    expect(parseStrictJson(text)).toEqual(JSON.parse(text))
  })
})
