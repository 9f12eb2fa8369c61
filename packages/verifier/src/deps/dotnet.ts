import { type Interval, setConstraint, VersionSet } from './interval.js'
import {
  type Constraint,
  type Declaration,
  type Ecosystem,
  locate,
  type ManifestParser,
  parsed,
  parseProblem,
} from './types.js'
import { attribute, descend, readXml, startOf, text } from './xml-tree.js'

/** A NuGet version: up to four numbers, an optional pre-release (semver rules, case-insensitive), metadata ignored. */
interface NugetVersion {
  numbers: number[]
  pre: string[]
}

const VERSION =
  /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/

function nugetVersion(text: string): NugetVersion | undefined {
  const m = VERSION.exec(text.trim())
  if (!m) return undefined
  return {
    numbers: [m[1], m[2], m[3], m[4]].map((n) => Number(n ?? 0)),
    pre: m[5] ? m[5].toLowerCase().split('.') : [],
  }
}

function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!
    const y = b[i]!
    if (x === y) continue
    const xn = /^\d+$/.test(x)
    const yn = /^\d+$/.test(y)
    if (xn && yn) return Number(x) - Number(y)
    if (xn !== yn) return xn ? -1 : 1
    return x < y ? -1 : 1
  }
  return a.length - b.length
}

function compareNuget(a: NugetVersion, b: NugetVersion): number {
  for (let i = 0; i < 4; i++) if (a.numbers[i] !== b.numbers[i]) return a.numbers[i]! - b.numbers[i]!
  return comparePre(a.pre, b.pre)
}

type NugetSet = VersionSet<NugetVersion>

/** `[1.0,2.0)`, `(,1.0]`, `[1.0]`, a bare `1.0` (at least 1.0), floating `1.*` / `1.0.*`. */
function nugetRange(text: string): NugetSet | undefined {
  const t = text.trim()
  const floating = /^(\d+(?:\.\d+){0,2})\.\*$/.exec(t)
  if (floating) {
    const parts = floating[1]!.split('.').map(Number)
    const high = [...parts]
    high[high.length - 1] = high[high.length - 1]! + 1
    return VersionSet.halfOpen(compareNuget, nugetVersion(parts.join('.'))!, nugetVersion(high.join('.'))!)
  }
  const bracketed = /^([[(])\s*([^,\])]*?)\s*(?:,\s*([^\])]*?)\s*)?([\])])$/.exec(t)
  if (!bracketed) {
    const v = nugetVersion(t)
    return v ? VersionSet.above(compareNuget, v, true) : undefined
  }
  const [, open, first, second, close] = bracketed
  if (second === undefined) {
    const v = nugetVersion(first!)
    return v && open === '[' && close === ']' ? VersionSet.exactly(compareNuget, v) : undefined
  }
  const low = first === '' ? undefined : nugetVersion(first!)
  const high = second === '' ? undefined : nugetVersion(second)
  if ((first !== '' && !low) || (second !== '' && !high) || (!low && !high)) return undefined
  const interval: Interval<NugetVersion> = {
    ...(low ? { lower: { at: low, inclusive: open === '[' } } : {}),
    ...(high ? { upper: { at: high, inclusive: close === ']' } } : {}),
  }
  const set = VersionSet.of(compareNuget, [interval])
  return set.isEmpty ? undefined : set
}

export const dotnet: Ecosystem = {
  label: '.NET',
  sameName: (declared, wanted) => declared.toLowerCase() === wanted.toLowerCase(),
  scheme: {
    parseConstraint(text: string): Constraint | undefined {
      const set = nugetRange(text)
      return set && setConstraint(set, nugetRange, nugetVersion)
    },
    // NuGet resolves a bare version to the lowest applicable one: that version. `[X]` is exact.
    pinnedVersion: (declared) => {
      const v = declared.trim().replace(/^\[\s*([^,\]]+?)\s*\]$/, '$1')
      return nugetVersion(v) ? v : undefined
    },
  },
}

/** `*.csproj`: `PackageReference` items (`Version` attribute or element, `VersionOverride`). */
export const parseCsproj: ManifestParser = (file) => {
  const xml = readXml(file)
  if ('problem' in xml) return xml
  const doc = xml.root
  const project = descend(doc, ['Project'])[0]
  if (!project) return parseProblem(file, 'the root element is not <Project>', 1)
  const declarations: Declaration[] = []
  const overrides: Declaration[] = []
  for (const ref of descend(project, ['ItemGroup', 'PackageReference'])) {
    const version =
      attribute(ref, 'VersionOverride') ??
      attribute(ref, 'Version') ??
      text(ref, 'VersionOverride') ??
      text(ref, 'Version')
    const name = attribute(ref, 'Include')
    // `Update` changes the version of an included reference: a version no declaration shows.
    const updated = attribute(ref, 'Update')
    if (name !== undefined) {
      declarations.push({ name, version, where: 'PackageReference', location: locate(file, startOf(ref)) })
    } else if (updated !== undefined) {
      overrides.push({ name: updated, version, where: 'PackageReference Update', location: locate(file, startOf(ref)) })
    }
  }
  return { ...parsed(file, declarations), overrides }
}

/** `packages.config`: `package` elements with the exact installed version. */
export const parsePackagesConfig: ManifestParser = (file) => {
  const xml = readXml(file)
  if ('problem' in xml) return xml
  const doc = xml.root
  const declarations: Declaration[] = []
  for (const pkg of descend(doc, ['packages', 'package'])) {
    const name = attribute(pkg, 'id')
    if (name === undefined) continue
    const version = attribute(pkg, 'version')
    declarations.push({ name, version, location: locate(file, startOf(pkg)) })
  }
  return parsed(file, declarations)
}
