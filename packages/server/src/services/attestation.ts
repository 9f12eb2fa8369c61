import {
  checkIdentity,
  checkResultsStatement,
  decodeBase64,
  digest,
  docDigest,
  type IdentityPolicy,
  IN_TOTO_PAYLOAD_TYPE,
  publicKeyFromPem,
  verifyBytes,
  verifyEnvelope,
} from '@warrant/core'
import type { Db } from '../db/open.js'
import { ApiError } from '../errors.js'
import type { ResultsBody } from '../schemas/results.js'
import { type OidcContext, REPLAYED_JTI_MESSAGE, type VerifiedToken, verifyOidcToken } from './oidc/verify-token.js'
import { sanMatches } from './security-settings.js'
import { verifySigstoreBundle } from './sigstore/verify.js'

/** The token part of an attestation (method `oidc_token`, or `extra_oidc` next to other material). */
export interface TokenAttestation {
  method: 'oidc_token'
  binding: 'provenance'
  identity: 'pinned' | 'unpinned'
  satisfies_requirement: boolean
  issuer: string
  subject: string
  claims: Record<string, string>
  token_digest: string
}

/** The attestation record stored with a run (PLATFORM.md §2.3, EVIDENCE.md §6.1). */
export interface Attestation {
  method: 'sigstore' | 'workspace_bundle' | 'workspace_signature' | 'oidc_token' | 'none'
  binding: 'payload' | 'provenance' | 'none'
  identity: 'pinned' | 'unpinned' | 'key' | 'none'
  satisfies_requirement: boolean
  issuer: string | null
  subject: string | null
  san: string | null
  claims: Record<string, string>
  key_fingerprint: string | null
  signing_time: string | null
  bundle_digest: string | null
  statement_digest: string | null
  signature_digest: string | null
  token_digest: string | null
  /** A raw token sent next to a bundle or signature (§6.1); absent otherwise. */
  extra_oidc?: TokenAttestation
  revoked: boolean
  revoked_reason: string | null
}

export type ReplayValue = { kind: ReplayKind; value_digest: string; expires_at: string | null }
type ReplayKind = 'statement' | 'signature' | 'oidc_jti' | 'jwt_jti'

/** The answer to a replay-store hit, per kind of material (§6.8). */
export const REPLAYED: Record<ReplayKind, () => ApiError> = {
  statement: () =>
    new ApiError(
      409,
      'attestation_replayed',
      'this signed material was already accepted for another run; sign each run anew',
    ),
  signature: () => REPLAYED.statement(),
  oidc_jti: () => new ApiError(409, 'token_replayed', REPLAYED_JTI_MESSAGE),
  jwt_jti: () => new ApiError(409, 'jwt_replayed', 'this workspace JWT (jti) was already used; mint one per request'),
}

export interface Verified {
  attestation: Attestation
  /** Replay values to record in the run's transaction (§6.8). */
  replay: ReplayValue[]
  /** The effective repo: the body's, or the one the token names (PLATFORM.md §5.14.2 step 10). */
  repo: string
  /** Kept with the run for audit packages, never shown (EVIDENCE.md §10.3). */
  material: { oidc?: VerifiedToken['material']; extra_oidc?: VerifiedToken['material'] } | null
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
  if (seen) throw REPLAYED[kind]()
}

export interface AttestationInput {
  workspaceId: string
  modelId: string
  /** The body's repo, lower-cased (`""` when none). */
  repo: string
  body: ResultsBody
  attestationHeader: string | undefined
  security: IdentityPolicy & { require_attestation: boolean; attestation_max_age_minutes: number }
  oidc: OidcContext
}

/** A verified raw token (§6.7), or the request is refused with its check; never downgraded to `none` (A3). */
async function verifyToken(db: Db, input: AttestationInput, token: string): Promise<VerifiedToken> {
  const out = await verifyOidcToken(db, input.oidc, input.security, token)
  if (out.ok) return out
  if (out.check === 'token_replayed') throw REPLAYED.oidc_jti()
  throw invalid(out.check, out.message, out.details)
}

const tokenAttestation = (t: VerifiedToken): TokenAttestation => ({
  method: 'oidc_token',
  binding: 'provenance',
  identity: t.identity,
  satisfies_requirement: t.identity === 'pinned',
  issuer: t.issuer,
  subject: t.subject,
  claims: t.recorded_claims,
  token_digest: t.token_digest,
})

/** PLATFORM.md §5.14.2 step 10: the body's repo and commit against those the token names. */
function bindRepo(input: AttestationInput, token: VerifiedToken | undefined): string {
  const named = token?.repository?.toLowerCase()
  if (named !== undefined && input.repo !== '' && input.repo !== named)
    throw new ApiError(422, 'repo_identity_mismatch', `pipeline.repo is ${input.repo}; the OIDC token names ${named}`)
  const sha = token?.recorded_claims.sha
  if (sha !== undefined && sha.toLowerCase() !== input.body.pipeline.commit_sha.toLowerCase())
    throw new ApiError(422, 'commit_identity_mismatch', `pipeline.commit_sha differs from the OIDC token's sha ${sha}`)
  return named ?? input.repo
}

/**
 * EVIDENCE.md §6.1 acceptance (A1–A6) for Sigstore bundles (§6.4), workspace-key bundles (§6.5), the legacy signature
 * (§6.6) and raw OIDC tokens (§6.7). Present material is verified or the request is refused, never downgraded to `none`.
 */
export async function verifyAttestation(db: Db, input: AttestationInput): Promise<Verified> {
  const { body } = input
  if (body.bundle && (body.signed_hash !== undefined || body.signature !== undefined))
    throw new ApiError(422, 'attestation_ambiguous', 'send either a bundle or signed_hash + signature, not both')
  if ((body.signed_hash === undefined) !== (body.signature === undefined))
    throw invalid('legacy_incomplete', 'signed_hash and signature go together')
  const token =
    input.attestationHeader === undefined ? undefined : await verifyToken(db, input, input.attestationHeader)
  const repo = bindRepo(input, token)
  const bound = { ...input, repo }
  let verified: Pick<Verified, 'attestation' | 'replay'> = { attestation: NONE, replay: [] }
  if (body.bundle && isKeyless(body.bundle)) verified = await verifyKeylessBundle(db, bound)
  else if (body.bundle) verified = await verifyWorkspaceBundle(db, bound)
  else if (body.signed_hash !== undefined) verified = await verifyLegacySignature(db, bound)
  let material: Verified['material'] = null
  if (token) {
    const primary = verified.attestation.method === 'none'
    verified = {
      attestation: primary
        ? { ...NONE, ...tokenAttestation(token) }
        : { ...verified.attestation, extra_oidc: tokenAttestation(token) },
      replay: [...verified.replay, token.replay],
    }
    material = primary ? { oidc: token.material } : { extra_oidc: token.material }
  }
  const { attestation } = verified
  if (input.security.require_attestation && attestation.method === 'none')
    throw new ApiError(
      403,
      'attestation_required',
      'this workspace requires attested submissions; sign the results with the workspace key (warrant sign)',
    )
  if (input.security.require_attestation && attestation.identity === 'unpinned')
    throw new ApiError(
      403,
      'attestation_identity_unpinned',
      `this workspace requires attested submissions, and issuer ${attestation.issuer} is not pinned to a repository; add a required claim on one of its repository claims`,
    )
  return { ...verified, repo, material }
}

/** §5.2 on the signed payload against this submission, then replay (§6.8) of its digest. */
async function checkStatement(db: Db, input: AttestationInput, payload: Uint8Array) {
  const checked = checkResultsStatement(
    payload,
    {
      workspace_id: input.workspaceId,
      model_id: input.modelId,
      repo: input.repo,
      pipeline: input.body.pipeline,
      verifier: input.body.verifier,
      results: input.body.results,
    },
    { now: input.oidc.now(), maxAgeMinutes: input.security.attestation_max_age_minutes },
  )
  if (!checked.ok) throw invalid(checked.check, checked.reason)
  const statement_digest = digest(payload)
  await assertNotReplayed(db, 'statement', statement_digest)
  return { statement: checked.statement, statement_digest }
}

/** Certificate material selects the keyless path (§6.4); `publicKey` selects the workspace key (§6.5). */
function isKeyless(bundle: unknown): boolean {
  const material = (bundle as { verificationMaterial?: Record<string, unknown> }).verificationMaterial
  return (
    typeof material === 'object' &&
    material !== null &&
    (material.certificate !== undefined || material.x509CertificateChain !== undefined)
  )
}

/** §6.4 checks 1–8: the bundle against the deployment's trust roots, the identity policy, the statement, replay. */
async function verifyKeylessBundle(db: Db, input: AttestationInput): Promise<Pick<Verified, 'attestation' | 'replay'>> {
  const bundle = input.body.bundle as Record<string, unknown>
  if (Buffer.byteLength(JSON.stringify(bundle)) > 256 * 1024)
    throw new ApiError(413, 'body_too_large', 'the bundle exceeds 256 KiB')
  const now = input.oidc.now()
  const verified = verifySigstoreBundle(bundle, {
    roots: input.oidc.sigstoreRoots,
    workspaceIssuers: input.security.trusted_issuers,
    now,
    maxAgeMinutes: input.security.attestation_max_age_minutes,
  })
  if (!verified.ok) throw invalid(verified.check, verified.message, verified.details)
  const signed = verified.bundle
  const identity = checkIdentity(input.security, signed.claims, { san: signed.san, sanMatches })
  if (!identity.ok) throw invalid(identity.check, identity.message, identity.details)
  if (identity.repository !== null && input.repo !== '' && identity.repository.toLowerCase() !== input.repo)
    throw new ApiError(
      422,
      'repo_identity_mismatch',
      `pipeline.repo is ${input.repo}; the signing certificate names ${identity.repository.toLowerCase()}`,
    )
  if (signed.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw invalid('statement', `the envelope's payloadType is ${signed.payloadType}, not ${IN_TOTO_PAYLOAD_TYPE}`)
  const { statement_digest } = await checkStatement(db, input, signed.payload)
  return {
    attestation: {
      ...NONE,
      method: 'sigstore',
      binding: 'payload',
      identity: identity.identity,
      satisfies_requirement: identity.identity === 'pinned',
      issuer: signed.issuer,
      subject: signed.subject,
      san: signed.san,
      claims: identity.recorded_claims,
      signing_time: signed.signing_time,
      bundle_digest: signed.bundle_digest,
      statement_digest,
    },
    replay: [{ kind: 'statement', value_digest: statement_digest, expires_at: null }],
  }
}

async function verifyWorkspaceBundle(
  db: Db,
  input: AttestationInput,
): Promise<Pick<Verified, 'attestation' | 'replay'>> {
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
  const { statement, statement_digest } = await checkStatement(db, input, checked.payload)
  return {
    attestation: {
      ...NONE,
      method: 'workspace_bundle',
      binding: 'payload',
      identity: 'key',
      satisfies_requirement: true,
      key_fingerprint: key.fingerprint,
      signing_time: statement.predicate.created_at,
      bundle_digest: docDigest(bundle),
      statement_digest,
    },
    replay: [{ kind: 'statement', value_digest: statement_digest, expires_at: null }],
  }
}

async function verifyLegacySignature(
  db: Db,
  input: AttestationInput,
): Promise<Pick<Verified, 'attestation' | 'replay'>> {
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
      signature_digest,
    },
    replay: [{ kind: 'signature', value_digest: signature_digest, expires_at: null }],
  }
}
