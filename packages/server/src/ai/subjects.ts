import {
  assertionSetDigest,
  type CoherenceAnswer,
  coherenceAnswer,
  type EvaluationPrompt,
  type RefineAnswer,
  refineAnswer,
  renderCoherencePrompt,
  renderRefinePrompt,
  renderSufficiencyPrompt,
  type SufficiencyAnswer,
  sufficiencyAnswer,
} from '@warrant/core'
import type { z } from 'zod'
import type { Db } from '../db/open.js'
import { json } from '../db/open.js'
import { nowIso } from '../ids.js'
import {
  coherenceEvaluated,
  type ModelRef,
  refinementChanged,
  sufficiencyEvaluated,
} from '../services/change-events.js'
import { type Actor, reviseControl, SYSTEM } from '../services/controls.js'
import { appendEvent } from '../services/log.js'
import { loadModelState } from '../services/state.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import type { JobKind } from './jobs.js'

/** What the provider reported for a settled answer (§9.3: provider, model, prompt hash and the verdict are recorded). */
export interface AnswerMeta {
  provider: string
  model: string
  prompt_hash: string
}

/**
 * One evaluation ready to ask: its prompt, the schema its answer must meet, and how to store a parsed answer. `store`
 * runs under the model lock and re-checks that the evaluation still applies; it answers a reason when it does not.
 */
export interface Prepared<T> {
  prompt: EvaluationPrompt
  schema: z.ZodType<T>
  store(trx: Db, answer: T, meta: AnswerMeta): Promise<string | null>
}

export type Preparation = { superseded: string } | Prepared<unknown>

const gone = (superseded: string) => ({ ok: false as const, superseded })

async function objectivesOf(db: Db, modelId: string, ids: readonly string[]) {
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('model_items')
    .select(['key', 'body'])
    .where('model_id', '=', modelId)
    .where('kind', '=', 'control_objectives')
    .where('key', 'in', [...ids])
    .where('deleted_at', 'is', null)
    .execute()
  const byKey = new Map(rows.map((r) => [r.key, (r.body as { statement: string }).statement]))
  return ids.flatMap((id) => {
    const statement = byKey.get(id)
    return statement === undefined ? [] : [{ id, statement }]
  })
}

const activeControl = (db: Db, modelId: string, id: string) =>
  db
    .selectFrom('controls')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()

/** Coherence of one assertion at the revision it was queued for (§4.6). */
async function prepareCoherence(db: Db, model: ModelRef, id: string, boundary: string): Promise<Preparation> {
  const modelId = model.id
  const current = async (trx: Db) => {
    const e = await trx.selectFrom('coherence_evaluations').selectAll().where('id', '=', id).executeTakeFirst()
    if (!e || e.job === 'done') return gone('the evaluation was already settled')
    const a = await trx.selectFrom('assertions').selectAll().where('id', '=', e.assertion_id).executeTakeFirst()
    if (!a || a.deleted_at) return gone('the assertion was deleted')
    const c = await activeControl(trx, modelId, a.control_id)
    if (!c || c.revision !== e.control_revision) return gone('the control changed since it was queued')
    return { ok: true as const, a, c }
  }
  const found = await current(db)
  if (!found.ok) return { superseded: found.superseded }
  const { a, c } = found
  const prompt = renderCoherencePrompt(
    {
      assertion: { type: a.type, params: a.params as Record<string, unknown>, description: a.description },
      control: { id: c.id, title: c.title, description: c.description },
      objectives: await objectivesOf(db, modelId, c.objective_ids as string[]),
    },
    boundary,
  )
  return {
    prompt,
    schema: coherenceAnswer,
    async store(trx, answer: CoherenceAnswer, meta) {
      const still = await current(trx)
      if (!still.ok) return still.superseded
      const at = nowIso()
      const stored = await trx
        .updateTable('coherence_evaluations')
        .set({
          verdict: answer.verdict,
          method: 'ai',
          reason: answer.reason,
          ...meta,
          evaluated_at: at,
          job: 'done',
          last_error: null,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow()
      await appendEvent(trx, coherenceEvaluated(model, stored, SYSTEM, at))
      return null
    },
  }
}

/** Sufficiency of a control for the `(revision, assertion_set_digest)` it was queued for (§4.7). */
async function prepareSufficiency(
  db: Db,
  model: ModelRef,
  id: string,
  boundary: string,
  settings: WorkspaceSettings,
): Promise<Preparation> {
  const modelId = model.id
  const current = async (trx: Db) => {
    const e = await trx.selectFrom('sufficiency_evaluations').selectAll().where('id', '=', id).executeTakeFirst()
    if (!e || e.job === 'done') return gone('the evaluation was already settled')
    const state = await loadModelState(trx, modelId, settings, { controlIds: [e.control_id] })
    const c = state.controls.get(e.control_id)
    if (!c || c.row.revision !== e.control_revision) return gone('the control changed since it was queued')
    if (assertionSetDigest(c.assertions.map((x) => x.row.digest)) !== e.assertion_set_digest)
      return gone('the assertions changed since it was queued')
    return { ok: true as const, c }
  }
  const found = await current(db)
  if (!found.ok) return { superseded: found.superseded }
  const { c } = found
  const prompt = renderSufficiencyPrompt(
    {
      control: { id: c.row.id, title: c.row.title, description: c.row.description },
      objectives: await objectivesOf(db, modelId, c.row.objective_ids as string[]),
      assertions: c.assertions.map((x) => ({
        id: x.row.id,
        type: x.row.type,
        params: x.row.params as Record<string, unknown>,
        description: x.row.description,
        repo: x.row.repo,
        coherence: x.coherence.verdict,
      })),
    },
    boundary,
  )
  return {
    prompt,
    schema: sufficiencyAnswer,
    async store(trx, answer: SufficiencyAnswer, meta) {
      const still = await current(trx)
      if (!still.ok) return still.superseded
      const at = nowIso()
      const stored = await trx
        .updateTable('sufficiency_evaluations')
        .set({
          status: answer.verdict,
          method: 'ai',
          details: answer.details,
          missing_aspects: json(answer.missing_aspects),
          ...meta,
          evaluated_at: at,
          job: 'done',
          last_error: null,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow()
      await appendEvent(trx, sufficiencyEvaluated(model, stored, SYSTEM, at))
      return null
    },
  }
}

/**
 * A refinement proposal (§5.10): accepted only when the answer accepts and says every linked objective is satisfied;
 * acceptance makes the new control revision as a reviewer's acceptance would.
 */
async function prepareRefinement(db: Db, model: ModelRef, id: string, boundary: string): Promise<Preparation> {
  const modelId = model.id
  const current = async (trx: Db) => {
    const ref = await trx.selectFrom('refinements').selectAll().where('id', '=', id).executeTakeFirst()
    if (ref?.status !== 'evaluating') return gone('the refinement is no longer evaluating')
    const c = await activeControl(trx, modelId, ref.control_id)
    if (!c) return gone('the control was deleted')
    return { ok: true as const, ref, c }
  }
  const found = await current(db)
  if (!found.ok) return { superseded: found.superseded }
  const { ref, c } = found
  const objectives = await objectivesOf(db, modelId, c.objective_ids as string[])
  const others = await db
    .selectFrom('controls')
    .select(['id', 'objective_ids'])
    .where('model_id', '=', modelId)
    .where('deleted_at', 'is', null)
    .where('id', '!=', c.id)
    .orderBy('id')
    .execute()
  const prompt = renderRefinePrompt(
    {
      control: { id: c.id, title: c.title, description: c.description },
      proposed_description: ref.proposed_description,
      codebase_findings: ref.codebase_findings,
      justification: ref.justification,
      objectives: objectives.map((o) => ({
        ...o,
        other_controls: others.filter((x) => (x.objective_ids as string[]).includes(o.id)).map((x) => x.id),
      })),
    },
    boundary,
  )
  return {
    prompt,
    schema: refineAnswer,
    async store(trx, answer: RefineAnswer, meta) {
      const still = await current(trx)
      if (!still.ok) return still.superseded
      const satisfied = new Map(answer.per_objective.map((p) => [p.objective_id, p.satisfied]))
      const proposed = still.ref.proposed_description ?? answer.proposed_description ?? null
      const accepted = answer.accepted && objectives.every((o) => satisfied.get(o.id) === true) && proposed !== null
      const next = accepted
        ? await reviseControl(
            trx,
            modelId,
            still.c,
            { description: proposed },
            still.ref.created_by as Actor,
            'refine',
            id,
          )
        : null
      const at = nowIso()
      const decided = await trx
        .updateTable('refinements')
        .set({
          status: accepted ? 'accepted' : 'rejected',
          to_revision: next?.revision ?? null,
          proposed_description: proposed,
          per_objective: json(answer.per_objective),
          ...meta,
          decided_at: at,
          decision_note: answer.reason,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow()
      await appendEvent(trx, refinementChanged(model, decided, SYSTEM, at))
      return null
    },
  }
}

export function prepare(
  db: Db,
  job: { kind: JobKind; model_id: string; workspace_id: string; subject_id: string },
  boundary: string,
  settings: WorkspaceSettings,
): Promise<Preparation> {
  const model = { id: job.model_id, workspace_id: job.workspace_id }
  if (job.kind === 'coherence') return prepareCoherence(db, model, job.subject_id, boundary)
  if (job.kind === 'sufficiency') return prepareSufficiency(db, model, job.subject_id, boundary, settings)
  return prepareRefinement(db, model, job.subject_id, boundary)
}
