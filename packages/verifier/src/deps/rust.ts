import type { TextFile } from '../checkout/checkout.js'
import { setConstraint, VersionSet } from './interval.js'
import {
  comparatorSet,
  compareSemver,
  type Partial,
  parsePartial,
  parseSemver,
  partialSet,
  type SemverSet,
  semverOf,
} from './semver-set.js'
import { readToml, TomlLines, type TomlTable, table } from './toml-tree.js'
import { type Constraint, type Declaration, type Ecosystem, locate, type ManifestParser, parsed } from './types.js'

/** Caret: the left-most non-zero part may not change (`^0.2.3` is `>=0.2.3, <0.3.0`). */
function caret(p: Partial): SemverSet {
  const low = semverOf(p.major, p.minor ?? 0, p.patch ?? 0, p.pre)
  const high =
    p.major > 0 || p.minor === undefined
      ? semverOf(p.major + 1)
      : p.minor > 0 || p.patch === undefined
        ? semverOf(0, p.minor + 1)
        : semverOf(0, 0, p.patch + 1)
  return VersionSet.halfOpen(compareSemver, low, high)
}

/** Tilde: `~1.2.3` and `~1.2` allow patch changes, `~1` minor changes. */
function tilde(p: Partial): SemverSet {
  const low = semverOf(p.major, p.minor ?? 0, p.patch ?? 0, p.pre)
  return VersionSet.halfOpen(
    compareSemver,
    low,
    p.minor === undefined ? semverOf(p.major + 1) : semverOf(p.major, p.minor + 1),
  )
}

const CLAUSE = /^(=|>=|<=|>|<|~|\^)?\s*(.+)$/

/** One comparator of a Cargo requirement; a bare version is a caret requirement, `*`, `1.*`, `1.2.*` wildcards. */
function clauseSet(clause: string): SemverSet | undefined {
  const m = CLAUSE.exec(clause.trim())
  if (!m) return undefined
  const op = m[1] ?? ''
  const text = m[2]!.trim()
  const wildcard = /^(?:(\d+)\.)?(?:(\d+)\.)?[*xX]$/.exec(text)
  if (wildcard) {
    if (op !== '' && op !== '=') return undefined
    if (wildcard[1] === undefined) return VersionSet.all(compareSemver)
    return partialSet({
      major: Number(wildcard[1]),
      minor: wildcard[2] === undefined ? undefined : Number(wildcard[2]),
    })
  }
  const p = parsePartial(text)
  if (!p) return undefined
  if (op === '' || op === '^') return caret(p)
  if (op === '~') return tilde(p)
  return comparatorSet(op, p)
}

export function cargoRequirement(text: string): SemverSet | undefined {
  if (text.trim() === '') return undefined
  let set = VersionSet.all(compareSemver)
  for (const clause of text.split(',')) {
    const s = clauseSet(clause)
    if (!s) return undefined
    set = set.intersect(s)
  }
  return set
}

export const rust: Ecosystem = {
  label: 'Rust',
  sameName: (declared, wanted) => declared.toLowerCase().replace(/_/g, '-') === wanted.toLowerCase().replace(/_/g, '-'),
  scheme: {
    parseConstraint(text: string): Constraint | undefined {
      const set = cargoRequirement(text)
      return set && setConstraint(set, cargoRequirement, parseSemver)
    },
    pinnedVersion: (declared) => {
      const m = /^=\s*(\S+)$/.exec(declared.trim())
      return m && parseSemver(m[1]!) ? m[1] : undefined
    },
  },
}

const SECTIONS = ['dependencies', 'dev-dependencies', 'dev_dependencies', 'build-dependencies', 'build_dependencies']

/** `Cargo.toml`: every dependency table, `target.*` and `workspace.dependencies` included. */
export const parseCargoToml: ManifestParser = (file) => {
  const toml = readToml(file)
  if ('problem' in toml) return toml
  const doc = toml.root
  const lines = new TomlLines(file.text)
  const workspaceDeps = table(table(doc.workspace)?.dependencies)
  const tables: string[][] = SECTIONS.map((s) => [s])
  for (const target of Object.keys(table(doc.target) ?? {})) tables.push(...SECTIONS.map((s) => ['target', target, s]))
  tables.push(['workspace', 'dependencies'])
  const declarations: Declaration[] = []
  for (const path of tables) {
    let t: unknown = doc
    for (const seg of path) t = table(t)?.[seg]
    for (const [key, value] of Object.entries(table(t) ?? {})) {
      declarations.push(cargoEntry(file, lines, path, key, value, workspaceDeps))
    }
  }
  const patches = patchesOf(file, lines, doc, workspaceDeps)
  return parsed(
    file,
    declarations.map((d) => applyPatch(d, patches)),
  )
}

/** `[patch.<registry>]` entries, which replace what a dependency resolves to wherever it is declared. */
function patchesOf(file: TextFile, lines: TomlLines, doc: TomlTable, workspace?: TomlTable): Declaration[] {
  const patches: Declaration[] = []
  for (const [registry, entries] of Object.entries(table(doc.patch) ?? {})) {
    for (const [key, value] of Object.entries(table(entries) ?? {})) {
      patches.push(cargoEntry(file, lines, ['patch', registry], key, value, workspace))
    }
  }
  return patches
}

function applyPatch(d: Declaration, patches: Declaration[]): Declaration {
  const patch = patches.find((p) => rust.sameName(p.name, d.name))
  if (!patch) return d
  return { ...d, version: patch.version, source: patch.source }
}

function cargoEntry(
  file: TextFile,
  lines: TomlLines,
  path: string[],
  key: string,
  value: unknown,
  workspace?: TomlTable,
): Declaration {
  const location = locate(file, lines.offsetOf([...path, key]))
  const where = path.join('.')
  let spec = value
  // `x = { workspace = true }` inherits the entry of the same name in this file's [workspace.dependencies].
  if (table(value)?.workspace === true) spec = workspace?.[key]
  const t = table(spec)
  const renamed = table(value)?.package ?? t?.package
  const name = typeof renamed === 'string' ? renamed : key
  if (typeof spec === 'string') return { name, version: spec, where, location }
  if (typeof t?.git === 'string') return { name, version: t.git, source: 'git', where, location }
  if (typeof t?.path === 'string') return { name, version: t.path, source: 'path', where, location }
  return { name, version: typeof t?.version === 'string' ? t.version : undefined, where, location }
}

/** `Cargo.lock`: every `[[package]]`; packages without a `source` are local crates. */
export const parseCargoLock: ManifestParser = (file) => {
  const toml = readToml(file)
  if ('problem' in toml) return toml
  const doc = toml.root
  const lines = new TomlLines(file.text)
  const declarations: Declaration[] = []
  const packages = Array.isArray(doc.package) ? doc.package : []
  packages.forEach((p, i) => {
    const t = table(p)
    if (!t || typeof t.name !== 'string') return
    declarations.push({
      name: t.name,
      version: typeof t.version === 'string' ? t.version : undefined,
      source: t.source === undefined ? 'path' : undefined,
      location: locate(file, lines.offsetOf(['package', String(i), 'name'])),
    })
  })
  return parsed(file, declarations)
}
