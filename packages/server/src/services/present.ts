import type { PerRepoEffective } from '@warrant/core'
import type { ModelRow } from '../auth/access.js'
import type { AssertionRow, ControlRow, EvaluatedAssertion, EvaluatedControl } from './state.js'

/** Public shapes of PLATFORM.md §2: stored fields plus the computed ones from the model state. */

const effective = (p: PerRepoEffective, tier: 1 | 2) => {
  const t = tier === 1 ? p.tier1 : p.tier2
  const record = tier === 1 ? p.tier1.anchor : p.tier2.verdict
  return {
    result: t.result,
    source: record ? (tier === 1 ? 'ci' : (record as { source: string }).source) : null,
    run_id: record && 'run_id' in record ? record.run_id : null,
    result_id: record?.id ?? null,
    at: record ? ('accepted_at' in record ? record.accepted_at : (record as { at: string }).at) : null,
    evidence_digest: record?.evidence_digest ?? null,
    stale_reason: tier === 2 ? p.tier2.stale_reason : null,
  }
}

export function presentAssertion(a: AssertionRow, e: EvaluatedAssertion | undefined, findingIds: string[] = []) {
  return {
    id: a.id,
    model_id: a.model_id,
    control_id: a.control_id,
    type: a.type,
    params: a.params,
    description: a.description,
    repo: a.repo,
    digest: a.digest,
    source: a.source,
    created_by: a.created_by,
    created_at: a.created_at,
    deleted_at: a.deleted_at,
    deleted_by: a.deleted_by,
    delete_reason: a.delete_reason,
    coherence: e?.coherence ?? null,
    evaluation: e?.evaluation.evaluation ?? null,
    evaluation_reasons: e?.evaluation.reasons ?? [],
    tier1: e?.evaluation.tier1 ?? null,
    tier2: e?.evaluation.tier2 ?? null,
    per_repo: (e?.evaluation.per_repo ?? []).map((p) => ({
      repo: p.repo,
      tier1: effective(p, 1),
      tier2: effective(p, 2),
    })),
    finding_ids: findingIds,
  }
}

export function presentControl(c: ControlRow, e: EvaluatedControl | undefined, openFindings = 0) {
  return {
    id: c.id,
    model_id: c.model_id,
    title: c.title,
    description: c.description,
    objective_ids: c.objective_ids,
    intents: c.intents,
    implementation_status: c.implementation_status,
    implementation_notes: c.implementation_notes,
    revision: c.revision,
    created_at: c.created_at,
    updated_at: c.updated_at,
    deleted_at: c.deleted_at,
    delete_reason: c.delete_reason,
    last_reviewed_at: c.last_reviewed_at,
    last_reviewed_by: c.last_reviewed_by,
    verification_status: e?.verification_status ?? c.verification_status,
    status_reasons: e?.status_reasons ?? c.status_reasons,
    sufficiency: e
      ? {
          status: e.sufficiency.status,
          method: e.sufficiency.method,
          details: e.sufficiency.details,
          missing_aspects: e.sufficiency.missing_aspects,
        }
      : null,
    assertion_count: e?.assertions.length ?? 0,
    open_drift: e?.open_drift ?? 0,
    open_findings: openFindings,
    last_verified_at: c.last_verified_at,
    verified_since: c.verified_since,
  }
}

export const presentModel = (m: ModelRow) => ({
  id: m.id,
  workspace_id: m.workspace_id,
  title: m.title,
  description: m.description,
  repos: m.repos,
  revision: m.revision,
  created_at: m.created_at,
  created_by: m.created_by,
  updated_at: m.updated_at,
  archived_at: m.archived_at,
})
