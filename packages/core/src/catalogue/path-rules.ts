/**
 * The static path and glob rules of ASSERTIONS.md §2.1 (rules 1–3) and §2.2 that a param value can be checked
 * against before any checkout exists. The messages are the verifier's.
 */
import { KiB, utf8Length } from '../utf8.js'

export const MAX_PATH_BYTES = KiB

const CONTROL = /[\u0000-\u001f\u007f]/

/** Rules 1–3 and the 1 KiB limit; `glob` lets `\` through, where it escapes the next character. */
export function pathProblem(path: string, opts: { glob?: boolean } = {}): string | undefined {
  if (utf8Length(path) > MAX_PATH_BYTES) return `path longer than ${MAX_PATH_BYTES} bytes`
  if (CONTROL.test(path)) return `path contains a control character: ${JSON.stringify(path)}`
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path)) {
    return `absolute path not allowed: ${path}`
  }
  if (!opts.glob && path.includes('\\')) return `backslash in path not allowed: ${path}`
  let depth = 0
  for (const segment of path.split('/')) {
    if (segment === '..') {
      if (depth === 0) return `path escapes project root: ${path}`
      depth--
    } else if (segment !== '' && segment !== '.') depth++
  }
  return undefined
}

/** The path rules plus the glob grammar: no trailing `\`, classes closed by `]`, braces closed by `}`. */
export function globProblem(glob: string): string | undefined {
  const asPath = pathProblem(glob, { glob: true })
  if (asPath) return asPath
  for (const segment of glob.split('/')) {
    const problem = segmentProblem(segment)
    if (problem) return `invalid glob '${glob}': ${problem}`
  }
  return undefined
}

function segmentProblem(segment: string): string | undefined {
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]
    if (c === '\\') {
      if (i + 1 >= segment.length) return 'trailing backslash'
      i++
    } else if (c === '[') {
      const end = segment.indexOf(']', i + 2)
      if (end < 0) return `unclosed character class in ${segment}`
      i = end
    } else if (c === '{') {
      const close = closingBrace(segment, i)
      if (close < 0) return `unclosed brace in ${segment}`
      for (const alternative of topLevelAlternatives(segment.slice(i + 1, close))) {
        const problem = segmentProblem(alternative)
        if (problem) return problem
      }
      i = close
    }
  }
  return undefined
}

/** The index of the `}` closing the brace group opened at `open` (escapes skipped), or -1. Shared with the verifier's glob compiler. */
export function closingBrace(s: string, open: number): number {
  let depth = 0
  for (let i = open; i < s.length; i++) {
    const c = s[i]
    if (c === '\\') i++
    else if (c === '{') depth++
    else if (c === '}' && --depth === 0) return i
  }
  return -1
}

/** Splits a brace group's body at its top-level commas (escapes kept). Shared with the verifier's glob compiler. */
export function topLevelAlternatives(s: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '\\') {
      current += c + (s[i + 1] ?? '')
      i++
      continue
    }
    if (c === '{') depth++
    if (c === '}') depth--
    if (c === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += c
  }
  parts.push(current)
  return parts
}
