import { BUILTIN_ISSUERS, docDigest, type IdentityPolicy, issuerPinned, type TrustedIssuer } from '@warrant/core'
import { compileUserRegex } from '@warrant/verifier'
import { z } from 'zod'
import { type Db, json } from '../db/open.js'
import { ApiError } from '../errors.js'
import { issuerUrlProblem } from './oidc/urls.js'

/** The stored security settings (PLATFORM.md §2.1 SecuritySettings, without the computed members). */
export type SecuritySettings = IdentityPolicy & { require_attestation: boolean; attestation_max_age_minutes: number }

const CLAIM_NAME = /^[A-Za-z0-9_.:-]{1,64}$/
const claimName = z.string().max(64)

/** Request shapes of `PATCH /api/workspaces/{ws}/security` (§5.5); the rules below give the specific codes. */
export const securityPatch = z.strictObject({
  require_attestation: z.boolean().optional(),
  attestation_max_age_minutes: z.number().int().min(5).max(1440).optional(),
  trusted_issuers: z
    .array(
      z.strictObject({
        issuer: z.string().max(512),
        label: z.string().min(1).max(100),
        builtin: z.boolean().optional(),
        enabled: z.boolean(),
        repository_claims: z.array(claimName).max(10),
      }),
    )
    .max(20)
    .optional(),
  required_claims: z
    .array(
      z.strictObject({ issuer: z.string().max(512), claim: claimName, values: z.array(z.string().max(512)).max(50) }),
    )
    .max(50)
    .optional(),
  sigstore_san_patterns: z
    .array(z.strictObject({ issuer: z.string().max(512), pattern: z.string().max(1024) }))
    .max(50)
    .optional(),
})

const problem = (code: 'issuer_invalid' | 'claim_invalid' | 'pattern_invalid', path: string, message: string) =>
  new ApiError(422, code, message, { errors: [{ path, code, message }] })

function trustedIssuers(list: z.infer<typeof securityPatch>['trusted_issuers'] & {}, allowLoopback: boolean) {
  const seen = new Set<string>()
  const out: TrustedIssuer[] = list.map((t, i) => {
    const path = `/trusted_issuers/${i}`
    if (seen.has(t.issuer)) throw problem('issuer_invalid', `${path}/issuer`, `issuer ${t.issuer} is listed twice`)
    seen.add(t.issuer)
    const builtin = BUILTIN_ISSUERS.find((b) => b.issuer === t.issuer)
    // A built-in keeps its claims; only its label and whether it is enabled change.
    if (builtin)
      return { ...builtin, repository_claims: [...builtin.repository_claims], label: t.label, enabled: t.enabled }
    if (t.builtin) throw problem('issuer_invalid', `${path}/builtin`, `${t.issuer} is not a built-in issuer`)
    const why = issuerUrlProblem(t.issuer, allowLoopback)
    if (why) throw problem('issuer_invalid', `${path}/issuer`, `issuer ${JSON.stringify(t.issuer)}: ${why}`)
    const bad = t.repository_claims.find((c) => !CLAIM_NAME.test(c))
    if (bad !== undefined)
      throw problem('issuer_invalid', `${path}/repository_claims`, `${JSON.stringify(bad)} is not a claim name`)
    return {
      issuer: t.issuer,
      label: t.label,
      builtin: false,
      enabled: t.enabled,
      repository_claims: t.repository_claims,
    }
  })
  const removed = BUILTIN_ISSUERS.find((b) => !seen.has(b.issuer))
  if (removed)
    throw problem(
      'issuer_invalid',
      '/trusted_issuers',
      `built-in issuer ${removed.issuer} can be disabled, not removed`,
    )
  return out
}

/** Applies a PATCH to the stored settings; every list replaces the stored one and is checked against the result. */
export function patchSecurity(
  current: SecuritySettings,
  patch: z.infer<typeof securityPatch>,
  allowLoopback: boolean,
): SecuritySettings {
  const next: SecuritySettings = {
    ...current,
    ...(patch.require_attestation !== undefined ? { require_attestation: patch.require_attestation } : {}),
    ...(patch.attestation_max_age_minutes !== undefined
      ? { attestation_max_age_minutes: patch.attestation_max_age_minutes }
      : {}),
    ...(patch.trusted_issuers ? { trusted_issuers: trustedIssuers(patch.trusted_issuers, allowLoopback) } : {}),
    ...(patch.required_claims ? { required_claims: patch.required_claims } : {}),
    ...(patch.sigstore_san_patterns ? { sigstore_san_patterns: patch.sigstore_san_patterns } : {}),
  }
  const issuers = new Set(next.trusted_issuers.map((t) => t.issuer))
  const pairs = new Set<string>()
  next.required_claims.forEach((r, i) => {
    const path = `/required_claims/${i}`
    if (!issuers.has(r.issuer)) throw problem('claim_invalid', `${path}/issuer`, `${r.issuer} is not a trusted issuer`)
    if (!CLAIM_NAME.test(r.claim))
      throw problem('claim_invalid', `${path}/claim`, `${JSON.stringify(r.claim)} is not a claim name`)
    if (r.values.length === 0) throw problem('claim_invalid', `${path}/values`, 'list at least one allowed value')
    const pair = JSON.stringify([r.issuer, r.claim])
    if (pairs.has(pair)) throw problem('claim_invalid', path, `claim ${r.claim} of ${r.issuer} is required twice`)
    pairs.add(pair)
  })
  next.sigstore_san_patterns.forEach((p, i) => {
    const path = `/sigstore_san_patterns/${i}`
    if (!issuers.has(p.issuer))
      throw problem('pattern_invalid', `${path}/issuer`, `${p.issuer} is not a trusted issuer`)
    const compiled = compileSanPattern(p.pattern)
    if (!compiled.ok) throw problem('pattern_invalid', `${path}/pattern`, compiled.message)
  })
  return next
}

/** A SAN pattern as it is matched: the whole SAN (EVIDENCE.md §6.2). */
export const fullMatch = (pattern: string): string => `^(?:${pattern})$`

/** A SAN pattern compiled to match the whole SAN, under the linear-time regex rules. */
export const compileSanPattern = (pattern: string): ReturnType<typeof compileUserRegex> =>
  compileUserRegex('pattern', fullMatch(pattern))

/** Whether a stored SAN pattern matches the whole SAN, under the linear-time regex rules; an uncompilable one never does. */
export function sanMatches(pattern: string, san: string): boolean {
  const compiled = compileSanPattern(pattern)
  return compiled.ok && compiled.regex.find(san) !== undefined
}

/** PLATFORM.md §2.1 `warnings`: enabled issuers that no required claim pins to a repository. */
export const securityWarnings = (s: IdentityPolicy): string[] =>
  s.trusted_issuers
    .filter((t) => t.enabled && !issuerPinned(s, t))
    .map((t) => `issuer ${t.issuer} has no repository pin`)

/**
 * Keeps an accepted policy in the workspace's policy history (audit package `policy.security`, EVIDENCE.md §10.3),
 * with the `security.changed` event that logged it; call it in the transaction that appended that event.
 */
export async function recordSecurityPolicy(
  trx: Db,
  workspaceId: string,
  settings: SecuritySettings,
  event: { index: number; at: string },
): Promise<void> {
  const last = await trx
    .selectFrom('security_policies')
    .select('seq')
    .where('workspace_id', '=', workspaceId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
  await trx
    .insertInto('security_policies')
    .values({
      workspace_id: workspaceId,
      seq: (last?.seq ?? 0) + 1,
      policy_digest: docDigest(settings),
      settings: json(settings),
      effective_from: event.at,
      event_index: event.index,
    })
    .execute()
}
