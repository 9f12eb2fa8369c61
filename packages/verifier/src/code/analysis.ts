import type { TextFile } from '../checkout/checkout.js'
import type { EvalContext } from '../engine/outcome.js'
import { analyzeSource, type Category, type ExtractedFacts, extract } from './extract.js'
import type { FileFacts, LanguageId } from './facts.js'
import { AnalysisPool } from './pool.js'

export type { Category } from './extract.js'

let pool: AnalysisPool | undefined | null = null
/** The process's analysis workers, started on first use; undefined where workers cannot run (TypeScript sources). */
function analysisPool(): AnalysisPool | undefined {
  if (pool === null) pool = AnalysisPool.create()
  return pool
}

/** Ends a run: workers drop the trees they keep for it. */
export function releaseRun(run: number): void {
  if (pool) pool.release(run)
}

/**
 * Facts of a text file for the given categories. Each file is parsed once per run and each category computed once:
 * on the analysis workers when they run, in this thread otherwise.
 */
export async function factsFor(
  ctx: EvalContext,
  file: TextFile,
  language: LanguageId,
  categories: readonly Category[],
): Promise<FileFacts> {
  const workers = analysisPool()
  if (!workers) {
    const facts = await ctx.checkout.derive(`facts:${file.rel}`, () => analyzeSource(file.rel, file.text, language))
    return restricted(extract(facts, categories), categories)
  }
  const run = ctx.checkout.id
  const missing = categories.filter((c) => !ctx.checkout.memo.has(`facts:${file.rel}:${c}`))
  if (missing.length > 0) {
    const request = workers.extract(run, file.rel, file.text, language, missing)
    for (const c of missing) ctx.checkout.derive(`facts:${file.rel}:${c}`, () => request)
  }
  const parts = await Promise.all(
    categories.map((c) => ctx.checkout.derive<ExtractedFacts>(`facts:${file.rel}:${c}`, () => Promise.reject())),
  )
  const merged: ExtractedFacts = { language, categories: {} }
  for (const [i, c] of categories.entries()) {
    const part = parts[i]!
    merged.categories[c] = part.categories[c]
  }
  return restricted(merged, categories)
}

/** FileFacts over extracted categories; asking for one that was not requested is a programming error. */
function restricted(x: ExtractedFacts, categories: readonly Category[]): FileFacts {
  const get = (c: Category) => () => {
    if (!categories.includes(c)) throw new Error(`facts category '${c}' was not requested`)
    return x.categories[c] ?? []
  }
  return {
    language: x.language,
    syntaxErrors: get('syntaxErrors'),
    definitions: get('definitions'),
    calls: get('calls'),
    guards: get('guards'),
    errorHandlers: get('errorHandlers'),
    imports: get('imports'),
    envReads: get('envReads'),
    middleware: get('middleware'),
    headers: get('headers'),
    testBlocks: get('testBlocks'),
  } as FileFacts
}
