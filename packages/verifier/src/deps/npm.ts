import semver from 'semver'
import { asString, type JsonNode, member, readJson } from './json-tree.js'
import {
  type Constraint,
  type Declaration,
  type Ecosystem,
  locate,
  type ManifestParser,
  parsed,
  parseProblem,
  type Source,
  type VersionScheme,
} from './types.js'

const OPTIONS = { includePrerelease: true }

/** A declared spec that names a place rather than a registry version. */
export function npmSource(spec: string): Source | undefined {
  const s = spec.trim()
  if (/^(git\+|git:|github:|gitlab:|bitbucket:|gist:)/.test(s) || /^[\w.-]+\/[\w.-]+(#.*)?$/.test(s)) return 'git'
  if (/^(file:|link:|portal:|workspace:|\.{0,2}\/|~\/)/.test(s)) return 'path'
  if (/^https?:/.test(s)) return 'url'
  return undefined
}

/** An exact version: `4.2.1`, `=4.2.1`, `v4.2.1`. */
const exactVersion = (spec: string) => semver.valid(spec.trim().replace(/^=\s*/, '')) ?? undefined

export const npmScheme: VersionScheme = {
  parseConstraint(text: string): Constraint | undefined {
    if (semver.validRange(text, OPTIONS) === null) return undefined
    return {
      admits: (version) => {
        const v = semver.valid(version)
        return v === null ? undefined : semver.satisfies(v, text, OPTIONS)
      },
      covers: (declared) => {
        if (npmSource(declared) || semver.validRange(declared, OPTIONS) === null) return undefined
        const range = new semver.Range(declared, OPTIONS).range
        if (range === '' || range === '*') return undefined
        // Without includePrerelease: npm installs a pre-release only where the range names one (`A - B` is `>=A`).
        return semver.subset(declared, text)
      },
    }
  },
  pinnedVersion: exactVersion,
}

export const npm: Ecosystem = {
  label: 'npm',
  sameName: (declared, wanted) => declared === wanted,
  scheme: npmScheme,
}

const SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']

/** `package.json`: the four dependency sections. */
export const parsePackageJson: ManifestParser = (file) => {
  const root = readJson(file)
  if ('problem' in root) return root
  if (root.type !== 'object') return parseProblem(file, 'expected a JSON object', 1)
  const declarations: Declaration[] = []
  for (const section of SECTIONS) {
    const entry = member(root, section)
    if (!entry) continue
    if (entry.value.type !== 'object') {
      return parseProblem(file, `'${section}' is not an object`, file.index.lineOf(entry.keyOffset))
    }
    for (const [name, m] of entry.value.members) {
      const version = asString(m.value)
      if (version === undefined) {
        return parseProblem(file, `the version of '${name}' is not a string`, file.index.lineOf(m.keyOffset))
      }
      // An alias installs another package under this name: it declares that package, with a spec that is not one
      // of the pinned forms (so only a lockfile can prove its version).
      const target = aliasTarget(version)
      declarations.push({
        name: target ?? name,
        version,
        source: npmSource(version),
        where: target ? `${section}, alias '${name}'` : section,
        location: locate(file, m.keyOffset),
      })
    }
  }
  return { ...parsed(file, declarations), overrides: overridesOf(file, root) }
}

/** The package an override key targets: the last package of `a>b`, `**\/a/b` or `a@1 > b@2`, without its range. */
function overrideTarget(key: string): string {
  const last = key.split('>').pop()!.trim()
  const parts = last.split('/').filter((p) => p !== '**')
  const scoped = parts.length >= 2 && parts[parts.length - 2]!.startsWith('@')
  const name = scoped ? `${parts[parts.length - 2]}/${parts[parts.length - 1]}` : (parts[parts.length - 1] ?? '')
  return descriptorName(name)
}

/** Every key of npm `overrides` (nested), yarn `resolutions` and `pnpm.overrides`, as a forcing declaration. */
function overridesOf(file: Parameters<ManifestParser>[0], root: JsonNode): Declaration[] {
  const out: Declaration[] = []
  const walk = (node: JsonNode, where: string) => {
    if (node.type !== 'object') return
    for (const [key, m] of node.members) {
      if (key !== '.') {
        out.push({
          name: overrideTarget(key),
          version: asString(m.value) ?? '',
          where,
          location: locate(file, m.keyOffset),
        })
      }
      walk(m.value, where)
    }
  }
  for (const [section, node] of [
    ['overrides', member(root, 'overrides')?.value],
    ['resolutions', member(root, 'resolutions')?.value],
    ['pnpm.overrides', member(member(root, 'pnpm')?.value, 'overrides')?.value],
  ] as const) {
    if (node) walk(node, section)
  }
  return out
}

/**
 * The package a `name@range` descriptor installs (a leading `@` belongs to the scope). An alias
 * `old@npm:lodash@4.17.20` installs `lodash`.
 */
export function descriptorName(descriptor: string): string {
  const at = descriptor.indexOf('@', 1)
  if (at < 0) return descriptor
  const range = descriptor.slice(at + 1)
  return isAliasSpec(range) ? descriptorName(range.slice(4)) : descriptor.slice(0, at)
}

/** `npm:lodash@4.17.20` names another package; Berry's `npm:^4.17.0` is only a range. */
const isAliasSpec = (spec: string) => spec.startsWith('npm:') && spec.indexOf('@', 5) > 4

/** `npm:lodash@4.17.20` → `lodash`, the package an alias installs; undefined for any other spec. */
export function aliasTarget(spec: string): string | undefined {
  return isAliasSpec(spec) ? descriptorName(spec.slice(4)) : undefined
}
