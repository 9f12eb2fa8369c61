import {
  assertBundleLatest,
  assertBundleV02,
  BUNDLE_V02_MEDIA_TYPE,
  bundleFromJSON,
  type SerializedBundle,
} from '@sigstore/bundle'
import type { X509Certificate } from '@sigstore/core'
import { type SignedEntity, toSignedEntity, VerificationError, Verifier } from '@sigstore/verify'
import { docDigest } from '@warrant/core'
import { type ClaimNaming, claimView, fulcioExtensions } from './claims.js'
import type { SigstoreRoot } from './trust.js'

/**
 * Keyless Sigstore bundles (EVIDENCE.md §6.4), checks 1–5 in order: version and content, schema, trusted issuer,
 * `@sigstore/verify` against the candidate roots, signing time. Identity policy (check 6), the statement (7) and
 * replay (8) are the caller's: this returns the certificate's claim view and the verified DSSE payload for them.
 */

export const SIGSTORE_BUNDLE_MEDIA_TYPES = [
  'application/vnd.dev.sigstore.bundle.v0.3+json',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  BUNDLE_V02_MEDIA_TYPE,
]

const CODE_SIGNING = '1.3.6.1.5.5.7.3.3'
const EXT_KEY_USAGE = '2.5.29.37'
const FUTURE_SKEW_MS = 60_000

export type SigstoreCheck =
  | 'bundle_version'
  | 'bundle_content'
  | 'bundle_schema'
  | 'sigstore_not_configured'
  | 'issuer_not_trusted'
  | 'sigstore_verify'
  | 'signing_time'

/** A workspace's trusted issuer (PLATFORM.md §2.1 `trusted_issuers[]`), as far as this check needs it. */
export interface WorkspaceIssuer {
  issuer: string
  enabled: boolean
  repository_claims: readonly string[]
}

export interface SigstoreVerifyOptions {
  roots: readonly SigstoreRoot[]
  /**
   * The workspace's trusted issuers (check 3). Null for `warrant audit` (R4): its pinned roots name no issuers, every
   * pinned root is a candidate, the identity is judged by I1, and the claim view carries both GitHub and GitLab names.
   */
  workspaceIssuers: readonly WorkspaceIssuer[] | null
  now: Date
  maxAgeMinutes: number
}

export interface VerifiedSigstoreBundle {
  issuer: string
  san: string
  /** The token subject (`.24`), null on certificates that do not carry it. */
  subject: string | null
  /** The certificate's claim view (§6.2), including `iss`. */
  claims: Record<string, string>
  /** The earliest verified timestamp (log integration or TSA time), ISO 8601. */
  signing_time: string
  bundle_digest: string
  /** The root whose trust material verified the bundle. */
  root: string
  payloadType: string
  /** Exactly the payload bytes whose signature was verified: the only bytes the caller may parse. */
  payload: Uint8Array
}

export type SigstoreOutcome =
  | { ok: true; bundle: VerifiedSigstoreBundle }
  | { ok: false; check: SigstoreCheck; message: string; details: Record<string, string> }

const fail = (check: SigstoreCheck, message: string, details: Record<string, string> = {}): SigstoreOutcome => ({
  ok: false,
  check,
  message,
  details,
})

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Check 1: accepted media type, a DSSE envelope with exactly one signature, certificate material. */
function shape(bundle: unknown): SigstoreOutcome | undefined {
  if (!isObject(bundle) || !SIGSTORE_BUNDLE_MEDIA_TYPES.includes(bundle.mediaType as string))
    return fail(
      'bundle_version',
      `mediaType ${JSON.stringify(isObject(bundle) ? bundle.mediaType : undefined)} is not an accepted bundle version (v0.2 or v0.3)`,
    )
  const envelope = bundle.dsseEnvelope
  if (bundle.messageSignature !== undefined || !isObject(envelope))
    return fail('bundle_content', 'the bundle must carry a dsseEnvelope, not a messageSignature')
  if (!Array.isArray(envelope.signatures) || envelope.signatures.length !== 1)
    return fail('bundle_content', 'the envelope must have exactly one signature')
  const material = bundle.verificationMaterial
  if (!isObject(material) || (material.certificate === undefined && material.x509CertificateChain === undefined))
    return fail('bundle_schema', 'a keyless bundle needs verificationMaterial.certificate or x509CertificateChain')
  return undefined
}

/** Check 2: the bundle as `@sigstore/bundle` reads it, and the leaf certificate with its Fulcio extensions. */
function parse(json: Record<string, unknown>) {
  const bundle = bundleFromJSON(json as SerializedBundle)
  if (json.mediaType === BUNDLE_V02_MEDIA_TYPE) assertBundleV02(bundle)
  else assertBundleLatest(bundle)
  if (bundle.content.$case !== 'dsseEnvelope') throw new Error('the bundle carries no DSSE envelope')
  const entity = toSignedEntity(bundle)
  if (entity.key.$case !== 'certificate') throw new Error('the bundle carries no certificate')
  const leaf = entity.key.certificate
  const san = leaf.subjectAltName
  if (!san) throw new Error('the certificate has no subject alternative name')
  return { envelope: bundle.content.dsseEnvelope, entity, leaf, san, extensions: fulcioExtensions(leaf) }
}

function hasCodeSigning(leaf: X509Certificate): boolean {
  const eku = leaf.extension(EXT_KEY_USAGE)
  const usages = eku?.valueObj.subs[0]?.subs.map((oid) => {
    try {
      return oid.toOID()
    } catch {
      return ''
    }
  })
  return leaf.extKeyUsage?.digitalSignature === true && (usages ?? []).includes(CODE_SIGNING)
}

/** The verified timestamps: log integration times covered by a signed entry timestamp, and TSA times. */
function verifiedTimes(entity: SignedEntity): Date[] {
  return entity.timestamps.flatMap((t) => {
    if (t.$case === 'timestamp-authority') return [t.timestamp.signingTime]
    return t.tlogEntry.inclusionPromise ? [new Date(Number(t.tlogEntry.integratedTime) * 1000)] : []
  })
}

const naming = (issuer: WorkspaceIssuer): ClaimNaming =>
  issuer.repository_claims.some((c) => c === 'project_path' || c === 'project_id') ? 'gitlab' : 'github'

export function verifySigstoreBundle(bundleJson: unknown, options: SigstoreVerifyOptions): SigstoreOutcome {
  const shaped = shape(bundleJson)
  if (shaped) return shaped
  const json = bundleJson as Record<string, unknown>
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(json)
  } catch (e) {
    return fail('bundle_schema', `the bundle does not parse as a Sigstore bundle: ${(e as Error).message}`)
  }
  const { envelope, entity, leaf, san, extensions } = parsed

  if (options.roots.length === 0)
    return fail('sigstore_not_configured', 'no Sigstore trust root is configured on this server')

  const issuer = extensions.get(8)
  const offline = options.workspaceIssuers === null
  const trusted = options.workspaceIssuers?.find((w) => w.enabled && w.issuer === issuer)
  const candidates = offline
    ? options.roots
    : options.roots.filter((r) => issuer !== undefined && r.issuers.includes(issuer))
  if (issuer === undefined || (!offline && (!trusted || candidates.length === 0)))
    return fail(
      'issuer_not_trusted',
      trusted
        ? `no Sigstore trust root of this server accepts issuer ${JSON.stringify(issuer)}`
        : `issuer ${JSON.stringify(issuer)} is not an enabled trusted issuer of this workspace`,
      { issuer: String(issuer) },
    )

  let verifiedBy: SigstoreRoot | undefined
  let firstError: { reason: string; root: string; message: string } | undefined
  for (const root of candidates) {
    try {
      new Verifier(root.material, {
        tlogThreshold: root.thresholds.tlog,
        ctlogThreshold: root.thresholds.ctlog,
        timestampThreshold: root.thresholds.timestamp,
      }).verify(entity)
      verifiedBy = root
      break
    } catch (e) {
      const cause = (e as { cause?: unknown }).cause
      firstError ??= {
        reason: e instanceof VerificationError ? e.code : 'VERIFY_ERROR',
        root: root.name,
        message: cause instanceof Error ? `${(e as Error).message}: ${cause.message}` : (e as Error).message,
      }
    }
  }
  if (!verifiedBy) {
    const { reason, root, message } = firstError!
    return fail('sigstore_verify', `Sigstore verification failed: ${message}`, { reason, root })
  }
  if (!hasCodeSigning(leaf))
    return fail(
      'sigstore_verify',
      'the certificate is not for code signing (key usage digitalSignature, EKU codeSigning)',
      {
        reason: 'CERTIFICATE_USAGE_ERROR',
        root: verifiedBy.name,
      },
    )

  const times = verifiedTimes(entity)
  const signing = new Date(Math.min(...times.map((t) => t.getTime())))
  const earliest = options.now.getTime() - options.maxAgeMinutes * 60_000
  if (times.length === 0 || signing.getTime() < earliest || signing.getTime() > options.now.getTime() + FUTURE_SKEW_MS)
    return fail(
      'signing_time',
      times.length === 0
        ? 'the bundle has no verified timestamp'
        : `the signing time ${signing.toISOString()} is not within ${options.maxAgeMinutes} minutes before acceptance (nor up to 60 s after it)`,
      times.length === 0 ? {} : { signing_time: signing.toISOString() },
    )

  return {
    ok: true,
    bundle: {
      issuer: issuer!,
      san,
      subject: extensions.get(24) ?? null,
      claims: trusted
        ? claimView(extensions, naming(trusted))
        : { ...claimView(extensions, 'gitlab'), ...claimView(extensions, 'github') },
      signing_time: signing.toISOString(),
      bundle_digest: docDigest(json),
      root: verifiedBy.name,
      payloadType: envelope.payloadType,
      payload: new Uint8Array(envelope.payload),
    },
  }
}
