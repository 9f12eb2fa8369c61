/** `$X` and `${X}` variable references in shell, Dockerfile, .env and YAML text. */

import type { EnvRead } from '../facts.js'
import type { SourceFile } from '../source.js'
import { lineEnd, spanAt } from './mask.js'

/**
 * `$X`, `${X}` and `${X…}` references in a comment-free view, X not followed by a name character. `$$` is never a
 * reference (YAML's escaped dollar, the shell's PID); with `backslash`, `\$X` is an escaped dollar.
 */
export function dollarReferences(code: string, source: SourceFile, backslash: boolean): EnvRead[] {
  const out: EnvRead[] = []
  const pattern = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g
  for (let m = pattern.exec(code); m; m = pattern.exec(code)) {
    if (m[0] === '$$' || (backslash && escapedAt(code, m.index))) continue
    const name = (m[1] ?? m[2])!
    let end = m.index + m[0].length
    if (m[1] !== undefined) {
      const close = code.indexOf('}', end)
      if (close >= 0 && close < lineEnd(code, end)) end = close + 1
    }
    out.push({ name, at: spanAt(source.index, m.index, end), text: source.text.slice(m.index, end) })
  }
  return out
}

function escapedAt(code: string, i: number): boolean {
  let n = 0
  for (let j = i - 1; j >= 0 && code[j] === '\\'; j--) n++
  return n % 2 === 1
}
