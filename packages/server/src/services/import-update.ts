import { canonicalJson, type ModelFile } from '@warrant/core'
import type { ModelRow } from '../auth/access.js'
import type { Db } from '../db/open.js'
import { json } from '../db/open.js'
import { ApiError } from '../errors.js'
import { nowIso } from '../ids.js'
import { entityChanged, implementationChanged, type ModelRef, modelChanged } from './change-events.js'
import {
  type Actor,
  addEvidenceLinks,
  createControl,
  deleteAssertions,
  deleteControl,
  insertAssertions,
  logActor,
  removeEvidenceLink,
  reviseControl,
} from './controls.js'
import { appendEvent, type Actor as LogActor } from './log.js'
import { proposeRefinement } from './refinements.js'

type Kind = 'assets' | 'attackers' | 'assumptions' | 'control_objectives'
const KINDS: Kind[] = ['assets', 'attackers', 'assumptions', 'control_objectives']
type Op = { entity: string; id: string; apply: (trx: Db) => Promise<void> }

export interface ImportPlan {
  create: string[]
  update: string[]
  refine: string[]
  delete: string[]
  unchanged: string[]
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b)
const assertionKey = (a: { type: string; params: unknown; description: string; repo: string | null }) =>
  canonicalJson({ type: a.type, params: a.params, description: a.description, repo: a.repo ?? '' })

/** What the stored model holds, for the parser's cross-references (§8.2) and the plan. */
export async function existingModel(trx: Db, modelId: string) {
  const [items, controls, assertions, links] = await Promise.all([
    trx.selectFrom('model_items').selectAll().where('model_id', '=', modelId).execute(),
    trx.selectFrom('controls').selectAll().where('model_id', '=', modelId).execute(),
    trx.selectFrom('assertions').selectAll().where('model_id', '=', modelId).where('deleted_at', 'is', null).execute(),
    trx
      .selectFrom('evidence_links')
      .selectAll()
      .where('model_id', '=', modelId)
      .where('deleted_at', 'is', null)
      .execute(),
  ])
  return { items, controls, assertions, links }
}

/**
 * An update import in `merge` or `sync` mode (PLATFORM.md §8.3): a plan of operations, all applied in the caller's
 * transaction or, for a dry run, only described. Changed control descriptions become refinements.
 */
export async function planUpdate(trx: Db, model: ModelRow, file: ModelFile, mode: 'merge' | 'sync', actor: Actor) {
  const stored = await existingModel(trx, model.id)
  const ops: Op[] = []
  const plan: ImportPlan = { create: [], update: [], refine: [], delete: [], unchanged: [] }
  const note = (bucket: keyof ImportPlan, entity: string, id: string, apply?: (trx: Db) => Promise<void>) => {
    plan[bucket].push(`${entity}:${id}`)
    if (apply) ops.push({ entity, id, apply })
  }
  const now = nowIso()
  const by = logActor(actor)
  const conflicts: { path: string; message: string }[] = []
  const invalid: { path: string; line: null; column: null; code: string; message: string }[] = []

  const modelFields = {
    title: file.model.title,
    description: file.model.description ?? model.description,
    repos: (file.model.repos ?? (model.repos as string[])).map((r) => r.toLowerCase()),
  }
  if (!same(modelFields, { title: model.title, description: model.description, repos: model.repos }))
    note('update', 'model', model.id, async (t) => {
      const updated = await t
        .updateTable('models')
        .set({ ...modelFields, repos: json(modelFields.repos), revision: model.revision + 1, updated_at: now })
        .where('id', '=', model.id)
        .returningAll()
        .executeTakeFirstOrThrow()
      await appendEvent(t, modelChanged(updated, 'updated', by, now))
    })

  for (const kind of KINDS) {
    const storedItems = new Map(stored.items.filter((i) => i.kind === kind).map((i) => [i.key, i]))
    for (const [index, entry] of file[kind].entries()) {
      const { id, ...body } = entry as { id: string }
      const existing = storedItems.get(id)
      if (existing?.deleted_at)
        conflicts.push({
          path: `/${kind}/${index}/id`,
          message: `${id} belongs to a deleted ${kind.replace(/s$/, '')}; ids are never reused`,
        })
      else if (!existing)
        note('create', kind, id, async (t) => {
          await t
            .insertInto('model_items')
            .values({
              model_id: model.id,
              kind,
              key: id,
              body: json(body),
              created_at: now,
              updated_at: now,
              deleted_at: null,
              delete_reason: null,
            })
            .execute()
          await appendEvent(t, entityChanged(model, { kind, key: id, body }, 'created', by, now))
        })
      else {
        const merged = { ...(existing.body as object), ...body }
        if (same(merged, existing.body)) note('unchanged', kind, id)
        else
          note('update', kind, id, async (t) => {
            await t
              .updateTable('model_items')
              .set({ body: json(merged), updated_at: now })
              .where('model_id', '=', model.id)
              .where('kind', '=', kind)
              .where('key', '=', id)
              .execute()
            await appendEvent(t, entityChanged(model, { kind, key: id, body: merged }, 'updated', by, now))
          })
      }
    }
    if (mode === 'sync') {
      const inFile = new Set(file[kind].map((e) => e.id))
      for (const i of storedItems.values())
        if (!i.deleted_at && !inFile.has(i.key))
          note('delete', kind, i.key, async (t) => {
            await t
              .updateTable('model_items')
              .set({ deleted_at: now, delete_reason: 'removed by a sync import' })
              .where('model_id', '=', model.id)
              .where('kind', '=', kind)
              .where('key', '=', i.key)
              .execute()
            await appendEvent(t, entityChanged(model, { kind, key: i.key, body: i.body }, 'deleted', by, now))
          })
    }
  }

  const storedControls = new Map(stored.controls.map((c) => [c.id, c]))
  const changes = () => plan.create.length + plan.update.length + plan.refine.length + plan.delete.length
  for (const [ci, entry] of file.controls.entries()) {
    const before = changes()
    planControl(ci, entry)
    if (changes() === before && storedControls.has(entry.id)) note('unchanged', 'control', entry.id)
  }
  function planControl(ci: number, entry: ModelFile['controls'][number]) {
    const existing = storedControls.get(entry.id)
    if (existing?.deleted_at) {
      conflicts.push({ path: `/controls/${ci}/id`, message: `${entry.id} is a deleted control; ids are never reused` })
      return
    }
    if (!existing) {
      note('create', 'control', entry.id, (t) => createControlFromFile(t, model, entry, ci, actor, now))
      return
    }
    // Structural fields: a new revision when they differ (the description only through a refinement).
    const patch = {
      title: entry.title,
      objective_ids: entry.objective_ids,
      ...(entry.intents !== undefined ? { intents: entry.intents } : {}),
    }
    const structural = !same(
      { ...patch, intents: patch.intents ?? existing.intents },
      { title: existing.title, objective_ids: existing.objective_ids, intents: existing.intents },
    )
    if (structural)
      note(
        'update',
        'control',
        entry.id,
        async (t) =>
          void (await reviseControl(t, model.id, (await controlRow(t, model.id, entry.id))!, patch, actor, 'import')),
      )
    if (entry.implementation_notes !== undefined && entry.implementation_notes !== existing.implementation_notes)
      note('update', 'control_notes', entry.id, (t) =>
        setImplementation(t, model, entry.id, { implementation_notes: entry.implementation_notes! }, by, now),
      )
    if (entry.description !== existing.description) {
      const justification = entry.refinement_justification ?? file.revision_note
      if (!justification)
        invalid.push({
          path: `/controls/${ci}/description`,
          line: null,
          column: null,
          code: 'justification_required',
          message: `the description of ${entry.id} changed: give refinement_justification or revision_note`,
        })
      else
        note(
          'refine',
          'control',
          entry.id,
          async (t) =>
            void (await proposeRefinement(
              t,
              model.id,
              (await controlRow(t, model.id, entry.id))!,
              { description: entry.description, justification },
              actor,
              false,
            )),
        )
    }

    const active = stored.assertions.filter((a) => a.control_id === entry.id)
    const byKey = new Map(active.map((a) => [assertionKey({ ...a, params: a.params }), a]))
    const kept = new Set<string>()
    const fresh = entry.assertions.filter((a) => {
      const match =
        (a.id && active.find((x) => x.id === a.id && assertionKey({ ...x, params: x.params }) === assertionKey(a))) ||
        byKey.get(assertionKey(a))
      if (match) {
        kept.add(match.id)
        note('unchanged', 'assertion', match.id)
      }
      return !match
    })
    if (fresh.length)
      note(
        'create',
        'assertions',
        `${entry.id}×${fresh.length}`,
        async (t) =>
          void (await insertAssertions(
            t,
            model.id,
            (await controlRow(t, model.id, entry.id))!,
            fresh,
            actor,
            'import',
            (i) => `/controls/${ci}/assertions/${i}`,
          )),
      )
    const dropped = mode === 'sync' ? active.filter((a) => !kept.has(a.id)) : []
    for (const a of dropped)
      note('delete', 'assertion', a.id, (t) => deleteAssertions(t, model, [a.id], SYNC_REMOVAL, actor, now))
    const willBeImplemented = (entry.implementation_status ?? existing.implementation_status) === 'implemented'
    if (willBeImplemented && kept.size + fresh.length === 0 && active.length - dropped.length === 0)
      conflicts.push({
        path: `/controls/${ci}`,
        message: `${entry.id} stays implemented but would have no active assertion`,
      })
    if (entry.implementation_status !== undefined && entry.implementation_status !== existing.implementation_status)
      note('update', 'control_status', entry.id, (t) =>
        setImplementation(t, model, entry.id, { implementation_status: entry.implementation_status! }, by, now),
      )

    const links = stored.links.filter((l) => l.control_id === entry.id)
    const linkKey = (l: { kind: string; label: string; url?: string | null }) =>
      canonicalJson([l.kind, l.label, l.url ?? null])
    const storedLinks = new Set(links.map(linkKey))
    for (const l of entry.evidence_links)
      if (!storedLinks.has(linkKey(l)))
        note(
          'create',
          'evidence_link',
          `${entry.id}:${l.label}`,
          async (t) => void (await addEvidenceLinks(t, model, entry.id, [l], actor, now)),
        )
    if (mode === 'sync') {
      const fileLinks = new Set(entry.evidence_links.map(linkKey))
      for (const l of links)
        if (!fileLinks.has(linkKey(l)))
          note(
            'delete',
            'evidence_link',
            l.id,
            async (t) => void (await removeEvidenceLink(t, model, entry.id, l.id, actor, now)),
          )
    }
  }

  if (mode === 'sync') {
    const inFile = new Set(file.controls.map((c) => c.id))
    for (const c of stored.controls)
      if (!c.deleted_at && !inFile.has(c.id))
        note('delete', 'control', c.id, (t) => deleteControl(t, model, c.id, SYNC_REMOVAL, actor, now))
  }

  if (invalid.length) throw new ApiError(422, 'import_invalid', invalid[0]!.message, { errors: invalid })
  if (conflicts.length)
    throw new ApiError(
      409,
      'import_conflict',
      `${conflicts.length} conflict(s); first: ${conflicts[0]!.path}: ${conflicts[0]!.message}`,
      { conflicts },
    )
  return {
    plan,
    apply: async (t: Db) => {
      for (const op of ops) await op.apply(t)
    },
  }
}

/** A control of a model file created with its assertions, evidence links and implementation status (§8.3). */
export async function createControlFromFile(
  t: Db,
  model: ModelRef,
  entry: ModelFile['controls'][number],
  index: number,
  actor: Actor,
  now: string,
): Promise<void> {
  const c = await createControl(
    t,
    model.id,
    {
      id: entry.id,
      title: entry.title,
      description: entry.description,
      objective_ids: entry.objective_ids,
      intents: entry.intents,
      implementation_notes: entry.implementation_notes,
    },
    actor,
    'import',
  )
  if (entry.assertions.length)
    await insertAssertions(
      t,
      model.id,
      c,
      entry.assertions,
      actor,
      'import',
      (i) => `/controls/${index}/assertions/${i}`,
    )
  await addEvidenceLinks(t, model, c.id, entry.evidence_links, actor, now)
  if (entry.implementation_status === 'implemented')
    await setImplementation(t, model, c.id, { implementation_status: 'implemented' }, logActor(actor), now)
}

const SYNC_REMOVAL = 'removed by a sync import'

/** An import's change of a control's implementation status or notes, logged with the state after it. */
async function setImplementation(
  t: Db,
  model: ModelRef,
  controlId: string,
  change: { implementation_status: string } | { implementation_notes: string },
  by: LogActor,
  now: string,
) {
  const c = await t
    .updateTable('controls')
    .set({ ...change, updated_at: now })
    .where('model_id', '=', model.id)
    .where('id', '=', controlId)
    .returningAll()
    .executeTakeFirstOrThrow()
  await appendEvent(t, implementationChanged(model, c, by, now))
}

const controlRow = (t: Db, modelId: string, id: string) =>
  t.selectFrom('controls').selectAll().where('model_id', '=', modelId).where('id', '=', id).executeTakeFirst()
