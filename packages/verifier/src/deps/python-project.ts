import type { TextFile } from '../checkout/checkout.js'
import { asObject, asString, member, readJson } from './json-tree.js'
import { parsePep508 } from './python.js'
import { normalisePythonName } from './python-version.js'
import { readToml, TomlLines, type TomlTable, table } from './toml-tree.js'
import {
  type Declaration,
  locate,
  type ManifestParser,
  type ParseOutcome,
  parsed,
  parseProblem,
  type Source,
} from './types.js'

/** `pyproject.toml`: PEP 621, PEP 735 dependency groups and Poetry's tables. */
export const parsePyproject: ManifestParser = (file) => {
  const toml = readToml(file)
  if ('problem' in toml) return toml
  const doc = toml.root
  const lines = new TomlLines(file.text)
  const declarations: Declaration[] = []
  const project = table(doc.project)
  const lists: [string[], unknown][] = [[['project', 'dependencies'], project?.dependencies]]
  for (const [extra, list] of Object.entries(table(project?.['optional-dependencies']) ?? {})) {
    lists.push([['project', 'optional-dependencies', extra], list])
  }
  const groups = table(doc['dependency-groups'])
  if (groups) {
    const problem = checkGroupIncludes(file, groups)
    if (problem) return problem
    for (const [name, list] of Object.entries(groups)) lists.push([['dependency-groups', name], list])
  }
  for (const [path, list] of lists) {
    const problem = addRequirementList(file, lines, path, list, declarations)
    if (problem) return problem
  }
  const poetry = table(table(doc.tool)?.poetry)
  if (poetry) {
    const tables: string[][] = [['dependencies'], ['dev-dependencies']]
    for (const group of Object.keys(table(poetry.group) ?? {})) tables.push(['group', group, 'dependencies'])
    for (const path of tables) {
      let t: unknown = poetry
      for (const seg of path) t = table(t)?.[seg]
      addTableEntries(
        file,
        lines,
        ['tool', 'poetry', ...path],
        table(t),
        declarations,
        (name) => name.toLowerCase() === 'python',
      )
    }
  }
  return parsed(file, declarations)
}

function addRequirementList(
  file: TextFile,
  lines: TomlLines,
  path: string[],
  list: unknown,
  out: Declaration[],
): ParseOutcome | undefined {
  if (list === undefined) return undefined
  if (!Array.isArray(list))
    return parseProblem(file, `'${path.join('.')}' is not an array`, lineOf(file, lines.offsetOf(path)))
  for (const item of list) {
    if (typeof item !== 'string') {
      if (path[0] === 'dependency-groups' && table(item)?.['include-group'] !== undefined) continue
      return parseProblem(file, `'${path.join('.')}' holds a non-string entry`, lineOf(file, lines.offsetOf(path)))
    }
    const req = parsePep508(item)
    if (!req)
      return parseProblem(
        file,
        `invalid requirement '${item}' in ${path.join('.')}`,
        lineOf(file, lines.offsetOf(path)),
      )
    out.push({ ...req, where: path.join('.'), location: locate(file, lines.offsetOfString(path, item)) })
  }
  return undefined
}

/** PEP 735: an `include-group` must name an existing group and groups may not include themselves in a cycle. */
function checkGroupIncludes(file: TextFile, groups: TomlTable): ParseOutcome | undefined {
  const byName = new Map(Object.entries(groups).map(([k, v]) => [normalisePythonName(k), v]))
  const visit = (name: string, stack: string[]): string | undefined => {
    if (stack.includes(name)) return `dependency group '${name}' includes itself`
    const list = byName.get(name)
    if (!Array.isArray(list)) return undefined
    for (const item of list) {
      const target = table(item)?.['include-group']
      if (target === undefined) continue
      if (typeof target !== 'string' || !byName.has(normalisePythonName(target))) {
        return `dependency group '${name}' includes unknown group '${String(target)}'`
      }
      const problem = visit(normalisePythonName(target), [...stack, name])
      if (problem) return problem
    }
    return undefined
  }
  for (const name of byName.keys()) {
    const problem = visit(name, [])
    if (problem) return parseProblem(file, problem)
  }
  return undefined
}

/** Poetry and Pipfile entries: `name = "spec"`, `name = { version = …, git = … }` or a list of such tables. */
function addTableEntries(
  file: TextFile,
  lines: TomlLines,
  path: string[],
  entries: TomlTable | undefined,
  out: Declaration[],
  skip: (name: string) => boolean = () => false,
): void {
  for (const [name, value] of Object.entries(entries ?? {})) {
    if (skip(name)) continue
    const location = locate(file, lines.offsetOf([...path, name]))
    for (const spec of Array.isArray(value) ? value : [value]) {
      out.push({ name, ...tableSpec(spec), where: path.join('.'), location })
    }
  }
}

function tableSpec(spec: unknown): { version?: string; source?: Source } {
  if (typeof spec === 'string') return { version: spec }
  const t = table(spec)
  if (!t) return {}
  if (typeof t.git === 'string') return { version: t.git, source: 'git' }
  for (const key of ['path', 'file'] as const)
    if (typeof t[key] === 'string') return { version: t[key], source: 'path' }
  if (typeof t.url === 'string') return { version: t.url, source: 'url' }
  return typeof t.version === 'string' ? { version: t.version } : {}
}

/** `Pipfile`: `packages` and `dev-packages`. */
export const parsePipfile: ManifestParser = (file) => {
  const toml = readToml(file)
  if ('problem' in toml) return toml
  const doc = toml.root
  const lines = new TomlLines(file.text)
  const declarations: Declaration[] = []
  for (const section of ['packages', 'dev-packages']) {
    addTableEntries(file, lines, [section], table(doc[section]), declarations)
  }
  return parsed(file, declarations)
}

/** `Pipfile.lock`: `default` and `develop`, versions written `==X`. */
export const parsePipfileLock: ManifestParser = (file) => {
  const root = readJson(file)
  if ('problem' in root) return root
  if (root.type !== 'object') return parseProblem(file, 'expected a JSON object', 1)
  const declarations: Declaration[] = []
  for (const section of ['default', 'develop']) {
    for (const [name, m] of asObject(member(root, section)?.value)?.members ?? []) {
      const version = asString(member(m.value, 'version')?.value)?.replace(/^===?\s*/, '')
      const path = asString(member(m.value, 'path')?.value) ?? asString(member(m.value, 'file')?.value)
      declarations.push({
        name,
        version,
        source: version === undefined && path !== undefined ? 'path' : undefined,
        where: section,
        location: locate(file, m.keyOffset),
      })
    }
  }
  return parsed(file, declarations)
}

/** `poetry.lock`: every `[[package]]`; local directories and files have no registry version. */
export const parsePoetryLock: ManifestParser = (file) => {
  const toml = readToml(file)
  if ('problem' in toml) return toml
  const doc = toml.root
  const lines = new TomlLines(file.text)
  const packages = Array.isArray(doc.package) ? doc.package : []
  const declarations: Declaration[] = []
  packages.forEach((p, i) => {
    const t = table(p)
    if (!t || typeof t.name !== 'string') return
    const sourceType = table(t.source)?.type
    declarations.push({
      name: t.name,
      version: typeof t.version === 'string' ? t.version : undefined,
      source: sourceType === 'directory' || sourceType === 'file' ? 'path' : undefined,
      location: locate(file, lines.offsetOf(['package', String(i), 'name'])),
    })
  })
  return parsed(file, declarations)
}

const lineOf = (file: TextFile, offset: number) => file.index.lineOf(offset)
