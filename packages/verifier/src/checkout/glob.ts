import { closingBrace, topLevelAlternatives } from '@warrant/core'
/**
 * Glob syntax of ASSERTIONS.md §2.2 compiled to a RegExp over whole project-relative paths.
 * `*` any run except `/` (dot files included), `**` zero or more directories, `?`, classes, `{a,b}`, `\` escapes.
 */
export type CompiledGlob = { regex: RegExp; literalPrefix: string[] }

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

function segmentToRe(seg: string): string {
  let re = ''
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!
    if (c === '\\') {
      const n = seg[i + 1]
      if (n === undefined) throw new Error('trailing backslash')
      re += escapeRe(n)
      i++
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2)
      if (end < 0) throw new Error(`unclosed character class in ${seg}`)
      let body = seg.slice(i + 1, end)
      let negate = false
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true
        body = body.slice(1)
      }
      const cls = body.replace(/[\]\\^]/g, '\\$&')
      re += negate ? `[^/${cls}]` : `[${cls}]`
      i = end
    } else if (c === '{') {
      const close = closingBrace(seg, i)
      if (close < 0) throw new Error(`unclosed brace in ${seg}`)
      const alts = topLevelAlternatives(seg.slice(i + 1, close))
      re += `(?:${alts.map(segmentToRe).join('|')})`
      i = close
    } else re += escapeRe(c)
  }
  return re
}

const hasWildcard = (seg: string) => /[*?[{]/.test(seg.replace(/\\./g, ''))

export function compileGlob(glob: string): CompiledGlob {
  const segments = glob.split('/').filter((s, i) => !(s === '.' && i === 0) && s !== '')
  const literalPrefix: string[] = []
  for (const s of segments) {
    if (hasWildcard(s)) break
    literalPrefix.push(s.replace(/\\(.)/g, '$1'))
  }
  let re = '^'
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1
    if (seg === '**') {
      re += last ? '.*' : '(?:[^/]+/)*'
    } else {
      re += segmentToRe(seg) + (last ? '' : '/')
    }
  })
  re += '$'
  return { regex: new RegExp(re), literalPrefix }
}
