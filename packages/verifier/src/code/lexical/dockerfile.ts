/** Dockerfile `ENV` and `ARG` instructions naming variables. */

import type { EnvRead } from '../facts.js'
import type { SourceFile } from '../source.js'
import { lineEnd, spanAt } from './mask.js'
import { splitWords } from './words.js'

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Dockerfile `ENV` and `ARG` instructions (continued over lines with `\`) naming variables. */
export function dockerfileInstructions(code: string, heredocs: [number, number][], source: SourceFile): EnvRead[] {
  const out: EnvRead[] = []
  const index = source.index
  const lines = index.lineStarts.length
  const inHeredoc = (l: number) =>
    heredocs.some(([start, end]) => index.lineStarts[l - 1]! >= start && index.lineStarts[l - 1]! < end)
  const lineCode = (l: number) =>
    code.slice(index.lineStarts[l - 1]!, lineEnd(code, index.lineStarts[l - 1]!)).replace(/\r$/, '')
  const continues = (l: number) => /\\[ \t]*$/.test(lineCode(l))
  for (let line = 1; line <= lines; line++) {
    const head = inHeredoc(line) ? null : /^[ \t]*(ENV|ARG)[ \t]+/i.exec(lineCode(line))
    if (!head) {
      // Lines continuing another instruction are not instructions themselves.
      while (continues(line) && line < lines) line = nextCodeLine(line, lines, lineCode)
      continue
    }
    const chars: { c: string; at: number }[] = []
    let l = line
    let from = index.lineStarts[line - 1]! + head[0].length
    for (;;) {
      const body = lineCode(l).slice(from - index.lineStarts[l - 1]!)
      const kept = body.replace(/\\[ \t]*$/, '')
      for (let k = 0; k < kept.length; k++) chars.push({ c: kept[k]!, at: from + k })
      chars.push({ c: ' ', at: from + body.length })
      if (!continues(l) || l >= lines) break
      l = nextCodeLine(l, lines, lineCode)
      from = index.lineStarts[l - 1]!
    }
    const words = splitWords(chars)
    const isEnv = head[1]!.toUpperCase() === 'ENV'
    const pairs = words[0]?.value.includes('=') ?? false
    const text = index.lineText(line).trim()
    for (const word of isEnv && !pairs ? words.slice(0, 1) : words) {
      if (isEnv && pairs && !word.value.includes('=')) continue
      const name = word.value.split('=')[0]!
      if (ENV_NAME.test(name)) out.push({ name, at: spanAt(index, word.start, word.start + name.length), text })
    }
    line = l
  }
  return out
}

/** The next line after `line` that is not blank (comment lines are blank in the masked view). */
function nextCodeLine(line: number, lines: number, lineCode: (l: number) => string): number {
  let l = line + 1
  while (l < lines && lineCode(l).trim() === '') l++
  return l
}
