/** Definitions found by the lexical scanners, and their conversion to `Definition` facts. */

import type { TextIndex } from '../../checkout/text.js'
import type { Definition } from '../facts.js'
import { closingBracket, spanAt } from './mask.js'

export interface LexicalDefinition {
  kind: 'function' | 'class'
  qualified: string[]
  nameStart: number
  end: number
  typeKind?: string
  hasBody: boolean
}

export function endOfBody(code: string, open: number): number {
  const close = open >= 0 ? closingBracket(code, open) : -1
  return close < 0 ? open + 1 : close + 1
}

export function toDefinitions(found: LexicalDefinition[], index: TextIndex): Definition[] {
  return found.map((d, i) => ({
    id: i + 1,
    kind: d.kind,
    qualified: d.qualified,
    ...(d.typeKind ? { typeKind: d.typeKind } : {}),
    at: spanAt(index, d.nameStart, d.end),
    hasBody: d.hasBody,
    decorators: [],
    params: [],
    scopes: [],
  }))
}
