import { resolve } from 'node:path'
import {
  type NoteVerifier,
  PINS_FORMAT,
  parseCosignerKey,
  parseStrictJsonBytes,
  parseVerifierKey,
  StrictJsonError,
  verifyCheckpoint,
} from '@warrant/core'
import type * as server from '@warrant/server'

/**
 * What the audit takes from `@warrant/server` for Sigstore (EVIDENCE.md §6.4, §11): the same TrustedRoot loader, SAN
 * matching and bundle verification the platform runs, imported lazily by the command so the CLI starts without them.
 */
export type SigstoreTools = Pick<
  typeof server,
  | 'loadTrustedRoot'
  | 'parseThresholds'
  | 'SigstoreTrustError'
  | 'compileSanPattern'
  | 'sanMatches'
  | 'verifySigstoreBundle'
>

/** A pinned CI identity (§11 `ci_identities`): the issuer exactly, and at least one of a SAN pattern, subject, claims. */
export interface CiIdentity {
  issuer: string
  san?: string
  subject?: string
  claims?: Record<string, string>
}

/** The pins file (EVIDENCE.md §11): what the auditor trusts, decided outside the package. */
export interface Pins {
  instance_keys: string[]
  log: {
    origin: string
    vkeys: string[]
    verifiers: NoteVerifier[]
    checkpoint: { note: string; size: number; root: Uint8Array } | null
    min_tree_size: number | null
    /** Witnesses (C2SP tlog-cosignature vkeys) and how many of them must have cosigned the checkpoint. */
    witnesses: { vkeys: string[]; quorum: number; cosigners: NoteVerifier[] } | null
  }
  workspace_id: string | null
  model_ids: string[] | null
  workspace_keys: string[] | null
  ci_identities: CiIdentity[] | null
  oidc_issuer_keys: unknown[] | null
  /** Each pinned TrustedRoot, loaded and checked against its SHA-256; named by its path as written in the pins. */
  sigstore_trusted_roots: server.SigstoreRoot[] | null
  ai_models: string[] | null
  commits: Record<string, string> | null
  policy: {
    scope: 'implemented' | 'all'
    require_attestation: boolean
    require_payload_binding: boolean
    require_identity_pin: boolean
    max_age_days: number | null
    allow_human_tier2: boolean
    allow_heuristic_coherence: boolean
    fail_on_open_findings: string | null
  }
}

/** A P2 failure: `pins: <member>: <problem>` (exit 2). */
export class PinsError extends Error {}

const TOP = new Set([
  'format',
  'instance_keys',
  'log',
  'workspace_id',
  'model_ids',
  'workspace_keys',
  'ci_identities',
  'oidc_issuer_keys',
  'sigstore_trusted_roots',
  'ai_models',
  'commits',
  'policy',
])
const LOG = new Set(['origin', 'vkeys', 'checkpoint', 'min_tree_size', 'witnesses'])
const POLICY = new Set([
  'scope',
  'require_attestation',
  'require_payload_binding',
  'require_identity_pin',
  'max_age_days',
  'allow_human_tier2',
  'allow_heuristic_coherence',
  'fail_on_open_findings',
])
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info']
const FP = /^[0-9a-f]{64}$/

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const fail = (member: string, problem: string): never => {
  throw new PinsError(`pins: ${member}: ${problem}`)
}
const strings = (v: unknown, member: string, min = 0): string[] => {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string') || v.length < min)
    fail(member, min ? `must be a list of at least ${min} strings` : 'must be a list of strings')
  return v as string[]
}
const optional = <T>(o: Record<string, unknown>, k: string, read: (v: unknown) => T): T | null =>
  o[k] === undefined || o[k] === null ? null : read(o[k])
const bool = (o: Record<string, unknown>, k: string, fallback: boolean): boolean => {
  if (o[k] === undefined) return fallback
  if (typeof o[k] !== 'boolean') fail(`policy.${k}`, 'must be true or false')
  return o[k] as boolean
}
const unknownMember = (o: Record<string, unknown>, allowed: Set<string>, prefix: string) => {
  const extra = Object.keys(o).find((k) => !allowed.has(k))
  if (extra) fail(`${prefix}${extra}`, 'unknown member')
}

const DEFAULT_THRESHOLDS = { tlog: 1, ctlog: 1, timestamp: 1 }

/** `sigstore_trusted_roots`: each file (relative to the pins file) read, checked against its SHA-256, and parsed. */
function trustedRoots(list: unknown[], baseDir: string, tools: SigstoreTools): server.SigstoreRoot[] {
  return list.map((entry, i) => {
    const member = `sigstore_trusted_roots[${i}]`
    if (!isObject(entry)) return fail(member, 'must be {path, sha256, thresholds?}')
    unknownMember(entry, new Set(['path', 'sha256', 'thresholds']), `${member}.`)
    if (typeof entry.path !== 'string' || entry.path === '') fail(`${member}.path`, 'required file path')
    if (typeof entry.sha256 !== 'string' || !FP.test(entry.sha256))
      fail(`${member}.sha256`, 'must be 64 lower-case hex')
    try {
      return {
        name: entry.path as string,
        sha256: entry.sha256 as string,
        issuers: [],
        thresholds: tools.parseThresholds(entry.thresholds ?? DEFAULT_THRESHOLDS, member),
        material: tools.loadTrustedRoot(resolve(baseDir, entry.path as string), entry.sha256 as string),
      }
    } catch (e) {
      if (e instanceof tools.SigstoreTrustError) return fail(member, e.message.replace(`${member}: `, ''))
      throw e
    }
  })
}

/** `ci_identities`: the issuer, and at least one of `san` (a pattern that compiles), `subject`, `claims`. */
function ciIdentities(list: unknown[], tools: SigstoreTools): CiIdentity[] {
  return list.map((entry, i) => {
    const member = `ci_identities[${i}]`
    if (!isObject(entry)) return fail(member, 'must be {issuer, san?, subject?, claims?}')
    unknownMember(entry, new Set(['issuer', 'san', 'subject', 'claims']), `${member}.`)
    const { issuer, san, subject, claims } = entry
    if (typeof issuer !== 'string' || issuer === '') fail(`${member}.issuer`, 'required string')
    if (san === undefined && subject === undefined && claims === undefined)
      fail(member, 'pin at least one of san, subject, claims')
    if (san !== undefined) {
      if (typeof san !== 'string') fail(`${member}.san`, 'must be a regular expression')
      const compiled = tools.compileSanPattern(san as string)
      if (!compiled.ok) fail(`${member}.san`, compiled.message)
    }
    if (subject !== undefined && typeof subject !== 'string') fail(`${member}.subject`, 'must be a string')
    if (claims !== undefined && (!isObject(claims) || Object.values(claims).some((v) => typeof v !== 'string')))
      fail(`${member}.claims`, 'must map claim names to string values')
    return entry as unknown as CiIdentity
  })
}

/**
 * P2: strict JSON, the format, the schema and required members, a pinned checkpoint signed by a pinned log key, and
 * every referenced file (Sigstore trusted roots, relative to the pins file's directory `baseDir`) readable and
 * matching its SHA-256.
 */
export function parsePins(bytes: Uint8Array, baseDir: string, tools: SigstoreTools): Pins {
  let doc: unknown
  try {
    doc = parseStrictJsonBytes(bytes)
  } catch (e) {
    if (e instanceof StrictJsonError) fail('(document)', `not strict JSON: ${e.message}`)
    throw e
  }
  if (!isObject(doc)) return fail('(document)', 'must be a JSON object')
  if (doc.format !== PINS_FORMAT) fail('format', `must be ${PINS_FORMAT}`)
  unknownMember(doc, TOP, '')
  const instance_keys = strings(doc.instance_keys, 'instance_keys', 1)
  for (const k of instance_keys) if (!FP.test(k)) fail('instance_keys', `${k} is not a 64-hex fingerprint`)
  const log = doc.log
  if (!isObject(log)) return fail('log', 'required object')
  unknownMember(log, LOG, 'log.')
  if (typeof log.origin !== 'string' || log.origin === '') fail('log.origin', 'required string')
  const vkeys = strings(log.vkeys, 'log.vkeys', 1)
  const verifiers = vkeys.map((v) => parseVerifierKey(v) ?? fail('log.vkeys', `${v.slice(0, 60)} is not a valid vkey`))
  let checkpoint: Pins['log']['checkpoint'] = null
  if (log.checkpoint !== undefined && log.checkpoint !== null) {
    if (typeof log.checkpoint !== 'string') fail('log.checkpoint', 'must be a checkpoint note')
    const checked = verifyCheckpoint(log.checkpoint as string, verifiers, log.origin as string)
    if (!checked.ok) return fail('log.checkpoint', `not signed by a pinned log key (${checked.reason})`)
    checkpoint = { note: log.checkpoint as string, size: checked.checkpoint.size, root: checked.checkpoint.root }
  }
  const min_tree_size = optional(log, 'min_tree_size', (v) =>
    Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail('log.min_tree_size', 'must be an integer'),
  )
  const witnesses = optional(log, 'witnesses', (v) => {
    if (!isObject(v)) return fail('log.witnesses', 'must be an object')
    unknownMember(v, new Set(['vkeys', 'quorum']), 'log.witnesses.')
    const w = strings(v.vkeys, 'log.witnesses.vkeys', 1)
    const cosigners = w.map(
      (k) => parseCosignerKey(k) ?? fail('log.witnesses.vkeys', `${k.slice(0, 60)} is not an Ed25519 cosignature vkey`),
    )
    if (new Set(cosigners.map((c) => c.name)).size !== cosigners.length)
      fail('log.witnesses.vkeys', 'each witness may be pinned once')
    if (!Number.isSafeInteger(v.quorum) || (v.quorum as number) < 1 || (v.quorum as number) > w.length)
      fail('log.witnesses.quorum', `must be between 1 and the number of witness vkeys (${w.length})`)
    return { vkeys: w, quorum: v.quorum as number, cosigners }
  })
  const str = (k: string) => (v: unknown) => (typeof v === 'string' ? v : fail(k, 'must be a string'))
  const list = (k: string) => (v: unknown) => (Array.isArray(v) ? v : fail(k, 'must be a list'))
  const workspace_keys = optional(doc, 'workspace_keys', (v) => strings(v, 'workspace_keys'))
  for (const k of workspace_keys ?? []) if (!FP.test(k)) fail('workspace_keys', `${k} is not a 64-hex fingerprint`)
  const policy = doc.policy === undefined ? {} : doc.policy
  if (!isObject(policy)) return fail('policy', 'must be an object')
  unknownMember(policy, POLICY, 'policy.')
  const scope = (policy.scope ?? 'implemented') as 'implemented' | 'all'
  if (scope !== 'implemented' && scope !== 'all') fail('policy.scope', 'must be implemented or all')
  const sigstore_trusted_roots = optional(doc, 'sigstore_trusted_roots', (v) =>
    trustedRoots(list('sigstore_trusted_roots')(v), baseDir, tools),
  )
  return {
    instance_keys,
    log: { origin: log.origin as string, vkeys, verifiers, checkpoint, min_tree_size, witnesses },
    workspace_id: optional(doc, 'workspace_id', str('workspace_id')),
    model_ids: optional(doc, 'model_ids', (v) => strings(v, 'model_ids')),
    workspace_keys,
    ci_identities: optional(doc, 'ci_identities', (v) => ciIdentities(list('ci_identities')(v), tools)),
    oidc_issuer_keys: optional(doc, 'oidc_issuer_keys', list('oidc_issuer_keys')),
    sigstore_trusted_roots,
    ai_models: optional(doc, 'ai_models', (v) => strings(v, 'ai_models')),
    commits: optional(doc, 'commits', (v) =>
      isObject(v) && Object.values(v).every((c) => typeof c === 'string')
        ? (v as Record<string, string>)
        : fail('commits', 'must map repos to commits'),
    ),
    policy: {
      scope,
      require_attestation: bool(policy, 'require_attestation', true),
      require_payload_binding: bool(policy, 'require_payload_binding', true),
      require_identity_pin: bool(policy, 'require_identity_pin', true),
      max_age_days: optional(policy, 'max_age_days', (v) =>
        Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : fail('policy.max_age_days', 'must be ≥ 1'),
      ),
      allow_human_tier2: bool(policy, 'allow_human_tier2', true),
      allow_heuristic_coherence: bool(policy, 'allow_heuristic_coherence', true),
      fail_on_open_findings: optional(policy, 'fail_on_open_findings', (v) =>
        typeof v === 'string' && SEVERITIES.includes(v)
          ? v
          : fail('policy.fail_on_open_findings', `must be one of ${SEVERITIES.join(', ')}`),
      ),
    },
  }
}
