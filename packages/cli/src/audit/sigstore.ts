import { checkResultsStatement, digest } from '@warrant/core'
import { isObject, type Json } from './json.js'
import type { CiIdentity, Pins, SigstoreTools } from './pins.js'

/**
 * EVIDENCE.md §12.2 R4 and I1 for keyless runs, offline: the run's bundle verifies with a pinned TrustedRoot and its
 * thresholds (the platform's own `verifySigstoreBundle`: chain at the signing time, SCTs, log inclusion or timestamps,
 * DSSE signature), signed no later than the run's acceptance; the certificate is the identity the run records; the
 * statement (§5.2) matches the run. I1 then matches that identity against the pinned CI identities.
 */

/** The audit checks order only: acceptance already bounded the age of the signature and of the statement. */
const ANY_AGE_MINUTES = 1e9

export type SigstoreRunOutcome = { ok: true; statement_digest: string } | { ok: false; exit: 1 | 3; message: string }

export function checkSigstoreRun(
  run: Json,
  expected: { workspace_id: string; model_id: string; body: Json },
  pins: Pins,
  tools: SigstoreTools,
): SigstoreRunOutcome {
  const id = String(run.run_id)
  if (!pins.sigstore_trusted_roots?.length)
    return { ok: false, exit: 3, message: `run ${id}: no trusted root pinned for its Sigstore bundle` }
  const failed = (code: string): SigstoreRunOutcome => ({
    ok: false,
    exit: 1,
    message: `run ${id}: Sigstore verification failed: ${code}`,
  })
  const att: Json = isObject(run.attestation) ? run.attestation : {}
  const acceptedAt = new Date(String(run.accepted_at))
  if (Number.isNaN(acceptedAt.getTime())) return failed('accepted_at')
  const outcome = tools.verifySigstoreBundle(att.material?.bundle, {
    roots: pins.sigstore_trusted_roots,
    workspaceIssuers: null,
    now: acceptedAt,
    maxAgeMinutes: ANY_AGE_MINUTES,
  })
  if (!outcome.ok) return failed(outcome.details.reason ?? outcome.check)
  const signed = outcome.bundle
  const recorded: Json = isObject(att.claims) ? att.claims : {}
  if (
    att.issuer !== signed.issuer ||
    att.san !== signed.san ||
    (att.subject ?? null) !== signed.subject ||
    att.signing_time !== signed.signing_time ||
    !Object.entries(recorded).every(([name, value]) => signed.claims[name] === value)
  )
    return failed('identity (the run records another signer than the certificate)')
  const statement = checkResultsStatement(
    signed.payload,
    {
      workspace_id: expected.workspace_id,
      model_id: expected.model_id,
      repo: run.repo,
      pipeline: expected.body.pipeline,
      verifier: expected.body.verifier,
      results: expected.body.results,
    },
    { now: acceptedAt, maxAgeMinutes: ANY_AGE_MINUTES },
  )
  if (!statement.ok) return failed(`statement (${statement.reason})`)
  return { ok: true, statement_digest: digest(signed.payload) }
}

/**
 * I1: some `ci_identities` entry names the run's issuer exactly, and each of its `san` (full match), `subject` and
 * `claims` (equal values) that it pins holds. A raw-token run has no SAN, so entries pinning one never match it.
 */
export function ciIdentityPinned(att: Json, identities: CiIdentity[] | null, tools: SigstoreTools): boolean {
  const claims: Json = isObject(att.claims) ? att.claims : {}
  return (identities ?? []).some(
    (e) =>
      e.issuer === att.issuer &&
      (e.san === undefined || (typeof att.san === 'string' && tools.sanMatches(e.san, att.san))) &&
      (e.subject === undefined || e.subject === att.subject) &&
      (e.claims === undefined || Object.entries(e.claims).every(([name, value]) => claims[name] === value)),
  )
}
