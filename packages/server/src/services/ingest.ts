import {
  buildReceiptStatement,
  canonicalJson,
  digest,
  docDigest,
  driftAction,
  driftEvidenceChanged,
  type Envelope,
  IN_TOTO_PAYLOAD_TYPE,
  identityDigest,
  isValidRepo,
  type ResultValue,
  signEnvelope,
} from '@warrant/core'
import { sql } from 'kysely'
import type { ModelRow } from '../auth/access.js'
import type { Db } from '../db/open.js'
import { json, lockModel } from '../db/open.js'
import { ApiError, type FieldError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import type { ResultItem, ResultsBody } from '../schemas/results.js'
import {
  type Attestation,
  type AttestationInput,
  REPLAYED,
  type ReplayValue,
  verifyAttestation,
} from './attestation.js'
import { driftResolved } from './change-events.js'
import type { Evidence } from './evidence.js'
import { appendEvent, appendEvents } from './log.js'
import type { OidcContext } from './oidc/verify-token.js'
import { type FindingChange, recompute, type StatusChange } from './recompute.js'
import type { WorkspaceSettings } from './workspaces.js'

const CHUNK = 1000

export interface IngestInput {
  model: ModelRow
  settings: WorkspaceSettings
  security: AttestationInput['security']
  body: ResultsBody
  rawBody: Buffer
  attestationHeader: string | undefined
  oidc: OidcContext
  /** The API key, or the workspace key whose JWT authenticated the call (with its replay record, §6.8). */
  submittedBy: { kind: 'api_key'; id: string } | { kind: 'workspace_key'; id: string; replay: ReplayValue }
  evidence: Evidence
  publicUrl: string
}

export interface IngestResponse {
  run_id: string
  accepted_at: string
  repo: string
  commit_sha: string
  results_count: number
  counts: Record<'tier1' | 'tier2', Record<ResultValue, number>>
  results_hash: string
  attestation: Attestation
  counting: boolean
  receipt: Envelope
  log: { origin: string; index: number; leaf_hash: string; checkpoint: null }
  drift: {
    id: string
    assertion_id: string
    control_id: string
    tier: number
    new_result: string
    previous_run_id: string
  }[]
  status_changes: StatusChange[]
  finding_changes: FindingChange[]
  warnings: string[]
}

/** Steps 6–11 of PLATFORM.md §5.14.2 that need no transaction: every error of the request is reported together. */
async function checkResults(db: Db, input: IngestInput, repo: string) {
  const { body, model } = input
  const ids = [...new Set(body.results.map((r) => r.assertion_id))]
  const assertions = new Map<
    string,
    { id: string; control_id: string; digest: string; repo: string | null; deleted_at: string | null }
  >()
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db
      .selectFrom('assertions')
      .select(['id', 'control_id', 'digest', 'repo', 'deleted_at'])
      .where('model_id', '=', model.id)
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .execute()
    for (const r of rows) assertions.set(r.id, r)
  }
  const errors: FieldError[] = []
  const seen = new Set<string>()
  const tier1 = new Set(body.results.filter((r) => r.tier === 1).map((r) => r.assertion_id))
  body.results.forEach((r, i) => {
    const path = `/results/${i}`
    const a = assertions.get(r.assertion_id)
    if (!a) {
      errors.push({
        path: `${path}/assertion_id`,
        code: 'assertion_unknown',
        message: `result ${i} names ${r.assertion_id}, which is not an assertion of this model`,
      })
      return
    }
    if (!a.deleted_at && a.digest !== r.assertion_digest)
      errors.push({
        path: `${path}/assertion_digest`,
        code: 'assertion_digest_mismatch',
        message: `result ${i} was produced for a different definition of ${r.assertion_id}`,
      })
    const key = `${r.assertion_id}#${r.tier}`
    if (seen.has(key))
      errors.push({
        path,
        code: 'duplicate_result',
        message: `result ${i} repeats Tier ${r.tier} of ${r.assertion_id}`,
      })
    seen.add(key)
    if (r.tier === 2 && !tier1.has(r.assertion_id))
      errors.push({
        path,
        code: 'tier2_without_tier1',
        message: `result ${i} is a Tier 2 result of ${r.assertion_id} without its Tier 1 result in this run`,
      })
    if (!a.deleted_at && a.repo !== null && a.repo !== repo)
      errors.push({
        path: `${path}/assertion_id`,
        code: 'result_repo_mismatch',
        message: `${r.assertion_id} is tagged ${a.repo}; this run is about ${repo === '' ? 'the default codebase' : repo}`,
      })
  })
  if (errors.length > 0) {
    const first = errors[0]!
    throw new ApiError(
      422,
      first.code,
      errors.length === 1 ? first.message : `${first.message} (and ${errors.length - 1} more; see details.errors)`,
      {
        errors,
        index: Number(first.path.split('/')[2]),
        assertion_id: body.results[Number(first.path.split('/')[2])]?.assertion_id,
      },
    )
  }
  return assertions
}

/** The identity members of a receipt (EVIDENCE.md §7), when the run has an attested identity. */
const receiptIdentity = (a: Attestation) =>
  a.issuer === null ? {} : { issuer: a.issuer, subject: a.subject, claims: a.claims }

/** Accepts one results submission (PLATFORM.md §5.14.2): all of it in one transaction, or nothing. */
export async function ingestRun(db: Db, input: IngestInput): Promise<IngestResponse> {
  const { body, model } = input
  const givenRepo = body.pipeline.repo ?? ''
  if (givenRepo !== '' && !isValidRepo(givenRepo))
    throw new ApiError(422, 'validation_failed', 'pipeline.repo must be owner/name', {
      errors: [{ path: '/pipeline/repo', code: 'repo_invalid', message: 'must be owner/name or group/subgroup/name' }],
    })
  // Steps 8–10 before the per-result repo check of step 11: the token may name the repo the body leaves out.
  // Present material is verified or the request is refused; it is never downgraded to "none".
  const { attestation, replay, repo, material } = await verifyAttestation(db, {
    workspaceId: model.workspace_id,
    modelId: model.id,
    repo: givenRepo.toLowerCase(),
    body,
    attestationHeader: input.attestationHeader,
    security: input.security,
    oidc: input.oidc,
  })
  const assertions = await checkResults(db, input, repo)
  const results_hash = docDigest(body.results)
  const submission_digest = digest(input.rawBody)

  return db.transaction().execute(async (trx) => {
    await lockModel(trx, model.id)
    const accepted_at = nowIso()
    const runId = newId('run')
    const counts = {
      tier1: { pass: 0, fail: 0, error: 0, skipped: 0 },
      tier2: { pass: 0, fail: 0, error: 0, skipped: 0 },
    }
    for (const r of body.results) counts[r.tier === 1 ? 'tier1' : 'tier2'][r.result]++

    const controls = new Map(
      (
        await trx
          .selectFrom('controls')
          .select(['id', 'revision', 'objective_ids'])
          .where('model_id', '=', model.id)
          .execute()
      ).map((c) => [c.id, c]),
    )
    const promptRevisions = await promptRevisionsFor(trx, body.results)

    await trx
      .insertInto('runs')
      .values({
        id: runId,
        model_id: model.id,
        workspace_id: model.workspace_id,
        repo,
        commit_sha: body.pipeline.commit_sha,
        ref: body.pipeline.ref ?? null,
        pipeline: json(body.pipeline),
        verifier: json(body.verifier),
        accepted_at,
        submitted_by: json({ kind: input.submittedBy.kind, id: input.submittedBy.id }),
        results_count: body.results.length,
        counts: json(counts),
        results_hash,
        submission_digest,
        submission: input.rawBody,
        attestation: json(attestation),
        attestation_material: material && json(material),
        counting: true,
      })
      .execute()
    const jwtReplay = input.submittedBy.kind === 'workspace_key' ? [input.submittedBy.replay] : []
    for (const r of [...replay, ...jwtReplay]) {
      const taken = await trx
        .insertInto('replay_records')
        .values({ ...r, workspace_id: model.workspace_id })
        .onConflict((oc) => oc.columns(['kind', 'value_digest']).doNothing())
        .executeTakeFirst()
      if (Number(taken.numInsertedOrUpdatedRows ?? 0n) === 0) throw REPLAYED[r.kind]()
    }

    const tier1Ids = new Map<string, string>()
    const rows = body.results.map((r) => {
      const id = newId('res')
      if (r.tier === 1) tier1Ids.set(r.assertion_id, id)
      return { r, id }
    })
    const resultRows = rows.map(({ r, id }) => {
      const a = assertions.get(r.assertion_id)!
      const control = controls.get(a.control_id)
      const revision =
        r.tier === 2 && r.prompt_hash ? (promptRevisions.get(`${r.prompt_hash}#${r.assertion_id}`) ?? null) : null
      return {
        id,
        run_id: runId,
        model_id: model.id,
        assertion_id: r.assertion_id,
        repo,
        tier: r.tier,
        result: r.result,
        details: r.details,
        locations: json(r.locations ?? []),
        evidence_digest: r.evidence_digest ?? null,
        duration_ms: r.duration_ms ?? null,
        provider: r.provider ?? null,
        model: r.model ?? null,
        prompt_hash: r.prompt_hash ?? null,
        rationale: r.rationale ?? null,
        anchor_result_id: r.tier === 2 ? (tier1Ids.get(r.assertion_id) ?? null) : null,
        control_revision: revision,
        prompt_stale: r.tier === 2 && r.result !== 'skipped' && (revision === null || revision !== control?.revision),
        assertion_deleted: a.deleted_at !== null,
        accepted_at,
      }
    })
    for (let i = 0; i < resultRows.length; i += CHUNK)
      await trx
        .insertInto('results')
        .values(resultRows.slice(i, i + CHUNK))
        .execute()

    const counted = resultRows.filter((r) => !r.assertion_deleted)
    const { opened: drift, resolved } = await materialiseDrift(
      trx,
      model.id,
      runId,
      body.pipeline.commit_sha,
      accepted_at,
      counted,
      (id) => {
        const a = assertions.get(id)!
        return {
          control_id: a.control_id,
          objective_ids: (controls.get(a.control_id)?.objective_ids as string[]) ?? [],
        }
      },
    )
    await upsertLatest(trx, model.id, body.pipeline.commit_sha, counted)
    await upsertRepoState(trx, model.id, repo, runId, body.pipeline.commit_sha, accepted_at, counts)
    if (drift.length)
      await trx
        .updateTable('runs')
        .set({ drift_ids: json(drift.map((d) => d.id)) })
        .where('id', '=', runId)
        .execute()

    // The run's log entry first (the single writer allocates its index), then the events derived from it, then the
    // receipt that commits to the entry (§7).
    const policy_digest = docDigest(input.security)
    const actor = { kind: input.submittedBy.kind, id: input.submittedBy.id }
    const entry = await appendEvent(trx, {
      chain: model.workspace_id,
      type: 'run.accepted',
      actor,
      model: model.id,
      subject: { kind: 'run', id: runId },
      at: accepted_at,
      data: {
        run_id: runId,
        repo,
        commit_sha: body.pipeline.commit_sha,
        results_hash,
        submission_digest,
        results_count: body.results.length,
        attestation: {
          method: attestation.method,
          binding: attestation.binding,
          identity: attestation.identity,
          satisfies_requirement: attestation.satisfies_requirement,
          identity_digest: identityDigest(attestation),
          statement_digest: attestation.statement_digest,
        },
        policy_digest,
      },
    })
    await appendEvents(
      trx,
      drift.map((d) => ({
        chain: model.workspace_id,
        type: 'drift.detected',
        actor: { kind: 'system' as const, id: null },
        model: model.id,
        subject: { kind: 'drift', id: d.id },
        at: accepted_at,
        data: {
          drift_id: d.id,
          assertion_id: d.assertion_id,
          control_id: d.control_id,
          repo,
          tier: d.tier,
          previous_run_id: d.previous_run_id,
          run_id: runId,
          new_result: d.new_result,
        },
      })),
    )
    await appendEvents(
      trx,
      resolved.map((id) =>
        driftResolved(
          model,
          { id, resolution: 'passed_again', run_id: runId },
          { kind: 'system', id: null },
          accepted_at,
        ),
      ),
    )
    const { status_changes, finding_changes } = await recompute(trx, model.id, input.settings, {
      id: runId,
      accepted_at,
      assertion_ids: new Set(counted.map((r) => r.assertion_id)),
      drift_by_assertion: new Map(drift.map((d) => [d.assertion_id, d.id])),
    })

    const ev = input.evidence
    // The instance key active as this transaction commits (§8.2): another server process may have rotated it.
    const key = await ev.signingKey(trx, 'instance', { logLocked: true })
    const statement = buildReceiptStatement({
      instance: { origin: input.publicUrl, key_fingerprint: key.fingerprint },
      workspace_id: model.workspace_id,
      model_id: model.id,
      run_id: runId,
      repo,
      commit_sha: body.pipeline.commit_sha,
      accepted_at,
      results_count: body.results.length,
      results_hash,
      submission_digest,
      material_digest: attestation.bundle_digest ?? attestation.signature_digest ?? attestation.token_digest,
      extra_token_digest: attestation.extra_oidc?.token_digest ?? null,
      attestation: {
        method: attestation.method,
        binding: attestation.binding,
        identity: attestation.identity,
        satisfies_requirement: attestation.satisfies_requirement,
        ...receiptIdentity(attestation),
        ...(attestation.key_fingerprint ? { key_fingerprint: attestation.key_fingerprint } : {}),
        ...(attestation.signing_time ? { signing_time: attestation.signing_time } : {}),
        ...(attestation.statement_digest ? { statement_digest: attestation.statement_digest } : {}),
        policy_digest,
      },
      log: { origin: ev.origin, index: entry.index, leaf_hash: entry.leaf_hash },
    })
    const receipt = signEnvelope(
      IN_TOTO_PAYLOAD_TYPE,
      new TextEncoder().encode(canonicalJson(statement)),
      key.privateKey,
      key.fingerprint,
    )
    await trx
      .updateTable('runs')
      .set({ receipt: json(receipt), log_index: entry.index })
      .where('id', '=', runId)
      .execute()
    return {
      run_id: runId,
      accepted_at,
      repo,
      commit_sha: body.pipeline.commit_sha,
      results_count: body.results.length,
      counts,
      results_hash,
      attestation,
      counting: true,
      receipt,
      log: { origin: ev.origin, index: entry.index, leaf_hash: entry.leaf_hash, checkpoint: null },
      drift,
      status_changes,
      finding_changes,
      warnings: resultRows.some((r) => r.prompt_stale)
        ? [
            'some Tier 2 results used a prompt this platform did not render for the current control revision; they do not count',
          ]
        : [],
    }
  })
}

async function promptRevisionsFor(trx: Db, results: readonly ResultItem[]): Promise<Map<string, number>> {
  const hashes = [...new Set(results.filter((r) => r.tier === 2 && r.prompt_hash).map((r) => r.prompt_hash!))]
  if (hashes.length === 0) return new Map()
  const rows = await trx
    .selectFrom('tier2_prompts')
    .select(['prompt_hash', 'assertion_id', 'control_revision'])
    .where('prompt_hash', 'in', hashes)
    .execute()
  return new Map(rows.map((r) => [`${r.prompt_hash}#${r.assertion_id}`, r.control_revision]))
}

type StoredResult = {
  id: string
  run_id: string
  assertion_id: string
  repo: string
  tier: 1 | 2
  result: ResultValue
  details: string
  locations: string
  evidence_digest: string | null
  anchor_result_id: string | null
  control_revision: number | null
  prompt_stale: boolean
  accepted_at: string
}

/** §4.8: compares each result with the newest earlier non-skipped one of its (assertion, repo, tier). */
async function materialiseDrift(
  trx: Db,
  modelId: string,
  runId: string,
  commit: string,
  at: string,
  results: readonly StoredResult[],
  controlOf: (assertionId: string) => { control_id: string; objective_ids: string[] },
) {
  const previous = new Map<
    string,
    { result: string; run_id: string; commit_sha: string; evidence_digest: string | null }
  >()
  for (let i = 0; i < results.length; i += CHUNK) {
    const slice = results.slice(i, i + CHUNK)
    const rows = await trx
      .selectFrom('latest_results')
      .select(['assertion_id', 'tier', 'result', 'run_id', 'commit_sha', 'evidence_digest'])
      .where('slot', '=', 'decisive')
      .where('repo', '=', slice[0]!.repo)
      .where('assertion_id', 'in', [...new Set(slice.map((r) => r.assertion_id))])
      .execute()
    for (const r of rows) previous.set(`${r.assertion_id}#${r.tier}`, r)
  }
  const opened: {
    id: string
    assertion_id: string
    control_id: string
    tier: number
    new_result: string
    previous_run_id: string
  }[] = []
  const toResolve: StoredResult[] = []
  const driftRows = []
  for (const r of results) {
    const prev = previous.get(`${r.assertion_id}#${r.tier}`)
    const action = driftAction((prev?.result as ResultValue | undefined) ?? null, r.result)
    if (action === 'resolve') toResolve.push(r)
    if (action !== 'open' || !prev) continue
    const { control_id, objective_ids } = controlOf(r.assertion_id)
    const id = newId('dft')
    driftRows.push({
      id,
      model_id: modelId,
      control_id,
      objective_ids: json(objective_ids),
      assertion_id: r.assertion_id,
      repo: r.repo,
      tier: r.tier,
      previous_result: prev.result,
      previous_run_id: prev.run_id,
      previous_commit_sha: prev.commit_sha,
      new_result: r.result,
      run_id: runId,
      commit_sha: commit,
      evidence_changed: driftEvidenceChanged(prev.evidence_digest, r.evidence_digest),
      detected_at: at,
      status: 'open',
    })
    opened.push({
      id,
      assertion_id: r.assertion_id,
      control_id,
      tier: r.tier,
      new_result: r.result,
      previous_run_id: prev.run_id,
    })
  }
  for (let i = 0; i < driftRows.length; i += CHUNK)
    await trx
      .insertInto('drift_events')
      .values(driftRows.slice(i, i + CHUNK))
      .execute()
  const resolved: string[] = []
  for (const tier of [1, 2] as const) {
    const ids = toResolve.filter((r) => r.tier === tier).map((r) => r.assertion_id)
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await trx
        .updateTable('drift_events')
        .set({ status: 'resolved', resolution: 'passed_again', resolved_run_id: runId, resolved_at: at })
        .where('model_id', '=', modelId)
        .where('status', '=', 'open')
        .where('tier', '=', tier)
        .where('repo', '=', results[0]!.repo)
        .where('assertion_id', 'in', ids.slice(i, i + CHUNK))
        .returning('id')
        .execute()
      resolved.push(...rows.map((r) => r.id))
    }
  }
  return { opened, resolved: resolved.sort() }
}

async function upsertLatest(trx: Db, modelId: string, commit: string, results: readonly StoredResult[]) {
  const toRow = (r: StoredResult, slot: 'any' | 'decisive') => ({
    assertion_id: r.assertion_id,
    repo: r.repo,
    tier: r.tier,
    slot,
    model_id: modelId,
    result_id: r.id,
    run_id: r.run_id,
    result: r.result,
    accepted_at: r.accepted_at,
    evidence_digest: r.evidence_digest,
    commit_sha: commit,
    details: r.details,
    locations: r.locations,
    anchor_result_id: r.anchor_result_id,
    control_revision: r.control_revision,
  })
  const rows = [
    ...results.map((r) => toRow(r, 'any')),
    ...results.filter((r) => r.result !== 'skipped').map((r) => toRow(r, 'decisive')),
  ]
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto('latest_results')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['assertion_id', 'repo', 'tier', 'slot']).doUpdateSet((eb) => ({
          result_id: eb.ref('excluded.result_id'),
          run_id: eb.ref('excluded.run_id'),
          result: eb.ref('excluded.result'),
          accepted_at: eb.ref('excluded.accepted_at'),
          evidence_digest: eb.ref('excluded.evidence_digest'),
          commit_sha: eb.ref('excluded.commit_sha'),
          details: eb.ref('excluded.details'),
          locations: eb.ref('excluded.locations'),
          anchor_result_id: eb.ref('excluded.anchor_result_id'),
          control_revision: eb.ref('excluded.control_revision'),
        })),
      )
      .execute()
  }
  // Tier 2 verdicts are indexed by the evidence they judged, so a later run with identical evidence keeps them current.
  const anchors = new Map(results.filter((r) => r.tier === 1).map((r) => [r.assertion_id, r]))
  const verdicts = results
    .filter((r) => r.tier === 2 && r.result !== 'skipped')
    .map((r) => {
      const anchor = anchors.get(r.assertion_id)!
      return {
        assertion_id: r.assertion_id,
        repo: r.repo,
        evidence_key: anchor.evidence_digest ?? `anchor:${anchor.id}`,
        model_id: modelId,
        source: 'ci',
        record_id: r.id,
        result: r.result,
        at: r.accepted_at,
        anchor_result_id: anchor.id,
        evidence_digest: anchor.evidence_digest,
        control_revision: r.control_revision,
      }
    })
  await upsertVerdicts(trx, verdicts)
}

export async function upsertVerdicts(
  trx: Db,
  verdicts: {
    assertion_id: string
    repo: string
    evidence_key: string
    model_id: string
    source: string
    record_id: string
    result: string
    at: string
    anchor_result_id: string
    evidence_digest: string | null
    control_revision: number | null
  }[],
) {
  for (let i = 0; i < verdicts.length; i += CHUNK) {
    await trx
      .insertInto('tier2_verdicts')
      .values(verdicts.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['assertion_id', 'repo', 'evidence_key']).doUpdateSet((eb) => ({
          source: eb.ref('excluded.source'),
          record_id: eb.ref('excluded.record_id'),
          result: eb.ref('excluded.result'),
          at: eb.ref('excluded.at'),
          anchor_result_id: eb.ref('excluded.anchor_result_id'),
          evidence_digest: eb.ref('excluded.evidence_digest'),
          control_revision: eb.ref('excluded.control_revision'),
        })),
      )
      .execute()
  }
}

async function upsertRepoState(
  trx: Db,
  modelId: string,
  repo: string,
  runId: string,
  commit: string,
  at: string,
  counts: { tier1: Record<string, number>; tier2: Record<string, number> },
) {
  const clean = counts.tier1.fail! + counts.tier1.error! + counts.tier2.fail! + counts.tier2.error! === 0
  await trx
    .insertInto('repo_states')
    .values({
      model_id: modelId,
      repo,
      last_run_id: runId,
      last_commit_sha: commit,
      last_run_at: at,
      last_clean_run_id: clean ? runId : null,
      last_clean_commit_sha: clean ? commit : null,
      runs_count: 1,
    })
    .onConflict((oc) =>
      oc.columns(['model_id', 'repo']).doUpdateSet({
        last_run_id: runId,
        last_commit_sha: commit,
        last_run_at: at,
        ...(clean ? { last_clean_run_id: runId, last_clean_commit_sha: commit } : {}),
        runs_count: sql`repo_states.runs_count + 1`,
      }),
    )
    .execute()
}
