/** Literal values shared by the analyzers: single-character escapes and the value a header call sets. */
import type { SgNode } from '@ast-grep/napi'
import type { HeaderValue } from './facts.js'

/** A backslash escape looked up in the language's table; an escape not in it stands for the escaped text itself. */
export function simpleEscape(sequence: string, table: Readonly<Record<string, string>>): string {
  const body = sequence.slice(1)
  return table[body] ?? body
}

/** A header's value (§3.21): the text of a string literal or of a number literal of the given kinds, else dynamic. */
export function headerValue(
  node: SgNode | undefined,
  stringValue: (node: SgNode | undefined) => string | undefined,
  numberKinds: ReadonlySet<string>,
): HeaderValue {
  const text = stringValue(node)
  if (text !== undefined) return { kind: 'literal', text }
  if (node && numberKinds.has(String(node.kind()))) return { kind: 'literal', text: node.text() }
  return { kind: 'dynamic' }
}
