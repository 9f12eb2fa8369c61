import type { Db } from '../db/open.js'
import { json } from '../db/open.js'
import { ApiError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import { utf8Length } from '../schemas/fields.js'
import { refinementChanged } from './change-events.js'
import { type Actor, logActor, reviseControl, workspaceOf } from './controls.js'
import { appendEvent } from './log.js'
import type { ControlRow } from './state.js'

export const OPEN_REFINEMENT = ['evaluating', 'pending_review']

/**
 * Proposes a new control description (PLATFORM.md §5.10). With an AI provider (`ai`) the proposal is `evaluating`
 * until the `refine@1` evaluation decides it (the caller queues the job); without one it waits as `pending_review`
 * for a reviewer. The description never changes without one of those decisions.
 */
export async function proposeRefinement(
  trx: Db,
  modelId: string,
  control: ControlRow,
  input: { description?: string | undefined; justification: string; codebase_findings?: string | undefined },
  actor: Actor,
  ai: boolean,
) {
  if (utf8Length(input.justification) < 20)
    throw new ApiError(
      422,
      'justification_too_short',
      'a refinement needs a justification of at least 20 bytes: why is the current text wrong?',
    )
  if (input.description === undefined && !ai)
    throw new ApiError(
      422,
      'description_required',
      'no AI provider is configured to draft a description from codebase_findings; send description',
    )
  const open = await trx
    .selectFrom('refinements')
    .select('id')
    .where('model_id', '=', modelId)
    .where('control_id', '=', control.id)
    .where('status', 'in', OPEN_REFINEMENT)
    .executeTakeFirst()
  if (open)
    throw new ApiError(
      409,
      'refinement_pending',
      `refinement ${open.id} of ${control.id} is still open; withdraw or decide it first`,
      { refinement_id: open.id },
    )
  const row = {
    id: newId('ref'),
    model_id: modelId,
    control_id: control.id,
    from_revision: control.revision,
    to_revision: null,
    proposed_description: input.description ?? null,
    justification: input.justification,
    codebase_findings: input.codebase_findings ?? '',
    status: ai ? 'evaluating' : 'pending_review',
    method: ai ? 'ai' : 'human',
    per_objective: json([]),
    provider: null,
    model: null,
    prompt_hash: null,
    created_by: json(actor),
    created_at: nowIso(),
    decided_by: null,
    decided_at: null,
    decision_note: null,
  }
  const stored = await trx.insertInto('refinements').values(row).returningAll().executeTakeFirstOrThrow()
  const model = { id: modelId, workspace_id: await workspaceOf(trx, modelId) }
  await appendEvent(trx, refinementChanged(model, stored, logActor(actor), stored.created_at))
  return stored
}

/** A reviewer's decision; acceptance makes a new control revision (coherence re-judged, Tier 2 verdicts stale). */
export async function decideRefinement(
  trx: Db,
  modelId: string,
  control: ControlRow,
  refinementId: string,
  decision: { accept: boolean; note: string; userId: string; separationOfDuties: boolean },
) {
  const ref = await trx
    .selectFrom('refinements')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('control_id', '=', control.id)
    .where('id', '=', refinementId)
    .executeTakeFirst()
  if (!ref) throw new ApiError(404, 'not_found', 'refinement not found')
  if (ref.status !== 'pending_review')
    throw new ApiError(409, 'refinement_not_pending', `refinement ${ref.id} is ${ref.status}`)
  if (decision.separationOfDuties && (ref.created_by as Actor).user_id === decision.userId)
    throw new ApiError(403, 'separation_of_duties', 'you proposed this refinement; another reviewer must decide it')
  const actor: Actor = { kind: 'user', id: decision.userId, user_id: decision.userId }
  let next = control
  if (decision.accept)
    next = await reviseControl(
      trx,
      modelId,
      control,
      { description: ref.proposed_description! },
      actor,
      'refine',
      ref.id,
    )
  const at = nowIso()
  const refinement = await trx
    .updateTable('refinements')
    .set({
      status: decision.accept ? 'accepted' : 'rejected',
      to_revision: decision.accept ? next.revision : null,
      decided_by: decision.userId,
      decided_at: at,
      decision_note: decision.note,
    })
    .where('id', '=', ref.id)
    .returningAll()
    .executeTakeFirstOrThrow()
  const model = { id: modelId, workspace_id: await workspaceOf(trx, modelId) }
  await appendEvent(trx, refinementChanged(model, refinement, logActor(actor), at))
  return { refinement, control: next }
}
