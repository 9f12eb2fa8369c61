import { TextIndex } from '../src/checkout/text.js'
import type { FileFacts, LanguageId } from '../src/code/facts.js'
import { parseTree, TREE_LANGUAGES } from '../src/code/languages.js'
import type { Analyzer } from '../src/code/source.js'

/** Runs an analyzer over source text, parsing it first for the syntax-tree languages. */
export async function analyze(analyzer: Analyzer, language: LanguageId, rel: string, text: string): Promise<FileFacts> {
  const tree = TREE_LANGUAGES.has(language) ? await parseTree(language, text) : undefined
  return analyzer({ rel, text, index: new TextIndex(text), language, ...(tree ? { tree } : {}) })
}
