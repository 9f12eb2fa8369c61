import { renderTier2Prompt as renderTemplate } from '@warrant/core'
import type { Db } from '../db/open.js'
import type { AssertionRow, ControlRow } from './state.js'

/**
 * Renders an assertion's Tier 2 prompt from the versioned template in core (PLATFORM.md §9.3) for the control's
 * current revision and objectives. The platform records every prompt hash it serves (`recordPrompts`) so that
 * verdicts made against an older revision become stale (§4.2 V2).
 */
export function renderTier2Prompt(a: AssertionRow, c: ControlRow, objectives: readonly string[]) {
  return renderTemplate({
    type: a.type,
    params: a.params as Record<string, unknown>,
    description: a.description,
    control: { title: c.title, description: c.description },
    objectives,
  })
}

/** The statements of a control's objectives, in the control's order. */
export async function objectiveStatements(db: Db, modelId: string, c: ControlRow): Promise<string[]> {
  const ids = c.objective_ids as string[]
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('model_items')
    .select(['key', 'body'])
    .where('model_id', '=', modelId)
    .where('kind', '=', 'control_objectives')
    .where('key', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute()
  const byKey = new Map(rows.map((r) => [r.key, (r.body as { statement: string }).statement]))
  return ids.flatMap((id) => byKey.get(id) ?? [])
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
