/** C-family environment reads: `getenv("NAME")` with a literal name. */

import type { EnvRead } from '../facts.js'
import type { SourceFile } from '../source.js'
import { type CScan, stringToken } from './c-family-scan.js'
import { skipSpace, spanAt } from './mask.js'

export function cFamilyEnvReads(scan: CScan, source: SourceFile): EnvRead[] {
  const out: EnvRead[] = []
  for (const m of scan.code.matchAll(/(?<![\w$])getenv\s*\(\s*"/g)) {
    const token = stringToken(scan, m.index + m[0].length - 1)
    if (!token) continue
    const close = skipSpace(scan.code, token.end)
    if (scan.code[close] !== ')') continue
    out.push({
      name: token.value,
      at: spanAt(source.index, m.index, close + 1),
      text: source.text.slice(m.index, close + 1),
    })
  }
  return out
}
