import { CATALOGUE, type Result } from '@warrant/core'
import { compileGlob } from '@warrant/verifier'
import { UsageError } from '../io.js'

/** The catalogue's parameter kinds that name files of the checkout. */
const PATH_KINDS = new Set(['path', 'glob', 'path_or_glob'])

const clean = (p: string) => p.replace(/^(\.\/)+/, '')

/**
 * Parses a `--changed-files` list: one repo-relative path per line (as `git diff --name-only --no-renames` prints
 * them), blank lines ignored, CRLF accepted. An absolute path, a `..` segment, a backslash or a path git quoted
 * (`"…"`) cannot be compared with the assertions' paths, so the whole list is refused rather than half-used.
 */
export function parseChangedFiles(text: string, name: string): Set<string> {
  const out = new Set<string>()
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') continue
    const path = clean(line)
    const bad =
      line.startsWith('"') ||
      path.includes('\\') ||
      path.startsWith('/') ||
      /^[A-Za-z]:/.test(path) ||
      path.includes('\0')
        ? 'is quoted, absolute or has a backslash'
        : path.split('/').some((s) => s === '..' || s === '.' || s === '')
          ? 'has an empty, "." or ".." segment'
          : undefined
    if (bad)
      throw new UsageError(
        `${name}:${i + 1}: ${JSON.stringify(line.slice(0, 200))} ${bad}; list repo-relative paths, one per line (git -c core.quotePath=false diff --name-only --no-renames BASE)`,
        'changed_files_invalid',
      )
    out.add(path)
  }
  return out
}

/**
 * Whether an assertion touches the changed files (docs/CI.md, "--changed-files"): a path parameter names one, a glob
 * parameter matches one, or a Tier 1 location lies in one. Fail closed: an assertion whose scope cannot be decided —
 * a type this CLI does not know, test_passes (a test run depends on code no parameter names), no path parameter given,
 * a path parameter that is not a string or a glob that does not compile — touches every change.
 */
export function touches(
  assertion: { type: string; params: Record<string, unknown> },
  tier1: Result,
  changed: ReadonlySet<string>,
): boolean {
  const def = CATALOGUE.get(assertion.type)
  if (!def || assertion.type === 'test_passes') return true
  let named = false
  for (const [key, spec] of Object.entries(def.params)) {
    if (!PATH_KINDS.has(spec.kind) || assertion.params[key] === undefined) continue
    const value = assertion.params[key]
    if (typeof value !== 'string') return true
    named = true
    if (spec.kind === 'path') {
      if (changed.has(clean(value))) return true
      continue
    }
    let glob: RegExp
    try {
      glob = compileGlob(value).regex
    } catch {
      return true
    }
    for (const path of changed) if (glob.test(path)) return true
  }
  return !named || tier1.locations.some((l) => changed.has(clean(l.file)))
}
