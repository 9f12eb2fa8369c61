import { TYPE_DEFINITIONS } from '../catalogue/types.js'
import { INTENTS, type Intent } from './enums.js'

const PROVES: ReadonlyMap<string, readonly Intent[] | '*'> = new Map(
  TYPE_DEFINITIONS.map((t) => [t.name, t.proves ?? '*']),
)

/** §9.2: the intents an assertion type can prove; '*' = any. A type the table does not list proves any intent. */
export function provesOf(type: string): readonly Intent[] | '*' {
  return PROVES.get(type) ?? '*'
}

/** §9.2 (`h1`): whether `type` can serve as proof for a control with these intents (declared or derived). */
export function coherenceHeuristic(
  type: string,
  controlIntents: readonly Intent[],
): { verdict: 'coherent' | 'incoherent'; reason: string } {
  const proves = provesOf(type)
  if (proves === '*') return { verdict: 'coherent', reason: `type ${type} proves any intent` }
  const provesList = proves.join(', ')
  const intents = INTENTS.filter((i) => controlIntents.includes(i))
  if (intents.length === 0) {
    return { verdict: 'incoherent', reason: `type ${type} proves ${provesList}; control intents unknown` }
  }
  return {
    verdict: intents.some((i) => proves.includes(i)) ? 'coherent' : 'incoherent',
    reason: `type ${type} proves ${provesList}; control intents are ${intents.join(', ')}`,
  }
}
