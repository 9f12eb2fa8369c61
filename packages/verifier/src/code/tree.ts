/** Syntax-tree helpers shared by the analyzers: node extents, spans, named children, error regions. */
import type { Range, SgNode } from '@ast-grep/napi'
import type { Span } from './facts.js'

/** Half-open UTF-16 range of a node, for containment tests without walking parents. */
export interface Extent {
  start: number
  end: number
}

export function extentOf(node: SgNode): Extent {
  const r = node.range()
  return { start: r.start.index, end: r.end.index }
}

export function contains(outer: Extent, inner: Extent): boolean {
  return outer.start <= inner.start && inner.end <= outer.end
}

/** Span of an ast-grep range (0-based lines and columns) as 1-based positions. */
export function spanOfRange(r: Range): Span {
  return { line: r.start.line + 1, column: r.start.column + 1, endLine: r.end.line + 1 }
}

/** The first line of a node's text, trailing whitespace removed. */
export function firstLine(text: string): string {
  const nl = text.indexOf('\n')
  return (nl < 0 ? text : text.slice(0, nl)).trimEnd()
}

/** Named children of a node other than `comment`s. */
export function namedChildren(node: SgNode | null | undefined): SgNode[] {
  return node ? node.children().filter((c) => c.isNamed() && c.kind() !== 'comment') : []
}

/** Orders facts by their start line, then column. */
export function byPosition(a: { at: Span }, b: { at: Span }): number {
  return a.at.line - b.at.line || a.at.column - b.at.column
}

/** Finds nodes outside syntax-error regions (§2.5) by comparing extents with the tree's `ERROR` nodes. */
export function errorRegions(root: SgNode): { inError: (node: SgNode) => boolean; live: (kind: string) => SgNode[] } {
  const errorExtents = root.findAll({ rule: { kind: 'ERROR' } }).map(extentOf)
  const inError = (node: SgNode): boolean => {
    if (errorExtents.length === 0) return false
    const e = extentOf(node)
    return errorExtents.some((x) => contains(x, e))
  }
  const live = (kind: string): SgNode[] => root.findAll({ rule: { kind } }).filter((n) => !inError(n))
  return { inError, live }
}
