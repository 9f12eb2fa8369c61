import { explain, satisfies, validRange } from '@renovatebot/pep440'
import { VersionSet } from './interval.js'
import type { Constraint, VersionScheme } from './types.js'

/**
 * PEP 440 versions as sort keys (the order of `packaging`), with synthetic keys for the bounds that specifiers
 * imply: "after every local version of V", "after every post-release of V", "the first version of release R".
 */
interface PyKey {
  epoch: number
  release: number[]
  pre: [number, number]
  post: number
  dev: number
  local: 'min' | 'max' | (number | string)[]
}

const PHASE: Record<string, number> = { a: 0, b: 1, rc: 2 }

/** `explain` gives post and dev numbers either bare or as `[label, n]`. */
const lastNumber = (x: unknown): number => Number(Array.isArray(x) ? x[x.length - 1] : x)

function keyOf(text: string): PyKey | undefined {
  const v = explain(text.trim())
  if (!v) return undefined
  const release = [...v.release]
  while (release.length > 1 && release[release.length - 1] === 0) release.pop()
  const pre: [number, number] = v.pre
    ? [PHASE[String(v.pre[0])] ?? 2, Number(v.pre[1])]
    : v.post === null && v.dev !== null
      ? [Number.NEGATIVE_INFINITY, 0]
      : [Number.POSITIVE_INFINITY, 0]
  return {
    epoch: v.epoch,
    release,
    pre,
    post: v.post === null ? Number.NEGATIVE_INFINITY : lastNumber(v.post),
    dev: v.dev === null ? Number.POSITIVE_INFINITY : lastNumber(v.dev),
    local: typeof v.local === 'string' ? v.local.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : 'min',
  }
}

const cmpNum = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0)

function cmpList<T>(a: readonly T[], b: readonly T[], item: (x: T, y: T) => number): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = item(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return cmpNum(a.length, b.length)
}

function cmpLocalPart(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return cmpNum(a, b)
  if (typeof a === 'number') return 1
  if (typeof b === 'number') return -1
  return a < b ? -1 : a > b ? 1 : 0
}

function cmpLocal(a: PyKey['local'], b: PyKey['local']): number {
  const rank = (l: PyKey['local']) => (l === 'min' ? 0 : l === 'max' ? 2 : 1)
  if (typeof a === 'string' || typeof b === 'string') return cmpNum(rank(a), rank(b))
  return cmpList(a, b, cmpLocalPart)
}

export function comparePy(a: PyKey, b: PyKey): number {
  return (
    cmpNum(a.epoch, b.epoch) ||
    cmpList(a.release, b.release, cmpNum) ||
    cmpList(a.pre, b.pre, cmpNum) ||
    cmpNum(a.post, b.post) ||
    cmpNum(a.dev, b.dev) ||
    cmpLocal(a.local, b.local)
  )
}

const afterLocals = (k: PyKey): PyKey => ({ ...k, local: 'max' })
const afterPosts = (k: PyKey): PyKey => ({
  ...k,
  post: Number.POSITIVE_INFINITY,
  dev: Number.POSITIVE_INFINITY,
  local: 'max',
})
/** `R.dev0`: the lowest version whose release is R. */
const firstOfRelease = (epoch: number, release: number[]): PyKey => {
  const r = [...release]
  while (r.length > 1 && r[r.length - 1] === 0) r.pop()
  return { epoch, release: r, pre: [Number.NEGATIVE_INFINITY, 0], post: Number.NEGATIVE_INFINITY, dev: 0, local: 'min' }
}

type PySet = VersionSet<PyKey>
const all = () => VersionSet.all(comparePy)

/** `==R.*`: every version whose release starts with R. */
function prefixSet(text: string): PySet | undefined {
  const v = explain(text)
  if (!v) return undefined
  const next = [...v.release]
  next[next.length - 1] = next[next.length - 1]! + 1
  return VersionSet.halfOpen(comparePy, firstOfRelease(v.epoch, v.release), firstOfRelease(v.epoch, next))
}

/** Poetry `^`: the left-most non-zero component may not change. */
function caretSet(text: string): PySet | undefined {
  const v = explain(text)
  const low = keyOf(text)
  if (!v || !low) return undefined
  const r = v.release
  const i = r.findIndex((n) => n !== 0)
  const keep = i < 0 ? Math.max(r.length - 1, 0) : Math.min(i, r.length - 1)
  const next = r.slice(0, keep + 1)
  next[keep] = next[keep]! + 1
  return VersionSet.halfOpen(comparePy, low, firstOfRelease(v.epoch, next))
}

/** Poetry `~`: `~1.2.3` and `~1.2` keep the minor, `~1` keeps the major. */
function tildeSet(text: string): PySet | undefined {
  const v = explain(text)
  const low = keyOf(text)
  if (!v || !low) return undefined
  const keep = v.release.length >= 2 ? 1 : 0
  const next = v.release.slice(0, keep + 1)
  next[keep] = next[keep]! + 1
  return VersionSet.halfOpen(comparePy, low, firstOfRelease(v.epoch, next))
}

/** `~=V`: `>=V, ==V-without-its-last-release-component.*`. */
function compatibleSet(text: string): PySet | undefined {
  const v = explain(text)
  const low = keyOf(text)
  if (!v || !low || v.release.length < 2) return undefined
  const prefix = v.release.slice(0, -1)
  const next = [...prefix]
  next[next.length - 1] = next[next.length - 1]! + 1
  return VersionSet.halfOpen(comparePy, low, firstOfRelease(v.epoch, next))
}

const CLAUSE = /^(~=|===|==|!=|<=|>=|<|>|\^|~)?\s*(.+)$/

/** `==V` ignores the local label of a candidate when V has none (PEP 440). */
function equalSet(key: PyKey): PySet {
  if (key.local !== 'min') return VersionSet.exactly(comparePy, key)
  return VersionSet.of(comparePy, [
    { lower: { at: key, inclusive: true }, upper: { at: afterLocals(key), inclusive: true } },
  ])
}

/**
 * One specifier clause as the exact set of versions it admits, PEP 440's exclusions included (`>V` admits no
 * post-release of V, `<V` no pre-release of V). Declarations may also use Poetry's `^`, `~` and bare versions.
 */
function clauseSet(clause: string, syntax: 'pep440' | 'poetry'): PySet | undefined {
  const m = CLAUSE.exec(clause.trim())
  if (!m) return undefined
  const op = m[1] ?? ''
  const text = m[2]!.trim()
  const poetry = syntax === 'poetry'
  if (op === '' && text === '*' && poetry) return all()
  if (text.endsWith('.*')) {
    if (op !== '==' && op !== '!=' && !(op === '' && poetry)) return undefined
    const set = prefixSet(text.slice(0, -2))
    if (!set) return undefined
    return op === '!=' ? set.complement() : set
  }
  const key = keyOf(text)
  if (!key) return undefined
  const isPre = key.pre[0] !== Number.POSITIVE_INFINITY || key.dev !== Number.POSITIVE_INFINITY
  switch (op) {
    case '':
      return poetry ? equalSet(key) : undefined
    case '==':
      return equalSet(key)
    case '===':
      return VersionSet.exactly(comparePy, key)
    case '!=':
      return equalSet(key).complement()
    case '>=':
      return VersionSet.above(comparePy, key, true)
    case '>':
      return VersionSet.above(
        comparePy,
        key.post === Number.NEGATIVE_INFINITY ? afterPosts(key) : afterLocals(key),
        false,
      )
    case '<=':
      return VersionSet.below(comparePy, key.local === 'min' ? afterLocals(key) : key, true)
    case '<':
      return VersionSet.below(comparePy, isPre ? key : firstOfRelease(key.epoch, key.release), false)
    case '~=':
      return compatibleSet(text)
    case '^':
      return poetry ? caretSet(text) : undefined
    case '~':
      return poetry ? tildeSet(text) : undefined
    default:
      return undefined
  }
}

/** A specifier set (`,` joins clauses; Poetry's space-separated clauses and `||` alternatives are read too). */
function rangeSet(text: string, syntax: 'pep440' | 'poetry'): PySet | undefined {
  const alternatives = syntax === 'poetry' ? text.split(/\|\|?/) : [text]
  let union: PySet | undefined
  for (const alt of alternatives) {
    const clauses = alt
      .replace(/(~=|===|==|!=|<=|>=|<|>|\^|~)\s+/g, '$1')
      .split(syntax === 'poetry' ? /[,\s]+/ : /,/)
      .filter((c) => c.trim() !== '')
    if (clauses.length === 0) return undefined
    let set = all()
    for (const c of clauses) {
      const s = clauseSet(c, syntax)
      if (!s) return undefined
      set = set.intersect(s)
    }
    union = union ? union.union(set) : set
  }
  return union
}

/** The text inside optional parentheses, as old-style requirements write it: `requests (>=2.0)`. */
const unwrap = (text: string) =>
  text
    .trim()
    .replace(/^\((.*)\)$/, '$1')
    .trim()

export const pythonScheme: VersionScheme = {
  parseConstraint(text: string): Constraint | undefined {
    if (!validRange(text) || text.trim() === '') return undefined
    const set = rangeSet(text, 'pep440')
    if (!set) return undefined
    return {
      admits: (version) => (keyOf(version) ? satisfies(version.trim(), text, { prereleases: true }) : undefined),
      covers: (declared) => {
        // Declarations in pyproject's Poetry tables use Poetry's syntax, a superset of PEP 440's.
        const d = rangeSet(unwrap(declared), 'poetry')
        if (!d || d.isEverything) return undefined
        return d.isInside(set)
      },
    }
  },
  pinnedVersion(declared: string): string | undefined {
    const m = /^(===|==)?\s*([^\s,|*]+)$/.exec(unwrap(declared))
    if (!m) return undefined
    if (m[1] === '===') return m[2]
    return keyOf(m[2]!) ? m[2] : undefined
  },
}

/** PEP 503 normalised name. */
export const normalisePythonName = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-')
