import { sql } from 'kysely'
import type { Db } from '../db/open.js'
import { newId, nowIso } from '../ids.js'
import type { ModelState } from '../services/state.js'
import type { WorkspaceSettings } from '../services/workspaces.js'

export type JobKind = 'coherence' | 'sufficiency' | 'refinement'
type Queued = { evaluation: string; job: string }

/** Stores an EvaluationJob (PLATFORM.md §2.4) in the caller's transaction; the worker runs it after commit. */
export async function queueJob(
  trx: Db,
  job: { workspaceId: string; modelId: string; kind: JobKind; subjectId: string },
): Promise<string> {
  const now = nowIso()
  const id = newId('job')
  await trx
    .insertInto('evaluation_jobs')
    .values({
      id,
      workspace_id: job.workspaceId,
      model_id: job.modelId,
      kind: job.kind,
      subject_id: job.subjectId,
      state: 'queued',
      next_attempt_at: now,
      last_error: null,
      created_at: now,
      updated_at: now,
    })
    .execute()
  return id
}

/**
 * Queues the AI evaluations a model lacks after a change (§4.6, §4.7): coherence for every active assertion with no
 * evaluation at its control's current revision, sufficiency for every control with assertions whose current
 * `(revision, assertion_set_digest)` has none. Returns the ids of the queued jobs.
 */
export async function queueMissingEvaluations(
  trx: Db,
  modelId: string,
  settings: WorkspaceSettings,
  state: ModelState,
): Promise<string[]> {
  if (settings.coherence_mode !== 'ai' && settings.sufficiency_mode !== 'ai') return []
  const { workspace_id: workspaceId } = await trx
    .selectFrom('models')
    .select('workspace_id')
    .where('id', '=', modelId)
    .executeTakeFirstOrThrow()
  const jobs: string[] = []
  const now = nowIso()
  if (settings.coherence_mode === 'ai') {
    const missing = await sql<{ id: string; revision: number }>`
      select a.id, c.revision from assertions a
        join controls c on c.model_id = a.model_id and c.id = a.control_id
      where a.model_id = ${modelId} and a.deleted_at is null and c.deleted_at is null
        and not exists (select 1 from coherence_evaluations e
                        where e.assertion_id = a.id and e.control_revision = c.revision)
      order by a.id`.execute(trx)
    for (const a of missing.rows) jobs.push((await queueCoherence(trx, workspaceId, modelId, a.id, a.revision)).job)
  }
  if (settings.sufficiency_mode === 'ai')
    for (const c of state.controls.values()) {
      if (c.assertions.length === 0 || c.sufficiency.evaluation_id !== null) continue
      jobs.push(
        (
          await queueSufficiency(
            trx,
            workspaceId,
            modelId,
            c.row.id,
            c.row.revision,
            c.sufficiency.assertion_set_digest,
            now,
          )
        ).job,
      )
    }
  return jobs
}

/** A pending AI coherence evaluation of one assertion at a control revision, with its job. */
export async function queueCoherence(
  trx: Db,
  workspaceId: string,
  modelId: string,
  assertionId: string,
  revision: number,
): Promise<Queued> {
  const id = newId('evl')
  await trx
    .insertInto('coherence_evaluations')
    .values({
      id,
      assertion_id: assertionId,
      control_revision: revision,
      verdict: 'pending',
      method: 'ai',
      reason: '',
      heuristic_version: null,
      overrides: null,
      evaluated_by: null,
      evaluated_at: null,
      job: 'queued',
      last_error: null,
    })
    .execute()
  return { evaluation: id, job: await queueJob(trx, { workspaceId, modelId, kind: 'coherence', subjectId: id }) }
}

/** A pending AI sufficiency evaluation of a control's `(revision, assertion_set_digest)`, with its job. */
export async function queueSufficiency(
  trx: Db,
  workspaceId: string,
  modelId: string,
  controlId: string,
  revision: number,
  digest: string,
  now = nowIso(),
): Promise<Queued> {
  const id = newId('evl')
  await trx
    .insertInto('sufficiency_evaluations')
    .values({
      id,
      model_id: modelId,
      control_id: controlId,
      control_revision: revision,
      assertion_set_digest: digest,
      status: 'pending',
      method: null,
      details: '',
      missing_aspects: '[]',
      overrides: null,
      evaluated_by: null,
      evaluated_at: null,
      job: 'queued',
      last_error: null,
      created_at: now,
    })
    .execute()
  return { evaluation: id, job: await queueJob(trx, { workspaceId, modelId, kind: 'sufficiency', subjectId: id }) }
}

/**
 * The job of an evaluation: `in_progress` when it is queued or running; a job waiting for its backoff after a failed
 * attempt is made due now instead (`retried`); otherwise `none`.
 */
export async function runNow(trx: Db, subjectId: string, now = nowIso()): Promise<'in_progress' | 'retried' | 'none'> {
  const job = await trx
    .selectFrom('evaluation_jobs')
    .select(['id', 'state'])
    .where('subject_id', '=', subjectId)
    .where('state', '!=', 'done')
    .executeTakeFirst()
  if (!job) return 'none'
  if (job.state !== 'failed') return 'in_progress'
  await trx
    .updateTable('evaluation_jobs')
    .set({ next_attempt_at: now, updated_at: now })
    .where('id', '=', job.id)
    .execute()
  return 'retried'
}
