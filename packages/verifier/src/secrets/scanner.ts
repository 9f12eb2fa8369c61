import { allMatches, compileUserRegex, type SafeRegex } from '../regex/safe-regex.js'
import { fileKind, findGenericAssignments } from './generic-assignment.js'
import { findTokens, type SecretHit } from './token-detectors.js'

/** Scans the text of one file; `rel` decides how config files are read. */
export interface SecretScanner {
  label: 'built-in detectors' | 'custom patterns'
  scan(text: string, rel: string): SecretHit[]
}

/** Bounds the work on a pathological custom pattern; the count of hits stays exact up to this many per file. */
const MAX_HITS_PER_PATTERN = 1000

export const builtInScanner: SecretScanner = {
  label: 'built-in detectors',
  scan(text, rel) {
    const tokens = findTokens(text).sort((a, b) => a.offset - b.offset)
    const starts = tokens.map((t) => t.offset)
    // a value already flagged by a specific detector is not reported again as a generic assignment
    const generic = findGenericAssignments(text, fileKind(rel)).filter((g) => {
      const next = starts[firstAtOrAfter(starts, g.offset)]
      return next === undefined || next >= g.end
    })
    return [...tokens, ...generic].sort((a, b) => a.offset - b.offset)
  },
}

function firstAtOrAfter(sorted: number[], value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Compiles custom `patterns` (rule ids pattern-1, pattern-2, … by position); the first refusal is the error. */
export function customScanner(patterns: readonly string[]): SecretScanner | { error: string } {
  const regexes: SafeRegex[] = []
  for (const source of patterns) {
    const compiled = compileUserRegex('patterns', source)
    if (!compiled.ok) return { error: compiled.message }
    regexes.push(compiled.regex)
  }
  return {
    label: 'custom patterns',
    scan(text) {
      const hits: SecretHit[] = []
      regexes.forEach((regex, i) => {
        let n = 0
        for (const m of allMatches(regex, text)) {
          hits.push({ rule: `pattern-${i + 1}`, offset: m.index, end: m.end })
          if (++n >= MAX_HITS_PER_PATTERN) break
        }
      })
      return hits.sort((a, b) => a.offset - b.offset)
    },
  }
}
