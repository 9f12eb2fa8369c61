import { VersionSet } from './interval.js'
import { comparatorSet, compareSemver, parsePartial, parseSemver, type SemverSet } from './semver-set.js'
import {
  type Constraint,
  type Declaration,
  type Ecosystem,
  locate,
  type ManifestParser,
  parsed,
  parseProblem,
} from './types.js'

const COMPARATOR = /^(>=|<=|>|<|==|=|!=)?\s*(\S+)$/

/** Comma-separated semver comparators (`>=v0.17.0, <v1`); a bare version means exactly that version. */
function parseGoConstraint(text: string): SemverSet | undefined {
  let set = VersionSet.all(compareSemver)
  for (const clause of text.split(',')) {
    const m = COMPARATOR.exec(clause.trim())
    const partial = m ? parsePartial(m[2]!, true) : undefined
    if (!m || !partial) return undefined
    const s = comparatorSet(m[1] ?? '=', partial)
    if (!s) return undefined
    set = set.intersect(s)
  }
  return set
}

const goVersion = (v: string) => parseSemver(v.trim().replace(/^v/, ''))

export const go: Ecosystem = {
  label: 'Go',
  sameName: (declared, wanted) => declared === wanted,
  scheme: {
    parseConstraint(text: string): Constraint | undefined {
      const set = parseGoConstraint(text)
      if (!set) return undefined
      return {
        admits: (version) => {
          const v = /^v/.test(version.trim()) ? goVersion(version) : undefined
          return v ? set.contains(v) : undefined
        },
        // go.mod lists selected versions only, so there is never a range to test.
        covers: () => undefined,
      }
    },
    pinnedVersion: (declared) => declared,
  },
}

interface Replacement {
  oldPath: string
  oldVersion?: string
  newPath: string
  newVersion?: string
}

const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1').replace(/^`(.*)`$/, '$1')
const TOKENS = /"(?:[^"\\]|\\.)*"|`[^`]*`|\S+/g

/** `go.mod`: `require` lines and blocks (`// indirect` included), with `replace` directives applied. */
export const parseGoMod: ManifestParser = (file) => {
  const declarations: Declaration[] = []
  const replacements: Replacement[] = []
  let block: string | undefined
  let offset = 0
  const lines = file.text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    const start = offset + (raw.length - raw.trimStart().length)
    offset += raw.length + 1
    const text = raw.replace(/\/\/.*$/, '').trim()
    if (text === '') continue
    let verb = block
    let args = text
    if (block === undefined) {
      const m = /^(\w+)\s*(.*)$/.exec(text)
      if (!m) return parseProblem(file, `unexpected '${text.slice(0, 40)}'`, i + 1)
      verb = m[1]!
      args = m[2]!
      if (args === '(') {
        block = verb
        continue
      }
    } else if (text === ')') {
      block = undefined
      continue
    }
    const tokens = (args.match(TOKENS) ?? []).map(unquote)
    if (verb === 'require') {
      if (tokens.length !== 2) return parseProblem(file, 'a require needs a module path and a version', i + 1)
      declarations.push({ name: tokens[0]!, version: tokens[1]!, where: 'require', location: locate(file, start) })
    } else if (verb === 'replace') {
      const arrow = tokens.indexOf('=>')
      if (arrow < 1 || arrow > 2 || tokens.length - arrow - 1 < 1 || tokens.length - arrow - 1 > 2) {
        return parseProblem(file, "a replace needs 'old [version] => new [version]'", i + 1)
      }
      replacements.push({
        oldPath: tokens[0]!,
        oldVersion: arrow === 2 ? tokens[1] : undefined,
        newPath: tokens[arrow + 1]!,
        newVersion: tokens[arrow + 2],
      })
    }
  }
  if (block !== undefined) return parseProblem(file, `unterminated ${block} block`)
  return parsed(
    file,
    declarations.map((d) => applyReplace(d, replacements)),
  )
}

/** A version-specific replace wins over a general one, as in the go command. */
function applyReplace(d: Declaration, replacements: Replacement[]): Declaration {
  const matching = replacements.filter(
    (r) => r.oldPath === d.name && (r.oldVersion === undefined || r.oldVersion === d.version),
  )
  const r = matching.find((x) => x.oldVersion !== undefined) ?? matching[matching.length - 1]
  if (!r) return d
  if (r.newVersion === undefined) return { ...d, version: r.newPath, source: 'path', replacement: r.newPath }
  return { ...d, version: r.newVersion, replacement: `${r.newPath} ${r.newVersion}` }
}
