import type { TextFile } from '../checkout/checkout.js'
import { setConstraint, VersionSet } from './interval.js'
import { asObject, asString, member, readJson } from './json-tree.js'
import {
  type Constraint,
  type Declaration,
  type Ecosystem,
  locate,
  type ManifestParser,
  type ParseOutcome,
  parsed,
  parseProblem,
} from './types.js'

/** A Composer version: up to four numbers, then a stability (dev < alpha < beta < RC < stable < patch) and its number. */
interface ComposerVersion {
  numbers: number[]
  stability: number
  stabilityNumber: number
}

const STABILITY: Record<string, number> = {
  dev: 0,
  alpha: 1,
  a: 1,
  beta: 2,
  b: 2,
  rc: 3,
  stable: 4,
  patch: 5,
  pl: 5,
  p: 5,
}
const VERSION =
  /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:[-.]?(dev|alpha|a|beta|b|rc|stable|patch|pl|p)\.?(\d+)?)?$/i

function composerVersion(text: string): ComposerVersion | undefined {
  const m = VERSION.exec(text.trim())
  if (!m) return undefined
  const numbers = [m[1], m[2], m[3], m[4]].map((n) => Number(n ?? 0))
  return {
    numbers,
    stability: m[5] === undefined ? 4 : STABILITY[m[5].toLowerCase()]!,
    stabilityNumber: Number(m[6] ?? 0),
  }
}

function compareComposer(a: ComposerVersion, b: ComposerVersion): number {
  for (let i = 0; i < 4; i++) if (a.numbers[i] !== b.numbers[i]) return a.numbers[i]! - b.numbers[i]!
  return a.stability - b.stability || a.stabilityNumber - b.stabilityNumber
}

const release = (numbers: number[]): ComposerVersion => ({
  numbers: [...numbers, 0, 0, 0, 0].slice(0, 4),
  stability: 4,
  stabilityNumber: 0,
})

/** The given parts of a version (`1.2` → [1, 2]); undefined when the text is not a version. */
function partsOf(text: string): number[] | undefined {
  const m = VERSION.exec(text.trim())
  return m ? [m[1], m[2], m[3], m[4]].filter((n) => n !== undefined).map(Number) : undefined
}

type ComposerSet = VersionSet<ComposerVersion>

function next(parts: number[], keep: number): ComposerVersion {
  const n = parts.slice(0, keep + 1)
  n[keep] = n[keep]! + 1
  return release(n)
}

function atom(text: string): ComposerSet | undefined {
  const t = text.replace(/@(dev|alpha|beta|rc|stable)$/i, '')
  if (t === '*') return VersionSet.all(compareComposer)
  const wildcard = /^v?(\d+(?:\.\d+){0,2})\.[*x]$/i.exec(t)
  if (wildcard) {
    const parts = wildcard[1]!.split('.').map(Number)
    return VersionSet.halfOpen(compareComposer, release(parts), next(parts, parts.length - 1))
  }
  const m = /^(\^|~|>=|<=|>|<|==|=|!=|<>)?(.+)$/.exec(t)
  if (!m) return undefined
  const v = composerVersion(m[2]!)
  const parts = partsOf(m[2]!)
  if (!v || !parts) return undefined
  switch (m[1] ?? '=') {
    case '^': {
      const firstNonZero = parts.findIndex((n) => n !== 0)
      const keep = firstNonZero < 0 ? parts.length - 1 : Math.min(firstNonZero, parts.length - 1)
      return VersionSet.halfOpen(compareComposer, v, next(parts, keep))
    }
    case '~':
      return VersionSet.halfOpen(compareComposer, v, next(parts, Math.max(parts.length - 2, 0)))
    case '>=':
      return VersionSet.above(compareComposer, v, true)
    case '>':
      return VersionSet.above(compareComposer, v, false)
    case '<=':
      return VersionSet.below(compareComposer, v, true)
    case '<':
      return VersionSet.below(compareComposer, v, false)
    case '!=':
    case '<>':
      return VersionSet.except(compareComposer, v)
    default:
      return VersionSet.exactly(compareComposer, v)
  }
}

/** A Composer constraint: `||` alternatives of AND-ed atoms (space or comma), and `A - B` hyphen ranges. */
function constraintSet(text: string): ComposerSet | undefined {
  let union: ComposerSet | undefined
  for (const alternative of text.split(/\s*\|\|?\s*/)) {
    const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(alternative)
    let set: ComposerSet | undefined
    if (hyphen) {
      const low = composerVersion(hyphen[1]!)
      const highParts = partsOf(hyphen[2]!)
      const high = composerVersion(hyphen[2]!)
      if (!low || !high || !highParts) return undefined
      // A partial upper bound includes the whole of it: `1.0 - 2.1` is `>=1.0 <2.2`.
      set =
        highParts.length < 3
          ? VersionSet.halfOpen(compareComposer, low, next(highParts, highParts.length - 1))
          : VersionSet.of(compareComposer, [
              { lower: { at: low, inclusive: true }, upper: { at: high, inclusive: true } },
            ])
    } else {
      const atoms = alternative
        .trim()
        .replace(/(\^|~|>=|<=|>|<|==|=|!=|<>)\s+/g, '$1')
        .split(/\s*,\s*|\s+/)
        .filter((a) => a !== '')
      if (atoms.length === 0) return undefined
      set = VersionSet.all(compareComposer)
      for (const a of atoms) {
        const s = atom(a)
        if (!s) return undefined
        set = set.intersect(s)
      }
    }
    union = union ? union.union(set) : set
  }
  return union
}

export const php: Ecosystem = {
  label: 'PHP',
  sameName: (declared, wanted) => declared.toLowerCase() === wanted.toLowerCase(),
  scheme: {
    parseConstraint(text: string): Constraint | undefined {
      const set = constraintSet(text)
      return set && setConstraint(set, constraintSet, composerVersion)
    },
    pinnedVersion: (declared) => {
      const m = /^(?:==?)?\s*(v?\d+(?:\.\d+){0,3}(?:-[A-Za-z]+\.?\d*)?)$/.exec(declared.trim())
      return m && composerVersion(m[1]!) ? m[1] : undefined
    },
  },
}

/** `composer.json`: `require` and `require-dev`. */
export const parseComposerJson: ManifestParser = (file) => fromSections(file, ['require', 'require-dev'], false)

/** `composer.lock`: `packages` and `packages-dev`. */
export const parseComposerLock: ManifestParser = (file) => fromSections(file, ['packages', 'packages-dev'], true)

function fromSections(file: TextFile, sections: string[], lock: boolean): ParseOutcome {
  const root = readJson(file)
  if ('problem' in root) return root
  if (root.type !== 'object') return parseProblem(file, 'expected a JSON object', 1)
  const declarations: Declaration[] = []
  for (const section of sections) {
    const node = member(root, section)?.value
    if (lock) {
      for (const item of node?.type === 'array' ? node.items : []) {
        const name = asString(member(item, 'name')?.value)
        if (name === undefined) continue
        const distType = asString(member(asObject(member(item, 'dist')?.value), 'type')?.value)
        declarations.push({
          name,
          version: asString(member(item, 'version')?.value),
          source: distType === 'path' ? 'path' : undefined,
          where: section,
          location: locate(file, item.offset),
        })
      }
    } else {
      for (const [name, m] of asObject(node)?.members ?? []) {
        declarations.push({ name, version: asString(m.value), where: section, location: locate(file, m.keyOffset) })
      }
    }
  }
  return parsed(file, declarations)
}
