import type { KeyObject } from 'node:crypto'
import {
  AUDIT_MANIFEST_FORMAT,
  AUDIT_MANIFEST_PAYLOAD_TYPE,
  AUDIT_PACKAGE_FORMAT,
  AUDIT_SECTIONS,
  assertionDigest,
  buildReceiptStatement,
  canonicalJson,
  checkResultsStatement,
  decodeBase64,
  digest,
  docDigest,
  fingerprint,
  IN_TOTO_PAYLOAD_TYPE,
  identityDigest,
  leafHash,
  parseStrictJsonBytes,
  parseVerifierKey,
  publicKeyFromPem,
  RULES_VERSION,
  StrictJsonError,
  spkiDer,
  textDigest,
  verifyBytes,
  verifyCheckpoint,
  verifyConsistency,
  verifyEnvelope,
  verifyInclusion,
} from '@warrant/core'
import { checkEventRecords } from './events.js'
import { arr, isObject, type Json } from './json.js'
import { checkOidcMaterial } from './oidc.js'
import type { Outcome } from './outcome.js'
import type { Pins, SigstoreTools } from './pins.js'
import { checkSigstoreRun, ciIdentityPinned } from './sigstore.js'
import { recomputeVerdicts } from './verdicts.js'
import { checkWitnesses } from './witnesses.js'

/**
 * The ordered checks of `warrant audit` (EVIDENCE.md §12.2) as pure functions over the package bytes and the parsed
 * pins. Every check that is not built in this version is reported as `not_checked`, never as passed; a pinned
 * requirement whose check is not built makes the verdict INSUFFICIENT rather than silently passing.
 */

export type CheckStatus = 'pass' | 'fail' | 'insufficient' | 'skipped' | 'not_checked'
export interface CheckResult {
  id: string
  status: CheckStatus
  message: string
  subject: string | null
}
export interface RunLine {
  run_id: string
  method: string
  binding: string
  identity: string
  key_fingerprint: string | null
  commit_sha: string
  repo: string
  counting: boolean
  revoked: boolean
  status: 'ok' | 'invalid'
}
export interface ControlLine {
  control_id: string
  implementation_status: string
  verification_status: string
  status_reasons: string[]
  in_scope: boolean
  runs: string[]
  verdict_sources: string[]
}
export interface AuditReport {
  verdict: 'VERIFIED' | 'INVALID' | 'INSUFFICIENT' | 'USAGE'
  exit_code: 0 | 1 | 2 | 3
  checks: CheckResult[]
  runs: RunLine[]
  controls: ControlLine[]
  trusted: {
    instance_keys: { fingerprint: string; how: 'pinned' | 'introduced'; event_index: number | null }[]
    log_vkeys: string[]
    workspace_keys: string[] | null
    ci_identities: 'not pinned' | number
    trusted_roots: 'not pinned' | string[]
  }
  package: { package_id: string | null; workspace_id: string | null; model_id: string | null; tree_size: number | null }
}

/** Every check id of §12.2, in order; the status of each is one of the results below. */
export const CHECK_IDS = [
  'P1',
  'P2',
  'P3',
  'P4',
  'P5',
  'M1',
  'M2',
  'M3',
  'M4',
  'M5',
  'M6',
  'K1',
  'L1',
  'L2',
  'L3',
  'L4',
  'L5',
  'L6',
  'L7',
  'K2',
  'K3',
  'E1',
  'E2',
  'R1',
  'R2',
  'R3',
  'R4',
  'R5',
  'R6',
  'R7',
  'R8',
  'I1',
  'I2',
  'V1',
  'V2',
  'V3',
  'V4',
  'V5',
  'V6',
  'V7',
  'V8',
] as const

/** Checks this version does not implement: always listed as `not_checked`. */
export const NOT_BUILT: Record<string, string> = {}

/** The exit code a failure of each kind of check contributes. */
const EXIT_OF: Record<Exclude<CheckStatus, 'pass' | 'skipped' | 'not_checked'>, 1 | 3> = { fail: 1, insufficient: 3 }

const utf8 = new TextEncoder()
const fromHex = (h: unknown): Uint8Array | undefined =>
  typeof h === 'string' && /^([0-9a-f]{2})*$/.test(h) ? new Uint8Array(Buffer.from(h, 'hex')) : undefined
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info']
const verdictsOf = (sections: Json): Json => (isObject(sections.verdicts) ? sections.verdicts : {})
const chainGenesis = (chain: string) => digest(`warrant/chain/v1\n${chain}`)
/** At most this many statement-age minutes: acceptance already bounded the age; the audit checks only the order. */
const ANY_AGE_MINUTES = 1e9

class Recorder {
  readonly results = new Map<string, CheckResult[]>()
  readonly ran = new Set<string>()
  readonly skipped = new Map<string, string>()
  fail(id: string, message: string, subject: string | null = null) {
    this.ran.add(id)
    this.push({ id, status: 'fail', message, subject })
  }
  insufficient(id: string, message: string, subject: string | null = null) {
    this.ran.add(id)
    this.push({ id, status: 'insufficient', message, subject })
  }
  pass(id: string) {
    this.ran.add(id)
  }
  skip(id: string, why: string) {
    if (!this.ran.has(id)) this.skipped.set(id, why)
  }
  private push(r: CheckResult) {
    const list = this.results.get(r.id) ?? []
    list.push(r)
    this.results.set(r.id, list)
  }
  /** Runs a check; an exception from malformed input is that check's failure, never a crash. */
  run(id: string, body: () => void) {
    try {
      body()
      this.ran.add(id)
    } catch (e) {
      this.fail(id, `${id}: the package is malformed here (${(e as Error).message})`)
    }
  }
  list(): CheckResult[] {
    return CHECK_IDS.flatMap((id): CheckResult[] => {
      const found = this.results.get(id)
      if (found?.length) return found
      if (NOT_BUILT[id] && !this.ran.has(id))
        return [{ id, status: 'not_checked', message: NOT_BUILT[id]!, subject: null }]
      if (this.skipped.has(id) && !this.ran.has(id))
        return [{ id, status: 'skipped', message: this.skipped.get(id)!, subject: null }]
      if (this.ran.has(id)) return [{ id, status: 'pass', message: 'passed', subject: null }]
      return [{ id, status: 'skipped', message: 'not applicable: nothing pinned or nothing to check', subject: null }]
    })
  }
}

/** Records the findings of a check made in its own module. */
const record = (rec: Recorder, id: string, findings: readonly Outcome[]) => {
  for (const f of findings) rec[f.status](id, f.message, f.subject)
}

interface ProvenEvent {
  index: number
  leaf: Uint8Array
  record: Json
  proven: boolean
}

/** A P3/P4/P5 outcome that stops the audit: exit 1 (P3, P4 absent format) or 2 (P4 newer format, P5). */
export class StopAudit extends Error {
  constructor(
    readonly id: string,
    readonly exit: 1 | 2,
    message: string,
  ) {
    super(message)
  }
}

/** P3–P5: parses the package strictly and checks its format and rules version. */
export function readPackage(bytes: Uint8Array): Json {
  let doc: unknown
  try {
    doc = parseStrictJsonBytes(bytes)
  } catch (e) {
    if (e instanceof StrictJsonError) {
      const at = utf8.encode(new TextDecoder().decode(bytes).slice(0, e.offset)).length
      throw new StopAudit('P3', 1, `package is not valid JSON at byte ${at}: ${e.message}`)
    }
    throw e
  }
  if (!isObject(doc) || doc.format === undefined) throw new StopAudit('P4', 1, 'not a Warrant audit package')
  if (doc.format !== AUDIT_PACKAGE_FORMAT) {
    if (typeof doc.format === 'string' && doc.format.startsWith('warrant.audit-package/'))
      throw new StopAudit('P4', 2, `package format ${doc.format} needs a newer warrant`)
    throw new StopAudit('P4', 1, 'not a Warrant audit package')
  }
  const rules = doc.sections?.scope?.rules_version
  if (typeof rules !== 'string') throw new StopAudit('P5', 1, 'the package scope names no rules version')
  if (rules !== RULES_VERSION) throw new StopAudit('P5', 2, `rules version ${String(rules)} needs a newer warrant`)
  return doc
}

const keyOfPem = (pem: unknown, kinds: ('ecdsa-p256' | 'ed25519')[]): KeyObject | undefined => {
  try {
    return typeof pem === 'string' ? publicKeyFromPem(pem, kinds) : undefined
  } catch {
    return undefined
  }
}

/** Runs M1–V3 on a package that passed P3–P5. */
export function auditPackage(doc: Json, pins: Pins, tools: SigstoreTools): AuditReport {
  const rec = new Recorder()
  for (const id of ['P1', 'P2', 'P3', 'P4', 'P5']) rec.pass(id)
  const sections: Json = isObject(doc.sections) ? doc.sections : {}
  const scope: Json = isObject(sections.scope) ? sections.scope : {}
  const keys: Json = isObject(sections.keys) ? sections.keys : {}
  const logSection: Json = isObject(sections.log) ? sections.log : {}
  const eventsSection: Json = isObject(sections.events) ? sections.events : {}
  const runs: Json[] = Array.isArray(sections.runs) ? sections.runs.filter(isObject) : []
  const workspaceId = typeof scope.workspace_id === 'string' ? scope.workspace_id : null
  const modelId = typeof scope.model_id === 'string' ? scope.model_id : null

  // K1 first (M2 needs the parsed keys): every key entry parses and its stated id matches.
  const instanceKeys = new Map<string, KeyObject>()
  const workspaceKeys = new Map<string, { key: KeyObject; entry: Json }>()
  rec.run('K1', () => {
    for (const k of arr(keys.instance)) {
      const key = keyOfPem(k.public_key_pem, ['ecdsa-p256'])
      if (!key || fingerprint(key) !== k.fingerprint)
        rec.fail('K1', `key ${String(k.fingerprint)}: stated fingerprint does not match the key`, String(k.fingerprint))
      else instanceKeys.set(k.fingerprint, key)
    }
    for (const k of arr(keys.log)) {
      const key = keyOfPem(k.public_key_pem, ['ed25519'])
      const v = typeof k.vkey === 'string' ? parseVerifierKey(k.vkey) : undefined
      if (
        !key ||
        !v ||
        v.name !== k.name ||
        Buffer.from(v.keyId).toString('hex') !== k.key_id ||
        !spkiDer(v.publicKey).equals(spkiDer(key))
      )
        rec.fail('K1', `key ${String(k.key_id)}: stated fingerprint does not match the key`, String(k.key_id))
    }
    for (const k of arr(keys.workspace)) {
      const key = keyOfPem(k.public_key_pem, ['ecdsa-p256'])
      if (!key || fingerprint(key) !== k.fingerprint)
        rec.fail('K1', `key ${String(k.fingerprint)}: stated fingerprint does not match the key`, String(k.fingerprint))
      else workspaceKeys.set(k.fingerprint, { key, entry: k })
    }
  })

  // M1–M6: the manifest.
  let manifest: Json | undefined
  let manifestSigner: string | undefined
  const envelope = doc.manifest
  const m1 = (() => {
    if (!isObject(envelope)) return 'the manifest is not an object'
    if (envelope.payloadType !== AUDIT_MANIFEST_PAYLOAD_TYPE)
      return `payloadType must be ${AUDIT_MANIFEST_PAYLOAD_TYPE}`
    if (!Array.isArray(envelope.signatures) || envelope.signatures.length !== 1) return 'exactly one signature'
    if (typeof envelope.signatures[0]?.keyid !== 'string') return 'the signature names no keyid'
    if (typeof envelope.payload !== 'string' || !decodeBase64(envelope.payload)) return 'payload is not base64'
    return null
  })()
  if (m1) {
    rec.fail('M1', `manifest envelope malformed: ${m1}`)
    for (const id of ['M2', 'M3', 'M4', 'M5', 'M6']) rec.skip(id, 'the manifest envelope is malformed')
  } else {
    rec.pass('M1')
    const keyid = envelope!.signatures[0].keyid as string
    const key = instanceKeys.get(keyid)
    if (!key) {
      rec.fail('M2', 'manifest signed by a key the package does not contain', keyid)
      for (const id of ['M3', 'M4', 'M5', 'M6']) rec.skip(id, 'the manifest key is unknown')
    } else {
      rec.pass('M2')
      const checked = verifyEnvelope(envelope, key, AUDIT_MANIFEST_PAYLOAD_TYPE)
      if (!checked.ok) {
        rec.fail('M3', 'manifest signature does not verify', keyid)
        for (const id of ['M4', 'M5', 'M6']) rec.skip(id, 'the manifest signature does not verify')
      } else {
        rec.pass('M3')
        manifestSigner = keyid
        let parsed: unknown
        try {
          parsed = parseStrictJsonBytes(checked.payload)
        } catch {
          parsed = undefined
        }
        const canonical =
          parsed !== undefined && Buffer.from(utf8.encode(canonicalJson(parsed))).equals(checked.payload)
        if (
          !canonical ||
          !isObject(parsed) ||
          parsed.format !== AUDIT_MANIFEST_FORMAT ||
          !isObject(parsed.sections) ||
          !isObject(parsed.instance)
        ) {
          rec.fail('M4', 'manifest payload is not canonical')
          for (const id of ['M5', 'M6']) rec.skip(id, 'the manifest payload is not a canonical manifest')
        } else {
          rec.pass('M4')
          manifest = parsed
        }
      }
    }
  }
  if (manifest) {
    const listed = manifest.sections as Json
    const known = new Set<string>(AUDIT_SECTIONS)
    for (const s of new Set([...AUDIT_SECTIONS, ...Object.keys(sections), ...Object.keys(listed)])) {
      if (!known.has(s) || !(s in sections) || !(s in listed))
        rec.fail('M5', `section ${s} not covered by the manifest`, s)
      else if (docDigest(sections[s]) !== listed[s]) rec.fail('M5', `section ${s}: digest mismatch`, s)
    }
    rec.pass('M5')
    const disagree = (s: string, field: string) => rec.fail('M6', `manifest and section ${s} disagree on ${field}`, s)
    if (manifest.workspace_id !== workspaceId) disagree('scope', 'workspace_id')
    if (manifest.model_id !== modelId) disagree('scope', 'model_id')
    if (manifest.instance.key_fingerprint !== manifestSigner) disagree('keys', 'instance.key_fingerprint')
    if (typeof logSection.checkpoint !== 'string' || manifest.checkpoint_digest !== textDigest(logSection.checkpoint))
      disagree('log', 'checkpoint_digest')
    rec.pass('M6')
  }

  // L1–L2: the checkpoint.
  let checkpoint: { size: number; root: Uint8Array } | undefined
  const note = typeof logSection.checkpoint === 'string' ? logSection.checkpoint : ''
  const parsedNote = verifyCheckpoint(note, [], undefined)
  const parses = !parsedNote.ok && parsedNote.reason === 'no signature from a trusted key'
  const origin = note.split('\n')[0]
  if (!parses) {
    rec.fail('L1', `checkpoint does not parse: ${parsedNote.ok ? 'unexpected' : parsedNote.reason}`)
    rec.skip('L2', 'the checkpoint does not parse')
  } else if (origin !== pins.log.origin) {
    rec.fail('L1', `checkpoint origin ${origin} is not the pinned log`)
    rec.skip('L2', 'the checkpoint is from another log')
  } else {
    rec.pass('L1')
    const checked = verifyCheckpoint(note, pins.log.verifiers, pins.log.origin)
    if (!checked.ok) rec.fail('L2', 'checkpoint not signed by a pinned log key')
    else {
      rec.pass('L2')
      checkpoint = { size: checked.checkpoint.size, root: checked.checkpoint.root }
      if (
        logSection.tree_size !== checkpoint.size ||
        logSection.root_hash !== Buffer.from(checkpoint.root).toString('hex')
      )
        rec.fail('L1', 'log.tree_size or log.root_hash disagrees with the checkpoint')
    }
  }
  // L3: cosignatures of the pinned witnesses on the verified checkpoint.
  if (pins.log.witnesses) {
    const witnesses = pins.log.witnesses
    if (!checkpoint) rec.skip('L3', 'no verified checkpoint')
    else rec.run('L3', () => record(rec, 'L3', checkWitnesses(note, witnesses)))
  }

  // L4: the pinned checkpoint and minimum size.
  if (!checkpoint) rec.skip('L4', 'no verified checkpoint')
  else {
    rec.pass('L4')
    const pinned = pins.log.checkpoint
    if (pinned) {
      if (pinned.size === checkpoint.size) {
        if (!Buffer.from(pinned.root).equals(Buffer.from(checkpoint.root)))
          rec.fail('L4', `log forked: roots differ at size ${pinned.size}`)
      } else if (pinned.size < checkpoint.size) {
        const proof = arr(logSection.consistency).find((c) => c.from_size === pinned.size)
        if (!proof)
          rec.insufficient(
            'L4',
            `no consistency proof from your checkpoint (size ${pinned.size}); export again with consistency_from=${pinned.size}`,
          )
        else {
          const hashes = (Array.isArray(proof.hashes) ? proof.hashes : [undefined]).map(fromHex)
          if (
            proof.from_root !== Buffer.from(pinned.root).toString('hex') ||
            hashes.some((h) => !h) ||
            !verifyConsistency(pinned.size, checkpoint.size, hashes as Uint8Array[], pinned.root, checkpoint.root)
          )
            rec.fail('L4', `consistency proof from size ${pinned.size} fails`)
        }
      } else rec.insufficient('L4', 'package predates your pinned checkpoint')
    }
    if (pins.log.min_tree_size !== null && checkpoint.size < pins.log.min_tree_size)
      rec.insufficient('L4', 'checkpoint smaller than min_tree_size')
  }

  // L5–L6: every event decodes, is canonical, and is in the checkpointed log.
  const events = new Map<number, ProvenEvent>()
  const eventLists: Record<'chain' | 'referenced' | 'instance', ProvenEvent[]> = {
    chain: [],
    referenced: [],
    instance: [],
  }
  rec.run('L5', () => {
    for (const list of ['chain', 'referenced', 'instance'] as const) {
      for (const e of arr(eventsSection[list])) {
        const leaf = typeof e.leaf === 'string' ? decodeBase64(e.leaf) : undefined
        let record: unknown
        try {
          record = leaf ? parseStrictJsonBytes(leaf) : undefined
        } catch {
          record = undefined
        }
        if (
          !leaf ||
          !isObject(record) ||
          record.v !== 1 ||
          !Buffer.from(utf8.encode(canonicalJson(record))).equals(Buffer.from(leaf))
        ) {
          rec.fail('L5', `event at index ${String(e.index)} is malformed or not canonical`, String(e.index))
          continue
        }
        let proven = false
        if (checkpoint) {
          const hashes = Array.isArray(e.hashes) ? e.hashes.map(fromHex) : [undefined]
          proven =
            Number.isSafeInteger(e.index) &&
            hashes.every((h: Uint8Array | undefined) => h?.length === 32) &&
            verifyInclusion(leafHash(leaf), e.index, checkpoint.size, hashes as Uint8Array[], checkpoint.root)
          if (!proven)
            rec.fail('L6', `event at index ${String(e.index)} is not in the checkpointed log`, String(e.index))
        }
        const p = { index: e.index as number, leaf, record, proven }
        events.set(p.index, p)
        eventLists[list].push(p)
      }
    }
  })
  if (checkpoint) rec.pass('L6')
  else rec.skip('L6', 'no verified checkpoint')
  const provenEvent = (index: unknown): ProvenEvent | undefined => {
    const e = typeof index === 'number' ? events.get(index) : undefined
    return e?.proven ? e : undefined
  }

  // L7: the workspace chain.
  rec.run('L7', () => {
    const chain = eventLists.chain
    const broken = (seq: unknown) => rec.fail('L7', `chain ${workspaceId} broken at seq ${String(seq)}`, String(seq))
    if (chain.length === 0) return broken('(no events)')
    for (const [i, e] of chain.entries()) {
      const r = e.record
      if (r.chain !== workspaceId) return broken(r.seq)
      if (i === 0) {
        if (r.seq === 1 && r.prev !== chainGenesis(workspaceId!)) return broken(1)
      } else {
        const before = chain[i - 1]!
        if (r.seq !== before.record.seq + 1 || r.prev !== digest(before.leaf) || e.index <= before.index)
          return broken(r.seq)
      }
    }
    const last = chain.at(-1)!
    const head = scope.chain_head as Json
    if (!isObject(head) || head.seq !== last.record.seq || head.index !== last.index) return broken(last.record.seq)
  })

  // K2: trusted instance keys are pinned or introduced by a proven activation whose previous key is trusted.
  const trusted = new Map<string, { how: 'pinned' | 'introduced'; event_index: number | null }>(
    pins.instance_keys.map((fp) => [fp, { how: 'pinned', event_index: null }]),
  )
  for (const e of [...eventLists.instance].sort((a, b) => a.index - b.index)) {
    const r = e.record
    if (!e.proven || r.chain !== '_instance' || r.type !== 'instance_key.activated') continue
    const prev = r.data?.previous_fingerprint
    if (typeof prev === 'string' && trusted.has(prev) && typeof r.data.fingerprint === 'string')
      trusted.set(r.data.fingerprint, { how: 'introduced', event_index: e.index })
  }
  const untrusted = new Set<string>()
  const requireTrusted = (fp: string | undefined) => {
    if (fp && !trusted.has(fp) && !untrusted.has(fp)) {
      untrusted.add(fp)
      rec.fail('K2', `instance key ${fp} is neither pinned nor introduced in the log`, fp)
    }
  }
  requireTrusted(manifestSigner)
  for (const r of runs) requireTrusted(r.receipt?.signatures?.[0]?.keyid)
  rec.pass('K2')

  // Runs: R1–R3, R5, R6, R8.
  const assertions = new Map<string, Json>(arr(sections.assertions).map((a) => [a.id as string, a]))
  const runById = new Map(runs.map((r) => [String(r.run_id), r]))
  const invalidRuns = new Set<string>()
  const bodies = new Map<string, Json>()
  const runFail = (id: string, run: string, message: string) => {
    invalidRuns.add(run)
    rec.fail(id, message, run)
  }
  const keyValidAt = (fp: unknown, at: string): KeyObject | undefined => {
    const k = typeof fp === 'string' ? workspaceKeys.get(fp) : undefined
    if (!k) return undefined
    const e = k.entry
    if (typeof e.added_at !== 'string' || e.added_at > at) return undefined
    if (typeof e.revoked_at === 'string' && e.revoked_at <= at) return undefined
    if (typeof e.compromised_since === 'string' && e.compromised_since <= at) return undefined
    return k.key
  }
  for (const run of runs) {
    const id = String(run.run_id)
    let parsedBody = undefined as Json | undefined
    rec.run('R1', () => {
      const bytes = typeof run.submission?.body === 'string' ? decodeBase64(run.submission.body) : undefined
      let body: Json | undefined
      try {
        body = bytes ? (parseStrictJsonBytes(bytes) as Json) : undefined
      } catch {
        body = undefined
      }
      if (
        !bytes ||
        digest(bytes) !== run.submission.digest ||
        !isObject(body) ||
        !Array.isArray(body.results) ||
        docDigest(body.results) !== run.results_hash
      )
        return runFail('R1', id, `run ${id}: results were altered after submission`)
      parsedBody = body
    })
    if (!parsedBody) {
      for (const c of ['R2', 'R3', 'R5', 'R6']) rec.skip(c, 'a submission does not verify')
      continue
    }
    const body: Json = parsedBody
    bodies.set(id, body)
    const att: Json = isObject(run.attestation) ? run.attestation : {}
    const material: Json = isObject(att.material) ? att.material : {}
    const bundle = material.bundle as Json | undefined
    const legacy = material.legacy as Json | undefined

    // R3: every result names an assertion of this model with its recomputed digest.
    rec.run('R3', () => {
      for (const [n, r] of (body.results as Json[]).entries()) {
        const a = assertions.get(r.assertion_id)
        if (
          !a ||
          a.model_id !== modelId ||
          assertionDigest({
            id: a.id,
            model_id: a.model_id,
            control_id: a.control_id,
            type: a.type,
            params: a.params,
            description: a.description,
            repo: a.repo,
          }) !== a.digest ||
          a.digest !== r.assertion_digest
        ) {
          runFail('R3', id, `run ${id}: result ${n} refers to an unknown or different assertion`)
          break
        }
      }
    })

    // R5/R6: the workspace-key material.
    let statementDigest: string | null = null
    if (att.method === 'workspace_bundle') {
      rec.run('R5', () => {
        const problem = `run ${id}: workspace signature invalid or key not valid at ${String(run.accepted_at)}`
        const hint = String(bundle?.verificationMaterial?.publicKey?.hint ?? '').replace(/^sha256:/, '')
        const key = hint === att.key_fingerprint ? keyValidAt(hint, String(run.accepted_at)) : undefined
        const checked = key ? verifyEnvelope(bundle?.dsseEnvelope, key, IN_TOTO_PAYLOAD_TYPE) : undefined
        if (!checked?.ok) return runFail('R5', id, problem)
        const statement = checkResultsStatement(
          checked.payload,
          {
            workspace_id: workspaceId!,
            model_id: modelId!,
            repo: run.repo,
            pipeline: body.pipeline,
            verifier: body.verifier,
            results: body.results,
          },
          { now: new Date(String(run.accepted_at)), maxAgeMinutes: ANY_AGE_MINUTES },
        )
        if (!statement.ok) return runFail('R5', id, `${problem} (${statement.reason})`)
        statementDigest = digest(checked.payload)
      })
    } else if (att.method === 'workspace_signature') {
      rec.run('R6', () => {
        const key = keyValidAt(att.key_fingerprint, String(run.accepted_at))
        const sig = typeof legacy?.signature === 'string' ? decodeBase64(legacy.signature) : undefined
        if (
          legacy?.signed_hash !== run.results_hash ||
          body.signed_hash !== legacy?.signed_hash ||
          !key ||
          !sig ||
          !verifyBytes(key, utf8.encode(String(legacy?.signed_hash)), sig)
        )
          runFail('R6', id, `run ${id}: legacy signature invalid`)
      })
    } else if (att.method === 'sigstore') {
      rec.run('R4', () => {
        const outcome = checkSigstoreRun(run, { workspace_id: workspaceId!, model_id: modelId!, body }, pins, tools)
        if (outcome.ok) statementDigest = outcome.statement_digest
        else if (outcome.exit === 3) rec.insufficient('R4', outcome.message, id)
        else runFail('R4', id, outcome.message)
      })
    } else if (att.method !== 'oidc_token' && att.method !== 'none')
      runFail('R2', id, `run ${id}: unknown attestation method ${String(att.method)}`)
    // R7: raw OIDC tokens, the run's own (`oidc`) or one sent next to other material (`extra_oidc`).
    const tokens: [unknown, { issuer: unknown; subject: unknown; claims: unknown } | null][] = []
    if (att.method === 'oidc_token')
      tokens.push([material.oidc, { issuer: att.issuer, subject: att.subject, claims: att.claims }])
    if (material.extra_oidc !== undefined) tokens.push([material.extra_oidc, null])
    for (const [token, identity] of tokens) {
      rec.run('R7', () => {
        const problem = checkOidcMaterial(token, identity, pins.oidc_issuer_keys)
        if (problem === 'invalid') runFail('R7', id, `run ${id}: OIDC token invalid`)
        if (problem === 'not_pinned') runFail('R7', id, `run ${id}: issuer key is not in the pinned JWK Set`)
      })
    }

    // R2: the receipt, and the run.accepted event it names.
    rec.run('R2', () => {
      const receipt = run.receipt as Json | undefined
      const keyid = receipt?.signatures?.[0]?.keyid
      const key = typeof keyid === 'string' && trusted.has(keyid) ? instanceKeys.get(keyid) : undefined
      if (!receipt || !key)
        return runFail('R2', id, `run ${id}: receipt missing or not signed by a trusted instance key`)
      const checked = verifyEnvelope(receipt, key, IN_TOTO_PAYLOAD_TYPE)
      if (!checked.ok) return runFail('R2', id, `run ${id}: receipt signature does not verify`)
      let statement: Json
      try {
        statement = parseStrictJsonBytes(checked.payload) as Json
      } catch {
        return runFail('R2', id, `run ${id}: receipt payload is not strict JSON`)
      }
      const event = provenEvent(run.log_index)
      const e = event?.record
      if (!event || e?.type !== 'run.accepted' || e.chain !== workspaceId || e.model !== modelId)
        return runFail('R2', id, `run ${id}: receipt names no proven run.accepted event`)
      if ((att.method === 'workspace_bundle' || att.method === 'sigstore') && bundle?.dsseEnvelope?.payload)
        statementDigest ??= digest(decodeBase64(bundle.dsseEnvelope.payload) ?? new Uint8Array())
      const expectedData = {
        run_id: id,
        repo: run.repo,
        commit_sha: run.commit_sha,
        results_hash: run.results_hash,
        submission_digest: run.submission.digest,
        results_count: (body.results as unknown[]).length,
        attestation: {
          method: att.method,
          binding: att.binding,
          identity: att.identity,
          satisfies_requirement: att.satisfies_requirement,
          identity_digest: identityDigest({
            issuer: att.issuer ?? null,
            subject: att.subject ?? null,
            san: att.san ?? null,
            claims: att.claims ?? {},
          }),
          statement_digest: statementDigest,
        },
        policy_digest: e.data?.policy_digest,
      }
      if (canonicalJson(e.data) !== canonicalJson(expectedData) || e.subject?.id !== id)
        return runFail('R2', id, `run ${id}: receipt names a run.accepted event that disagrees with the run`)
      const signature = typeof legacy?.signature === 'string' ? decodeBase64(legacy.signature) : undefined
      const expected = buildReceiptStatement({
        instance: {
          origin: String(manifest?.instance?.origin ?? statement.predicate?.instance?.origin),
          key_fingerprint: keyid,
        },
        workspace_id: workspaceId!,
        model_id: modelId!,
        run_id: id,
        repo: run.repo,
        commit_sha: run.commit_sha,
        accepted_at: run.accepted_at,
        results_count: (body.results as unknown[]).length,
        results_hash: run.results_hash,
        submission_digest: run.submission.digest,
        material_digest: bundle
          ? docDigest(bundle)
          : signature
            ? digest(signature)
            : typeof material.oidc?.token === 'string'
              ? digest(material.oidc.token)
              : null,
        extra_token_digest: typeof material.extra_oidc?.token === 'string' ? digest(material.extra_oidc.token) : null,
        attestation: {
          method: att.method,
          binding: att.binding,
          identity: att.identity,
          satisfies_requirement: att.satisfies_requirement,
          ...(typeof att.issuer === 'string' ? { issuer: att.issuer, subject: att.subject, claims: att.claims } : {}),
          ...(att.key_fingerprint ? { key_fingerprint: att.key_fingerprint } : {}),
          ...(att.signing_time ? { signing_time: att.signing_time } : {}),
          ...(statementDigest ? { statement_digest: statementDigest } : {}),
          policy_digest: e.data.policy_digest,
        },
        log: {
          origin: pins.log.origin,
          index: event.index,
          leaf_hash: Buffer.from(leafHash(event.leaf)).toString('hex'),
        },
      })
      if (canonicalJson(statement) !== canonicalJson(expected))
        return runFail('R2', id, `run ${id}: receipt statement disagrees with the run record`)
    })

    // R8: revoked runs and runs signed with a key compromised at acceptance do not count.
    const compromised =
      typeof att.key_fingerprint === 'string' &&
      typeof workspaceKeys.get(att.key_fingerprint)?.entry.compromised_since === 'string' &&
      workspaceKeys.get(att.key_fingerprint)!.entry.compromised_since <= run.accepted_at
    if ((run.revoked === true || compromised) && run.counting !== false)
      runFail('R8', id, `run ${id}: counted although its key was compromised`)
    rec.pass('R8')
  }
  for (const id of ['R1', 'R2', 'R3', 'R5', 'R6', 'R7', 'R8']) if (runs.length === 0) rec.pass(id)

  // K3: the history of every workspace key used by a run agrees with its proven log events.
  const chainEvents = [...eventLists.chain, ...eventLists.referenced].filter(
    (e) => e.proven && e.record.chain === workspaceId,
  )
  const usedKeys = new Set(runs.map((r) => r.attestation?.key_fingerprint).filter((x) => typeof x === 'string'))
  for (const fp of usedKeys) {
    const entry = workspaceKeys.get(fp)?.entry
    const disagrees = () => rec.fail('K3', `workspace key ${fp}: history disagrees with the log`, fp)
    if (!entry) {
      disagrees()
      continue
    }
    const added = provenEvent(entry.added_event_index)?.record
    if (added?.type !== 'signing_key.added' || added.data?.fingerprint !== fp || added.at !== entry.added_at) {
      disagrees()
      continue
    }
    const revokedEvents = chainEvents.filter(
      (e) => e.record.type === 'signing_key.revoked' && e.record.data?.fingerprint === fp,
    )
    const superseded = chainEvents.find(
      (e) =>
        e.record.type === 'signing_key.added' &&
        e.record.data?.previous_fingerprint === fp &&
        e.record.at === entry.revoked_at,
    )
    if (entry.revoked_at === null) {
      if (revokedEvents.length) disagrees()
    } else if (entry.revocation_reason === 'superseded') {
      if (!superseded || revokedEvents.length) disagrees()
    } else {
      const revoked = provenEvent(entry.revoked_event_index)?.record
      if (
        revoked?.type !== 'signing_key.revoked' ||
        revoked.data?.fingerprint !== fp ||
        revoked.data?.reason !== entry.revocation_reason ||
        revoked.data?.compromised_since !== entry.compromised_since ||
        (revoked.at !== entry.revoked_at && !superseded) ||
        revokedEvents.some((e) => e.index > (entry.revoked_event_index as number))
      )
        disagrees()
    }
  }
  rec.pass('K3')

  // E1–E2: section records agree with their proven log events, and every one that must have an event has it.
  if (!checkpoint) for (const id of ['E1', 'E2']) rec.skip(id, 'no verified checkpoint')
  else {
    rec.skip('E2', 'the sections could not be read for E1')
    rec.run('E1', () => {
      const found = checkEventRecords(sections, workspaceId, modelId, (i) => provenEvent(i)?.record)
      record(rec, 'E1', found.E1)
      record(rec, 'E2', found.E2)
      rec.pass('E2')
    })
  }

  // V1: the platform's verdicts recomputed from the package with the core rules.
  rec.run('V1', () =>
    record(
      rec,
      'V1',
      recomputeVerdicts({
        sections,
        modelId,
        runs,
        bodies,
        workspaceKeys: new Map([...workspaceKeys].map(([fp, k]) => [fp, k.entry])),
        chain: eventLists.chain,
      }),
    ),
  )

  // I2: scope pins.
  if (pins.workspace_id !== null && pins.workspace_id !== workspaceId)
    rec.insufficient('I2', `package covers workspace ${workspaceId}; pins expect ${pins.workspace_id}`)
  if (pins.model_ids !== null && (modelId === null || !pins.model_ids.includes(modelId)))
    rec.insufficient('I2', `package covers model ${modelId}; pins expect ${pins.model_ids.join(', ')}`)
  rec.pass('I2')

  // V2, V3, I1, V7 over the platform's verdicts.
  const verdicts = verdictsOf(sections)
  const controls: ControlLine[] = arr(verdicts.controls).map((c) => {
    const perRepo = arr(c.assertions).flatMap((a) => arr(a.per_repo))
    const runIds = [
      ...new Set(perRepo.flatMap((p) => [p.tier1?.run_id, p.tier2?.run_id]).filter((x) => typeof x === 'string')),
    ] as string[]
    const sources = [
      ...new Set(
        perRepo.flatMap((p) => [
          p.tier1?.result_id ? 'tier1:ci' : null,
          p.tier2?.source ? `tier2:${p.tier2.source}` : null,
        ]),
      ),
    ].filter((x): x is string => x !== null)
    return {
      control_id: String(c.control_id),
      implementation_status: String(c.implementation_status),
      verification_status: String(c.verification_status),
      status_reasons: Array.isArray(c.status_reasons) ? c.status_reasons.map(String) : [],
      in_scope: pins.policy.scope === 'all' || c.implementation_status === 'implemented',
      runs: runIds,
      verdict_sources: sources,
      last_verified_at: c.last_verified_at,
    }
  })
  const inScope = controls.filter((c) => c.in_scope)
  const unverified = inScope.filter((c) => c.verification_status !== 'verified')
  if (unverified.length)
    rec.insufficient(
      'V2',
      `${unverified.length} controls in scope are not verified: ${unverified
        .map((c) => `${c.control_id} (${c.status_reasons.join(', ') || c.verification_status})`)
        .join(', ')}`,
    )
  rec.pass('V2')
  const pinnedKeys = pins.workspace_keys
  for (const c of inScope) {
    for (const runId of c.runs) {
      const run = runById.get(runId)
      if (!run) {
        rec.insufficient('V3', `${c.control_id}: evidence from run ${runId} is not in the package`, runId)
        continue
      }
      const a: Json = run.attestation ?? {}
      const keyRun = a.method === 'workspace_bundle' || a.method === 'workspace_signature'
      const identityRun = a.method === 'oidc_token' || a.method === 'sigstore'
      const pinned = keyRun
        ? pinnedKeys?.includes(a.key_fingerprint) === true
        : identityRun && ciIdentityPinned(a, pins.ci_identities, tools)
      if (keyRun && pinnedKeys !== null && pinnedKeys.length > 0 && !pinned)
        rec.fail('I1', `run ${runId}: signer ${String(a.key_fingerprint)} is not pinned`, runId)
      if (identityRun && pins.ci_identities?.length && !pinned)
        rec.fail('I1', `run ${runId}: signer ${String(a.issuer)} ${String(a.san ?? a.subject)} is not pinned`, runId)
      if (
        (pins.policy.require_attestation && a.method === 'none') ||
        (pins.policy.require_payload_binding && a.binding !== 'payload') ||
        (pins.policy.require_identity_pin && !pinned)
      )
        rec.insufficient(
          'V3',
          `${c.control_id}: evidence from run ${runId} is ${String(a.method)}/${String(a.binding)}/${String(a.identity)}${
            pins.policy.require_identity_pin && !pinned ? ' (signer not pinned)' : ''
          }`,
          runId,
        )
    }
  }
  if (pins.policy.require_identity_pin && !pinnedKeys?.length && !pins.ci_identities?.length)
    rec.insufficient('I1', 'CI identity not pinned')
  rec.pass('I1')
  rec.pass('V3')
  if (pins.policy.max_age_days !== null) {
    const generated = Date.parse(String(scope.generated_at))
    for (const c of inScope as (ControlLine & { last_verified_at?: unknown })[]) {
      const last = typeof c.last_verified_at === 'string' ? Date.parse(c.last_verified_at) : Number.NaN
      if (!(generated - last <= pins.policy.max_age_days * 86_400_000))
        rec.insufficient(
          'V7',
          `${c.control_id}: last verified ${String(c.last_verified_at)}, older than ${pins.policy.max_age_days} days`,
          c.control_id,
        )
    }
  }
  rec.pass('V7')
  // V4: commit pins; V5: AI model pins; V6: verdict-source restrictions; V8: open findings.
  const statedById = new Map(arr(verdicts.controls).map((c) => [String(c.control_id), c]))
  const inScopeStated = inScope.map((c) => statedById.get(c.control_id)).filter(isObject)
  const perRepoOf = (c: Json) => arr(c.assertions).flatMap((a) => arr(a.per_repo).map((p) => ({ a, p })))
  if (pins.commits) {
    for (const c of inScopeStated)
      for (const { p } of perRepoOf(c)) {
        const expected = pins.commits[p.repo]
        if (expected === undefined) continue
        for (const runId of [p.tier1?.run_id, p.tier2?.run_id]) {
          const commit = typeof runId === 'string' ? runById.get(runId)?.commit_sha : undefined
          if (commit !== undefined && commit !== expected)
            rec.insufficient('V4', `repo ${p.repo}: evidence is for commit ${commit}, pins expect ${expected}`, runId)
        }
      }
    rec.pass('V4')
  }
  if (pins.ai_models) {
    const allowed = pins.ai_models
    for (const c of inScopeStated) {
      for (const { a, p } of perRepoOf(c)) {
        if (p.tier2?.source !== 'ci' || typeof p.tier2?.run_id !== 'string') continue
        const item = arr(bodies.get(p.tier2.run_id)?.results).find(
          (r) => r.tier === 2 && r.assertion_id === a.assertion_id && r.result === p.tier2.result,
        )
        const used = item ? `${item.provider}/${item.model}` : 'an unknown model'
        if (!allowed.includes(used))
          rec.insufficient('V5', `${String(c.control_id)}: verdict by ${used}, not pinned`, String(a.assertion_id))
      }
      const aiJudgements = [
        c.sufficiency?.method === 'ai' ? 'sufficiency' : null,
        ...arr(c.assertions).map((a) => (a.coherence?.method === 'ai' ? 'coherence' : null)),
      ].filter((x): x is string => x !== null)
      for (const kind of new Set(aiJudgements))
        rec.insufficient(
          'V5',
          `${String(c.control_id)}: ${kind} verdict by an AI model the package does not name, not pinned`,
          String(c.control_id),
        )
    }
    rec.pass('V5')
  }
  if (!pins.policy.allow_human_tier2 || !pins.policy.allow_heuristic_coherence) {
    for (const c of inScopeStated) {
      if (!pins.policy.allow_human_tier2 && perRepoOf(c).some(({ p }) => p.tier2?.source === 'human'))
        rec.insufficient('V6', `${String(c.control_id)}: relies on a human Tier 2 verdict`, String(c.control_id))
      if (!pins.policy.allow_heuristic_coherence && arr(c.assertions).some((a) => a.coherence?.method === 'heuristic'))
        rec.insufficient('V6', `${String(c.control_id)}: relies on a heuristic coherence verdict`, String(c.control_id))
    }
    rec.pass('V6')
  }
  if (pins.policy.fail_on_open_findings) {
    const rank = (s: unknown) => SEVERITY_ORDER.indexOf(String(s))
    const threshold = rank(pins.policy.fail_on_open_findings)
    const open = arr(sections.findings).filter(
      (f) =>
        isObject(f) &&
        f.model_id === modelId &&
        ['discovered', 'acknowledged'].includes(f.lifecycle_status) &&
        rank(f.severity) >= 0 &&
        rank(f.severity) <= threshold,
    )
    if (open.length)
      rec.insufficient('V8', `${open.length} open findings at or above ${pins.policy.fail_on_open_findings}`)
    rec.pass('V8')
  }

  const checks = rec.list()
  const exit_code = checks.reduce<0 | 1 | 3>((worst, c) => {
    if (c.status !== 'fail' && c.status !== 'insufficient') return worst
    const e = EXIT_OF[c.status]
    return e === 1 || worst === 1 ? 1 : 3
  }, 0)
  return {
    verdict: exit_code === 0 ? 'VERIFIED' : exit_code === 1 ? 'INVALID' : 'INSUFFICIENT',
    exit_code,
    checks,
    runs: runs.map((r) => ({
      run_id: String(r.run_id),
      method: String(r.attestation?.method),
      binding: String(r.attestation?.binding),
      identity: String(r.attestation?.identity),
      key_fingerprint: r.attestation?.key_fingerprint ?? null,
      commit_sha: String(r.commit_sha),
      repo: String(r.repo),
      counting: r.counting === true,
      revoked: r.revoked === true,
      status: invalidRuns.has(String(r.run_id)) ? 'invalid' : 'ok',
    })),
    controls: controls.map(({ last_verified_at: _l, ...c }: ControlLine & { last_verified_at?: unknown }) => c),
    trusted: {
      instance_keys: [...trusted.entries()].map(([fingerprint, t]) => ({ fingerprint, ...t })),
      log_vkeys: pins.log.vkeys,
      workspace_keys: pins.workspace_keys,
      ci_identities: pins.ci_identities?.length ? pins.ci_identities.length : 'not pinned',
      trusted_roots: pins.sigstore_trusted_roots?.length
        ? pins.sigstore_trusted_roots.map((r) => r.name)
        : 'not pinned',
    },
    package: {
      package_id: typeof manifest?.package_id === 'string' ? manifest.package_id : null,
      workspace_id: workspaceId,
      model_id: modelId,
      tree_size: checkpoint?.size ?? null,
    },
  }
}

/** `san` patterns are regular expressions matched in full: a SAN seen in the package, pinned as exactly itself. */
const exactPattern = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')

/**
 * The CI identities the package's attested runs used: Sigstore signers by issuer and exact SAN, raw-token callers by
 * issuer and subject. The platform's word, like everything in a skeleton, for the auditor to check against their CI.
 */
function ciIdentities(runs: Json[]): Json[] {
  const seen = new Map<string, Json>()
  for (const run of runs) {
    for (const a of [run.attestation, run.attestation?.extra_oidc]) {
      if (!isObject(a) || typeof a.issuer !== 'string') continue
      const entry =
        a.method === 'sigstore' && typeof a.san === 'string'
          ? { issuer: a.issuer, san: exactPattern(a.san) }
          : a.method === 'oidc_token' && typeof a.subject === 'string'
            ? { issuer: a.issuer, subject: a.subject }
            : undefined
      if (entry) seen.set(JSON.stringify(entry), entry)
    }
  }
  return [...seen.values()]
}

/** A pins skeleton from a package (`--init-pins`), for the auditor to review; never applied automatically. */
export function pinsSkeleton(doc: Json): Json {
  const s: Json = doc.sections ?? {}
  const keys: Json = s.keys ?? {}
  const signer = doc.manifest?.signatures?.[0]?.keyid
  const runs = arr(s.runs)
  const identities = ciIdentities(runs)
  // Trusted roots come from the auditor's own copy (a file beside the pins), never from the package: an empty list
  // keeps Sigstore runs insufficient (R4) until one is added.
  const keyless = runs.some((r) => r.attestation?.method === 'sigstore')
  return {
    format: 'warrant.pins/v1',
    instance_keys: [
      ...new Set([
        ...(typeof signer === 'string' ? [signer] : []),
        ...arr(keys.instance)
          .filter((k) => k.status === 'active')
          .map((k) => k.fingerprint),
      ]),
    ],
    log: {
      origin: s.log?.origin ?? null,
      vkeys: arr(keys.log)
        .filter((k) => k.status === 'active')
        .map((k) => k.vkey),
      checkpoint: s.log?.checkpoint ?? null,
    },
    workspace_id: s.scope?.workspace_id ?? null,
    model_ids: s.scope?.model_id ? [s.scope.model_id] : [],
    workspace_keys: arr(keys.workspace)
      .filter((k) => k.revocation_reason !== 'compromised')
      .map((k) => k.fingerprint),
    ...(identities.length ? { ci_identities: identities } : {}),
    ...(keyless ? { sigstore_trusted_roots: [] } : {}),
    policy: {
      scope: 'implemented',
      require_attestation: true,
      require_payload_binding: true,
      require_identity_pin: true,
    },
  }
}
