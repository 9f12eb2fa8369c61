/** Comment masking for `.env` and YAML files. */

import { doubleQuotedEnd, lineEnd, MaskBuilder } from './mask.js'

/** `.env`: full-line comments, and ` #` comments after an unquoted value or after a quoted one. */
export function scanDotenv(text: string): string {
  const code = new MaskBuilder(text)
  let i = 0
  while (i < text.length) {
    const end = lineEnd(text, i)
    const first = skipSpaceInLine(text, i, end)
    if (text[first] === '#') {
      code.blank(first, end)
      i = end + 1
      continue
    }
    const eq = text.indexOf('=', first)
    let rest = eq >= 0 && eq < end ? skipSpaceInLine(text, eq + 1, end) : end
    const quote = text[rest]
    if (rest < end && (quote === '"' || quote === "'" || quote === '`')) {
      rest = quote === '"' ? doubleQuotedEnd(text, rest + 1) : text.indexOf(quote, rest + 1) + 1 || text.length
    }
    const lineStop = lineEnd(text, rest)
    const comment = /(?:^|[ \t])#/g
    comment.lastIndex = 0
    const tail = text.slice(rest, lineStop)
    const m = comment.exec(tail)
    if (m) code.blank(rest + m.index + m[0].length - 1, lineStop)
    i = lineStop + 1
  }
  return code.done()
}

function skipSpaceInLine(text: string, i: number, end: number): number {
  while (i < end && (text[i] === ' ' || text[i] === '\t')) i++
  return i
}

/**
 * YAML: `#` after whitespace or at a line start, outside quoted scalars, is a comment; block scalar (`|`, `>`)
 * contents are never comments.
 */
export function scanYaml(text: string): string {
  const code = new MaskBuilder(text)
  let quote: string | undefined
  let blockIndent = -1
  let i = 0
  while (i < text.length) {
    const end = lineEnd(text, i)
    const indent = skipSpaceInLine(text, i, end) - i
    const blank = text.slice(i, end).trim() === ''
    if (blockIndent >= 0 && (blank || indent > blockIndent)) {
      i = end + 1
      continue
    }
    blockIndent = -1
    let commentAt = -1
    for (let j = i; j < end; j++) {
      const c = text[j]!
      if (quote === '"') {
        if (c === '\\') j++
        else if (c === '"') quote = undefined
      } else if (quote === "'") {
        if (c === "'" && text[j + 1] === "'") j++
        else if (c === "'") quote = undefined
      } else if (c === '#' && (j === i || /\s/.test(text[j - 1]!))) {
        commentAt = j
        break
      } else if ((c === '"' || c === "'") && (j === i || /[\s[{,]/.test(text[j - 1]!))) quote = c
    }
    const lineCode = text.slice(i, commentAt >= 0 ? commentAt : end)
    if (commentAt >= 0) code.blank(commentAt, end)
    if (!quote && /(?:^|[\s:-])[|>][-+0-9]*\s*$/.test(lineCode)) blockIndent = keyIndent(lineCode)
    i = end + 1
  }
  return code.done()
}

/** Column of the node owning a block scalar: the indentation past any `- ` sequence markers. */
function keyIndent(line: string): number {
  const m = /^(?:[ \t]*-(?=[ \t]))*[ \t]*/.exec(line)
  return m ? m[0].length : 0
}
