import { TextIndex } from '../checkout/text.js'
import type { FileFacts, LanguageId } from './facts.js'
import { parseTree, TREE_LANGUAGES } from './languages.js'
import { ANALYZERS } from './registry.js'

/** The fact categories of FileFacts, each computed on demand. */
export const CATEGORIES = [
  'definitions',
  'calls',
  'guards',
  'errorHandlers',
  'imports',
  'envReads',
  'middleware',
  'headers',
  'testBlocks',
  'syntaxErrors',
] as const
export type Category = (typeof CATEGORIES)[number]

/** Plain, cloneable facts of the requested categories (what crosses a worker boundary). */
export interface ExtractedFacts {
  language: LanguageId
  categories: Partial<Record<Category, unknown[]>>
}

/** Parses and analyses source text: the analyzer's FileFacts, with lazily computed categories. */
export async function analyzeSource(rel: string, text: string, language: LanguageId): Promise<FileFacts> {
  const analyzer = ANALYZERS[language]
  const tree = TREE_LANGUAGES.has(language) ? await parseTree(language, text) : undefined
  return analyzer({ rel, text, index: new TextIndex(text), language, ...(tree ? { tree } : {}) })
}

/** Reads the requested categories out of FileFacts as plain data. */
export function extract(facts: FileFacts, categories: readonly Category[]): ExtractedFacts {
  const out: ExtractedFacts = { language: facts.language, categories: {} }
  for (const c of categories) out.categories[c] = facts[c]()
  return out
}
