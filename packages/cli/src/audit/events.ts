import {
  aiModelName,
  assertionDigest,
  canonicalJson,
  controlContentDigest,
  docDigest,
  ENTITY_KINDS,
  entityContentDigest,
  evidenceLinkDigest,
  judgementDigest,
  textDigest,
} from '@warrant/core'
import { arr, isObject, type Json } from './json.js'
import type { Outcome } from './outcome.js'

/** A section record's claim about its log event: which event, of which type, and what its `data` must hold. */
interface Claim {
  /** E2 wording: what the record is (`run`, `assertion`, `control revision`, …). */
  kind: string
  /** E1 wording: the section the record is in. */
  section: string
  id: string
  index: unknown
  type: string
  chain: string | null
  model: string | null
  /** Members of the event's `data`, recomputed from the section record. */
  data: Record<string, unknown>
  /** The event's time, when the record states it. */
  at?: unknown
  /** Whether the record's own stated digest equals the recomputed one (a record that contradicts itself). */
  consistent?: boolean
  /** Whether E2 requires the event (every run, assertion, control revision, judgement, key and policy). */
  required: boolean
}

/** A proven event's record, or undefined when the package holds no proven event at that index. */
export type ProvenRecord = (index: unknown) => Json | undefined

const nullable = (v: unknown) => (v === undefined ? null : v)
const reasonDigest = (text: unknown) => (typeof text === 'string' ? textDigest(text) : null)

/** The event type and `data` a FindingEvent's log event must hold, or null for a kind that is not logged. */
function findingEventClaim(f: Json, e: Json): Pick<Claim, 'type' | 'data'> | null {
  const finding_id = f.id
  switch (e.kind) {
    case 'created':
      return {
        type: 'finding.created',
        data: {
          finding_id,
          control_id: f.control_id,
          severity: f.severity,
          content_digest: docDigest({
            control_id: f.control_id,
            title: f.title,
            description: f.description,
            severity: f.severity,
            checked_locations: f.checked_locations,
            checked_patterns: f.checked_patterns,
            expected_evidence: f.expected_evidence,
          }),
        },
      }
    case 'transitioned':
      return {
        type: 'finding.transitioned',
        data: {
          finding_id,
          from: e.from_status,
          to: e.to_status,
          // The platform logs no digest for an absent or empty reason.
          reason_digest: typeof e.reason === 'string' && e.reason !== '' ? textDigest(e.reason) : null,
        },
      }
    case 'linked':
    case 'unlinked':
      return {
        type: 'finding.linked',
        data: {
          finding_id,
          linked: e.kind === 'linked' ? e.assertion_ids : [],
          unlinked: e.kind === 'unlinked' ? e.assertion_ids : [],
        },
      }
    case 'verification_gained':
    case 'verification_lost':
      return {
        type: 'finding.verification_changed',
        data: { finding_id, verified: e.kind === 'verification_gained', run_id: e.run_id, drift_id: e.drift_id },
      }
    default:
      return null
  }
}

/** Every record of the sections that points to a log event, with what that event must say. */
function claims(sections: Json, workspaceId: string | null, modelId: string | null): Claim[] {
  const ws = workspaceId
  const out: Claim[] = []
  const keys: Json = isObject(sections.keys) ? sections.keys : {}
  for (const k of arr(keys.instance))
    out.push({
      kind: 'instance key',
      section: 'keys',
      id: String(k.fingerprint),
      index: k.event_index,
      type: 'instance_key.activated',
      chain: '_instance',
      model: null,
      data: { fingerprint: k.fingerprint },
      required: true,
    })
  for (const k of arr(keys.log))
    out.push({
      kind: 'log key',
      section: 'keys',
      id: String(k.key_id),
      index: k.event_index,
      type: 'log_key.activated',
      chain: '_instance',
      model: null,
      data: { key_id: k.key_id, vkey: k.vkey },
      required: true,
    })
  for (const k of arr(keys.workspace)) {
    out.push({
      kind: 'workspace key',
      section: 'keys',
      id: String(k.fingerprint),
      index: k.added_event_index,
      type: 'signing_key.added',
      chain: ws,
      model: null,
      data: { fingerprint: k.fingerprint },
      at: k.added_at,
      required: true,
    })
    // A key superseded by a new one is retired by the successor's signing_key.added event, not by a revocation.
    if (k.revoked_event_index !== null || (k.revoked_at !== null && k.revocation_reason !== 'superseded'))
      out.push({
        kind: 'workspace key revocation',
        section: 'keys',
        id: String(k.fingerprint),
        index: k.revoked_event_index,
        type: 'signing_key.revoked',
        chain: ws,
        model: null,
        data: { fingerprint: k.fingerprint, reason: k.revocation_reason, compromised_since: k.compromised_since },
        required: true,
      })
  }
  // The policy history (§10.3): each entry is the policy its security.changed event logged, at that event's time, in
  // log order, so the last one is the policy in force now.
  let previousIndex = -1
  for (const p of arr(sections.policy?.security)) {
    const recomputed = docDigest(p.settings)
    const inOrder = typeof p.event_index !== 'number' || p.event_index > previousIndex
    if (typeof p.event_index === 'number') previousIndex = Math.max(previousIndex, p.event_index)
    out.push({
      kind: 'policy',
      section: 'policy',
      id: String(p.policy_digest),
      index: p.event_index,
      type: 'security.changed',
      chain: ws,
      model: null,
      data: { policy_digest: recomputed, require_attestation: p.settings?.require_attestation },
      at: p.effective_from,
      consistent: recomputed === p.policy_digest && inOrder,
      required: true,
    })
  }
  const model: Json = isObject(sections.model) ? sections.model : {}
  const modelRecord = (section: string, c: Omit<Claim, 'chain' | 'model' | 'section'>): Claim => ({
    ...c,
    section,
    chain: ws,
    model: modelId,
  })
  for (const [list, entityKind] of Object.entries(ENTITY_KINDS))
    for (const { id, deleted_at: _d, event_index, ...body } of arr(model[list]))
      if (event_index !== null)
        out.push(
          modelRecord('model', {
            kind: entityKind,
            id: String(id),
            index: event_index,
            type: 'entity.changed',
            data: { entity_kind: entityKind, entity_id: id, content_digest: entityContentDigest(String(id), body) },
            required: false,
          }),
        )
  for (const c of arr(model.controls)) {
    for (const r of arr(c.revisions)) {
      const content = controlContentDigest({
        id: c.id,
        revision: r.revision,
        title: r.title,
        description: r.description,
        objective_ids: r.objective_ids,
        intents: r.intents,
      })
      out.push(
        modelRecord('model', {
          kind: 'control revision',
          id: `${c.id}@${r.revision}`,
          index: r.event_index,
          type: 'control.revised',
          data: { control_id: c.id, revision: r.revision, content_digest: content, cause: r.cause },
          consistent: content === r.content_digest,
          required: true,
        }),
      )
    }
    for (const h of arr(c.implementation_history))
      if (h.event_index !== null)
        out.push(
          modelRecord('model', {
            kind: 'control implementation',
            id: String(c.id),
            index: h.event_index,
            type: 'control.implementation_changed',
            data: { control_id: c.id, status: h.status, notes_digest: reasonDigest(h.notes) },
            required: false,
          }),
        )
    for (const l of arr(c.evidence_links))
      if (l.event_index !== null)
        out.push(
          modelRecord('model', {
            kind: 'evidence link',
            id: String(l.id),
            index: l.event_index,
            type: 'evidence_link.changed',
            data: {
              control_id: c.id,
              link_id: l.id,
              content_digest: evidenceLinkDigest({
                id: l.id,
                control_id: l.control_id,
                kind: l.kind,
                label: l.label,
                url: l.url,
                created_by: l.created_by,
              }),
            },
            required: false,
          }),
        )
    for (const r of arr(c.reviews))
      if (r.event_index !== null)
        out.push(
          modelRecord('model', {
            kind: 'control review',
            id: String(r.id),
            index: r.event_index,
            type: 'control.reviewed',
            data: {
              review_id: r.id,
              control_id: c.id,
              revision: r.control_revision,
              outcome: r.outcome,
              review_digest: judgementDigest(r),
            },
            required: false,
          }),
        )
    for (const r of arr(c.refinements))
      if (r.event_index !== null)
        out.push(
          modelRecord('model', {
            kind: 'refinement',
            id: String(r.id),
            index: r.event_index,
            type: 'refinement.changed',
            data: {
              refinement_id: r.id,
              control_id: c.id,
              status: r.status,
              method: r.method,
              model: aiModelName({ provider: r.provider ?? null, model: r.model ?? null }),
              prompt_hash: r.prompt_hash,
              decision_digest: reasonDigest(r.decision_note),
            },
            required: false,
          }),
        )
  }
  for (const a of arr(sections.assertions)) {
    const recomputed = assertionDigest({
      id: a.id,
      model_id: a.model_id,
      control_id: a.control_id,
      type: a.type,
      params: a.params,
      description: a.description,
      repo: a.repo,
    })
    out.push(
      modelRecord('assertions', {
        kind: 'assertion',
        id: String(a.id),
        index: a.created_event_index,
        type: 'assertion.created',
        data: { assertion_id: a.id, control_id: a.control_id, assertion_digest: recomputed },
        consistent: recomputed === a.digest,
        required: true,
      }),
    )
    if (a.deleted_at !== null || a.deleted_event_index !== null)
      out.push(
        modelRecord('assertions', {
          kind: 'assertion deletion',
          id: String(a.id),
          index: a.deleted_event_index,
          type: 'assertion.deleted',
          data: { assertion_id: a.id },
          required: true,
        }),
      )
  }
  const judgements: Json = isObject(sections.judgements) ? sections.judgements : {}
  // A queued or failed AI evaluation (still `pending`) is no judgement yet: it has no event until it is made.
  for (const e of arr(judgements.coherence))
    out.push(
      modelRecord('judgements', {
        kind: 'coherence evaluation',
        id: String(e.id),
        index: e.event_index,
        type: 'coherence.evaluated',
        data: {
          evaluation_id: e.id,
          assertion_id: e.assertion_id,
          control_revision: e.control_revision,
          verdict: e.verdict,
          method: e.method,
          evaluation_digest: judgementDigest(e),
        },
        required: e.verdict !== 'pending',
      }),
    )
  for (const e of arr(judgements.sufficiency))
    out.push(
      modelRecord('judgements', {
        kind: 'sufficiency evaluation',
        id: String(e.id),
        index: e.event_index,
        type: 'sufficiency.evaluated',
        data: {
          evaluation_id: e.id,
          control_id: e.control_id,
          control_revision: e.control_revision,
          assertion_set_digest: e.assertion_set_digest,
          status: e.status,
          method: e.method,
          evaluation_digest: judgementDigest(e),
        },
        required: e.status !== 'pending',
      }),
    )
  for (const r of arr(judgements.tier2_reviews))
    out.push(
      modelRecord('judgements', {
        kind: 'tier2 review',
        id: String(r.id),
        index: r.event_index,
        type: 'tier2.reviewed',
        data: {
          review_id: r.id,
          assertion_id: r.assertion_id,
          repo: r.repo,
          verdict: r.verdict,
          anchor_result_id: r.anchor_result_id,
          evidence_digest: r.evidence_digest,
          prompt_hash: r.prompt_hash,
          review_digest: judgementDigest(r),
        },
        required: true,
      }),
    )
  // Each FindingEvent except `noted` (free text, not logged) has its own finding.* event (§9.2).
  for (const f of arr(sections.findings))
    for (const e of arr(f.events)) {
      // A kind that is not logged must point to no event: one that does disagrees with whatever event it names.
      const claim =
        findingEventClaim(f, e) ?? (e.event_index !== null ? { type: `finding.${String(e.kind)}`, data: {} } : null)
      if (claim)
        out.push(
          modelRecord('findings', {
            kind: `finding ${String(e.kind)} event`,
            id: String(f.id),
            index: e.event_index,
            at: e.at,
            required: true,
            ...claim,
            consistent: e.finding_id === f.id,
          }),
        )
    }
  // R2 compares the whole run.accepted event with the run; here only its presence and the id.
  for (const r of arr(sections.runs))
    out.push(
      modelRecord('runs', {
        kind: 'run',
        id: String(r.run_id),
        index: r.log_index,
        type: 'run.accepted',
        data: { run_id: r.run_id },
        required: true,
      }),
    )
  return out
}

/**
 * E1 and E2 (EVIDENCE.md §12.2): every section record that names a log event matches that proven event (type, chain,
 * model, ids, and the digests recomputed from the record with the functions the platform uses), and every run,
 * assertion, control revision, judgement, key, policy and logged FindingEvent has its proven event in the package.
 */
export function checkEventRecords(
  sections: Json,
  workspaceId: string | null,
  modelId: string | null,
  provenRecord: ProvenRecord,
): { E1: Outcome[]; E2: Outcome[] } {
  const E1: Outcome[] = []
  const E2: Outcome[] = []
  for (const c of claims(sections, workspaceId, modelId)) {
    const event = provenRecord(c.index)
    if (!event) {
      if (c.required || c.index !== null)
        E2.push({ status: 'fail', message: `${c.kind} ${c.id} has no log event in the package`, subject: c.id })
      continue
    }
    const agrees =
      c.consistent !== false &&
      event.type === c.type &&
      event.chain === c.chain &&
      event.model === c.model &&
      isObject(event.data) &&
      (c.at === undefined || event.at === c.at) &&
      Object.entries(c.data).every(([k, v]) => canonicalJson(nullable(event.data[k])) === canonicalJson(nullable(v)))
    if (!agrees)
      E1.push({
        status: 'fail',
        message: `${c.section} ${c.id} disagrees with log event ${String(c.index)}`,
        subject: c.id,
      })
  }
  return { E1, E2 }
}
