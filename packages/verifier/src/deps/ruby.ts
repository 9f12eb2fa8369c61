import { setConstraint, VersionSet } from './interval.js'
import {
  type Constraint,
  type Declaration,
  type Ecosystem,
  locate,
  type ManifestParser,
  parsed,
  parseProblem,
  type Source,
} from './types.js'

/** Gem::Version: segments split at `.` and digit/letter changes; a letter segment starts the pre-release part. */
interface GemVersion {
  segments: (number | string)[]
}

const GEM_VERSION = /^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/

function gemVersion(text: string): GemVersion | undefined {
  const t = text.trim()
  if (!GEM_VERSION.test(t)) return undefined
  const parts = (t.replace(/-/g, '.pre.').match(/\d+|[a-zA-Z]+/g) ?? []).map((p) => (/^\d/.test(p) ? Number(p) : p))
  // Canonical segments: trailing zeros dropped from the release part and from the pre-release part.
  const firstString = parts.findIndex((p) => typeof p === 'string')
  const release = firstString < 0 ? parts : parts.slice(0, firstString)
  const pre = firstString < 0 ? [] : parts.slice(firstString)
  const trim = (xs: (number | string)[]) => {
    const out = [...xs]
    while (out.length > 0 && out[out.length - 1] === 0) out.pop()
    return out
  }
  return { segments: [...trim(release), ...trim(pre)] }
}

function compareGem(a: GemVersion, b: GemVersion): number {
  for (let i = 0; i < Math.max(a.segments.length, b.segments.length); i++) {
    const x = a.segments[i] ?? 0
    const y = b.segments[i] ?? 0
    if (x === y) continue
    if (typeof x === 'string' && typeof y === 'number') return -1
    if (typeof x === 'number' && typeof y === 'string') return 1
    return x < y ? -1 : 1
  }
  return 0
}

/** `~> 7.1.2` allows `>= 7.1.2, < 7.2`: drop the pre-release and the last segment, bump the one before. */
function bump(text: string): GemVersion | undefined {
  const release = text
    .trim()
    .split('.')
    .filter((s) => /^\d+$/.test(s))
    .map(Number)
  const firstNonNumeric = text
    .trim()
    .split('.')
    .findIndex((s) => !/^\d+$/.test(s))
  const kept = firstNonNumeric < 0 ? release : release.slice(0, firstNonNumeric)
  if (kept.length > 1) kept.pop()
  if (kept.length === 0) return undefined
  kept[kept.length - 1] = kept[kept.length - 1]! + 1
  return gemVersion(kept.join('.'))
}

type GemSet = VersionSet<GemVersion>
const REQUIREMENT = /^(=|!=|>=|<=|>|<|~>)?\s*(\S+)$/

function requirementSet(text: string): GemSet | undefined {
  let set = VersionSet.all(compareGem)
  for (const clause of text.split(',')) {
    const m = REQUIREMENT.exec(clause.trim())
    const v = m ? gemVersion(m[2]!) : undefined
    if (!m || !v) return undefined
    let s: GemSet | undefined
    switch (m[1] ?? '=') {
      case '=':
        s = VersionSet.exactly(compareGem, v)
        break
      case '!=':
        s = VersionSet.except(compareGem, v)
        break
      case '>=':
      case '>':
        s = VersionSet.above(compareGem, v, m[1] === '>=')
        break
      case '<=':
      case '<':
        s = VersionSet.below(compareGem, v, m[1] === '<=')
        break
      default: {
        const high = bump(m[2]!)
        s = high ? VersionSet.halfOpen(compareGem, v, high) : undefined
      }
    }
    if (!s) return undefined
    set = set.intersect(s)
  }
  return set
}

export const ruby: Ecosystem = {
  label: 'Ruby',
  sameName: (declared, wanted) => declared === wanted,
  scheme: {
    parseConstraint(text: string): Constraint | undefined {
      const set = requirementSet(text)
      return set && setConstraint(set, requirementSet, gemVersion)
    },
    pinnedVersion: (declared) => {
      const m = /^(?:=\s*)?(\S+)$/.exec(declared.trim())
      return m && gemVersion(m[1]!) ? m[1] : undefined
    },
  },
}

const GEM = /^\s*gem[\s(]+(['"])([^'"]+)\1/
const STRING_ARG = /^\s*,\s*(['"])([^'"]*)\1/
const SOURCE_OPTION =
  /(?:\b(git|github|gitlab|bitbucket|path)\s*:|:(git|github|gitlab|bitbucket|path)\s*=>)\s*(?:(['"])([^'"]*)\3)?/

/** Drops a `#` comment that is outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quote) {
      if (ch === '\\') i++
      else if (ch === quote) quote = undefined
    } else if (ch === '"' || ch === "'") quote = ch
    else if (ch === '#') return line.slice(0, i)
  }
  return line
}

/** `Gemfile`: `gem 'name', 'req', …, options`. */
export const parseGemfile: ManifestParser = (file) => {
  const declarations: Declaration[] = []
  let offset = 0
  for (const raw of file.text.split('\n')) {
    const start = offset
    offset += raw.length + 1
    const line = stripComment(raw)
    const m = GEM.exec(line)
    if (!m) continue
    let rest = line.slice(m[0].length)
    const requirements: string[] = []
    for (let arg = STRING_ARG.exec(rest); arg; arg = STRING_ARG.exec(rest)) {
      requirements.push(arg[2]!)
      rest = rest.slice(arg[0].length)
    }
    const option = SOURCE_OPTION.exec(rest)
    const kind = option ? (option[1] ?? option[2])! : undefined
    const source: Source | undefined = kind === undefined ? undefined : kind === 'path' ? 'path' : 'git'
    declarations.push({
      name: m[2]!,
      version: option?.[4] ?? (requirements.length > 0 ? requirements.join(', ') : undefined),
      source,
      location: locate(file, start + (raw.length - raw.trimStart().length)),
    })
  }
  return parsed(file, declarations)
}

/** `Gemfile.lock`: the `specs` of every GEM, GIT and PATH section (PATH gems are local code). */
export const parseGemfileLock: ManifestParser = (file) => {
  const declarations: Declaration[] = []
  let section = ''
  let inSpecs = false
  let offset = 0
  const lines = file.text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '')
    const start = offset
    offset += lines[i]!.length + 1
    if (line.trim() === '') continue
    if (!/^\s/.test(line)) {
      section = line.trim()
      inSpecs = false
      continue
    }
    if (/^ {2}specs:\s*$/.test(line)) {
      inSpecs = true
      continue
    }
    if (/^ {2}\S/.test(line)) inSpecs = false
    if (!inSpecs || !/^ {4}\S/.test(line)) continue
    const spec = /^ {4}(\S+) \(([^)]+)\)$/.exec(line)
    if (!spec) return parseProblem(file, `unexpected spec line '${line.trim().slice(0, 60)}'`, i + 1)
    declarations.push({
      name: spec[1]!,
      // A platform suffix follows the version: `1.16.2-x86_64-linux`.
      version: spec[2]!.replace(/-.*$/, ''),
      source: section === 'PATH' ? 'path' : undefined,
      location: locate(file, start + 4),
    })
  }
  return parsed(file, declarations)
}
