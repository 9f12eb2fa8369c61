import { RULES_VERSION } from '@warrant/core'
import type { ModelRow } from '../auth/access.js'
import type { Db } from '../db/open.js'
import { nowIso } from '../ids.js'
import { CATALOGUE_VERSION } from '../routes/assertions.js'
import { openFindings } from '../routes/controls.js'
import { loadModelState } from './state.js'
import type { WorkspaceSettings } from './workspaces.js'

const zero = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>

/** The verification report of PLATFORM.md §5.15, computed from the model state. */
export async function buildReport(
  db: Db,
  model: ModelRow,
  settings: WorkspaceSettings,
  q: {
    status?: string | undefined
    repo?: string | undefined
    summary_only?: boolean | undefined
    limit: number
    cursor?: string | undefined
  },
) {
  const generated_at = nowIso()
  const state = await loadModelState(db, model.id, settings)
  const controls = [...state.controls.values()]
  const assertions = [...state.assertions.values()]
  const findings = await openFindings(db, model.id)

  const byStatus = zero(['verified', 'partially_verified', 'pending', 'unverified'] as const)
  for (const c of controls) byStatus[c.verification_status]++
  const tier1 = zero(['pass', 'fail', 'error', 'skipped', 'pending'] as const)
  const tier2 = zero(['pass', 'fail', 'error', 'skipped', 'pending', 'not_applicable'] as const)
  const evaluation = zero(['passing', 'failing', 'incoherent', 'awaiting'] as const)
  const coherence = {
    ...zero(['coherent', 'incoherent', 'pending'] as const),
    by_method: zero(['ai', 'heuristic', 'human'] as const),
  }
  for (const a of assertions) {
    tier1[a.evaluation.tier1 as keyof typeof tier1]++
    tier2[a.evaluation.tier2 as keyof typeof tier2]++
    evaluation[a.evaluation.evaluation]++
    coherence[a.coherence.verdict]++
    if (a.coherence.method) coherence.by_method[a.coherence.method as keyof typeof coherence.by_method]++
  }
  const sufficiency = {
    ...zero(['sufficient', 'insufficient', 'pending'] as const),
    by_method: zero(['ai', 'human'] as const),
  }
  for (const c of controls) {
    sufficiency[c.sufficiency.status]++
    if (c.sufficiency.method) sufficiency.by_method[c.sufficiency.method as 'ai' | 'human']++
  }
  const objectives = zero(['verified', 'at_risk', 'in_progress', 'uncovered'] as const)
  for (const o of state.objectives) objectives[o.assurance as keyof typeof objectives]++

  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString()
  const [openDrift, resolvedRecently, repoStates] = await Promise.all([
    db
      .selectFrom('drift_events')
      .selectAll()
      .where('model_id', '=', model.id)
      .where('status', '=', 'open')
      .orderBy('detected_at', 'desc')
      .execute(),
    db
      .selectFrom('drift_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('model_id', '=', model.id)
      .where('status', '=', 'resolved')
      .where('resolved_at', '>=', monthAgo)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('repo_states')
      .innerJoin('runs', 'runs.id', 'repo_states.last_run_id')
      .selectAll('repo_states')
      .select(['runs.accepted_at', 'runs.attestation', 'runs.results_hash'])
      .where('repo_states.model_id', '=', model.id)
      .orderBy('repo_states.repo')
      .execute(),
  ])

  let details = controls
  if (q.status) details = details.filter((c) => c.verification_status === q.status)
  if (q.repo !== undefined) {
    const repo = q.repo.toLowerCase()
    details = details.filter((c) => c.assertions.some((a) => a.row.repo === null || a.row.repo === repo))
  }
  const after = q.cursor ? details.filter((c) => c.row.id > q.cursor!) : details
  const pageRows = after.slice(0, q.limit)

  return {
    model_id: model.id,
    model_revision: model.revision,
    generated_at,
    rules_version: RULES_VERSION,
    catalogue_version: CATALOGUE_VERSION,
    controls_total: controls.length,
    controls_verified: byStatus.verified,
    controls_partially_verified: byStatus.partially_verified,
    controls_pending: byStatus.pending,
    controls_unverified: byStatus.unverified,
    controls_implemented: controls.filter((c) => c.row.implementation_status === 'implemented').length,
    controls_ready_to_mark_implemented: controls.filter((c) => c.status_reasons.includes('ready_to_mark_implemented'))
      .length,
    assertions: { total: assertions.length, tier1, tier2, evaluation },
    coherence,
    coherence_warnings: coherence.incoherent,
    sufficiency,
    objectives,
    drift: { open: openDrift.length, resolved_last_30_days: Number(resolvedRecently.n) },
    ...(q.summary_only ? {} : { drift_items: openDrift }),
    repos: repoStates.map(({ accepted_at, attestation, results_hash, ...s }) => {
      const att = attestation as { method: string; binding: string; identity: string; key_fingerprint: string | null }
      return {
        ...s,
        latest_run: {
          run_id: s.last_run_id,
          accepted_at,
          attestation: {
            method: att.method,
            binding: att.binding,
            identity: att.identity,
            key_fingerprint: att.key_fingerprint,
          },
          results_hash,
          log_index: null,
        },
      }
    }),
    control_details: pageRows.map((c) => ({
      control_id: c.row.id,
      title: c.row.title,
      implementation_status: c.row.implementation_status,
      verification_status: c.verification_status,
      status_reasons: c.status_reasons,
      sufficiency: {
        status: c.sufficiency.status,
        method: c.sufficiency.method,
        details: c.sufficiency.details,
        missing_aspects: c.sufficiency.missing_aspects,
      },
      assertion_counts: {
        total: c.assertions.length,
        passing: c.assertions.filter((a) => a.evaluation.evaluation === 'passing').length,
        failing: c.assertions.filter((a) => a.evaluation.evaluation === 'failing').length,
        incoherent: c.assertions.filter((a) => a.evaluation.evaluation === 'incoherent').length,
        awaiting: c.assertions.filter((a) => a.evaluation.evaluation === 'awaiting').length,
      },
      open_drift: c.open_drift,
      open_findings: findings.get(c.row.id) ?? 0,
      last_verified_at: c.row.last_verified_at,
      last_reviewed_at: c.row.last_reviewed_at,
      ...(q.summary_only
        ? {}
        : {
            assertions: c.assertions.map((a) => ({
              id: a.row.id,
              type: a.row.type,
              description: a.row.description,
              repo: a.row.repo,
              evaluation: a.evaluation.evaluation,
              coherence: a.coherence,
              per_repo: a.evaluation.per_repo.map((p) => ({
                repo: p.repo,
                tier1: p.tier1.result,
                tier2: p.tier2.result,
                evaluation: p.evaluation,
                reason: p.reason,
                stale_reason: p.tier2.stale_reason,
              })),
            })),
          }),
    })),
    next_cursor: after.length > q.limit ? pageRows.at(-1)!.row.id : null,
  }
}
