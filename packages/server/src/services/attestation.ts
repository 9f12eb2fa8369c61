import {
  checkResultsStatement,
  decodeBase64,
  digest,
  docDigest,
  IN_TOTO_PAYLOAD_TYPE,
  publicKeyFromPem,
  verifyBytes,
  verifyEnvelope,
} from '@warrant/core'
import type { Db } from '../db/open.js'
import { ApiError } from '../errors.js'
import type { ResultsBody } from '../schemas/results.js'

/** The attestation record stored with a run (PLATFORM.md §2.3, EVIDENCE.md §6.1). */
export interface Attestation {
  method: 'workspace_bundle' | 'workspace_signature' | 'none'
  binding: 'payload' | 'none'
  identity: 'key' | 'none'
  satisfies_requirement: boolean
  issuer: null
  subject: null
  san: null
  claims: Record<string, string>
  key_fingerprint: string | null
  signing_time: string | null
  bundle_digest: string | null
  statement_digest: string | null
  signature_digest: string | null
  token_digest: null
  revoked: boolean
  revoked_reason: string | null
}

export interface Verified {
  attestation: Attestation
  /** Replay values to record in the run's transaction (§6.8). */
  replay: { kind: 'statement' | 'signature'; value_digest: string } | null
}

const NONE: Attestation = {
  method: 'none',
  binding: 'none',
  identity: 'none',
  satisfies_requirement: false,
  issuer: null,
  subject: null,
  san: null,
  claims: {},
  key_fingerprint: null,
  signing_time: null,
  bundle_digest: null,
  statement_digest: null,
  signature_digest: null,
  token_digest: null,
  revoked: false,
  revoked_reason: null,
}

export const BUNDLE_MEDIA_TYPES = [
  'application/vnd.dev.sigstore.bundle.v0.3+json',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
]

const invalid = (check: string, message: string, extra: Record<string, unknown> = {}) =>
  new ApiError(422, 'attestation_invalid', `attestation check ${check} failed: ${message}`, { check, ...extra })

async function activeKey(db: Db, workspaceId: string) {
  return db
    .selectFrom('signing_keys')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'active')
    .executeTakeFirst()
}

async function assertNotReplayed(db: Db, kind: 'statement' | 'signature', value: string) {
  const seen = await db
    .selectFrom('replay_records')
    .select('kind')
    .where('kind', '=', kind)
    .where('value_digest', '=', value)
    .executeTakeFirst()
  if (seen)
    throw new ApiError(
      409,
      'attestation_replayed',
      'this signed material was already accepted for another run; sign each run anew',
    )
}

/**
 * EVIDENCE.md §6.1 acceptance for the material this server verifies today: workspace-key bundles (§6.5) and the
 * legacy signature (§6.6). Material it cannot verify (Sigstore certificates, raw OIDC tokens) is invalid, never
 * downgraded to `none`.
 */
export async function verifyAttestation(
  db: Db,
  input: {
    workspaceId: string
    modelId: string
    repo: string
    body: ResultsBody
    attestationHeader: string | undefined
    requireAttestation: boolean
    maxAgeMinutes: number
    now: Date
  },
): Promise<Verified> {
  const { body } = input
  if (body.bundle && (body.signed_hash !== undefined || body.signature !== undefined))
    throw new ApiError(422, 'attestation_ambiguous', 'send either a bundle or signed_hash + signature, not both')
  if ((body.signed_hash === undefined) !== (body.signature === undefined))
    throw invalid('legacy_incomplete', 'signed_hash and signature go together')
  if (input.attestationHeader !== undefined)
    throw invalid(
      'token_unsupported',
      'this server does not verify raw OIDC tokens yet; sign with a workspace key instead',
    )
  let verified: Verified = { attestation: NONE, replay: null }
  if (body.bundle) verified = await verifyWorkspaceBundle(db, input)
  else if (body.signed_hash !== undefined) verified = await verifyLegacySignature(db, input)
  if (input.requireAttestation && !verified.attestation.satisfies_requirement)
    throw new ApiError(
      403,
      'attestation_required',
      'this workspace requires attested submissions; sign the results with the workspace key (warrant sign)',
    )
  return verified
}

async function verifyWorkspaceBundle(db: Db, input: Parameters<typeof verifyAttestation>[1]): Promise<Verified> {
  const bundle = input.body.bundle as Record<string, unknown>
  if (Buffer.byteLength(JSON.stringify(bundle)) > 256 * 1024)
    throw new ApiError(413, 'body_too_large', 'the bundle exceeds 256 KiB')
  if (typeof bundle.mediaType !== 'string' || !BUNDLE_MEDIA_TYPES.includes(bundle.mediaType))
    throw invalid(
      'bundle_version',
      `mediaType ${JSON.stringify(bundle.mediaType)} is not an accepted bundle version (v0.2 or v0.3)`,
    )
  const envelope = bundle.dsseEnvelope as Record<string, unknown> | undefined
  if (!envelope || bundle.messageSignature !== undefined)
    throw invalid('bundle_content', 'the bundle must carry a dsseEnvelope')
  if (!Array.isArray(envelope.signatures) || envelope.signatures.length !== 1)
    throw invalid('bundle_content', 'the envelope must have exactly one signature')
  const material = bundle.verificationMaterial as Record<string, unknown> | undefined
  if (!material || typeof material !== 'object') throw invalid('bundle_schema', 'verificationMaterial is missing')
  if (material.certificate !== undefined || material.x509CertificateChain !== undefined)
    throw invalid(
      'sigstore_not_configured',
      'no Sigstore trust root is configured on this server; use a workspace signing key',
    )
  const hint = (material.publicKey as { hint?: unknown } | undefined)?.hint
  if (typeof hint !== 'string')
    throw invalid('bundle_schema', 'verificationMaterial.publicKey.hint must name the workspace key fingerprint')
  const key = await activeKey(db, input.workspaceId)
  if (!key || key.fingerprint !== hint.replace(/^sha256:/, ''))
    throw invalid('workspace_key_not_active', "the bundle is not signed with the workspace's active signing key", {
      hint,
    })
  const checked = verifyEnvelope(envelope, publicKeyFromPem(key.public_key_pem, ['ecdsa-p256']), IN_TOTO_PAYLOAD_TYPE)
  if (!checked.ok) throw invalid('dsse_signature', checked.reason)
  const statement = checkResultsStatement(
    checked.payload,
    {
      workspace_id: input.workspaceId,
      model_id: input.modelId,
      repo: input.repo,
      pipeline: input.body.pipeline,
      verifier: input.body.verifier,
      results: input.body.results,
    },
    { now: input.now, maxAgeMinutes: input.maxAgeMinutes },
  )
  if (!statement.ok) throw invalid(statement.check, statement.reason)
  const statement_digest = digest(checked.payload)
  await assertNotReplayed(db, 'statement', statement_digest)
  return {
    attestation: {
      ...NONE,
      method: 'workspace_bundle',
      binding: 'payload',
      identity: 'key',
      satisfies_requirement: true,
      key_fingerprint: key.fingerprint,
      signing_time: statement.statement.predicate.created_at,
      bundle_digest: docDigest(bundle),
      statement_digest,
    },
    replay: { kind: 'statement', value_digest: statement_digest },
  }
}

async function verifyLegacySignature(db: Db, input: Parameters<typeof verifyAttestation>[1]): Promise<Verified> {
  const signedHash = input.body.signed_hash!
  if (signedHash !== docDigest(input.body.results))
    throw invalid('signed_hash_mismatch', 'signed_hash is not the results hash of this body (JCS of the results array)')
  const key = await activeKey(db, input.workspaceId)
  if (!key) throw invalid('workspace_key_missing', 'the workspace has no active signing key')
  const signature = decodeBase64(input.body.signature!)
  if (
    !signature ||
    !verifyBytes(publicKeyFromPem(key.public_key_pem, ['ecdsa-p256']), new TextEncoder().encode(signedHash), signature)
  )
    throw invalid('signature_invalid', 'the signature over signed_hash does not verify with the active workspace key')
  const signature_digest = digest(signature)
  await assertNotReplayed(db, 'signature', signature_digest)
  return {
    attestation: {
      ...NONE,
      method: 'workspace_signature',
      binding: 'payload',
      identity: 'key',
      satisfies_requirement: true,
      key_fingerprint: key.fingerprint,
    },
    replay: { kind: 'signature', value_digest: signature_digest },
  }
}
