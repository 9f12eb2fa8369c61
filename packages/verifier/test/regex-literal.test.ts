import { describe, expect, it } from 'vitest'
import { requiredLiteral } from '../src/regex/literal.js'
import { allMatches, compileUserRegex } from '../src/regex/safe-regex.js'

describe('required literal prefilter', () => {
  it.each([
    ['SERVICE_12_[A-Z]+', 'SERVICE_12_'],
    ['\\beval\\s*\\(', 'eval'],
    ['ssl_protocols\\s+TLSv1\\.[23]', 'ssl_protocols'],
    ['abc?d', 'ab'],
    ['xy*z', undefined],
    ['ab+c', 'ab'],
    ['ab{0,2}cd', 'cd'],
    ['abc{2}d', 'abc'],
    ['a|bcd', undefined],
    ['(a|b)cde', 'cde'],
    ['[abc]de', 'de'],
    ['x\\.y\\(z', 'x.y(z'],
    ['a\\nb', 'a\nb'],
    ['\\d{3}-\\d{4}', undefined],
    ['ab.cd', 'ab'],
    ['a{', 'a{'],
    ['ab??c', undefined],
  ])('%s requires %j', (source, literal) => {
    expect(requiredLiteral(source)).toBe(literal)
  })

  it('never changes what matches: the prefiltered engine agrees with ECMAScript', () => {
    const texts = ['abcd', 'abd', 'xz', 'xyyz', 'ab cd', 'SERVICE_12_X', 'eval (x)', 'e val(', 'a\nb', 'abccd', 'cde']
    const sources = [
      'abc?d',
      'ab+c',
      'ab{0,2}cd',
      '(a|b)cde',
      'SERVICE_12_[A-Z]+',
      '\\beval\\s*\\(',
      'a\\nb',
      'ab.cd',
      'xy*z',
    ]
    for (const source of sources) {
      const c = compileUserRegex('pattern', source)
      if (!c.ok) throw new Error(c.message)
      for (const text of texts) {
        const ours = [...allMatches(c.regex, text)].map((m) => [m.index, m.end])
        const reference = [...text.matchAll(new RegExp(source, 'g'))].map((m) => [m.index, m.index + m[0].length])
        expect(ours, `${source} on ${JSON.stringify(text)}`).toEqual(reference)
      }
    }
  })
})
