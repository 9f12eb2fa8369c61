import { docDigest } from '../digests.js'

/**
 * The identity policy of EVIDENCE.md §6.2, shared by raw OIDC tokens (§6.7) and the claim view of Sigstore
 * certificates (§6.4). Pure: the caller supplies the claims and, for certificates, the SAN and a linear-time matcher.
 */

export interface TrustedIssuer {
  issuer: string
  label: string
  builtin: boolean
  enabled: boolean
  repository_claims: string[]
}

export interface RequiredClaim {
  issuer: string
  claim: string
  values: string[]
}

export interface SanPattern {
  issuer: string
  pattern: string
}

export interface IdentityPolicy {
  trusted_issuers: TrustedIssuer[]
  required_claims: RequiredClaim[]
  sigstore_san_patterns: SanPattern[]
}

export type IdentityCheck = 'issuer_not_trusted' | 'claims_mismatch' | 'san_mismatch'

export type IdentityOutcome =
  | {
      ok: true
      issuer: string
      identity: 'pinned' | 'unpinned'
      /** The allow-listed claims, as strings (§6.2 "Recorded claims"). */
      recorded_claims: Record<string, string>
      /** The repository the identity names (`repository` or `project_path`), or null. */
      repository: string | null
    }
  | { ok: false; check: IdentityCheck; message: string; details: Record<string, string> }

/** Built-in issuers of PLATFORM.md §2.1: they can be disabled, never removed. */
export const BUILTIN_ISSUERS: readonly TrustedIssuer[] = [
  {
    issuer: 'https://token.actions.githubusercontent.com',
    label: 'GitHub Actions',
    builtin: true,
    enabled: true,
    repository_claims: ['repository', 'repository_id'],
  },
  {
    issuer: 'https://gitlab.com',
    label: 'GitLab',
    builtin: true,
    enabled: true,
    repository_claims: ['project_path', 'project_id'],
  },
]

const RECORDED = new Set([
  // GitHub
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'ref',
  'ref_type',
  'ref_protected',
  'sha',
  'environment',
  'workflow_ref',
  'job_workflow_ref',
  'event_name',
  'runner_environment',
  'run_id',
  'run_attempt',
  'actor',
  // GitLab
  'project_path',
  'project_id',
  'namespace_path',
  'namespace_id',
  'pipeline_id',
  'pipeline_source',
  'ci_config_ref_uri',
  'user_login',
])

/** Claims that name a repository by path, in the order they are looked up for repo binding (PLATFORM.md §5.14.2). */
const REPOSITORY_NAME_CLAIMS = ['repository', 'project_path']

/** A claim value as a string: strings as is, numbers in decimal, booleans `true`/`false`; anything else has none. */
export function claimString(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return undefined
}

/** The enabled trusted issuer equal to `iss` byte for byte (no trailing-slash or case normalisation). */
export function trustedIssuer(policy: IdentityPolicy, iss: unknown): TrustedIssuer | undefined {
  return typeof iss === 'string' ? policy.trusted_issuers.find((t) => t.enabled && t.issuer === iss) : undefined
}

/** Whether the policy pins `issuer` to a repository (§6.2 "Pinned or unpinned"). */
export function issuerPinned(policy: IdentityPolicy, issuer: TrustedIssuer): boolean {
  return policy.required_claims.some((r) => r.issuer === issuer.issuer && issuer.repository_claims.includes(r.claim))
}

/**
 * Applies §6.2 to one identity. `san` and `sanMatches` are given for certificates only; `sanMatches(pattern, san)`
 * must full-match `^(?:pattern)$` under the linear-time regex rules.
 */
export function checkIdentity(
  policy: IdentityPolicy,
  claims: Record<string, unknown>,
  certificate?: { san: string; sanMatches: (pattern: string, san: string) => boolean },
): IdentityOutcome {
  const issuer = trustedIssuer(policy, claims.iss)
  if (!issuer)
    return {
      ok: false,
      check: 'issuer_not_trusted',
      message: `issuer ${JSON.stringify(claims.iss)} is not an enabled trusted issuer of this workspace`,
      details: { issuer: String(claims.iss) },
    }
  const required = policy.required_claims.filter((r) => r.issuer === issuer.issuer)
  for (const r of required) {
    const actual = claimString(claims[r.claim])
    const fold = issuer.repository_claims.includes(r.claim)
    const matches =
      actual !== undefined && r.values.some((v) => (fold ? v.toLowerCase() === actual.toLowerCase() : v === actual))
    if (!matches)
      return {
        ok: false,
        check: 'claims_mismatch',
        message:
          actual === undefined
            ? `the identity has no claim ${r.claim}, which the workspace requires`
            : `claim ${r.claim} does not have an allowed value`,
        details: { issuer: issuer.issuer, claim: r.claim },
      }
  }
  if (certificate) {
    const patterns = policy.sigstore_san_patterns.filter((p) => p.issuer === issuer.issuer)
    if (patterns.length > 0 && !patterns.some((p) => certificate.sanMatches(p.pattern, certificate.san)))
      return {
        ok: false,
        check: 'san_mismatch',
        message: "the certificate's subject alternative name matches none of the workspace's patterns",
        details: { issuer: issuer.issuer, san: certificate.san },
      }
  }
  const recorded_claims: Record<string, string> = {}
  const named = new Set(required.map((r) => r.claim))
  for (const [name, value] of Object.entries(claims)) {
    const text = claimString(value)
    if (text !== undefined && (RECORDED.has(name) || named.has(name))) recorded_claims[name] = text
  }
  const repository = REPOSITORY_NAME_CLAIMS.map((c) => recorded_claims[c]).find((v) => v !== undefined) ?? null
  return {
    ok: true,
    issuer: issuer.issuer,
    identity: issuerPinned(policy, issuer) ? 'pinned' : 'unpinned',
    recorded_claims,
    repository,
  }
}

/** EVIDENCE.md §3.6 `identity_digest` of an attested identity; null for key and unattested runs. */
export function identityDigest(a: {
  issuer: string | null
  subject: string | null
  san: string | null
  claims: Record<string, string>
}): string | null {
  return a.issuer === null ? null : docDigest({ issuer: a.issuer, subject: a.subject, san: a.san, claims: a.claims })
}
