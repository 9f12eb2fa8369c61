import type { Constraint } from './types.js'
/**
 * A union of intervals over a totally ordered set of versions. Every non-npm ecosystem converts its ranges to this
 * form so that "every version a declared range admits lies inside the constraint" is one subset test.
 */
export type Compare<V> = (a: V, b: V) => number

export interface Bound<V> {
  readonly at: V
  readonly inclusive: boolean
}

/** An interval; a missing bound is unbounded on that side. */
export interface Interval<V> {
  readonly lower?: Bound<V>
  readonly upper?: Bound<V>
}

export class VersionSet<V> {
  private constructor(
    private readonly cmp: Compare<V>,
    /** Sorted, non-empty, pairwise disjoint and non-touching. */
    readonly intervals: readonly Interval<V>[],
  ) {}

  static of<V>(cmp: Compare<V>, intervals: readonly Interval<V>[]): VersionSet<V> {
    return new VersionSet(cmp, normalise(cmp, intervals))
  }

  static all<V>(cmp: Compare<V>): VersionSet<V> {
    return new VersionSet(cmp, [{}])
  }

  static exactly<V>(cmp: Compare<V>, v: NoInfer<V>): VersionSet<V> {
    return VersionSet.of(cmp, [{ lower: { at: v, inclusive: true }, upper: { at: v, inclusive: true } }])
  }

  /** `[from, to)`, the common shape of caret, tilde and wildcard ranges. */
  static halfOpen<V>(cmp: Compare<V>, from: NoInfer<V>, to: NoInfer<V>): VersionSet<V> {
    return VersionSet.of(cmp, [{ lower: { at: from, inclusive: true }, upper: { at: to, inclusive: false } }])
  }

  static above<V>(cmp: Compare<V>, v: NoInfer<V>, inclusive: boolean): VersionSet<V> {
    return VersionSet.of(cmp, [{ lower: { at: v, inclusive } }])
  }

  static below<V>(cmp: Compare<V>, v: NoInfer<V>, inclusive: boolean): VersionSet<V> {
    return VersionSet.of(cmp, [{ upper: { at: v, inclusive } }])
  }

  /** Every version except `v`. */
  static except<V>(cmp: Compare<V>, v: NoInfer<V>): VersionSet<V> {
    return VersionSet.of(cmp, [{ upper: { at: v, inclusive: false } }, { lower: { at: v, inclusive: false } }])
  }

  get isEmpty(): boolean {
    return this.intervals.length === 0
  }

  /** True when no version is excluded (`*`). */
  get isEverything(): boolean {
    const only = this.intervals[0]
    return this.intervals.length === 1 && only?.lower === undefined && only?.upper === undefined
  }

  union(other: VersionSet<V>): VersionSet<V> {
    return VersionSet.of(this.cmp, [...this.intervals, ...other.intervals])
  }

  intersect(other: VersionSet<V>): VersionSet<V> {
    const out: Interval<V>[] = []
    for (const a of this.intervals) {
      for (const b of other.intervals) {
        out.push({
          lower: compareLower(this.cmp, a.lower, b.lower) >= 0 ? a.lower : b.lower,
          upper: compareUpper(this.cmp, a.upper, b.upper) <= 0 ? a.upper : b.upper,
        })
      }
    }
    return VersionSet.of(this.cmp, out)
  }

  /** Every version not in this set. */
  complement(): VersionSet<V> {
    let out = VersionSet.all(this.cmp)
    for (const i of this.intervals) {
      const outside: Interval<V>[] = []
      if (i.lower) outside.push({ upper: { at: i.lower.at, inclusive: !i.lower.inclusive } })
      if (i.upper) outside.push({ lower: { at: i.upper.at, inclusive: !i.upper.inclusive } })
      out = out.intersect(VersionSet.of(this.cmp, outside))
    }
    return out
  }

  contains(v: V): boolean {
    const point: Interval<V> = { lower: { at: v, inclusive: true }, upper: { at: v, inclusive: true } }
    return this.intervals.some((i) => within(this.cmp, point, i))
  }

  /** True when every version of this set lies in `other`. */
  isInside(other: VersionSet<V>): boolean {
    // `other` is normalised, so a connected interval lies in the union only if it lies in one of its members.
    return this.intervals.every((a) => other.intervals.some((b) => within(this.cmp, a, b)))
  }
}

/** Orders lower bounds: unbounded first; at the same version an inclusive bound starts earlier. */
function compareLower<V>(cmp: Compare<V>, a: Bound<V> | undefined, b: Bound<V> | undefined): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0
  const c = cmp(a.at, b.at)
  if (c !== 0) return c
  return a.inclusive === b.inclusive ? 0 : a.inclusive ? -1 : 1
}

/** Orders upper bounds: unbounded last; at the same version an exclusive bound ends earlier. */
function compareUpper<V>(cmp: Compare<V>, a: Bound<V> | undefined, b: Bound<V> | undefined): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0
  const c = cmp(a.at, b.at)
  if (c !== 0) return c
  return a.inclusive === b.inclusive ? 0 : a.inclusive ? 1 : -1
}

function isEmptyInterval<V>(cmp: Compare<V>, i: Interval<V>): boolean {
  if (!i.lower || !i.upper) return false
  const c = cmp(i.lower.at, i.upper.at)
  return c > 0 || (c === 0 && !(i.lower.inclusive && i.upper.inclusive))
}

function within<V>(cmp: Compare<V>, a: Interval<V>, b: Interval<V>): boolean {
  return compareLower(cmp, a.lower, b.lower) >= 0 && compareUpper(cmp, a.upper, b.upper) <= 0
}

/** True when `next` (starting at or after `current`) overlaps or touches it. */
function joins<V>(cmp: Compare<V>, current: Interval<V>, next: Interval<V>): boolean {
  if (!current.upper || !next.lower) return true
  const c = cmp(next.lower.at, current.upper.at)
  return c < 0 || (c === 0 && (next.lower.inclusive || current.upper.inclusive))
}

function normalise<V>(cmp: Compare<V>, intervals: readonly Interval<V>[]): Interval<V>[] {
  const sorted = intervals.filter((i) => !isEmptyInterval(cmp, i)).sort((a, b) => compareLower(cmp, a.lower, b.lower))
  const out: Interval<V>[] = []
  for (const next of sorted) {
    const last = out[out.length - 1]
    if (last && joins(cmp, last, next)) {
      out[out.length - 1] = {
        lower: last.lower,
        upper: compareUpper(cmp, last.upper, next.upper) >= 0 ? last.upper : next.upper,
      }
    } else out.push(next)
  }
  return out
}

/**
 * A constraint over a version set (§3.11): a resolved version must lie in the set, a declared range entirely inside
 * it; a declaration that does not parse or admits every version proves nothing.
 */
export function setConstraint<V>(
  set: VersionSet<V>,
  parseRange: (text: string) => VersionSet<V> | undefined,
  parseVersion: (text: string) => V | undefined,
): Constraint {
  return {
    admits: (version) => {
      const v = parseVersion(version)
      return v ? set.contains(v) : undefined
    },
    covers: (declared) => {
      const d = parseRange(declared)
      if (!d || d.isEverything) return undefined
      return d.isInside(set)
    },
  }
}
