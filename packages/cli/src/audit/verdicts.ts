import {
  assertionSetDigest,
  type CoherenceVerdict,
  canonicalJson,
  coherenceHeuristic,
  controlIntents,
  controlStatus,
  type Evaluation,
  effectiveTier1,
  evaluateAssertion,
  findingShownStatus,
  HEURISTIC_VERSION,
  objectiveAssurance,
  renderTier2Prompt,
  type Tier1Record,
  type Tier2Record,
  type VerificationStatus,
} from '@warrant/core'
import { arr, isObject, type Json } from './json.js'
import type { Outcome } from './outcome.js'

export interface VerdictInput {
  sections: Json
  modelId: string | null
  runs: Json[]
  /** The submission bodies that verified (R1), by run id. */
  bodies: Map<string, Json>
  /** `keys.workspace` entries whose key parsed (K1), by fingerprint. */
  workspaceKeys: Map<string, Json>
  /** The workspace chain's events (L5), with whether each is proven (L6). */
  chain: { index: number; record: Json; proven: boolean }[]
}

/** Latest `at` wins, ties broken by the larger id (PLATFORM.md §4.2 "newest"); `null` dates sort oldest. */
function newest<T extends Json>(records: T[], at: (r: T) => unknown): T | undefined {
  const time = (r: T) => (typeof at(r) === 'string' ? Date.parse(at(r) as string) : Number.NEGATIVE_INFINITY)
  return records.reduce<T | undefined>((best, r) => {
    if (!best) return r
    const delta = time(r) - time(best)
    return delta > 0 || (delta === 0 && String(r.id) > String(best.id)) ? r : best
  }, undefined)
}

/**
 * V1 (EVIDENCE.md §12.2, PLATFORM.md §4): recomputes from the package, with the core rules, which runs count, every
 * effective Tier 1 and Tier 2 result (counting CI verdicts and human Tier 2 reviews with their anchors), the current
 * coherence (heuristic verdicts recomputed) and sufficiency, every assertion evaluation, control status, objective
 * assurance and finding status, and reports each difference from the platform's `verdicts`.
 */
export function recomputeVerdicts(input: VerdictInput): Outcome[] {
  const { sections, modelId, runs, bodies } = input
  const found: Outcome[] = []
  const fail = (message: string, subject: string | null = null) => found.push({ status: 'fail', message, subject })
  const platform = (what: string, stated: unknown, computed: unknown, subject: string) =>
    fail(`platform states ${what} ${String(stated)}; the evidence gives ${String(computed)}`, subject)
  const scope: Json = isObject(sections.scope) ? sections.scope : {}
  const verdicts: Json = isObject(sections.verdicts) ? sections.verdicts : {}
  const model: Json = isObject(sections.model) ? sections.model : {}

  // §4.1: which runs count (C2 revocations and compromised keys, C3 the policy in force now).
  const requireAttestation = arr(sections.policy?.security).at(-1)?.settings?.require_attestation === true
  const counting = new Set<string>()
  const runById = new Map(runs.map((r) => [String(r.run_id), r]))
  for (const run of runs) {
    const id = String(run.run_id)
    const att: Json = run.attestation ?? {}
    const k = typeof att.key_fingerprint === 'string' ? input.workspaceKeys.get(att.key_fingerprint) : undefined
    const compromised = typeof k?.compromised_since === 'string' && k.compromised_since <= run.accepted_at
    const counts = run.revoked !== true && !compromised && (!requireAttestation || att.satisfies_requirement === true)
    if (counts) counting.add(id)
    if (run.counting !== counts)
      platform(`run ${id}`, run.counting ? 'counting' : 'not counting', counts ? 'counting' : 'not counting', id)
  }
  // Every run the log says was accepted for this model in the window is in the package.
  const window: Json = scope.window ?? {}
  const repos = Array.isArray(scope.repos) ? (scope.repos as string[]) : null
  for (const e of input.chain) {
    const r = e.record
    if (!e.proven || r.type !== 'run.accepted' || r.model !== modelId || r.at > window.to) continue
    if (repos && !repos.includes(r.data?.repo)) continue
    if (!runById.has(r.data?.run_id))
      fail(`run ${String(r.data?.run_id)} is in the log (index ${e.index}) but not in the package`)
  }

  const assertions = arr(sections.assertions).filter((a) => a.model_id === modelId)
  const modelControls = arr(model.controls).filter((c) => c.deleted_at === null)
  const controlById = new Map(modelControls.map((c) => [String(c.id), c]))
  const objectives = new Map(arr(model.control_objectives).map((o) => [String(o.id), o]))

  // §4.2 V2: the control revision a CI Tier 2 result's prompt was rendered for, found by rendering the assertion's
  // prompt (core's template) for each revision of its control; unknown → null (stale, `prompt_unknown`).
  const promptRevisions = new Map<string, Map<string, number>>()
  const revisionOfPrompt = (a: Json, hash: unknown): number | null => {
    let byHash = promptRevisions.get(a.id)
    if (!byHash) {
      byHash = new Map()
      for (const r of arr(controlById.get(a.control_id)?.revisions)) {
        const statements = (Array.isArray(r.objective_ids) ? r.objective_ids : []).flatMap((id: string) => {
          const o = objectives.get(id)
          return o && o.deleted_at === null && typeof o.statement === 'string' ? [o.statement] : []
        })
        const { prompt_hash } = renderTier2Prompt({
          type: a.type,
          params: a.params,
          description: a.description,
          control: { title: r.title, description: r.description },
          objectives: statements,
        })
        byHash.set(prompt_hash, r.revision)
      }
      promptRevisions.set(a.id, byHash)
    }
    return typeof hash === 'string' ? (byHash.get(hash) ?? null) : null
  }

  // Counting results: Tier 1 records and CI Tier 2 verdicts (anchored to the Tier 1 result of the same run).
  const assertionById = new Map(assertions.map((a) => [String(a.id), a]))
  const tier1By = new Map<string, Tier1Record[]>()
  const tier2By = new Map<string, Tier2Record[]>()
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => m.set(k, [...(m.get(k) ?? []), v])
  for (const run of runs) {
    const id = String(run.run_id)
    if (!counting.has(id)) continue
    const results = arr(bodies.get(id)?.results)
    const anchorOf = new Map<string, Tier1Record>()
    for (const [n, r] of results.entries()) {
      if (r.tier !== 1) continue
      const record: Tier1Record = {
        id: `${id}#${String(n).padStart(6, '0')}`,
        run_id: id,
        repo: run.repo,
        result: r.result,
        accepted_at: run.accepted_at,
        evidence_digest: r.evidence_digest ?? null,
      }
      anchorOf.set(r.assertion_id, record)
      push(tier1By, r.assertion_id, record)
    }
    for (const [n, r] of results.entries()) {
      const anchor = anchorOf.get(r.assertion_id)
      const a = assertionById.get(r.assertion_id)
      if (r.tier !== 2 || !anchor || !a) continue
      push(tier2By, r.assertion_id, {
        source: 'ci',
        id: `${id}#${String(n).padStart(6, '0')}`,
        repo: run.repo,
        result: r.result,
        at: run.accepted_at,
        anchor_result_id: anchor.id,
        evidence_digest: anchor.evidence_digest,
        control_revision: revisionOfPrompt(a, r.prompt_hash),
      })
    }
  }
  // Human Tier 2 reviews. The package names results by the platform's ids only where `verdicts` states an anchor
  // (`tier1.result_id` with its `run_id`); such an id is mapped to the submitted result of that run when the
  // recomputed anchor is that run's. Any other anchor is an older result: the review stays current only through equal
  // evidence digests (§4.2 V3).
  const platformIds = new Map<string, string>()
  for (const c of arr(verdicts.controls))
    for (const a of arr(c.assertions))
      for (const p of arr(a.per_repo)) {
        const anchor = effectiveTier1(tier1By.get(a.assertion_id) ?? [], p.repo).anchor
        if (anchor && typeof p.tier1?.result_id === 'string' && p.tier1.run_id === anchor.run_id)
          platformIds.set(p.tier1.result_id, anchor.id)
      }
  for (const r of arr(sections.judgements?.tier2_reviews)) {
    if (r.model_id !== modelId) continue
    push(tier2By, r.assertion_id, {
      source: 'human',
      id: String(r.id),
      repo: r.repo,
      result: r.verdict,
      at: r.created_at,
      anchor_result_id: platformIds.get(r.anchor_result_id) ?? String(r.anchor_result_id),
      evidence_digest: r.evidence_digest ?? null,
      control_revision: r.control_revision,
    })
  }

  const settings: Json = sections.policy?.workspace_settings ?? {}
  const coherenceOf = arr(sections.judgements?.coherence)
  const sufficiencyOf = arr(sections.judgements?.sufficiency)
  const statedControls = arr(verdicts.controls)
  const statedById = new Map(statedControls.map((c) => [String(c.control_id), c]))
  for (const mc of modelControls) if (!statedById.has(mc.id)) platform(`control ${mc.id}`, 'nothing', 'a status', mc.id)
  const evaluationOf = new Map<string, Evaluation>()
  const recomputed = new Map<string, VerificationStatus>()
  for (const c of statedControls) {
    const cid = String(c.control_id)
    const mc = controlById.get(cid)
    if (!mc) {
      platform(`control ${cid}`, 'a status', 'no such active control', cid)
      continue
    }
    if (mc.implementation_status !== c.implementation_status || mc.revision !== c.revision)
      platform(`${cid} implementation`, c.implementation_status, mc.implementation_status, cid)
    const current = arr(mc.revisions).find((r) => r.revision === mc.revision) ?? mc
    const active = assertions.filter((a) => a.control_id === cid && a.deleted_at === null)
    const stated = new Map(arr(c.assertions).map((a) => [String(a.assertion_id), a]))
    if (canonicalJson(active.map((a) => a.id).sort()) !== canonicalJson([...stated.keys()].sort()))
      platform(`${cid} assertions`, [...stated.keys()].join(','), active.map((a) => a.id).join(','), cid)

    const evaluations = active.map((a) => {
      const s = stated.get(a.id)
      // §4.6: the newest coherence verdict, current only for the control's current revision.
      const latest = newest(
        coherenceOf.filter((e) => e.assertion_id === a.id),
        (e) => e.evaluated_at,
      )
      const coherence =
        latest && latest.control_revision === mc.revision
          ? { verdict: latest.verdict as CoherenceVerdict, method: latest.method ?? null, evaluation_id: latest.id }
          : { verdict: 'pending' as const, method: null, evaluation_id: null }
      if (coherence.method === 'heuristic' && latest?.heuristic_version === HEURISTIC_VERSION) {
        const h = coherenceHeuristic(
          a.type,
          controlIntents({ title: current.title, description: current.description, intents: current.intents ?? [] }),
        )
        if (h.verdict !== coherence.verdict)
          platform(`heuristic coherence of ${a.id}`, coherence.verdict, h.verdict, String(a.id))
      }
      if (canonicalJson(s?.coherence ?? null) !== canonicalJson(coherence))
        platform(
          `coherence of ${a.id}`,
          `${s?.coherence?.verdict} (${s?.coherence?.method ?? 'none'} ${s?.coherence?.evaluation_id ?? 'none'})`,
          `${coherence.verdict} (${coherence.method ?? 'none'} ${coherence.evaluation_id ?? 'none'})`,
          String(a.id),
        )
      const e = evaluateAssertion({
        repo: a.repo ?? null,
        tier1: tier1By.get(a.id) ?? [],
        tier2: tier2By.get(a.id) ?? [],
        coherence: coherence.verdict,
        control_revision: mc.revision,
      })
      for (const p of e.per_repo) {
        const where = `${a.id} Tier 1 in ${p.repo || 'the default codebase'}`
        const sp = arr(s?.per_repo).find((x) => x.repo === p.repo)
        if (sp?.tier1?.result !== p.tier1.result || (sp?.tier1?.run_id ?? null) !== (p.tier1.anchor?.run_id ?? null))
          platform(
            where,
            `${sp?.tier1?.result} (run ${sp?.tier1?.run_id ?? 'none'})`,
            `${p.tier1.result} (run ${p.tier1.anchor?.run_id ?? 'none'})`,
            String(a.id),
          )
        // The verdict behind a decided Tier 2: a human review by id, a CI result by its run.
        const v = p.tier2.verdict
        const decided = p.tier2.result !== 'pending' && p.tier2.result !== 'not_applicable'
        const by = (source: unknown, review: unknown, run: unknown) =>
          source === 'human' ? `human review ${review}` : source === 'ci' ? `ci run ${run}` : 'no verdict'
        const computedBy = decided && v ? by(v.source, v.id, v.id.split('#')[0]) : 'no verdict'
        const statedBy = decided && sp?.tier2 ? by(sp.tier2.source, sp.tier2.review_id, sp.tier2.run_id) : 'no verdict'
        if (sp?.tier2?.result !== p.tier2.result || statedBy !== computedBy)
          platform(
            `${a.id} Tier 2 in ${p.repo || 'the default codebase'}`,
            `${sp?.tier2?.result} (${statedBy})`,
            `${p.tier2.result} (${computedBy})`,
            String(a.id),
          )
      }
      if (s && s.evaluation !== e.evaluation) platform(`${a.id}`, s.evaluation, e.evaluation, String(a.id))
      evaluationOf.set(a.id, e.evaluation)
      return e
    })

    // §4.7: the newest sufficiency verdict, current only for this revision and assertion set.
    const setDigest = assertionSetDigest(active.map((a) => a.digest))
    const latest = newest(
      sufficiencyOf.filter((e) => e.control_id === cid),
      (e) => e.created_at,
    )
    const sufficiency =
      latest && latest.control_revision === mc.revision && latest.assertion_set_digest === setDigest
        ? { status: latest.status, method: latest.method ?? null, evaluation_id: latest.id }
        : { status: 'pending', method: null, evaluation_id: null }
    if (canonicalJson(c.sufficiency ?? null) !== canonicalJson(sufficiency))
      platform(
        `sufficiency of ${cid}`,
        `${c.sufficiency?.status} (${c.sufficiency?.method ?? 'none'} ${c.sufficiency?.evaluation_id ?? 'none'})`,
        `${sufficiency.status} (${sufficiency.method ?? 'none'} ${sufficiency.evaluation_id ?? 'none'})`,
        cid,
      )
    const status = controlStatus({
      assertions: evaluations.map((e) => ({ evaluation: e.evaluation, reasons: e.reasons })),
      sufficiency: {
        status: sufficiency.status,
        awaiting: sufficiency.status === 'pending' ? (settings.sufficiency_mode === 'ai' ? 'ai' : 'signoff') : null,
      },
      implementation_status: mc.implementation_status,
    })
    recomputed.set(cid, status.verification_status)
    if (status.verification_status !== c.verification_status)
      platform(cid, c.verification_status, status.verification_status, cid)
  }

  // §4.10: objective assurance over the recomputed control statuses.
  const openDrift = (cid: string) =>
    arr(sections.drift).filter((d) => d.control_id === cid && d.status === 'open').length
  for (const o of arr(verdicts.objectives)) {
    const linked = modelControls.filter(
      (mc) => Array.isArray(mc.objective_ids) && mc.objective_ids.includes(o.objective_id),
    )
    const assurance = objectiveAssurance(
      linked.map((mc) => ({
        verification_status: recomputed.get(mc.id) ?? 'unverified',
        open_drift: openDrift(mc.id),
      })),
    )
    if (assurance !== o.assurance)
      platform(`objective ${o.objective_id}`, o.assurance, assurance, String(o.objective_id))
  }

  // §4.9: finding status, `verified` computed from the linked assertions' recomputed evaluations.
  const statedFindings = new Map(arr(verdicts.findings).map((f) => [String(f.finding_id), f.status]))
  const findings = arr(sections.findings).filter((f) => f.model_id === modelId)
  for (const f of findings) {
    const linked = (Array.isArray(f.remediation_assertion_ids) ? f.remediation_assertion_ids : []).map(
      (id: unknown) => ({ evaluation: evaluationOf.get(String(id)) ?? null }),
    )
    const status = findingShownStatus(f.lifecycle_status, linked)
    if (statedFindings.get(String(f.id)) !== status)
      platform(`finding ${f.id}`, statedFindings.get(String(f.id)) ?? 'nothing', status, String(f.id))
  }
  const listed = new Set(findings.map((f) => String(f.id)))
  for (const id of statedFindings.keys())
    if (!listed.has(id)) platform(`finding ${id}`, statedFindings.get(id), 'no such finding', id)
  return found
}
