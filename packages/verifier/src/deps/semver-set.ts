import semver, { type SemVer } from 'semver'
import { VersionSet } from './interval.js'

/** Semantic versions in semver order (pre-releases before their release, build metadata ignored). */
export const compareSemver = (a: SemVer, b: SemVer) => semver.compare(a, b)

export const parseSemver = (text: string): SemVer | undefined => semver.parse(text.trim()) ?? undefined

/** A version from its parts; missing parts are zero. */
export const semverOf = (major: number, minor = 0, patch = 0, pre?: string): SemVer =>
  new semver.SemVer(`${major}.${minor}.${patch}${pre ? `-${pre}` : ''}`)

export type SemverSet = VersionSet<SemVer>

/** A possibly partial version: `1`, `1.2`, `1.2.3-rc.1`. */
export interface Partial {
  major: number
  minor?: number
  patch?: number
  pre?: string
}

/** `=`-style match of a partial version: `1.2` is every 1.2.x, `1` every 1.x.y. */
export function partialSet(p: Partial): SemverSet {
  if (p.minor === undefined) return VersionSet.halfOpen(compareSemver, semverOf(p.major), semverOf(p.major + 1))
  if (p.patch === undefined)
    return VersionSet.halfOpen(compareSemver, semverOf(p.major, p.minor), semverOf(p.major, p.minor + 1))
  return VersionSet.exactly(compareSemver, semverOf(p.major, p.minor, p.patch, p.pre))
}

/** A comparator over a partial version, as Cargo and Go constraints read them. */
export function comparatorSet(op: string, p: Partial): SemverSet | undefined {
  const low = semverOf(p.major, p.minor ?? 0, p.patch ?? 0, p.pre)
  const exact = partialSet(p)
  const upper = exact.intervals[0]?.upper
  switch (op) {
    case '=':
    case '==':
      return exact
    case '!=':
      return VersionSet.all(compareSemver).intersect(
        VersionSet.of(compareSemver, [
          { upper: { at: low, inclusive: false } },
          ...(upper ? [{ lower: { at: upper.at, inclusive: !upper.inclusive } }] : []),
        ]),
      )
    case '>=':
      return VersionSet.above(compareSemver, low, true)
    case '>':
      return upper ? VersionSet.above(compareSemver, upper.at, !upper.inclusive) : undefined
    case '<':
      return VersionSet.below(compareSemver, low, false)
    case '<=':
      return upper ? VersionSet.below(compareSemver, upper.at, upper.inclusive) : undefined
    default:
      return undefined
  }
}

const PARTIAL =
  /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?)?)?(?:\+[0-9A-Za-z.-]+)?$/

export function parsePartial(text: string, allowV = false): Partial | undefined {
  if (!allowV && text.startsWith('v')) return undefined
  const m = PARTIAL.exec(text)
  if (!m) return undefined
  const n = (s: string | undefined) => (s === undefined ? undefined : Number(s))
  return { major: Number(m[1]), minor: n(m[2]), patch: n(m[3]), pre: m[4] }
}
