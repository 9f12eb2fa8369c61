/** C-family imports: `#include`/`#import`, `@import`, and Swift, Scala, Dart and Groovy `import` statements. */

import type { TextIndex } from '../../checkout/text.js'
import type { Import } from '../facts.js'
import type { SourceFile } from '../source.js'
import { type CScan, type Dialect, stringToken } from './c-family-scan.js'
import { lineEnd, spanAt } from './mask.js'

function importText(index: TextIndex, offset: number): string {
  const line = index.lineOf(offset)
  return index
    .lineText(line)
    .slice(offset - index.lineStarts[line - 1]!)
    .trim()
}

export function cFamilyImports(scan: CScan, dialect: Dialect, source: SourceFile): Import[] {
  const { code } = scan
  const out: Import[] = []
  const add = (module: string, start: number, extra: Partial<Import> = {}) =>
    out.push({ module, at: spanAt(source.index, start), text: importText(source.index, start), ...extra })
  if (dialect === 'c' || dialect === 'objc') {
    for (const m of code.matchAll(/^[ \t]*#[ \t]*(?:include|import)[ \t]*(<([^>\n]*)>|")/gm)) {
      const start = m.index + m[0].indexOf('#')
      if (m[2] !== undefined) add(m[2].trim(), start)
      else {
        const token = stringToken(scan, m.index + m[0].length - 1)
        if (token) add(token.value, start)
      }
    }
    for (const m of code.matchAll(/@import\s+([A-Za-z_][\w.]*)\s*;/g)) add(m[1]!, m.index)
    return out
  }
  const statements = /(?<![\w$.])import\s+/g
  for (let m = statements.exec(code); m; m = statements.exec(code)) {
    const start = m.index
    const rest = m.index + m[0].length
    if (dialect === 'dart') {
      const token = stringToken(scan, rest)
      if (token) add(token.value, start)
    } else if (dialect === 'swift') {
      const s = /(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_][\w.]*)/y
      s.lastIndex = rest
      const found = s.exec(code)
      if (found) add(found[1]!, start)
    } else if (dialect === 'groovy') {
      const g = /(?:static\s+)?([A-Za-z_][\w$]*(?:\s*\.\s*[A-Za-z_][\w$]*)*)(\s*\.\s*\*)?/y
      g.lastIndex = rest
      const found = g.exec(code)
      if (found) add(found[1]!.replace(/\s/g, ''), start, found[2] ? { wildcard: true } : {})
    } else {
      for (const entry of scalaImports(code.slice(rest, lineEnd(code, rest))))
        add(entry.module, start, entry.wildcard ? { wildcard: true } : {})
    }
  }
  return out
}

/** Scala import clauses: `a.b.C`, `a.b._`, `a.b.*`, `a.b.{C, D => E}`, several separated by commas. */
function scalaImports(clause: string): { module: string; wildcard: boolean }[] {
  const out: { module: string; wildcard: boolean }[] = []
  const body = clause.split(';')[0]!
  for (const m of body.matchAll(
    /([A-Za-z_][\w$]*(?:\s*\.\s*[A-Za-z_][\w$]*)*)(?:\s*\.\s*(\{[^}]*\}|_|\*|given))?(?:\s+as\s+\w+)?/g,
  )) {
    const written = m[1]!.replace(/\s/g, '')
    const wildcardSegment = /\.(?:_|given)$/.exec(written)
    const path = wildcardSegment ? written.slice(0, wildcardSegment.index) : written
    const tail = m[2] ?? (wildcardSegment ? '_' : undefined)
    if (!tail) out.push({ module: path, wildcard: false })
    else if (tail === '_' || tail === '*' || tail === 'given') out.push({ module: path, wildcard: true })
    else {
      for (const selector of tail.slice(1, -1).split(',')) {
        const name = selector.trim().split(/\s*(?:=>|\bas\b)\s*/)[0]!
        if (name === '_' || name === '*' || name === 'given') out.push({ module: path, wildcard: true })
        else if (/^[A-Za-z_][\w$]*$/.test(name)) out.push({ module: `${path}.${name}`, wildcard: false })
      }
    }
  }
  return out
}
