import {
  type AssertionEvaluation,
  assertionSetDigest,
  type CoherenceVerdict,
  controlStatus,
  evaluateAssertion,
  objectiveAssurance,
  type StatusReason,
  type SufficiencyState,
  type Tier1Record,
  type Tier2Record,
  type VerificationStatus,
} from '@warrant/core'
import type { Selectable } from 'kysely'
import { sql } from 'kysely'
import type { Db } from '../db/open.js'
import type { AssertionsTable, ControlsTable, SufficiencyEvaluationsTable } from '../db/schema.js'
import type { WorkspaceSettings } from './workspaces.js'

export type ControlRow = Selectable<ControlsTable>
export type AssertionRow = Selectable<AssertionsTable>
type SufficiencyRow = Selectable<SufficiencyEvaluationsTable>

export interface CoherenceSummary {
  id: string | null
  verdict: CoherenceVerdict
  method: string | null
  reason: string
  /** The evaluation's job (§2.3): `failed` while an AI evaluation waits for its retry. */
  job: string | null
}

export interface EvaluatedAssertion {
  row: AssertionRow
  coherence: CoherenceSummary
  evaluation: AssertionEvaluation
}

export interface SufficiencySummary {
  status: 'pending' | 'sufficient' | 'insufficient'
  method: string | null
  details: string
  missing_aspects: string[]
  assertion_set_digest: string
  evaluation_id: string | null
}

export interface EvaluatedControl {
  row: ControlRow
  assertions: EvaluatedAssertion[]
  sufficiency: SufficiencySummary
  verification_status: VerificationStatus
  status_reasons: StatusReason[]
  open_drift: number
}

export interface ModelState {
  controls: Map<string, EvaluatedControl>
  assertions: Map<string, EvaluatedAssertion>
  objectives: {
    id: string
    statement: string
    risk_tier: string
    control_ids: string[]
    assurance: string
    open_drift: number
  }[]
}

/**
 * Loads one model's active controls and assertions with the indexes the status rules need (newest results per
 * assertion, repo and tier; Tier 2 verdict candidates; current coherence and sufficiency) and evaluates §4.2–4.10
 * with the pure rules of core. Reads O(assertions) rows, whatever the length of the result history; with `scope`, only
 * those of the given controls (and no objectives).
 */
export async function loadModelState(
  db: Db,
  modelId: string,
  settings: WorkspaceSettings,
  scope?: { controlIds: readonly string[] },
): Promise<ModelState> {
  const nonEmpty = (ids: readonly string[]) => (ids.length ? ids : [''])
  const controlIds = scope ? [...new Set(scope.controlIds)] : undefined
  const [controls, assertions] = await Promise.all([
    db
      .selectFrom('controls')
      .selectAll()
      .where('model_id', '=', modelId)
      .where('deleted_at', 'is', null)
      .$if(controlIds !== undefined, (q) => q.where('id', 'in', nonEmpty(controlIds!)))
      .orderBy('id')
      .execute(),
    db
      .selectFrom('assertions')
      .selectAll()
      .where('model_id', '=', modelId)
      .where('deleted_at', 'is', null)
      .$if(controlIds !== undefined, (q) => q.where('control_id', 'in', nonEmpty(controlIds!)))
      .orderBy('id')
      .execute(),
  ])
  // A scoped load reads only the indexes of the scoped assertions (a run touches few controls of a large model).
  const assertionIds = controlIds ? assertions.map((a) => a.id) : undefined
  const chunks = <T>(
    ids: readonly string[] | undefined,
    load: (slice: readonly string[] | undefined) => Promise<T[]>,
  ): Promise<T[]> =>
    ids && ids.length > 1000
      ? Promise.all(
          Array.from({ length: Math.ceil(ids.length / 1000) }, (_, i) => load(ids.slice(i * 1000, i * 1000 + 1000))),
        ).then((r) => r.flat())
      : load(ids)
  const [latest, verdicts, coherence, sufficiency, drift, objectives] = await Promise.all([
    chunks(assertionIds, (ids) =>
      db
        .selectFrom('latest_results')
        // Only what the rules read: details and locations stay in the table (they are the heaviest columns).
        .select([
          'assertion_id',
          'repo',
          'tier',
          'result_id',
          'run_id',
          'result',
          'accepted_at',
          'evidence_digest',
          'anchor_result_id',
          'control_revision',
        ])
        .where('model_id', '=', modelId)
        .where('slot', '=', 'any')
        .$if(ids !== undefined, (q) => q.where('assertion_id', 'in', nonEmpty(ids!)))
        .execute(),
    ),
    chunks(assertionIds, (ids) =>
      db
        .selectFrom('tier2_verdicts')
        .selectAll()
        .where('model_id', '=', modelId)
        .$if(ids !== undefined, (q) => q.where('assertion_id', 'in', nonEmpty(ids!)))
        .execute(),
    ),
    sql<{
      assertion_id: string
      id: string
      control_revision: number
      verdict: CoherenceVerdict
      method: string | null
      reason: string
      job: string
    }>`
      select distinct on (c.assertion_id) c.assertion_id, c.id, c.control_revision, c.verdict, c.method, c.reason, c.job
      from coherence_evaluations c join assertions a on a.id = c.assertion_id
      where a.model_id = ${modelId} and a.deleted_at is null
        ${controlIds ? sql`and a.control_id in (${sql.join(nonEmpty(controlIds))})` : sql``}
      order by c.assertion_id, c.evaluated_at desc nulls last, c.id desc`.execute(db),
    sql<SufficiencyRow>`
      select distinct on (control_id) * from sufficiency_evaluations where model_id = ${modelId}
        ${controlIds ? sql`and control_id in (${sql.join(nonEmpty(controlIds))})` : sql``}
      order by control_id, created_at desc, id desc`.execute(db),
    db
      .selectFrom('drift_events')
      .select(['control_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('model_id', '=', modelId)
      .where('status', '=', 'open')
      .$if(controlIds !== undefined, (q) => q.where('control_id', 'in', nonEmpty(controlIds!)))
      .groupBy('control_id')
      .execute(),
    // Objective assurance needs every control, so a scoped load leaves objectives out.
    controlIds
      ? Promise.resolve([])
      : db
          .selectFrom('model_items')
          .selectAll()
          .where('model_id', '=', modelId)
          .where('kind', '=', 'control_objectives')
          .where('deleted_at', 'is', null)
          .orderBy('key')
          .execute(),
  ])

  const tier1 = new Map<string, Tier1Record[]>()
  const tier2 = new Map<string, Tier2Record[]>()
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k)
    if (list) list.push(v)
    else m.set(k, [v])
  }
  for (const l of latest) {
    if (l.tier === 1) {
      push(tier1, l.assertion_id, {
        id: l.result_id,
        run_id: l.run_id,
        repo: l.repo,
        result: l.result as Tier1Record['result'],
        accepted_at: l.accepted_at,
        evidence_digest: l.evidence_digest,
      })
    } else if (l.result === 'skipped' && l.anchor_result_id) {
      // Only the skipped record matters beyond the verdict index: it makes T2 `skipped` when nothing is current.
      push(tier2, l.assertion_id, {
        source: 'ci',
        id: l.result_id,
        repo: l.repo,
        result: 'skipped',
        at: l.accepted_at,
        anchor_result_id: l.anchor_result_id,
        evidence_digest: l.evidence_digest,
        control_revision: l.control_revision,
      })
    }
  }
  for (const v of verdicts) {
    push(tier2, v.assertion_id, {
      source: v.source as Tier2Record['source'],
      id: v.record_id,
      repo: v.repo,
      result: v.result as Tier2Record['result'],
      at: v.at,
      anchor_result_id: v.anchor_result_id,
      evidence_digest: v.evidence_digest,
      control_revision: v.control_revision,
    })
  }
  const coherenceBy = new Map(coherence.rows.map((c) => [c.assertion_id, c]))
  const sufficiencyBy = new Map(sufficiency.rows.map((s) => [s.control_id, s]))
  const driftBy = new Map(drift.map((d) => [d.control_id, Number(d.n)]))
  const controlRows = new Map(controls.map((c) => [c.id, c]))

  const evaluated = new Map<string, EvaluatedAssertion>()
  const byControl = new Map<string, EvaluatedAssertion[]>()
  for (const a of assertions) {
    const control = controlRows.get(a.control_id)
    if (!control) continue
    const c = coherenceBy.get(a.id)
    const current = c && c.control_revision === control.revision
    const summary: CoherenceSummary = current
      ? { id: c.id, verdict: c.verdict, method: c.method, reason: c.reason, job: c.job }
      : { id: null, verdict: 'pending', method: null, reason: '', job: null }
    const evaluation = evaluateAssertion({
      repo: a.repo,
      tier1: tier1.get(a.id) ?? [],
      tier2: tier2.get(a.id) ?? [],
      coherence: summary.verdict,
      control_revision: control.revision,
    })
    const e = { row: a, coherence: summary, evaluation }
    evaluated.set(a.id, e)
    push(byControl, a.control_id, e)
  }

  const out = new Map<string, EvaluatedControl>()
  for (const control of controls) {
    const list = byControl.get(control.id) ?? []
    const setDigest = assertionSetDigest(list.map((e) => e.row.digest))
    const s = sufficiencyBy.get(control.id)
    const currentSufficiency = s && s.control_revision === control.revision && s.assertion_set_digest === setDigest
    const sufficiencySummary: SufficiencySummary = currentSufficiency
      ? {
          status: s.status as SufficiencySummary['status'],
          method: s.method,
          details: s.details,
          missing_aspects: s.missing_aspects as string[],
          assertion_set_digest: setDigest,
          evaluation_id: s.id,
        }
      : {
          status: 'pending',
          method: null,
          details: '',
          missing_aspects: [],
          assertion_set_digest: setDigest,
          evaluation_id: null,
        }
    const state: SufficiencyState =
      sufficiencySummary.status === 'pending'
        ? { status: 'pending', awaiting: settings.sufficiency_mode === 'ai' ? 'ai' : 'signoff' }
        : { status: sufficiencySummary.status, awaiting: null }
    const status = controlStatus({
      assertions: list.map((e) => ({ evaluation: e.evaluation.evaluation, reasons: e.evaluation.reasons })),
      sufficiency: state,
      implementation_status: control.implementation_status as 'implemented' | 'not_implemented',
    })
    out.set(control.id, {
      row: control,
      assertions: list,
      sufficiency: sufficiencySummary,
      verification_status: status.verification_status,
      status_reasons: status.status_reasons,
      open_drift: driftBy.get(control.id) ?? 0,
    })
  }

  const objectiveList = objectives.map((o) => {
    const body = o.body as { statement: string; risk_tier?: string }
    const linked = [...out.values()].filter((c) => (c.row.objective_ids as string[]).includes(o.key))
    return {
      id: o.key,
      statement: body.statement,
      risk_tier: body.risk_tier ?? 'medium',
      control_ids: linked.map((c) => c.row.id),
      assurance: objectiveAssurance(
        linked.map((c) => ({ verification_status: c.verification_status, open_drift: c.open_drift })),
      ),
      open_drift: linked.reduce((n, c) => n + c.open_drift, 0),
    }
  })
  return { controls: out, assertions: evaluated, objectives: objectiveList }
}
