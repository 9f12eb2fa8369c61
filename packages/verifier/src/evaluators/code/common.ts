import type { Location } from '@warrant/core'
import { splitName } from '@warrant/core'
import type { TextFile } from '../../checkout/checkout.js'
import { type Category, factsFor } from '../../code/analysis.js'
import type { Definition, FileFacts, LanguageId, Span } from '../../code/facts.js'
import { languageOf } from '../../code/languages.js'
import { matchesDefinition } from '../../code/names.js'
import { combineAny, isScan, isSelection, isText, scanFiles, selectFiles, textOf, where } from '../../engine/files.js'
import type { EvalContext, Outcome } from '../../engine/outcome.js'

export const ALL_TREES: LanguageId[] = [
  'python',
  'javascript',
  'typescript',
  'tsx',
  'go',
  'java',
  'kotlin',
  'csharp',
  'ruby',
  'php',
  'rust',
]

/** A located hit on one file. */
export interface Hit {
  details: string
  locations: Location[]
}

export function locationOf(file: TextFile, at: Span): Location {
  const loc: Location = { file: file.rel, line: at.line, column: at.column, snippet: file.index.snippet(at.line) }
  if (at.endLine !== at.line) loc.end_line = at.endLine
  return loc
}

export const name = (s: string) => splitName(s) ?? [s]

/** Facts of a file if its language is one the type analyses. */
async function factsIfSupported(
  ctx: EvalContext,
  file: TextFile,
  languages: readonly LanguageId[],
  categories: readonly Category[],
): Promise<FileFacts | undefined> {
  const language = languageOf(file.rel)
  if (!language || !languages.includes(language)) return undefined
  return factsFor(ctx, file, language, categories)
}

/** The error for a file whose syntax errors may hide a claim that was not found (§2.5), if it has any. */
export async function syntaxErrorIn(ctx: EvalContext, file: TextFile, facts: FileFacts): Promise<string | undefined> {
  const [line] = (await factsFor(ctx, file, facts.language, ['syntaxErrors'])).syntaxErrors()
  return line === undefined ? undefined : `syntax errors in ${file.rel} (first at line ${line}); claim not found`
}

/**
 * An existential code claim over `file` or `glob` (§2.4): `find` looks for the claim in one file's facts.
 * `notFound(where)` words the failure. Syntax errors are looked for only when no file satisfies the claim: they can
 * turn a fail into an error, never a pass.
 */
export async function existentialCodeClaim(
  type: string,
  params: Record<string, unknown>,
  ctx: EvalContext,
  languages: readonly LanguageId[],
  categories: readonly Category[],
  find: (facts: FileFacts, file: TextFile) => Hit | undefined,
  notFound: (where: string) => string,
  keys?: { file?: string; glob?: string },
): Promise<Outcome> {
  const selection = await selectFiles(params, ctx, keys)
  if (!isSelection(selection)) return selection
  const missed: { file: TextFile; facts: FileFacts }[] = []
  const scan = await scanFiles(selection, ctx, async (file, hasHit) => {
    const language = languageOf(file.rel)
    if (!language || !languages.includes(language)) {
      return selection.kind === 'file'
        ? { kind: 'error', message: `unsupported file type for ${type}: ${file.rel}` }
        : { kind: 'unsupported' }
    }
    if (hasHit) return { kind: 'miss' }
    const facts = await factsFor(ctx, file, language, categories)
    const hit = find(facts, file)
    if (hit) return { kind: 'hit', ...hit }
    missed.push({ file, facts })
    return { kind: 'miss' }
  })
  if (!isScan(scan)) return scan
  if (!scan.verdicts.some((v) => v.verdict.kind === 'hit')) {
    for (const { file, facts } of missed) {
      const message = await syntaxErrorIn(ctx, file, facts)
      const entry = message && scan.verdicts.find((v) => v.rel === file.rel)
      if (entry && message) entry.verdict = { kind: 'error', message }
    }
  }
  return combineAny(scan, notFound(where(selection)))
}

/** The facts of a single `file` param for the function-scoped types, or the outcome that ends the evaluation. */
export async function singleFileFacts(
  type: string,
  path: string,
  ctx: EvalContext,
  languages: readonly LanguageId[],
  categories: readonly Category[],
): Promise<{ file: TextFile; facts: FileFacts } | Outcome> {
  const file = await textOf(ctx, path)
  if (!isText(file)) return file
  const facts = await factsIfSupported(ctx, file, languages, categories)
  if (!facts)
    return { status: 'error', details: `unsupported file type for ${type}: ${file.rel}`, examined: [file.rel] }
  return { file, facts }
}

export const isFacts = (x: { file: TextFile; facts: FileFacts } | Outcome): x is { file: TextFile; facts: FileFacts } =>
  'facts' in x

/** Function definitions matching a name (with bodies only: signatures never count). */
export function functionsNamed(facts: FileFacts, given: string[]): Definition[] {
  return facts
    .definitions()
    .filter((d) => d.kind === 'function' && d.hasBody && matchesDefinition(facts.language, given, d.qualified))
}

/**
 * A not-found result for a function-scoped claim: with syntax errors in the file, the claim may be hidden in the
 * error region, so it is `error` rather than `fail` (§2.5).
 */
export async function notFoundIn(
  ctx: EvalContext,
  facts: FileFacts,
  file: TextFile,
  details: string,
  locations: Location[] = [],
): Promise<Outcome> {
  const syntax = await syntaxErrorIn(ctx, file, facts)
  if (syntax) return { status: 'error', details: syntax, examined: [file.rel] }
  return { status: 'fail', details, locations, examined: [file.rel] }
}

export const qualifiedName = (d: Definition) => d.qualified.join('.')
