import {
  aiModelName,
  docDigest,
  ENTITY_KINDS,
  entityContentDigest,
  evidenceLinkDigest,
  judgementDigest,
  textDigest,
} from '@warrant/core'
import type { Selectable } from 'kysely'
import type {
  CoherenceEvaluationsTable,
  ControlReviewsTable,
  SufficiencyEvaluationsTable,
  Tier2ReviewsTable,
} from '../db/schema.js'
import type { ItemKind } from '../schemas/model.js'
import type { Actor, EventInput } from './log.js'

/**
 * Log events of account, membership, key, model, entity, control and judgement changes (EVIDENCE.md §9.2): ids, enum
 * values, integers and digests only, so no email, title, note or other text of the changed object reaches the log.
 */

export type UserChange = 'created' | 'disabled' | 'enabled' | 'admin_granted' | 'admin_revoked'

export const userChanged = (userId: string, change: UserChange, actor: Actor, at: string): EventInput => ({
  chain: '_instance',
  type: 'user.changed',
  actor,
  model: null,
  subject: { kind: 'user', id: userId },
  at,
  data: { user_id: userId, change },
})

/** A new user's events: created, and admin_granted when the account starts as an instance admin. */
export const userCreated = (user: { id: string; instance_admin: boolean }, actor: Actor, at: string): EventInput[] => [
  userChanged(user.id, 'created', actor, at),
  ...(user.instance_admin ? [userChanged(user.id, 'admin_granted', actor, at)] : []),
]

export const apiKeyChanged = (
  key: { id: string; workspace_id: string; scope: string },
  change: 'created' | 'revoked' | 'suspended' | 'restored',
  actor: Actor,
  at: string,
): EventInput => ({
  chain: key.workspace_id,
  type: 'api_key.changed',
  actor,
  model: null,
  subject: { kind: 'api_key', id: key.id },
  at,
  data: { key_id: key.id, scope: key.scope, change },
})

/** EVIDENCE.md §3.6: `doc_digest({id, revision, title, description, repos})`. */
export const modelChanged = (
  m: { id: string; workspace_id: string; revision: number; title: string; description: string; repos: unknown },
  change: 'created' | 'imported' | 'updated' | 'archived' | 'restored',
  actor: Actor,
  at: string,
): EventInput => ({
  chain: m.workspace_id,
  type: 'model.changed',
  actor,
  model: m.id,
  subject: { kind: 'model', id: m.id },
  at,
  data: {
    change,
    revision: m.revision,
    content_digest: docDigest({
      id: m.id,
      revision: m.revision,
      title: m.title,
      description: m.description,
      repos: m.repos,
    }),
  },
})

export const ENTITY_KIND: Record<ItemKind, (typeof ENTITY_KINDS)[ItemKind]> = ENTITY_KINDS

/** EVIDENCE.md §3.6: the digest of the entity's stored fields (its id and body), without timestamps. */
export const entityChanged = (
  model: { id: string; workspace_id: string },
  item: { kind: ItemKind; key: string; body: unknown },
  change: 'created' | 'updated' | 'deleted',
  actor: Actor,
  at: string,
): EventInput => ({
  chain: model.workspace_id,
  type: 'entity.changed',
  actor,
  model: model.id,
  subject: { kind: ENTITY_KIND[item.kind], id: item.key },
  at,
  data: {
    entity_kind: ENTITY_KIND[item.kind],
    entity_id: item.key,
    change,
    content_digest: entityContentDigest(item.key, item.body as Record<string, unknown>),
  },
})

export type MemberChange = 'added' | 'role_changed' | 'removed'

export const memberChanged = (
  m: { workspace_id: string; user_id: string; role: string },
  change: MemberChange,
  actor: Actor,
  at: string,
): EventInput => ({
  chain: m.workspace_id,
  type: 'member.changed',
  actor,
  model: null,
  subject: { kind: 'user', id: m.user_id },
  at,
  data: { user_id: m.user_id, role: m.role, change },
})

/** EVIDENCE.md §3.6: `settings_digest` is the `doc_digest` of the WorkspaceSettings after the change. */
export const settingsChanged = (workspaceId: string, settings: unknown, actor: Actor, at: string): EventInput => ({
  chain: workspaceId,
  type: 'workspace.settings_changed',
  actor,
  model: null,
  subject: { kind: 'workspace', id: workspaceId },
  at,
  data: { settings_digest: docDigest(settings) },
})

/** A model, for the events of its workspace chain. */
export type ModelRef = { id: string; workspace_id: string }

const modelEvent = (
  model: ModelRef,
  type: string,
  subject: EventInput['subject'],
  data: Record<string, unknown>,
  actor: Actor,
  at: string,
): EventInput => ({ chain: model.workspace_id, type, actor, model: model.id, subject, at, data })

const reasonDigest = (reason: string | null) => (reason === null ? null : textDigest(reason))

export const controlDeleted = (
  model: ModelRef,
  controlId: string,
  reason: string | null,
  actor: Actor,
  at: string,
): EventInput =>
  modelEvent(
    model,
    'control.deleted',
    { kind: 'control', id: controlId },
    { control_id: controlId, reason_digest: reasonDigest(reason) },
    actor,
    at,
  )

export const assertionDeleted = (
  model: ModelRef,
  assertionId: string,
  reason: string | null,
  actor: Actor,
  at: string,
): EventInput =>
  modelEvent(
    model,
    'assertion.deleted',
    { kind: 'assertion', id: assertionId },
    { assertion_id: assertionId, reason_digest: reasonDigest(reason) },
    actor,
    at,
  )

/** The implementation status in force after the change and the digest of the notes in force after it. */
export const implementationChanged = (
  model: ModelRef,
  c: { id: string; implementation_status: string; implementation_notes: string },
  actor: Actor,
  at: string,
): EventInput =>
  modelEvent(
    model,
    'control.implementation_changed',
    { kind: 'control', id: c.id },
    { control_id: c.id, status: c.implementation_status, notes_digest: textDigest(c.implementation_notes) },
    actor,
    at,
  )

/** `review_digest` is the `doc_digest` of the review as the audit package exports it (EVIDENCE.md §3.6, §10.3). */
export const controlReviewed = (model: ModelRef, r: Selectable<ControlReviewsTable>, actor: Actor): EventInput =>
  modelEvent(
    model,
    'control.reviewed',
    { kind: 'control_review', id: r.id },
    {
      review_id: r.id,
      control_id: r.control_id,
      revision: r.control_revision,
      outcome: r.outcome,
      review_digest: judgementDigest(r),
    },
    actor,
    r.created_at,
  )

/** EVIDENCE.md §3.6: the digest of the link's stored fields (PLATFORM.md §2.2) without timestamps. */
export const evidenceLinkChanged = (
  model: ModelRef,
  l: { id: string; control_id: string; kind: string; label: string; url: string | null; created_by: unknown },
  change: 'created' | 'deleted',
  actor: Actor,
  at: string,
): EventInput =>
  modelEvent(
    model,
    'evidence_link.changed',
    { kind: 'evidence_link', id: l.id },
    {
      control_id: l.control_id,
      link_id: l.id,
      change,
      content_digest: evidenceLinkDigest(l),
    },
    actor,
    at,
  )

/** A refinement's status after a proposal or decision; `decision_digest` is the text digest of the decision note. */
export const refinementChanged = (
  model: ModelRef,
  r: {
    id: string
    control_id: string
    status: string
    method: string
    provider: string | null
    model: string | null
    prompt_hash: string | null
    decision_note: string | null
  },
  actor: Actor,
  at: string,
): EventInput =>
  modelEvent(
    model,
    'refinement.changed',
    { kind: 'refinement', id: r.id },
    {
      refinement_id: r.id,
      control_id: r.control_id,
      status: r.status,
      method: r.method,
      model: aiModelName(r),
      prompt_hash: r.prompt_hash,
      decision_digest: reasonDigest(r.decision_note),
    },
    actor,
    at,
  )

/** A coherence or sufficiency evaluation as the audit package exports it (EVIDENCE.md §10.3), without `event_index`. */
export const judgementRecord = <T extends { job: string; last_error: string | null }>({
  job: _job,
  last_error: _error,
  ...rest
}: T) => rest

/** A stored coherence verdict; `evaluation_digest` is the `doc_digest` of its exported record (EVIDENCE.md §3.6). */
export const coherenceEvaluated = (
  model: ModelRef,
  e: Selectable<CoherenceEvaluationsTable>,
  actor: Actor,
  at: string,
): EventInput =>
  modelEvent(
    model,
    'coherence.evaluated',
    { kind: 'coherence_evaluation', id: e.id },
    {
      evaluation_id: e.id,
      assertion_id: e.assertion_id,
      control_revision: e.control_revision,
      verdict: e.verdict,
      method: e.method,
      model: aiModelName(e),
      prompt_hash: e.prompt_hash,
      heuristic_version: e.heuristic_version,
      evaluation_digest: judgementDigest(e),
    },
    actor,
    at,
  )

/** A stored sufficiency verdict; `evaluation_digest` is the `doc_digest` of its exported record (EVIDENCE.md §3.6). */
export const sufficiencyEvaluated = (
  model: ModelRef,
  e: Selectable<SufficiencyEvaluationsTable>,
  actor: Actor,
  at: string,
): EventInput =>
  modelEvent(
    model,
    'sufficiency.evaluated',
    { kind: 'sufficiency_evaluation', id: e.id },
    {
      evaluation_id: e.id,
      control_id: e.control_id,
      control_revision: e.control_revision,
      assertion_set_digest: e.assertion_set_digest,
      status: e.status,
      method: e.method,
      model: aiModelName(e),
      prompt_hash: e.prompt_hash,
      evaluation_digest: judgementDigest(e),
    },
    actor,
    at,
  )

/** A human Tier 2 review; `review_digest` is the `doc_digest` of the review as exported (EVIDENCE.md §3.6). */
export const tier2Reviewed = (model: ModelRef, r: Selectable<Tier2ReviewsTable>, actor: Actor): EventInput =>
  modelEvent(
    model,
    'tier2.reviewed',
    { kind: 'tier2_review', id: r.id },
    {
      review_id: r.id,
      assertion_id: r.assertion_id,
      repo: r.repo,
      verdict: r.verdict,
      anchor_result_id: r.anchor_result_id,
      evidence_digest: r.evidence_digest,
      prompt_hash: r.prompt_hash,
      review_digest: judgementDigest(r),
    },
    actor,
    r.created_at,
  )

/** `run_id` is the run whose result resolved the drift, or null when a deletion or a person resolved it. */
export const driftResolved = (
  model: ModelRef,
  d: { id: string; resolution: string; run_id: string | null },
  actor: Actor,
  at: string,
): EventInput =>
  modelEvent(
    model,
    'drift.resolved',
    { kind: 'drift', id: d.id },
    { drift_id: d.id, resolution: d.resolution, run_id: d.run_id },
    actor,
    at,
  )
