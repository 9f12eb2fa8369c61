import type { TextFile } from '../checkout/checkout.js'
import type { EvalContext } from '../engine/outcome.js'
import type { FileFacts, LanguageId } from './facts.js'
import { parseTree, TREE_LANGUAGES } from './languages.js'
import { ANALYZERS } from './registry.js'

/** Facts of a text file, parsed and analysed once per run (the checkout memoises them). */
export function factsFor(ctx: EvalContext, file: TextFile, language: LanguageId): Promise<FileFacts> {
  return ctx.checkout.derive(`facts:${file.rel}`, async () => {
    const analyzer = ANALYZERS[language]
    if (!analyzer) throw new Error(`no analyzer for ${language}`)
    const tree = TREE_LANGUAGES.has(language) ? await parseTree(language, file.text) : undefined
    return analyzer({ rel: file.rel, text: file.text, index: file.index, language, ...(tree ? { tree } : {}) })
  })
}
