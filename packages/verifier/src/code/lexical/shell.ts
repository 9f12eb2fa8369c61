/** Shell and Dockerfile scanning (`#` comments, quotes, here-documents) and shell function definitions. */

import type { TextIndex } from '../../checkout/text.js'
import type { Definition } from '../facts.js'
import { endOfBody, type LexicalDefinition, toDefinitions } from './definitions.js'
import { doubleQuotedEnd, lineEnd, MaskBuilder, NAME_CHAR } from './mask.js'

export interface ShellScan {
  /** Comments blanked. */
  code: string
  /** Comments, quoted strings and here-document bodies blanked (for function definitions). */
  bare: string
  /** Here-document bodies as [start, end) offsets (their lines are never Dockerfile instructions). */
  heredocs: [number, number][]
}

/**
 * Shell and Dockerfile text: a `#` starts a comment only at the start of a word, outside quotes and `${…}`. In a
 * Dockerfile every line whose first character is `#` is a comment, also inside a continued instruction (Docker
 * removes comment lines before it joins continuations).
 */
export function scanShell(text: string, dockerfile = false): ShellScan {
  const code = new MaskBuilder(text)
  const bare = new MaskBuilder(text)
  const bodies: [number, number][] = []
  const heredocs: { delimiter: string; stripTabs: boolean }[] = []
  let wordStart = true
  let i = 0
  const dockerComment = (at: number) => {
    if (!dockerfile) return at
    const m = /^[ \t]*#/.exec(text.slice(at, at + 200))
    if (!m) return at
    const end = lineEnd(text, at)
    code.blank(at, end)
    bare.blank(at, end)
    return end
  }
  i = dockerComment(0)
  while (i < text.length) {
    const c = text[i]!
    if (c === '\n') {
      i++
      const continued = !wordStart && text[i - 2] === '\\'
      wordStart = true
      for (const doc of heredocs.splice(0)) {
        const bodyStart = i
        while (i < text.length) {
          const end = lineEnd(text, i)
          const line = text.slice(i, end).replace(/\r$/, '')
          i = Math.min(text.length, end + 1)
          if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.delimiter) break
        }
        bare.blank(bodyStart, i)
        bodies.push([bodyStart, i])
      }
      if (!continued) i = dockerComment(i)
      continue
    }
    if (c === '\\') {
      // A backslash-newline joins lines: the next line continues the current word state.
      if (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n')) {
        const nl = text[i + 1] === '\n' ? i + 1 : i + 2
        i = dockerComment(nl + 1)
        while (dockerfile && i < text.length && text[i] === '\n') i = dockerComment(i + 1)
        continue
      }
      i += 2
      wordStart = false
      continue
    }
    if (c === '#' && wordStart) {
      const end = lineEnd(text, i)
      code.blank(i, end)
      bare.blank(i, end)
      i = end
      continue
    }
    if (c === "'" || c === '"' || (c === '$' && text[i + 1] === "'")) {
      const close = c === "'" ? text.indexOf("'", i + 1) : -1
      const end =
        c === "'"
          ? close < 0
            ? text.length
            : close + 1
          : c === '$'
            ? doubleQuotedEnd(text, i + 2, "'")
            : doubleQuotedEnd(text, i + 1)
      bare.blank(i, end)
      i = end
      wordStart = false
      continue
    }
    if (c === '$') {
      if (text[i + 1] === '{') {
        const close = text.indexOf('}', i + 2)
        const end = lineEnd(text, i)
        i = close >= 0 && close < end ? close + 1 : end
      } else i += text[i + 1] === '#' || text[i + 1] === '$' || NAME_CHAR.test(text[i + 1] ?? '') ? 2 : 1
      wordStart = false
      continue
    }
    if (c === '<' && text[i + 1] === '<' && text[i + 2] !== '<') {
      const doc = /<<(-?)[ \t]*(?:(['"])([^'"\n]+)\2|\\?([A-Za-z_][\w.-]*))/y
      doc.lastIndex = i
      const m = doc.exec(text)
      if (m) {
        heredocs.push({ delimiter: m[3] ?? m[4]!, stripTabs: m[1] === '-' })
        i += m[0].length
        wordStart = false
        continue
      }
    }
    wordStart = /[\s;&|()<>{}]/.test(c)
    i++
  }
  return { code: code.done(), bare: bare.done(), heredocs: bodies }
}

/** Shell function definitions: `name() {` and `function name`. */
export function shellFunctions(scan: ShellScan, index: TextIndex): Definition[] {
  const found: LexicalDefinition[] = []
  const code = scan.bare
  for (const m of code.matchAll(/(?<![^\s;&|(){}])([A-Za-z_][\w]*)[ \t]*\([ \t]*\)\s*\{/g)) {
    found.push({
      kind: 'function',
      qualified: [m[1]!],
      nameStart: m.index,
      end: endOfBody(code, m.index + m[0].length - 1),
      hasBody: true,
    })
  }
  for (const m of code.matchAll(/(?<![^\s;&|(){}])function[ \t]+([A-Za-z_][\w]*)(?![\w.:-])/g)) {
    const nameStart = m.index + m[0].length - m[1]!.length
    const brace = code.indexOf('{', nameStart)
    const end =
      brace >= 0 && /^\s*(?:\(\s*\))?\s*$/.test(code.slice(nameStart + m[1]!.length, brace))
        ? endOfBody(code, brace)
        : nameStart + m[1]!.length
    found.push({ kind: 'function', qualified: [m[1]!], nameStart, end, hasBody: true })
  }
  const unique = found.filter((d, i) => found.findIndex((o) => o.nameStart === d.nameStart) === i)
  return toDefinitions(
    unique.sort((a, b) => a.nameStart - b.nameStart),
    index,
  )
}
