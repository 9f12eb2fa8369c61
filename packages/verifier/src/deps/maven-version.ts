import { type Interval, VersionSet } from './interval.js'
import type { Constraint, VersionScheme } from './types.js'

/**
 * Maven's version order, close to ComparableVersion: numbers and qualifiers split at `.`, `-` and digit/letter
 * changes; trailing zero and release qualifiers are insignificant; alpha < beta < milestone < rc < snapshot < release
 * < sp < any other qualifier (compared as text); a number is above any qualifier.
 */
type Item = number | string

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp']
const ALIASES: Record<string, string> = {
  a: 'alpha',
  b: 'beta',
  m: 'milestone',
  cr: 'rc',
  ga: '',
  final: '',
  release: '',
}

function items(version: string): Item[] {
  const parts = version.toLowerCase().match(/\d+|[a-z]+/g) ?? []
  const out: Item[] = parts.map((p, i) => {
    if (/^\d/.test(p)) return Number(p)
    // A single letter stands for a qualifier only when a number follows it (`1.0-a1`).
    const alias = ALIASES[p]
    if (alias !== undefined && (p.length > 1 || /^\d/.test(parts[i + 1] ?? ''))) return alias
    return p
  })
  while (out.length > 0 && (out[out.length - 1] === 0 || out[out.length - 1] === '')) out.pop()
  return out
}

function compareItem(a: Item | undefined, b: Item | undefined): number {
  const rank = (x: Item | undefined): [number, number | string] => {
    if (x === undefined) return [1, 5]
    if (typeof x === 'number') return [2, x]
    const q = QUALIFIERS.indexOf(x)
    return q >= 0 ? [1, q] : [1, 7]
  }
  // A missing item equals 0 for numbers and the release qualifier for qualifiers.
  if (a === undefined && typeof b === 'number') return b === 0 ? 0 : -1
  if (b === undefined && typeof a === 'number') return a === 0 ? 0 : 1
  const [ka, va] = rank(a)
  const [kb, vb] = rank(b)
  if (ka !== kb) return ka - kb
  if (va !== vb) return va < vb ? -1 : 1
  if (typeof a === 'string' && typeof b === 'string' && QUALIFIERS.indexOf(a) < 0 && a !== b) return a < b ? -1 : 1
  return 0
}

export interface MavenVersion {
  text: string
  items: Item[]
}

export function mavenVersion(text: string): MavenVersion | undefined {
  const t = text.trim()
  if (!/^[0-9A-Za-z][0-9A-Za-z._-]*$/.test(t)) return undefined
  return { text: t, items: items(t) }
}

export function compareMaven(a: MavenVersion, b: MavenVersion): number {
  for (let i = 0; i < Math.max(a.items.length, b.items.length); i++) {
    const c = compareItem(a.items[i], b.items[i])
    if (c !== 0) return c
  }
  return 0
}

type MavenSet = VersionSet<MavenVersion>

/** A range list: `[1.0,2.0)`, `[1.0,)`, `(,1.0]`, `[1.0]`, several joined by commas. */
function rangeList(text: string): MavenSet | undefined {
  const intervals: Interval<MavenVersion>[] = []
  const re = /\s*([[(])([^\])]*)([\])])\s*(,|$)/y
  let pos = 0
  const t = text.trim()
  while (pos < t.length) {
    re.lastIndex = pos
    const m = re.exec(t)
    if (!m) return undefined
    pos = re.lastIndex
    const inner = m[2]!.split(',').map((s) => s.trim())
    const lowInc = m[1] === '['
    const highInc = m[3] === ']'
    if (inner.length === 1) {
      const v = mavenVersion(inner[0]!)
      if (!v || !lowInc || !highInc) return undefined
      intervals.push({ lower: { at: v, inclusive: true }, upper: { at: v, inclusive: true } })
      continue
    }
    if (inner.length !== 2) return undefined
    const low = inner[0] === '' ? undefined : mavenVersion(inner[0]!)
    const high = inner[1] === '' ? undefined : mavenVersion(inner[1]!)
    if ((inner[0] !== '' && !low) || (inner[1] !== '' && !high) || (!low && !high)) return undefined
    intervals.push({
      ...(low ? { lower: { at: low, inclusive: lowInc } } : {}),
      ...(high ? { upper: { at: high, inclusive: highInc } } : {}),
    })
    if (m[4] === ',' && pos >= t.length) return undefined
  }
  const set = VersionSet.of(compareMaven, intervals)
  return set.isEmpty ? undefined : set
}

/** A bare version means exactly that version; otherwise a range list. */
export function mavenSet(text: string): MavenSet | undefined {
  const t = text.trim()
  if (/^[[(]/.test(t)) return rangeList(t)
  const v = mavenVersion(t)
  return v ? VersionSet.exactly(compareMaven, v) : undefined
}

/** A declaration pins a bare version or `[X]`. */
function pinned(declared: string): string | undefined {
  const t = declared.trim()
  const exact = /^\[\s*([^,\])]+?)\s*\]$/.exec(t)
  const candidate = exact ? exact[1]! : t
  return mavenVersion(candidate) && !/^(latest\.|LATEST$|RELEASE$)/.test(candidate) ? candidate : undefined
}

export const mavenScheme: VersionScheme = {
  parseConstraint(text: string): Constraint | undefined {
    const set = mavenSet(text)
    if (!set) return undefined
    return {
      admits: (version) => {
        const v = mavenVersion(version)
        return v ? set.contains(v) : undefined
      },
      covers: (declared) => {
        if (!/^[[(]/.test(declared.trim())) return undefined
        const d = rangeList(declared)
        return d ? d.isInside(set) : undefined
      },
    }
  },
  pinnedVersion: pinned,
}
