import { createPublicKey } from 'node:crypto'
import {
  AUDIT_MANIFEST_FORMAT,
  AUDIT_MANIFEST_PAYLOAD_TYPE,
  AUDIT_PACKAGE_FORMAT,
  AUDIT_SECTIONS,
  canonicalJson,
  consistencyProof,
  digest,
  docDigest,
  type Envelope,
  inclusionProof,
  parseStrictJsonBytes,
  publicKeyPem,
  RULES_VERSION,
  signEnvelope,
  textDigest,
  verifierKey,
} from '@warrant/core'
import type { Db } from '../db/open.js'
import { ApiError } from '../errors.js'
import { nowIso } from '../ids.js'
import { CATALOGUE_VERSION } from '../routes/assertions.js'
import type { ItemKind } from '../schemas/model.js'
import { VERSION } from '../version.js'
import { ENTITY_KIND, judgementRecord } from './change-events.js'
import { signNextCheckpoint } from './checkpoints.js'
import type { Evidence } from './evidence.js'
import { cachedTree } from './log-tree.js'
import { loadModelState } from './state.js'
import type { WorkspaceSettings } from './workspaces.js'

/**
 * Builds an audit package (EVIDENCE.md §10): the sections of one model's evidence, every event with an inclusion proof
 * against one checkpoint that covers the newest event, and a manifest signed by the instance key.
 */

export interface ExportParams {
  from: string
  to: string
  repos: string[] | null
  consistency_from: number[]
}

export const MAX_RUNS = 1000
export const MAX_PACKAGE_BYTES = 256 * 1024 * 1024

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')

interface LeafRow {
  idx: number
  seq: number
  leaf: Uint8Array
}
interface EventRecord {
  seq: number
  at: string
  type: string
  model: string | null
  data: Record<string, unknown>
}

/** The record a model-scoped event is about, per event type: how section records find their newest event. */
const RECORD_OF: Record<string, (data: Record<string, unknown>) => string> = {
  'entity.changed': (d) => `${d.entity_kind}/${d.entity_id}`,
  'control.revised': (d) => `${d.control_id}@${d.revision}`,
  'control.implementation_changed': (d) => `${d.control_id}`,
  'evidence_link.changed': (d) => `${d.link_id}`,
  'control.reviewed': (d) => `${d.review_id}`,
  'refinement.changed': (d) => `${d.refinement_id}`,
  'assertion.created': (d) => `${d.assertion_id}`,
  'assertion.deleted': (d) => `${d.assertion_id}`,
  'coherence.evaluated': (d) => `${d.evaluation_id}`,
  'sufficiency.evaluated': (d) => `${d.evaluation_id}`,
  'tier2.reviewed': (d) => `${d.review_id}`,
}

/** The index of the newest event of the model about a record (`null` when none was logged), noting it as referenced. */
type EventIndexOf = (type: keyof typeof RECORD_OF, record: string) => number | null

export async function buildAuditPackage(
  db: Db,
  evidence: Evidence,
  input: {
    packageId: string
    publicUrl: string
    workspace: { id: string; settings: unknown; security: unknown }
    model: { id: string; title: string; description: string; repos: unknown; revision: number }
    userId: string
    params: ExportParams
  },
): Promise<{ bytes: Uint8Array; manifest_digest: string }> {
  const { workspace, model, params } = input
  evidence.assertWritable()
  // One checkpoint must cover the newest event: sign one now when the tree grew since the last.
  await signNextCheckpoint(db, evidence.logSigner)
  const checkpoint = await db
    .selectFrom('log_checkpoints')
    .selectAll()
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (!checkpoint) throw new ApiError(503, 'checkpoint_unavailable', 'no checkpoint has been signed yet')
  const size = checkpoint.tree_size
  // The workspace chain up to the checkpoint; records parsed once to find the events other sections point to.
  const chainRows: LeafRow[] = await db
    .selectFrom('log_leaves')
    .select(['idx', 'seq', 'leaf'])
    .where('chain', '=', workspace.id)
    .where('idx', '<', size)
    .orderBy('seq')
    .execute()
  const records = new Map<number, EventRecord>(
    chainRows.map((r) => [r.idx, parseStrictJsonBytes(r.leaf) as unknown as EventRecord]),
  )
  const head = chainRows.at(-1)
  if (!head) throw new ApiError(409, 'export_not_possible', 'the workspace has no log events yet')
  const startAt = chainRows.findIndex((r) => records.get(r.idx)!.at >= params.from)
  const chain = chainRows.slice(startAt < 0 ? chainRows.length - 1 : startAt)
  const inChain = new Set(chain.map((r) => r.idx))
  const eventsOf = (type: string, match: (data: Record<string, unknown>) => boolean) =>
    chainRows.filter((r) => {
      const e = records.get(r.idx)!
      return e.type === type && match(e.data)
    })
  const newest = new Map<string, number>()
  for (const r of chainRows) {
    const e = records.get(r.idx)!
    const recordOf = RECORD_OF[e.type]
    if (recordOf && e.model === model.id) newest.set(`${e.type} ${recordOf(e.data)}`, r.idx)
  }
  const pointedTo: number[] = []
  const eventIndexOf: EventIndexOf = (type, record) => {
    const idx = newest.get(`${type} ${record}`) ?? null
    if (idx !== null) pointedTo.push(idx)
    return idx
  }

  const instanceRows: LeafRow[] = (
    await db
      .selectFrom('log_leaves')
      .select(['idx', 'seq', 'leaf'])
      .where('chain', '=', '_instance')
      .where('idx', '<', size)
      .orderBy('seq')
      .execute()
  ).filter((r) =>
    ['instance.initialized', 'instance_key.activated', 'log_key.activated'].includes(
      (parseStrictJsonBytes(r.leaf) as { type: string }).type,
    ),
  )

  const tree = await cachedTree(db, size, {
    leaves: [...chainRows, ...instanceRows].map((r) => r.idx),
    prefixes: params.consistency_from,
  })
  const proven = (row: LeafRow) => ({
    index: row.idx,
    leaf: b64(row.leaf),
    hashes: inclusionProof(tree, row.idx, size).map(hex),
  })

  const consistency = []
  for (const from of [...new Set(params.consistency_from)].sort((a, b) => a - b)) {
    const held = await db.selectFrom('log_checkpoints').selectAll().where('tree_size', '=', from).executeTakeFirst()
    if (!held || from > size)
      throw new ApiError(422, 'validation_failed', `consistency_from ${from} is not the size of a signed checkpoint`)
    consistency.push({
      from_size: from,
      from_root: hex(held.root),
      hashes: consistencyProof(tree, from, size).map(hex),
    })
  }

  // Keys.
  const instanceKeys = await db.selectFrom('instance_keys').selectAll().orderBy('created_at').execute()
  const spkiKey = (spki: Uint8Array) => createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
  const signingKeys = await db
    .selectFrom('signing_keys')
    .selectAll()
    .where('workspace_id', '=', workspace.id)
    .orderBy('added_at')
    .execute()
  const keys = {
    instance: instanceKeys
      .filter((k) => k.purpose === 'instance')
      .map((k) => ({
        fingerprint: k.fingerprint,
        public_key_pem: publicKeyPem(spkiKey(k.public_spki)),
        status: k.status,
        created_at: k.created_at,
        retired_at: k.retired_at,
        event_index: k.log_index,
      })),
    log: instanceKeys
      .filter((k) => k.purpose === 'log')
      .map((k) => {
        const vkey = verifierKey(evidence.origin, spkiKey(k.public_spki))
        return {
          name: evidence.origin,
          key_id: vkey.split('+')[1]!,
          vkey,
          public_key_pem: publicKeyPem(spkiKey(k.public_spki)),
          status: k.status,
          created_at: k.created_at,
          retired_at: k.retired_at,
          event_index: k.log_index,
        }
      }),
    workspace: signingKeys.map((k) => ({
      fingerprint: k.fingerprint,
      public_key_pem: k.public_key_pem,
      label: k.label,
      status: k.status,
      added_at: k.added_at,
      revoked_at: k.revoked_at,
      revocation_reason: k.revocation_reason,
      compromised_since: k.compromised_since,
      added_event_index: eventsOf('signing_key.added', (d) => d.fingerprint === k.fingerprint).at(-1)?.idx ?? null,
      revoked_event_index: eventsOf('signing_key.revoked', (d) => d.fingerprint === k.fingerprint).at(-1)?.idx ?? null,
    })),
  }

  // Runs: those accepted in the window, plus every run behind a current effective result, whatever its age.
  const windowRuns = await db
    .selectFrom('runs')
    .select('id')
    .where('model_id', '=', model.id)
    .where('accepted_at', '>=', params.from)
    .where('accepted_at', '<=', params.to)
    .$if(params.repos !== null, (q) => q.where('repo', 'in', params.repos!.length ? params.repos! : ['\u0000']))
    .execute()
  const state = await loadModelState(db, model.id, workspace.settings as WorkspaceSettings)
  const tier2ResultIds = [...state.assertions.values()].flatMap((a) =>
    a.evaluation.per_repo.flatMap((p) =>
      p.tier2.verdict ? [p.tier2.verdict.id, p.tier2.verdict.anchor_result_id].filter((x) => x) : [],
    ),
  )
  const resultRuns = new Map(
    (tier2ResultIds.length
      ? await db.selectFrom('results').select(['id', 'run_id']).where('id', 'in', tier2ResultIds).execute()
      : []
    ).map((r) => [r.id, r.run_id]),
  )
  const effectiveRuns = [...state.assertions.values()].flatMap((a) =>
    a.evaluation.per_repo.flatMap((p) => [
      ...(p.tier1.anchor ? [p.tier1.anchor.run_id] : []),
      ...(p.tier2.verdict
        ? [resultRuns.get(p.tier2.verdict.id), resultRuns.get(p.tier2.verdict.anchor_result_id)]
        : []),
    ]),
  )
  const runIds = [...new Set([...windowRuns.map((r) => r.id), ...effectiveRuns])].filter(
    (x): x is string => typeof x === 'string',
  )
  if (runIds.length > MAX_RUNS)
    throw new ApiError(
      413,
      'export_too_large',
      `the package would hold ${runIds.length} runs (at most ${MAX_RUNS}); narrow the window`,
    )
  const runRows = runIds.length
    ? await db.selectFrom('runs').selectAll().where('id', 'in', runIds).orderBy('accepted_at').orderBy('id').execute()
    : []
  const runs = runRows.map((r) => {
    const a = r.attestation as Record<string, unknown>
    const body = parseStrictJsonBytes(r.submission) as Record<string, unknown>
    const material: Record<string, unknown> = {}
    if (body.bundle !== undefined) material.bundle = body.bundle
    if (body.signed_hash !== undefined) material.legacy = { signed_hash: body.signed_hash, signature: body.signature }
    // The raw OIDC token, its JWK and jwks_uri (`oidc` or `extra_oidc`), for the offline check R7.
    Object.assign(material, r.attestation_material ?? {})
    return {
      run_id: r.id,
      accepted_at: r.accepted_at,
      repo: r.repo,
      commit_sha: r.commit_sha,
      counting: r.counting,
      revoked: a.revoked === true,
      submission: { body: b64(r.submission), digest: r.submission_digest },
      results_hash: r.results_hash,
      attestation: {
        method: a.method,
        binding: a.binding,
        identity: a.identity,
        satisfies_requirement: a.satisfies_requirement,
        issuer: a.issuer ?? null,
        subject: a.subject ?? null,
        san: a.san ?? null,
        claims: a.claims ?? {},
        key_fingerprint: a.key_fingerprint ?? null,
        signing_time: a.signing_time ?? null,
        material,
      },
      receipt: r.receipt as Envelope | null,
      log_index: r.log_index,
    }
  })

  // Policy: the one in force at the window start and every later one, each with the event that logged it; the last
  // is the policy in force now (what counting uses, PLATFORM.md §4.1).
  const policyRows = await db
    .selectFrom('security_policies')
    .selectAll()
    .where('workspace_id', '=', workspace.id)
    .orderBy('seq')
    .execute()
  const inForceAtStart = policyRows.findLastIndex((p) => p.effective_from === null || p.effective_from <= params.from)
  const policy = {
    security: policyRows.slice(Math.max(inForceAtStart, 0)).map((p) => ({
      policy_digest: p.policy_digest,
      settings: p.settings,
      effective_from: p.effective_from,
      event_index: p.event_index,
    })),
    workspace_settings: workspace.settings,
  }

  const modelSec = await modelSection(db, model, eventIndexOf)
  const findingsSec = await findingsSection(db, model.id, findingEventIndexer(chainRows, records, model.id))
  pointedTo.push(...findingsSec.flatMap((f) => f.events.map((e) => e.event_index)).filter((i) => i !== null))
  const assertionsSec = await assertionsSection(db, model.id, eventIndexOf)
  const judgementsSec = await judgementsSection(db, model.id, eventIndexOf)
  const referencedIdx = new Set<number>(
    [
      ...pointedTo,
      ...runs.map((r) => r.log_index),
      ...keys.workspace.flatMap((k) => [k.added_event_index, k.revoked_event_index]),
      ...policy.security.map((p) => p.event_index),
    ].filter((i): i is number => typeof i === 'number' && !inChain.has(i)),
  )
  const events = {
    chain: chain.map(proven),
    referenced: chainRows.filter((r) => referencedIdx.has(r.idx)).map(proven),
    instance: instanceRows.map(proven),
  }

  const sections = {
    scope: {
      workspace_id: workspace.id,
      model_id: model.id,
      window: { from: params.from, to: params.to },
      repos: params.repos,
      consistency_from: consistency.map((c) => c.from_size),
      generated_at: nowIso(),
      rules_version: RULES_VERSION,
      catalogue_version: CATALOGUE_VERSION,
      chain_head: { seq: head.seq, index: head.idx },
    },
    keys,
    log: {
      origin: evidence.origin,
      checkpoint: checkpoint.note,
      tree_size: size,
      root_hash: hex(checkpoint.root),
      consistency,
    },
    events,
    policy,
    model: modelSec,
    assertions: assertionsSec,
    judgements: judgementsSec,
    runs,
    findings: findingsSec,
    drift: await db
      .selectFrom('drift_events')
      .selectAll()
      .where('model_id', '=', model.id)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'open'),
          eb.and([eb('detected_at', '>=', params.from), eb('detected_at', '<=', params.to)]),
          eb.and([eb('resolved_at', '>=', params.from), eb('resolved_at', '<=', params.to)]),
        ]),
      )
      .orderBy('detected_at')
      .orderBy('id')
      .execute(),
    repos: await db.selectFrom('repo_states').selectAll().where('model_id', '=', model.id).orderBy('repo').execute(),
    verdicts: await verdictsSection(db, state, model.id, resultRuns),
  }

  // The key active in the database now, even when another server process rotated it (never a retired key).
  const instanceKey = await evidence.signingKey(db, 'instance', { logLocked: false })
  const manifest = {
    format: AUDIT_MANIFEST_FORMAT,
    package_id: input.packageId,
    generated_at: sections.scope.generated_at,
    generated_by: input.userId,
    instance: { origin: input.publicUrl, version: VERSION, key_fingerprint: instanceKey.fingerprint },
    workspace_id: workspace.id,
    model_id: model.id,
    checkpoint_digest: textDigest(checkpoint.note),
    sections: Object.fromEntries(AUDIT_SECTIONS.map((s) => [s, docDigest(sections[s])])),
  }
  const payload = new TextEncoder().encode(canonicalJson(manifest))
  const envelope = signEnvelope(AUDIT_MANIFEST_PAYLOAD_TYPE, payload, instanceKey.privateKey, instanceKey.fingerprint)
  const bytes = new TextEncoder().encode(canonicalJson({ format: AUDIT_PACKAGE_FORMAT, manifest: envelope, sections }))
  if (bytes.length > MAX_PACKAGE_BYTES)
    throw new ApiError(413, 'export_too_large', 'the package would exceed 256 MiB; narrow the window')
  return { bytes, manifest_digest: digest(payload) }
}

async function modelSection(
  db: Db,
  model: { id: string; title: string; description: string; repos: unknown; revision: number },
  eventIndexOf: EventIndexOf,
) {
  const [items, controls, revisions, links, reviews, refinements] = await Promise.all([
    db.selectFrom('model_items').selectAll().where('model_id', '=', model.id).orderBy('kind').orderBy('key').execute(),
    db.selectFrom('controls').selectAll().where('model_id', '=', model.id).orderBy('id').execute(),
    db
      .selectFrom('control_revisions')
      .selectAll()
      .where('model_id', '=', model.id)
      .orderBy('control_id')
      .orderBy('revision')
      .execute(),
    db.selectFrom('evidence_links').selectAll().where('model_id', '=', model.id).orderBy('id').execute(),
    db.selectFrom('control_reviews').selectAll().where('model_id', '=', model.id).orderBy('id').execute(),
    db.selectFrom('refinements').selectAll().where('model_id', '=', model.id).orderBy('id').execute(),
  ])
  const itemsOf = (kind: ItemKind) =>
    items
      .filter((i) => i.kind === kind)
      .map((i) => ({
        id: i.key,
        ...(i.body as object),
        deleted_at: i.deleted_at,
        event_index: eventIndexOf('entity.changed', `${ENTITY_KIND[kind]}/${i.key}`),
      }))
  return {
    model: {
      id: model.id,
      title: model.title,
      description: model.description,
      repos: model.repos,
      revision: model.revision,
    },
    assets: itemsOf('assets'),
    attackers: itemsOf('attackers'),
    assumptions: itemsOf('assumptions'),
    control_objectives: itemsOf('control_objectives'),
    controls: controls.map((c) => ({
      id: c.id,
      title: c.title,
      description: c.description,
      objective_ids: c.objective_ids,
      intents: c.intents,
      revision: c.revision,
      implementation_status: c.implementation_status,
      deleted_at: c.deleted_at,
      revisions: revisions
        .filter((r) => r.control_id === c.id)
        .map((r) => ({
          revision: r.revision,
          title: r.title,
          description: r.description,
          objective_ids: r.objective_ids,
          intents: r.intents,
          content_digest: r.content_digest,
          cause: r.cause,
          created_at: r.created_at,
          event_index: eventIndexOf('control.revised', `${c.id}@${r.revision}`),
        })),
      implementation_history: [
        {
          status: c.implementation_status,
          notes: c.implementation_notes,
          at: c.updated_at,
          event_index: eventIndexOf('control.implementation_changed', c.id),
        },
      ],
      evidence_links: links
        .filter((l) => l.control_id === c.id)
        .map((l) => ({ ...l, event_index: eventIndexOf('evidence_link.changed', l.id) })),
      reviews: reviews
        .filter((r) => r.control_id === c.id)
        .map((r) => ({ ...r, event_index: eventIndexOf('control.reviewed', r.id) })),
      refinements: refinements
        .filter((r) => r.control_id === c.id)
        .map((r) => ({ ...r, event_index: eventIndexOf('refinement.changed', r.id) })),
    })),
  }
}

async function assertionsSection(db: Db, modelId: string, eventIndexOf: EventIndexOf) {
  const rows = await db.selectFrom('assertions').selectAll().where('model_id', '=', modelId).orderBy('id').execute()
  return rows.map((a) => ({
    id: a.id,
    model_id: a.model_id,
    control_id: a.control_id,
    type: a.type,
    params: a.params,
    description: a.description,
    repo: a.repo,
    digest: a.digest,
    created_at: a.created_at,
    created_event_index: eventIndexOf('assertion.created', a.id),
    deleted_at: a.deleted_at,
    deleted_event_index: eventIndexOf('assertion.deleted', a.id),
  }))
}

async function judgementsSection(db: Db, modelId: string, eventIndexOf: EventIndexOf) {
  const [coherence, sufficiency, tier2] = await Promise.all([
    db
      .selectFrom('coherence_evaluations as c')
      .innerJoin('assertions as a', 'a.id', 'c.assertion_id')
      .selectAll('c')
      .where('a.model_id', '=', modelId)
      .orderBy('c.id')
      .execute(),
    db.selectFrom('sufficiency_evaluations').selectAll().where('model_id', '=', modelId).orderBy('id').execute(),
    db.selectFrom('tier2_reviews').selectAll().where('model_id', '=', modelId).orderBy('id').execute(),
  ])
  return {
    coherence: coherence.map((e) => ({
      ...judgementRecord(e),
      event_index: eventIndexOf('coherence.evaluated', e.id),
    })),
    sufficiency: sufficiency.map((e) => ({
      ...judgementRecord(e),
      event_index: eventIndexOf('sufficiency.evaluated', e.id),
    })),
    tier2_reviews: tier2.map((r) => ({ ...r, event_index: eventIndexOf('tier2.reviewed', r.id) })),
  }
}

/** The log event type each FindingEvent kind is logged as; `noted` is not logged (notes are free text). */
const FINDING_EVENT_TYPE: Record<string, string> = {
  created: 'finding.created',
  transitioned: 'finding.transitioned',
  linked: 'finding.linked',
  unlinked: 'finding.linked',
  verification_gained: 'finding.verification_changed',
  verification_lost: 'finding.verification_changed',
}

type FindingEventIndexOf = (e: { finding_id: string; kind: string; at: string }) => number | null

/**
 * Each FindingEvent's own log event: the first not yet matched event of its type for the same finding at the same
 * time, in chain order. Called in FindingEvent order, so two events of one change (linked and unlinked) keep theirs.
 */
function findingEventIndexer(
  chainRows: LeafRow[],
  records: Map<number, EventRecord>,
  modelId: string,
): FindingEventIndexOf {
  const queues = new Map<string, { idx: number; at: string }[]>()
  for (const r of chainRows) {
    const e = records.get(r.idx)!
    if (!e.type.startsWith('finding.') || e.model !== modelId) continue
    const key = `${e.type} ${String(e.data.finding_id)}`
    queues.set(key, [...(queues.get(key) ?? []), { idx: r.idx, at: e.at }])
  }
  return (fe) => {
    const type = FINDING_EVENT_TYPE[fe.kind]
    const queue = type ? queues.get(`${type} ${fe.finding_id}`) : undefined
    const at = queue?.findIndex((q) => q.at === fe.at) ?? -1
    if (!queue || at < 0) return null
    return queue.splice(at, 1)[0]!.idx
  }
}

async function findingsSection(db: Db, modelId: string, eventIndexOf: FindingEventIndexOf) {
  const findings = await db.selectFrom('findings').selectAll().where('model_id', '=', modelId).orderBy('id').execute()
  const events = findings.length
    ? await db
        .selectFrom('finding_events')
        .selectAll()
        .where(
          'finding_id',
          'in',
          findings.map((f) => f.id),
        )
        .orderBy('seq')
        .execute()
    : []
  return findings.map((f) => ({
    ...f,
    status: f.verified ? 'verified' : f.lifecycle_status,
    events: events
      .filter((e) => e.finding_id === f.id)
      .map(({ seq: _s, ...e }) => ({ ...e, event_index: eventIndexOf(e) })),
  }))
}

async function verdictsSection(
  db: Db,
  state: Awaited<ReturnType<typeof loadModelState>>,
  modelId: string,
  resultRuns: Map<string, string>,
) {
  const findings = await db
    .selectFrom('findings')
    .select(['id', 'verified', 'lifecycle_status'])
    .where('model_id', '=', modelId)
    .orderBy('id')
    .execute()
  return {
    rules_version: RULES_VERSION,
    computed_at: nowIso(),
    controls: [...state.controls.values()].map((c) => ({
      control_id: c.row.id,
      revision: c.row.revision,
      implementation_status: c.row.implementation_status,
      verification_status: c.verification_status,
      status_reasons: c.status_reasons,
      last_verified_at: c.row.last_verified_at,
      sufficiency: {
        status: c.sufficiency.status,
        method: c.sufficiency.method,
        evaluation_id: c.sufficiency.evaluation_id,
      },
      assertions: c.assertions.map((a) => ({
        assertion_id: a.row.id,
        evaluation: a.evaluation.evaluation,
        coherence: { verdict: a.coherence.verdict, method: a.coherence.method, evaluation_id: a.coherence.id },
        per_repo: a.evaluation.per_repo.map((p) => {
          const v = p.tier2.verdict
          return {
            repo: p.repo,
            tier1: {
              result: p.tier1.result,
              result_id: p.tier1.anchor?.id ?? null,
              run_id: p.tier1.anchor?.run_id ?? null,
            },
            tier2: {
              result: p.tier2.result,
              source: v?.source ?? null,
              result_id: v && v.source === 'ci' ? v.id : null,
              review_id: v && v.source !== 'ci' ? v.id : null,
              run_id: v && v.source === 'ci' ? (resultRuns.get(v.id) ?? null) : null,
            },
          }
        }),
      })),
    })),
    objectives: state.objectives.map((o) => ({ objective_id: o.id, assurance: o.assurance })),
    findings: findings.map((f) => ({ finding_id: f.id, status: f.verified ? 'verified' : f.lifecycle_status })),
  }
}
