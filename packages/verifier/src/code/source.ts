import type { SgNode, SgRoot } from '@ast-grep/napi'
import type { TextIndex } from '../checkout/text.js'
import type {
  Call,
  Definition,
  EnvRead,
  ErrorHandler,
  FileFacts,
  Guard,
  HeaderSite,
  Import,
  LanguageId,
  MiddlewareRegistration,
  Span,
  TestDefinition,
} from './facts.js'

/** One file handed to an analyzer: its project-relative path, decoded text (no BOM) and, for tree languages, its tree. */
export interface SourceFile {
  rel: string
  text: string
  index: TextIndex
  language: LanguageId
  /** Present for the syntax-tree languages (languages.ts TREE_LANGUAGES). */
  tree?: SgRoot
}

export type Analyzer = (source: SourceFile) => FileFacts

/** Span of a node: ast-grep positions are 0-based lines and UTF-16 columns. */
export function spanOf(node: SgNode): Span {
  const r = node.range()
  return { line: r.start.line + 1, column: r.start.column + 1, endLine: r.end.line + 1 }
}

/** Whether the node lies inside a syntax-error region (such constructs never count, §2.5). */
export function inErrorRegion(node: SgNode): boolean {
  for (let n: SgNode | null = node; n; n = n.parent()) if (n.kind() === 'ERROR') return true
  return false
}

/** Whether the tree has an ERROR node: only then can a construct sit in an error region. Stops at the first. */
export function errorNodesPresent(root: SgNode): boolean {
  return root.find({ rule: { kind: 'ERROR' } }) !== null
}

/**
 * Line of the first syntax error (1-based): an ERROR node, or a MISSING node tree-sitter inserted to recover — those
 * are zero-width; empty string contents are the only legitimate zero-width nodes. One traversal for both.
 */
export function firstSyntaxErrorLine(root: SgNode): number | undefined {
  let first: number | undefined
  for (const n of root.findAll({ rule: { any: [{ kind: 'ERROR' }, { regex: '^$' }] } })) {
    if (n.kind() !== 'ERROR' && String(n.kind()).endsWith('content')) continue
    const line = n.range().start.line + 1
    if (first === undefined || line < first) first = line
  }
  return first
}

type Categories = {
  definitions?: () => Definition[]
  calls?: () => Call[]
  guards?: () => Guard[]
  errorHandlers?: () => ErrorHandler[]
  imports?: () => Import[]
  envReads?: () => EnvRead[]
  middleware?: () => MiddlewareRegistration[]
  headers?: () => HeaderSite[]
  testBlocks?: () => TestDefinition[]
}

/**
 * Builds FileFacts whose categories are computed on first use and cached; missing categories are empty.
 * `syntaxErrorLine` is asked only when an evaluator needs it (a claim not found), since it walks the whole tree.
 */
export function lazyFacts(
  language: LanguageId,
  syntaxErrorLine: (() => number | undefined) | undefined,
  c: Categories,
): FileFacts {
  const cache = new Map<string, unknown>()
  const get = <T>(key: keyof Categories): T[] => {
    if (!cache.has(key)) cache.set(key, c[key]?.() ?? [])
    return cache.get(key) as T[]
  }
  let syntaxErrors: number[] | undefined
  return {
    language,
    syntaxErrors: () => {
      if (!syntaxErrors) {
        const line = syntaxErrorLine?.()
        syntaxErrors = line === undefined ? [] : [line]
      }
      return syntaxErrors
    },
    definitions: () => get<Definition>('definitions'),
    calls: () => get<Call>('calls'),
    guards: () => get<Guard>('guards'),
    errorHandlers: () => get<ErrorHandler>('errorHandlers'),
    imports: () => get<Import>('imports'),
    envReads: () => get<EnvRead>('envReads'),
    middleware: () => get<MiddlewareRegistration>('middleware'),
    headers: () => get<HeaderSite>('headers'),
    testBlocks: () => get<TestDefinition>('testBlocks'),
  }
}
