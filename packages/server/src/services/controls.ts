import {
  assertionDigest,
  canonicalJson,
  coherenceHeuristic,
  controlContentDigest,
  controlIntents,
  HEURISTIC_VERSION,
  type Intent,
} from '@warrant/core'
import type { Db } from '../db/open.js'
import { json } from '../db/open.js'
import { ApiError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import {
  assertionDeleted,
  coherenceEvaluated,
  controlDeleted,
  driftResolved,
  evidenceLinkChanged,
  type ModelRef,
} from './change-events.js'
import { appendEvent, appendEvents } from './log.js'
import type { AssertionRow, ControlRow } from './state.js'
import type { WorkspaceSettings } from './workspaces.js'

export type Actor = { kind: 'user' | 'api_key'; id: string; user_id: string }
export const MAX_CONTROLS = 2000
export const MAX_ASSERTIONS = 10_000

export interface ControlInput {
  id: string
  title: string
  description: string
  objective_ids: string[]
  intents?: Intent[] | undefined
  implementation_notes?: string | undefined
}

/** The intents the heuristic uses: declared ones, else those derived from the text (§9.1). */
/** A stored control's intents for the coherence heuristic (core's rule over its stored `intents` column). */
export const storedControlIntents = (c: { title: string; description: string; intents: unknown }): Intent[] =>
  controlIntents({ title: c.title, description: c.description, intents: c.intents as Intent[] })

export async function nextLocalKey(
  trx: Db,
  modelId: string,
  table: 'controls' | 'model_items',
  prefix: string,
  kind?: string,
): Promise<string> {
  const rows =
    table === 'controls'
      ? await trx.selectFrom('controls').select('id as key').where('model_id', '=', modelId).execute()
      : await trx
          .selectFrom('model_items')
          .select('key')
          .where('model_id', '=', modelId)
          .where('kind', '=', kind!)
          .execute()
  let max = 0
  for (const { key } of rows) {
    const m = new RegExp(`^${prefix}-(\\d+)$`).exec(key)
    if (m) max = Math.max(max, Number(m[1]))
  }
  return `${prefix}-${String(max + 1).padStart(2, '0')}`
}

export async function checkObjectives(
  trx: Db,
  modelId: string,
  ids: readonly string[],
  path = '/objective_ids',
): Promise<void> {
  if (ids.length === 0) return
  const rows = await trx
    .selectFrom('model_items')
    .select('key')
    .where('model_id', '=', modelId)
    .where('kind', '=', 'control_objectives')
    .where('key', 'in', [...ids])
    .execute()
  const known = new Set(rows.map((r) => r.key))
  const errors = ids.flatMap((id, i) =>
    known.has(id)
      ? []
      : [{ path: `${path}/${i}`, code: 'reference_unknown', message: `no control objective ${id} in this model` }],
  )
  if (errors.length) throw new ApiError(422, 'reference_unknown', errors[0]!.message, { errors })
}

async function recordRevision(
  trx: Db,
  modelId: string,
  c: ControlRow,
  cause: string,
  actor: Actor,
  refinementId?: string,
) {
  const content_digest = controlContentDigest({
    id: c.id,
    revision: c.revision,
    title: c.title,
    description: c.description,
    objective_ids: c.objective_ids as string[],
    intents: c.intents as string[],
  })
  const at = nowIso()
  await trx
    .insertInto('control_revisions')
    .values({
      model_id: modelId,
      control_id: c.id,
      revision: c.revision,
      title: c.title,
      description: c.description,
      objective_ids: json(c.objective_ids),
      intents: json(c.intents),
      content_digest,
      cause,
      created_at: at,
      created_by: json(actor),
      refinement_id: refinementId ?? null,
    })
    .execute()
  await appendEvent(trx, {
    chain: await workspaceOf(trx, modelId),
    type: 'control.revised',
    actor: logActor(actor),
    model: modelId,
    subject: { kind: 'control', id: c.id },
    at,
    data: { control_id: c.id, revision: c.revision, content_digest, cause },
  })
}

/** The workspace chain a model's events go to. */
export async function workspaceOf(trx: Db, modelId: string): Promise<string> {
  return (await trx.selectFrom('models').select('workspace_id').where('id', '=', modelId).executeTakeFirstOrThrow())
    .workspace_id
}

/** A log event's actor (EVIDENCE.md §9.2) for the person or key acting. */
export const logActor = (actor: Actor) => ({ kind: actor.kind, id: actor.id })

/** The log actor of computed changes: heuristic and AI verdicts. */
export const SYSTEM = { kind: 'system', id: null } as const

/**
 * Soft-deletes active assertions (PLATFORM.md §5.11): their open drift is resolved `assertion_deleted`, and each
 * deletion and resolution is logged.
 */
export async function deleteAssertions(
  trx: Db,
  model: ModelRef,
  ids: readonly string[],
  reason: string | null,
  actor: Actor,
  now: string,
): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000)
    await trx
      .updateTable('assertions')
      .set({ deleted_at: now, deleted_by: json(actor), delete_reason: reason })
      .where('id', 'in', chunk)
      .execute()
    await resolveDrift(trx, model, 'assertion_id', chunk, 'assertion_deleted', actor, now)
    await appendEvents(
      trx,
      chunk.map((id) => assertionDeleted(model, id, reason, logActor(actor), now)),
    )
  }
}

/**
 * Soft-deletes a control (PLATFORM.md §5.10): its open drift is resolved `control_deleted` and its active assertions
 * are deleted with it, with the given reason or `control deleted`.
 */
export async function deleteControl(
  trx: Db,
  model: ModelRef,
  controlId: string,
  reason: string | null,
  actor: Actor,
  now: string,
): Promise<void> {
  await trx
    .updateTable('controls')
    .set({ deleted_at: now, delete_reason: reason })
    .where('model_id', '=', model.id)
    .where('id', '=', controlId)
    .execute()
  await appendEvent(trx, controlDeleted(model, controlId, reason, logActor(actor), now))
  await resolveDrift(trx, model, 'control_id', [controlId], 'control_deleted', actor, now)
  const active = await trx
    .selectFrom('assertions')
    .select('id')
    .where('model_id', '=', model.id)
    .where('control_id', '=', controlId)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute()
  await deleteAssertions(
    trx,
    model,
    active.map((a) => a.id),
    reason ?? 'control deleted',
    actor,
    now,
  )
}

async function resolveDrift(
  trx: Db,
  model: ModelRef,
  column: 'assertion_id' | 'control_id',
  values: readonly string[],
  resolution: 'assertion_deleted' | 'control_deleted',
  actor: Actor,
  now: string,
) {
  const resolved = await trx
    .updateTable('drift_events')
    .set({ status: 'resolved', resolution, resolved_at: now })
    .where('model_id', '=', model.id)
    .where(column, 'in', [...values])
    .where('status', '=', 'open')
    .returning('id')
    .execute()
  await appendEvents(
    trx,
    resolved
      .map((d) => d.id)
      .sort()
      .map((id) => driftResolved(model, { id, resolution, run_id: null }, logActor(actor), now)),
  )
}

type LinkInput = { kind: string; label: string; url?: string | null | undefined }

/** Adds evidence links to a control (PLATFORM.md §5.10), each logged. */
export async function addEvidenceLinks(
  trx: Db,
  model: ModelRef,
  controlId: string,
  links: readonly LinkInput[],
  actor: Actor,
  now: string,
) {
  const rows = links.map((l) => ({
    id: newId('lnk'),
    model_id: model.id,
    control_id: controlId,
    kind: l.kind,
    label: l.label,
    url: l.url ?? null,
    created_by: actor,
    created_at: now,
    deleted_at: null,
  }))
  if (rows.length === 0) return rows
  await trx
    .insertInto('evidence_links')
    .values(rows.map((r) => ({ ...r, created_by: json(r.created_by) })))
    .execute()
  await appendEvents(
    trx,
    rows.map((r) => evidenceLinkChanged(model, r, 'created', logActor(actor), now)),
  )
  return rows
}

/** Removes an active evidence link, logged; false when there is none with this id on the control. */
export async function removeEvidenceLink(
  trx: Db,
  model: ModelRef,
  controlId: string,
  linkId: string,
  actor: Actor,
  now: string,
): Promise<boolean> {
  const link = await trx
    .updateTable('evidence_links')
    .set({ deleted_at: now })
    .where('model_id', '=', model.id)
    .where('control_id', '=', controlId)
    .where('id', '=', linkId)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
  if (link) await appendEvent(trx, evidenceLinkChanged(model, link, 'deleted', logActor(actor), now))
  return link !== undefined
}

export async function createControl(
  trx: Db,
  modelId: string,
  input: ControlInput,
  actor: Actor,
  cause: 'create' | 'import',
): Promise<ControlRow> {
  const active = await trx
    .selectFrom('controls')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('model_id', '=', modelId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow()
  if (Number(active.n) >= MAX_CONTROLS)
    throw new ApiError(409, 'model_control_limit', `a model holds at most ${MAX_CONTROLS} active controls`)
  const existing = await trx
    .selectFrom('controls')
    .select('id')
    .where('model_id', '=', modelId)
    .where('id', '=', input.id)
    .executeTakeFirst()
  if (existing)
    throw new ApiError(409, 'id_conflict', `control ${input.id} exists (ids are never reused, even after deletion)`)
  const now = nowIso()
  const row: ControlRow = {
    model_id: modelId,
    id: input.id,
    title: input.title,
    description: input.description,
    objective_ids: input.objective_ids,
    intents: input.intents ?? [],
    implementation_status: 'not_implemented',
    implementation_notes: input.implementation_notes ?? '',
    revision: 1,
    created_at: now,
    updated_at: now,
    deleted_at: null,
    delete_reason: null,
    last_reviewed_at: null,
    last_reviewed_by: null,
    verification_status: 'unverified',
    status_reasons: ['no_assertions'],
    last_verified_at: null,
    verified_since: null,
  }
  await trx
    .insertInto('controls')
    .values({
      ...row,
      objective_ids: json(row.objective_ids),
      intents: json(row.intents),
      status_reasons: json(row.status_reasons),
    })
    .execute()
  await recordRevision(trx, modelId, row, cause, actor)
  return row
}

/** Applies a title/objectives/intents change as a new revision and re-judges coherence for it (§4.6). */
export async function reviseControl(
  trx: Db,
  modelId: string,
  control: ControlRow,
  patch: {
    title?: string | undefined
    objective_ids?: string[] | undefined
    intents?: Intent[] | undefined
    description?: string | undefined
  },
  actor: Actor,
  cause: 'update' | 'refine' | 'import',
  refinementId?: string,
): Promise<ControlRow> {
  const next: ControlRow = {
    ...control,
    ...(patch.title !== undefined ? { title: patch.title } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.objective_ids !== undefined ? { objective_ids: patch.objective_ids } : {}),
    ...(patch.intents !== undefined ? { intents: patch.intents } : {}),
  }
  const changed = (['title', 'description', 'objective_ids', 'intents'] as const).some(
    (k) => canonicalJson(next[k]) !== canonicalJson(control[k]),
  )
  if (!changed) return control
  next.revision = control.revision + 1
  next.updated_at = nowIso()
  await trx
    .updateTable('controls')
    .set({
      title: next.title,
      description: next.description,
      objective_ids: json(next.objective_ids),
      intents: json(next.intents),
      revision: next.revision,
      updated_at: next.updated_at,
    })
    .where('model_id', '=', modelId)
    .where('id', '=', control.id)
    .execute()
  await recordRevision(trx, modelId, next, cause, actor, refinementId)
  const assertions = await trx
    .selectFrom('assertions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('control_id', '=', control.id)
    .where('deleted_at', 'is', null)
    .execute()
  await judgeCoherence(trx, next, assertions)
  return next
}

/**
 * Heuristic coherence verdicts (§4.6, §9.2), synchronous, for the control's current revision. In a workspace whose
 * `coherence_mode` is `ai` nothing is judged here: the recomputation that follows queues the AI evaluations.
 */
export async function judgeCoherence(trx: Db, control: ControlRow, assertions: readonly AssertionRow[]) {
  if (assertions.length === 0) return []
  const { settings, workspace_id } = await trx
    .selectFrom('models')
    .innerJoin('workspaces', 'workspaces.id', 'models.workspace_id')
    .select(['workspaces.settings', 'models.workspace_id'])
    .where('models.id', '=', control.model_id)
    .executeTakeFirstOrThrow()
  if ((settings as WorkspaceSettings).coherence_mode === 'ai') return []
  const intents = storedControlIntents(control)
  const now = nowIso()
  const rows = assertions.map((a) => {
    const verdict = coherenceHeuristic(a.type, intents)
    return {
      id: newId('evl'),
      assertion_id: a.id,
      control_revision: control.revision,
      verdict: verdict.verdict,
      method: 'heuristic',
      reason: verdict.reason,
      heuristic_version: HEURISTIC_VERSION,
      overrides: null,
      evaluated_by: null,
      evaluated_at: now,
      job: 'done',
      last_error: null,
    }
  })
  const stored = []
  for (let i = 0; i < rows.length; i += 1000)
    stored.push(
      ...(await trx
        .insertInto('coherence_evaluations')
        .values(rows.slice(i, i + 1000))
        .returningAll()
        .execute()),
    )
  const model = { id: control.model_id, workspace_id }
  await appendEvents(
    trx,
    stored.map((e) => coherenceEvaluated(model, e, SYSTEM, now)),
  )
  return stored
}

export interface AssertionItem {
  type: string
  params: Record<string, unknown>
  description: string
  repo: string | null
}

const itemKey = (i: AssertionItem) =>
  canonicalJson({ type: i.type, params: i.params, description: i.description, repo: i.repo ?? '' })

/**
 * Steps 3–5 of the submission pipeline (PLATFORM.md §5.11) for validated items: equal items are left unchanged,
 * duplicates within the request are refused, the model limit holds, heuristic coherence is judged.
 */
export async function insertAssertions(
  trx: Db,
  modelId: string,
  control: ControlRow,
  items: readonly AssertionItem[],
  actor: Actor,
  source: 'api' | 'mcp' | 'ui' | 'import',
  pathOf: (index: number) => string = (i) => `/assertions/${i}`,
): Promise<{ created: AssertionRow[]; unchanged_ids: string[] }> {
  const seen = new Map<string, number>()
  const duplicates = items.flatMap((item, i) => {
    const key = itemKey(item)
    const first = seen.get(key)
    seen.set(key, first ?? i)
    return first === undefined
      ? []
      : [{ path: pathOf(i), code: 'duplicate_assertion', message: `item ${i} equals item ${first}` }]
  })
  if (duplicates.length) throw new ApiError(422, 'duplicate_assertion', duplicates[0]!.message, { errors: duplicates })
  const existing = await trx
    .selectFrom('assertions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('control_id', '=', control.id)
    .where('deleted_at', 'is', null)
    .execute()
  const existingByKey = new Map(
    existing.map((a) => [
      itemKey({ type: a.type, params: a.params as Record<string, unknown>, description: a.description, repo: a.repo }),
      a.id,
    ]),
  )
  const unchanged_ids: string[] = []
  const fresh = items.filter((item) => {
    const id = existingByKey.get(itemKey(item))
    if (id) unchanged_ids.push(id)
    return !id
  })
  const active = await trx
    .selectFrom('assertions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('model_id', '=', modelId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow()
  if (Number(active.n) + fresh.length > MAX_ASSERTIONS)
    throw new ApiError(
      409,
      'model_assertion_limit',
      `a model holds at most ${MAX_ASSERTIONS} active assertions; it has ${active.n}`,
    )
  const now = nowIso()
  const created: AssertionRow[] = fresh.map((item) => {
    const id = newId('asr')
    return {
      id,
      model_id: modelId,
      control_id: control.id,
      type: item.type,
      params: item.params,
      description: item.description,
      repo: item.repo,
      digest: assertionDigest({
        id,
        model_id: modelId,
        control_id: control.id,
        type: item.type,
        params: item.params,
        description: item.description,
        repo: item.repo,
      }),
      source,
      created_by: actor,
      created_at: now,
      deleted_at: null,
      deleted_by: null,
      delete_reason: null,
    }
  })
  for (let i = 0; i < created.length; i += 1000)
    await trx
      .insertInto('assertions')
      .values(created.slice(i, i + 1000).map((a) => ({ ...a, params: json(a.params), created_by: json(a.created_by) })))
      .execute()
  if (created.length) {
    const chain = await workspaceOf(trx, modelId)
    await appendEvents(
      trx,
      created.map((a) => ({
        chain,
        type: 'assertion.created',
        actor: logActor(actor),
        model: modelId,
        subject: { kind: 'assertion', id: a.id },
        at: now,
        data: { assertion_id: a.id, control_id: control.id, assertion_digest: a.digest },
      })),
    )
  }
  await judgeCoherence(trx, control, created)
  return { created, unchanged_ids }
}
