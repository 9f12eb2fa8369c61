/** A scope index by offsets: the function ranges of a file, answering which functions enclose a node. */
import type { Range, SgNode } from '@ast-grep/napi'
import type { Definition } from './facts.js'

/** Where a function's body lies; facts inside it list its id and its enclosing functions' ids. */
export interface FunctionRange {
  id: number
  start: number
  end: number
  scopes: number[]
}

export interface ScopeIndex<F extends FunctionRange = FunctionRange> {
  definitions: Definition[]
  /** Function ranges sorted by start offset. */
  functions: F[]
}

/** Whether a node counts (it lies outside syntax-error regions). */
export type Valid = (node: SgNode) => boolean
/** Ids of the functions enclosing a node, innermost first. */
export type ScopesAt = (node: SgNode, range?: Range) => number[]

/** The index, built on first use, and the scopes of a node read from it by the node's start offset. */
export function lazyScopeIndex<I extends ScopeIndex<FunctionRange>>(
  build: () => I,
): { index: () => I; scopesAt: ScopesAt } {
  let indexed: I | undefined
  const index = () => {
    indexed ??= build()
    return indexed
  }
  const scopesAt: ScopesAt = (node, range = node.range()) => enclosingScopes(index().functions, range.start.index)
  return { index, scopesAt }
}

/** Ids of the functions enclosing an offset, innermost first (ranges nest or are disjoint). */
export function enclosingScopes(functions: FunctionRange[], offset: number): number[] {
  const candidate = innermostCandidate(functions, offset)
  const byId = (id: number | undefined) => functions.find((f) => f.id === id)
  for (let f = candidate; f; f = byId(f.scopes[0])) {
    if (offset < f.end) return [f.id, ...f.scopes]
  }
  return []
}

/** The last range starting at or before the offset: any range containing the offset encloses it or is it. */
function innermostCandidate(functions: FunctionRange[], offset: number): FunctionRange | undefined {
  let lo = 0
  let hi = functions.length - 1
  let found: FunctionRange | undefined
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const f = functions[mid]!
    if (f.start <= offset) {
      found = f
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}
