import { findingShownStatus, type StatusReason, type VerificationStatus } from '@warrant/core'
import { queueMissingEvaluations } from '../ai/jobs.js'
import type { Db } from '../db/open.js'
import { json } from '../db/open.js'
import { nowIso } from '../ids.js'
import { appendEvents } from './log.js'
import { loadModelState, type ModelState } from './state.js'
import type { WorkspaceSettings } from './workspaces.js'

export interface StatusChange {
  control_id: string
  from: VerificationStatus
  to: VerificationStatus
  reasons: StatusReason[]
}

export interface FindingChange {
  finding_id: string
  from: string
  to: string
}

export interface IngestedRun {
  id: string
  accepted_at: string
  /** Assertions with a result in the run: their controls' `last_verified_at` moves to the run (§4.13). */
  assertion_ids: ReadonlySet<string>
  /** Drift opened by the run, per assertion, so findings that lose `verified` can name it. */
  drift_by_assertion: ReadonlyMap<string, string>
}

const sameReasons = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((r, i) => r === b[i])

/**
 * Recomputes and materialises a model's control statuses and finding verification inside the caller's transaction
 * (PLATFORM.md §4.13), returning what changed. Outside a results ingest (which changes neither assertions nor
 * revisions) it also queues the AI evaluations the workspace's modes call for (§4.6, §4.7): `queued_jobs`.
 */
export async function recompute(
  trx: Db,
  modelId: string,
  settings: WorkspaceSettings,
  run?: IngestedRun,
): Promise<{
  state: ModelState
  status_changes: StatusChange[]
  finding_changes: FindingChange[]
  queued_jobs: string[]
}> {
  const findings = await trx
    .selectFrom('findings')
    .select(['id', 'lifecycle_status', 'verified', 'remediation_assertion_ids'])
    .where('model_id', '=', modelId)
    .where('lifecycle_status', '=', 'remediated')
    .execute()
  // A run re-evaluates only the controls it touched, plus those behind findings that link a touched assertion.
  const touchedFindings = run
    ? findings.filter((f) => (f.remediation_assertion_ids as string[]).some((id) => run.assertion_ids.has(id)))
    : findings
  let scope: { controlIds: string[] } | undefined
  if (run) {
    const ids = [...run.assertion_ids, ...touchedFindings.flatMap((f) => f.remediation_assertion_ids as string[])]
    const controlIds = new Set<string>()
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await trx
        .selectFrom('assertions')
        .select('control_id')
        .distinct()
        .where('id', 'in', ids.slice(i, i + 1000))
        .execute()
      for (const r of rows) controlIds.add(r.control_id)
    }
    scope = { controlIds: [...controlIds] }
  }
  const state = await loadModelState(trx, modelId, settings, scope)
  const queued_jobs = run ? [] : await queueMissingEvaluations(trx, modelId, settings, state)
  const now = run?.accepted_at ?? nowIso()
  const status_changes: StatusChange[] = []
  for (const c of state.controls.values()) {
    const row = c.row
    const verified = c.verification_status === 'verified'
    const changed =
      row.verification_status !== c.verification_status ||
      !sameReasons(row.status_reasons as string[], c.status_reasons)
    const touchedByRun = run !== undefined && c.assertions.some((a) => run.assertion_ids.has(a.row.id))
    const lastVerified =
      verified && (touchedByRun || row.verification_status !== 'verified') ? now : row.last_verified_at
    const verifiedSince = verified ? (row.verification_status === 'verified' ? row.verified_since : now) : null
    if (!changed && lastVerified === row.last_verified_at && verifiedSince === row.verified_since) continue
    if (row.verification_status !== c.verification_status)
      status_changes.push({
        control_id: row.id,
        from: row.verification_status as VerificationStatus,
        to: c.verification_status,
        reasons: c.status_reasons,
      })
    await trx
      .updateTable('controls')
      .set({
        verification_status: c.verification_status,
        status_reasons: json(c.status_reasons),
        last_verified_at: lastVerified,
        verified_since: verifiedSince,
      })
      .where('model_id', '=', modelId)
      .where('id', '=', row.id)
      .execute()
    row.verification_status = c.verification_status
    row.status_reasons = c.status_reasons
    row.last_verified_at = lastVerified
    row.verified_since = verifiedSince
  }

  let chain: string | undefined
  const workspaceChain = async () => {
    chain ??= (
      await trx.selectFrom('models').select('workspace_id').where('id', '=', modelId).executeTakeFirstOrThrow()
    ).workspace_id
    return chain
  }
  if (status_changes.length) {
    const workspaceId = await workspaceChain()
    await appendEvents(
      trx,
      status_changes.map((c) => ({
        chain: workspaceId,
        type: 'control.status_changed',
        actor: { kind: 'system' as const, id: null },
        model: modelId,
        subject: { kind: 'control', id: c.control_id },
        at: now,
        data: { control_id: c.control_id, from: c.from, to: c.to, reasons: c.reasons },
      })),
    )
  }
  const finding_changes: FindingChange[] = []
  for (const f of touchedFindings) {
    const linked = (f.remediation_assertion_ids as string[]).map((id) => ({
      evaluation: state.assertions.get(id)?.evaluation.evaluation ?? null,
    }))
    const verified = findingShownStatus('remediated', linked) === 'verified'
    if (verified === f.verified) continue
    const driftId = verified
      ? null
      : ((f.remediation_assertion_ids as string[]).map((id) => run?.drift_by_assertion.get(id)).find(Boolean) ?? null)
    await trx
      .updateTable('findings')
      .set({ verified, verified_since: verified ? now : null, updated_at: now })
      .where('id', '=', f.id)
      .execute()
    await trx
      .insertInto('finding_events')
      .values({
        finding_id: f.id,
        at: now,
        actor: json({ kind: 'system' }),
        kind: verified ? 'verification_gained' : 'verification_lost',
        from_status: verified ? 'remediated' : 'verified',
        to_status: verified ? 'verified' : 'remediated',
        reason: null,
        assertion_ids: json(f.remediation_assertion_ids),
        run_id: run?.id ?? null,
        drift_id: driftId,
      })
      .execute()
    if (driftId) {
      const d = await trx
        .selectFrom('drift_events')
        .select('finding_ids')
        .where('id', '=', driftId)
        .executeTakeFirstOrThrow()
      await trx
        .updateTable('drift_events')
        .set({ finding_ids: json([...(d.finding_ids as string[]), f.id]) })
        .where('id', '=', driftId)
        .execute()
    }
    await appendEvents(trx, [
      {
        chain: await workspaceChain(),
        type: 'finding.verification_changed',
        actor: { kind: 'system', id: null },
        model: modelId,
        subject: { kind: 'finding', id: f.id },
        at: now,
        data: { finding_id: f.id, verified, run_id: run?.id ?? null, drift_id: driftId },
      },
    ])
    finding_changes.push({
      finding_id: f.id,
      from: verified ? 'remediated' : 'verified',
      to: verified ? 'verified' : 'remediated',
    })
  }
  return { state, status_changes, finding_changes, queued_jobs }
}
