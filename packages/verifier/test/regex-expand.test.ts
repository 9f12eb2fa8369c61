import { describe, expect, it } from 'vitest'
import { expandCounts } from '../src/regex/expand.js'
import { requiredLiteral } from '../src/regex/literal.js'
import { allMatches, compileUserRegex } from '../src/regex/safe-regex.js'

const ours = (source: string, text: string, flags = {}) => {
  const c = compileUserRegex('pattern', source, flags)
  if (!c.ok) throw new Error(`${source}: ${c.message}`)
  return { engine: c.regex.engine, matches: [...allMatches(c.regex, text)].map((m) => [m.index, m.end]) }
}
const reference = (source: string, text: string, flags = '') =>
  [...text.matchAll(new RegExp(source, `g${flags}`))].map((m) => [m.index, m.index + m[0].length])

describe('counted repetitions written out for the linear engine', () => {
  it.each([
    ['a{3}', 'aaa'],
    ['a{1,3}', 'a(?:a(?:a)?)?'],
    ['a{2,}', 'aaa*'],
    ['a{0,2}?', '(?:a(?:a)??)??'],
    ['(ab){2}', '(ab)(ab)'],
    ['(?<n>a){2}', '(?:a)(?:a)'],
    ['[a-z]{2}x', '[a-z][a-z]x'],
    ['\\x41{2}', '\\x41\\x41'],
    ['\\u{3}', '\\u\\u\\u'],
    ['a{', 'a{'],
  ])('%s → %s', (source, expanded) => {
    expect(expandCounts(source)).toBe(expanded)
  })

  it('gives up on expansions over the size limit', () => {
    expect(expandCounts('(a{1000}){1000}')).toBeUndefined()
  })

  it('matches exactly as ECMAScript does, on V8 where RE2 was needed before', () => {
    const texts = [
      'x\rBBBBBBBBBBBBBBBBB',
      'AKIA' + 'Q'.repeat(16),
      'u'.repeat(41),
      'ab'.repeat(20),
      'a\u2028' + 'b'.repeat(17),
    ]
    const cases: [string, string][] = [
      ['^B{17}', 'm'],
      ['B{17}$', 'm'],
      ['AKIA[0-9A-Z]{16,20}', ''],
      ['\\u{41}', ''],
      ['(ab){3,}', ''],
      ['^b{17}', 'm'],
      ['(?:a|b){2,18}?', ''],
    ]
    for (const [source, flags] of cases) {
      for (const text of texts) {
        const r = ours(source, text, { multiline: flags.includes('m') })
        expect(r.engine, source).toBe('v8-linear')
        expect(r.matches, `${source} on ${JSON.stringify(text)}`).toEqual(reference(source, text, flags))
      }
    }
  })
})

describe('required literals are sound on random patterns', () => {
  // A small generator: every pattern is checked against the backtracking engine on texts that contain its matches.
  const atoms = ['a', 'b', 'x', '\\.', '\\x61', '\\u0062', '.', '[ab]', '\\d', '(a|b)', '\\b', '\\cJ', '\\n', '{', '}']
  const quantifiers = ['', '', '', '?', '*', '+', '{0}', '{00}', '{1}', '{2}', '{0,2}', '{1,}', '??']
  let seed = 7
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
  it('never requires a literal that a match lacks', () => {
    const texts = ['ab.x', 'aab', 'xa\nb', 'x', 'ba.ab', '1a', 'a{b}', '', 'abab', 'xx.aa', 'b\nx', 'a.b.x']
    let checked = 0
    for (let k = 0; k < 3000; k++) {
      let source = ''
      for (let n = 1 + rand(5); n > 0; n--)
        source += atoms[rand(atoms.length)]! + quantifiers[rand(quantifiers.length)]!
      let re: RegExp
      try {
        re = new RegExp(source, 'g')
      } catch {
        continue
      }
      const literal = requiredLiteral(source)
      if (literal === undefined) continue
      for (const text of texts) {
        for (const m of text.matchAll(re)) {
          expect(
            m[0].includes(literal),
            `${source} requires ${JSON.stringify(literal)} but matched ${JSON.stringify(m[0])}`,
          ).toBe(true)
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(20)
  })
})
