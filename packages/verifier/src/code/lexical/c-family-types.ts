/** C-family type definitions: C/C++ `struct`/`class`, Objective-C `@interface`, and keyword-introduced types. */

import type { Dialect } from './c-family-scan.js'
import { endOfBody, type LexicalDefinition } from './definitions.js'
import { closingBracket, skipSpace, skipSpaceBack, wordBefore } from './mask.js'

const TYPE_KEYWORDS: Record<Dialect, string[]> = {
  c: ['struct', 'class', 'union', 'enum'],
  objc: ['struct', 'class', 'union', 'enum'],
  swift: ['class', 'struct', 'enum', 'protocol', 'actor'],
  scala: ['class', 'trait', 'object'],
  dart: ['class', 'mixin', 'enum'],
  groovy: ['class', 'interface', 'trait', 'enum'],
}

const NOT_A_TYPE_NAME = new Set([
  'class',
  'struct',
  'enum',
  'union',
  'func',
  'var',
  'let',
  'case',
  'init',
  'deinit',
  'subscript',
  'static',
  'final',
  'override',
  'extends',
  'with',
  'implements',
  'on',
  'mixin',
  'interface',
  'trait',
  'object',
  'protocol',
  'actor',
  'typealias',
  'def',
  'val',
])

/** C and C++ type definitions: `struct|class|union|enum [MACROS] Name [final] [: bases] {`. */
export function cTypes(code: string): LexicalDefinition[] {
  const out: LexicalDefinition[] = []
  const keyword = /(?<![\w$.])(struct|class|union|enum)(?![\w$])/g
  for (let m = keyword.exec(code); m; m = keyword.exec(code)) {
    const kind = m[1]!
    if ((kind === 'class' || kind === 'struct') && wordBefore(code, skipSpaceBack(code, m.index - 1)).word === 'enum')
      continue
    let i = m.index + kind.length
    const words: { word: string; start: number }[] = []
    const qualifiers: string[] = []
    for (;;) {
      i = skipSpace(code, i)
      if (code.startsWith('[[', i)) {
        const end = code.indexOf(']]', i)
        if (end < 0) break
        i = end + 2
        continue
      }
      if (kind === 'enum' && words.length === 0 && /^(?:class|struct)(?![\w$])/.test(code.slice(i, i + 7))) {
        i += code.startsWith('class', i) ? 5 : 6
        continue
      }
      const word = /[A-Za-z_][\w$]*/y
      word.lastIndex = i
      const w = word.exec(code)
      if (!w) break
      const after = skipSpace(code, i + w[0].length)
      if (/^(?:__attribute__|__declspec|alignas)$/.test(w[0]) && code[after] === '(') {
        const end = closingBracket(code, after)
        if (end < 0) break
        i = end + 1
        continue
      }
      if (code.startsWith('::', after)) {
        qualifiers.push(w[0])
        i = after + 2
        continue
      }
      words.push({ word: w[0], start: i })
      i = after
      if (code[i] === '<') {
        const end = closingBracket(code, i)
        if (end < 0) break
        i = end + 1
      }
    }
    const named = words.filter((w) => w.word !== 'final')
    const name = named.at(-1)
    if (!name || named.slice(0, -1).some((w) => !/^[A-Z_][A-Z0-9_]*$/.test(w.word))) continue
    let body = skipSpace(code, i)
    if (code[body] === ':' && code[body + 1] !== ':') {
      const stop = /[{;()]/g
      stop.lastIndex = body
      const found = stop.exec(code)
      body = found && found[0] === '{' ? found.index : -1
    }
    if (body < 0 || code[body] !== '{') continue
    out.push({
      kind: 'class',
      qualified: [...qualifiers, name.word],
      nameStart: name.start,
      end: endOfBody(code, body),
      typeKind: kind,
      hasBody: true,
    })
  }
  return out
}

export function keywordTypes(code: string, dialect: Dialect): LexicalDefinition[] {
  const out: LexicalDefinition[] = []
  const keywords = TYPE_KEYWORDS[dialect].join('|')
  const pattern = new RegExp(`(?<![\\w$.@])(${keywords})\\s+([A-Za-z_][\\w$]*)(?![\\w$])`, 'g')
  for (let m = pattern.exec(code); m; m = pattern.exec(code)) {
    const name = m[2]!
    if (NOT_A_TYPE_NAME.has(name)) {
      pattern.lastIndex = m.index + m[1]!.length
      continue
    }
    if (dialect === 'swift' && /import\s+$/.test(code.slice(Math.max(0, m.index - 20), m.index))) continue
    const nameStart = m.index + m[0].length - name.length
    out.push({
      kind: 'class',
      qualified: [name],
      nameStart,
      end: nameStart + name.length,
      typeKind: m[1]!,
      hasBody: true,
    })
  }
  if (dialect === 'groovy') {
    for (const m of code.matchAll(/@interface\s+([A-Za-z_][\w$]*)/g)) {
      const nameStart = m.index + m[0].length - m[1]!.length
      out.push({
        kind: 'class',
        qualified: [m[1]!],
        nameStart,
        end: nameStart + m[1]!.length,
        typeKind: 'interface',
        hasBody: true,
      })
    }
  }
  return out
}

export function objcTypes(code: string): LexicalDefinition[] {
  const out: LexicalDefinition[] = []
  for (const m of code.matchAll(/@(interface|protocol|implementation)\s+([A-Za-z_][\w$]*)(?![\w$])/g)) {
    const next = code[skipSpace(code, m.index + m[0].length)]
    if (m[1] === 'protocol' && (next === ';' || next === ',')) continue
    const nameStart = m.index + m[0].length - m[2]!.length
    const end = code.indexOf('@end', nameStart)
    out.push({
      kind: 'class',
      qualified: [m[2]!],
      nameStart,
      end: end < 0 ? nameStart + m[2]!.length : end + 4,
      typeKind: m[1]!,
      hasBody: true,
    })
  }
  return out
}
