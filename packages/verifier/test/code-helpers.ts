import { TextIndex } from '../src/checkout/text.js'
import type { Definition, FileFacts, LanguageId } from '../src/code/facts.js'
import { parseTree, TREE_LANGUAGES } from '../src/code/languages.js'
import type { Analyzer } from '../src/code/source.js'

/** Runs an analyzer over source text, parsing it first for the syntax-tree languages. */
export async function analyze(analyzer: Analyzer, language: LanguageId, rel: string, text: string): Promise<FileFacts> {
  const tree = TREE_LANGUAGES.has(language) ? await parseTree(language, text) : undefined
  return analyzer({ rel, text, index: new TextIndex(text), language, ...(tree ? { tree } : {}) })
}

/** Qualified names (joined with `.`) of the definitions of one kind, in order. */
export function definitionNames(facts: FileFacts, kind: 'function' | 'class'): string[] {
  return facts
    .definitions()
    .filter((d) => d.kind === kind)
    .map((d) => d.qualified.join('.'))
}

/** The definition with a qualified name (joined with `.`); throws when there is none. */
export function definitionNamed(facts: FileFacts, qualified: string): Definition {
  const found = facts.definitions().find((d) => d.qualified.join('.') === qualified)
  if (!found) throw new Error(`no definition ${qualified}`)
  return found
}

/** Each class definition as [qualified name, type kind]. */
export function typeKinds(facts: FileFacts): [string, string | undefined][] {
  return facts
    .definitions()
    .filter((d) => d.kind === 'class')
    .map((d) => [d.qualified.join('.'), d.typeKind])
}

/** Each function definition as [qualified name, whether it has a body]. */
export function bodies(facts: FileFacts): [string, boolean][] {
  return facts
    .definitions()
    .filter((d) => d.kind === 'function')
    .map((d) => [d.qualified.join('.'), d.hasBody])
}
