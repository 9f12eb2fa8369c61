import { CATALOGUE, textDigest } from '@warrant/core'
import type { Db } from '../db/open.js'
import type { AssertionRow, ControlRow } from './state.js'

/**
 * Renders an assertion's Tier 2 prompt from the catalogue's versioned template and the control's current revision
 * (PLATFORM.md §9.3), and records `prompt_hash → (assertion, control revision)` so that verdicts made against an older
 * revision become stale (§4.2 V2). Deterministic: the same inputs give the same bytes.
 */
export function renderTier2Prompt(
  a: AssertionRow,
  c: ControlRow,
): { prompt: string; prompt_hash: string; template: { id: string; version: number } } {
  const entry = CATALOGUE.get(a.type)
  const tier2 = entry?.tier2 ?? { version: 1, template: '{{claim}}' }
  const prompt = tier2.template
    .replace('{{control}}', `${c.title}\n${c.description}`)
    .replace('{{description}}', a.description)
    .replace('{{claim}}', entry?.claim ?? a.type)
  return { prompt, prompt_hash: textDigest(prompt), template: { id: `tier2/${a.type}`, version: tier2.version } }
}

export async function recordPrompts(
  db: Db,
  rows: { prompt_hash: string; assertion_id: string; control_revision: number; template: string }[],
) {
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('tier2_prompts')
      .values(rows.slice(i, i + 1000))
      .onConflict((oc) => oc.columns(['prompt_hash', 'assertion_id']).doNothing())
      .execute()
}
