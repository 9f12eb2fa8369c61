import { describe, expect, it } from 'vitest'
import { allMatches, compileUserRegex, foldCase, toRe2 } from '../src/regex/safe-regex.js'

const compile = (source: string, flags = {}) => compileUserRegex('pattern', source, flags)
const matches = (source: string, text: string, flags = {}) => {
  const c = compile(source, flags)
  if (!c.ok) throw new Error(c.message)
  return [...allMatches(c.regex, text)].map((m) => text.slice(m.index, m.end))
}

describe('refused constructs (§2.7)', () => {
  it.each([
    ['(a)\\1', "unsupported regex in 'pattern': back-reference \\1 (not linear-time)"],
    ['a\\9', "unsupported regex in 'pattern': back-reference \\9 (not linear-time)"],
    ['[\\1]', "unsupported regex in 'pattern': back-reference \\1 (not linear-time)"],
    ['(?<n>a)\\k<n>', "unsupported regex in 'pattern': back-reference \\k (not linear-time)"],
    ['a(?=b)', "unsupported regex in 'pattern': look-ahead (?= (not linear-time)"],
    ['a(?!b)', "unsupported regex in 'pattern': look-ahead (?! (not linear-time)"],
    ['(?<=a)b', "unsupported regex in 'pattern': look-behind (?<= (not linear-time)"],
    ['(?<!a)b', "unsupported regex in 'pattern': look-behind (?<! (not linear-time)"],
    ['a{1001}', "unsupported regex in 'pattern': counted repetition {1001} above 1000 (not linear-time)"],
    ['a{2,5000}', "unsupported regex in 'pattern': counted repetition {2,5000} above 1000 (not linear-time)"],
  ])('%s is refused', (source, message) => {
    expect(compile(source)).toEqual({ ok: false, message })
  })

  it('refuses inline flags with a hint', () => {
    const c = compile('(?i)secret')
    expect(c.ok).toBe(false)
    expect(!c.ok && c.message).toContain('use the ignore_case / multiline / dotall params')
  })

  it('reports invalid syntax', () => {
    expect(compile('a(')).toEqual({ ok: false, message: "invalid regex in 'pattern': /a(/: Unterminated group" })
  })

  it.each(['a*', 'x?', '^', '\\B', '(|a)'])('refuses %s, which matches the empty string', (source) => {
    expect(compile(source)).toEqual({ ok: false, message: "pattern matches the empty string: 'pattern'" })
  })

  it('allows escaped look-alikes: \\(?= is a literal', () => {
    expect(matches('\\(\\?=', 'x(?=y')).toEqual(['(?='])
  })
})

describe('linear time', () => {
  it('matches a catastrophic pattern on a long input quickly on the V8 engine', () => {
    const c = compile('(a+)+$')
    expect(c.ok && c.regex.engine).toBe('v8-linear')
    const text = `${'a'.repeat(50_000)}b`
    expect(matches('(a+)+$', text)).toEqual([])
  })

  it('runs patterns too large to write out for V8 on RE2 with the same meaning', () => {
    const big = '[a-z]{1000}[0-9]{1000}'.repeat(6)
    const c = compile(big)
    expect(c.ok && c.regex.engine).toBe('re2')
    const text = `${'q'.repeat(1000)}${'7'.repeat(1000)}`.repeat(6)
    expect(matches(big, text)).toEqual([text])
    expect(matches(big, text.slice(1))).toEqual([])
  })

  it('translates . and \\s to ECMAScript meaning on RE2', () => {
    expect(toRe2('a.', {})).toBe('a[^\\n\\r\\x{2028}\\x{2029}]')
    expect(toRe2('a.', { dotall: true })).toBe('a(?s:.)')
    expect(toRe2('\\s', {})).toContain('\\x{A0}')
  })

  it('refuses what neither engine can run with its meaning', () => {
    expect(compile('^(?:a{1000}){60}', { multiline: true })).toEqual({
      ok: false,
      message: "pattern cannot be matched in linear time: 'pattern'",
    })
    expect(toRe2('[\\S]', {})).toBeUndefined()
  })
})

describe('flags', () => {
  it('implements ignore_case by rewriting letters (no i flag)', () => {
    expect(matches('secret', 'SeCrEt', { ignoreCase: true })).toEqual(['SeCrEt'])
    expect(matches('[a-c]x', 'Bx', { ignoreCase: true })).toEqual(['Bx'])
    expect(matches('[^a]', 'A', { ignoreCase: true })).toEqual([])
    // ECMAScript's non-Unicode folding: the Kelvin sign and long s do not fold to ASCII
    expect(matches('k', '\u212a', { ignoreCase: true })).toEqual([])
    expect(matches('s', '\u017f', { ignoreCase: true })).toEqual([])
    expect(foldCase('a{2}')).toBe('[Aa]{2}')
  })

  it('ignore_case also works with counts above 16 (written out for V8)', () => {
    const c = compile('token{17}', { ignoreCase: true })
    expect(c.ok && c.regex.engine).toBe('v8-linear')
    expect(matches('token{17}', `TOKE${'N'.repeat(17)}`, { ignoreCase: true })).toHaveLength(1)
    expect(matches('token{17}', `TOKE${'N'.repeat(16)}`, { ignoreCase: true })).toHaveLength(0)
  })

  it('multiline anchors at line boundaries; without it ^ anchors at the start only', () => {
    expect(matches('^b', 'a\nb')).toEqual([])
    expect(matches('^b', 'a\nb', { multiline: true })).toEqual(['b'])
    expect(matches('a$', 'a\r\nb', { multiline: true })).toEqual(['a'])
  })

  it('finds every match and steps over empty ones', () => {
    expect(matches('\\bx', 'x x x')).toEqual(['x', 'x', 'x'])
  })
})
