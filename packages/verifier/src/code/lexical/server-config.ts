/** nginx and Apache configuration: comment masking and `add_header` / `Header` directives. */

import type { HeaderSite } from '../facts.js'
import type { SourceFile } from '../source.js'
import { doubleQuotedEnd, lineEnd, MaskBuilder, skipSpaceBack, spanAt } from './mask.js'
import { splitWords, type Word } from './words.js'

/** nginx and Apache configuration: `#` at a token start outside quotes is a comment. */
export function scanServerConfig(text: string): string {
  const code = new MaskBuilder(text)
  let i = 0
  let tokenStart = true
  while (i < text.length) {
    const c = text[i]!
    if (c === '#' && tokenStart) {
      const end = lineEnd(text, i)
      code.blank(i, end)
      i = end
      continue
    }
    if ((c === '"' || c === "'") && tokenStart) {
      i = Math.min(doubleQuotedEnd(text, i + 1, c), lineEnd(text, i) + 1)
      tokenStart = false
      continue
    }
    if (c === '\\') {
      i += 2
      tokenStart = false
      continue
    }
    tokenStart = /[\s;{}]/.test(c)
    i++
  }
  return code.done()
}

/** A directive's arguments up to its end (`;` for nginx, the line end for Apache), quotes read. */
function directiveWords(
  code: string,
  from: number,
  until: 'semicolon' | 'line',
): { words: Word[]; end: number } | undefined {
  const chars: { c: string; at: number }[] = []
  let quote: string | undefined
  let i = from
  for (; i < code.length; i++) {
    const c = code[i]!
    if (quote) {
      if (c === '\\' && i + 1 < code.length) {
        chars.push({ c, at: i }, { c: code[++i]!, at: i })
        continue
      }
      if (c === quote) quote = undefined
      chars.push({ c, at: i })
      continue
    }
    if (until === 'semicolon' && c === ';') return { words: splitWords(chars), end: i + 1 }
    if (until === 'semicolon' && (c === '{' || c === '}')) return undefined
    if (until === 'line' && c === '\n') {
      const before = skipSpaceBack(code, i - 1)
      if (code[before] === '\\') {
        while (chars.length > 0 && chars.at(-1)!.at >= before) chars.pop()
        continue
      }
      break
    }
    if (c === '"' || c === "'") quote = c
    chars.push({ c, at: i })
  }
  if (until === 'semicolon') return undefined
  return { words: splitWords(chars), end: i }
}

export function serverConfigHeaders(code: string, source: SourceFile): HeaderSite[] {
  const out: HeaderSite[] = []
  for (const m of code.matchAll(/(?<![^\s;{}])add_header(?=\s)/g)) {
    const directive = directiveWords(code, m.index + m[0].length, 'semicolon')
    if (!directive) continue
    const [name, value, flag, ...extra] = directive.words
    if (!name || !value || extra.length > 0 || (flag && flag.value !== 'always')) continue
    out.push({
      name: name.value,
      value: { kind: 'literal', text: value.value },
      at: spanAt(source.index, m.index, directive.end),
      via: 'add_header',
    })
  }
  for (const m of code.matchAll(/^[ \t]*(Header)[ \t]+/gim)) {
    const start = m.index + m[0].indexOf(m[1]!)
    const directive = directiveWords(code, m.index + m[0].length, 'line')
    if (!directive) continue
    const words = [...directive.words]
    if (words[0]?.value.toLowerCase() === 'always') words.shift()
    const [action, name, value] = words
    const verb = action?.value.toLowerCase() ?? ''
    if (!['set', 'add', 'append', 'merge'].includes(verb) || !name || !value) continue
    out.push({
      name: name.value,
      value: { kind: 'literal', text: value.value },
      at: spanAt(source.index, start, directive.end),
      via: `Header ${verb}`,
    })
  }
  return out.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column)
}
