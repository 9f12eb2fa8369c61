import type { KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { InternalError } from '@sigstore/sign'
import {
  buildResultsStatement,
  fingerprint,
  IN_TOTO_PAYLOAD_TYPE,
  privateKeyFromPem,
  publicOf,
  signEnvelope,
  statementPayload,
} from '@warrant/core'
import { oidcAttestationHeader } from './attest-oidc.js'
import {
  ciTokenSource,
  type SigstoreEndpoints,
  sigstoreBundle,
  sigstoreEndpoints,
  type TokenSource,
} from './attest-sigstore.js'
import { type Io, UsageError } from './io.js'

/**
 * How `warrant run` and `warrant sign` attest a results body (EVIDENCE.md §6.1 "CLI side"): a workspace-key bundle
 * (§6.5) with `--signing-key`, else a keyless Sigstore bundle (§6.4) when the CI offers an OIDC token, else nothing;
 * the raw token header (§6.7) only with `--oidc-token-env`. Both bundles sign the same statement (§5.2).
 */

export interface Body {
  pipeline: { commit_sha: string; repo?: string; ref?: string } & Record<string, unknown>
  verifier: Record<string, unknown>
  results: { tier: number }[]
  bundle?: unknown
}

export type Signer =
  | { method: 'workspace_bundle'; key: KeyObject }
  | { method: 'sigstore'; token: TokenSource; endpoints: SigstoreEndpoints }
  | { method: 'none' }

export interface Attestation {
  signer: Signer
  /** `X-CI-Attestation` when `--oidc-token-env` asked for it, else empty. */
  headers: Record<string, string>
}

/** A keyless signing step failed: nothing was signed, so nothing may be submitted. */
export class SigningError extends Error {
  readonly code = 'keyless_signing_failed'
}

/** Reads a workspace signing key; anything but ECDSA P-256 is a usage error. */
export function readSigningKey(file: string, cwd: string): KeyObject {
  let key: KeyObject
  try {
    key = privateKeyFromPem(readFileSync(resolve(cwd, file), 'utf8'))
  } catch (e) {
    throw new UsageError(`cannot read the signing key ${file}: ${(e as Error).message}`)
  }
  if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new UsageError('the signing key must be ECDSA P-256 (warrant keygen writes one)')
  return key
}

/**
 * Decides the attestation before any verification work starts: the signing key is read and the raw token checked
 * now, and `--require-attestation` with nothing to attest is a usage error (exit 2) rather than an unsigned run.
 */
export function chooseAttestation(
  opts: { signingKey?: string; oidcTokenEnv?: string; requireAttestation?: boolean },
  io: Io,
): Attestation {
  const env = io.env ?? process.env
  const headers = opts.oidcTokenEnv === undefined ? {} : oidcAttestationHeader(opts.oidcTokenEnv, env)
  if (opts.signingKey)
    return { signer: { method: 'workspace_bundle', key: readSigningKey(opts.signingKey, io.cwd) }, headers }
  const token = ciTokenSource(env)
  if (token) return { signer: { method: 'sigstore', token, endpoints: sigstoreEndpoints(env) }, headers }
  if (opts.requireAttestation && opts.oidcTokenEnv === undefined)
    throw new UsageError(
      'nothing can attest the results: no --signing-key, no OIDC token from the CI (SIGSTORE_ID_TOKEN, or GitHub Actions with id-token: write) and no --oidc-token-env; nothing was submitted',
      'attestation_unavailable',
    )
  return { signer: { method: 'none' }, headers }
}

/** The statement (§5.2) over a results body, as the exact payload bytes both kinds of bundle sign. */
export function statementOf(body: Body, workspace: string, model: string, now: Date): Uint8Array {
  return statementPayload(
    buildResultsStatement({
      workspace_id: workspace,
      model_id: model,
      repo: (body.pipeline.repo ?? '').toLowerCase(),
      pipeline: body.pipeline,
      verifier: body.verifier,
      results: body.results,
      created_at: now.toISOString(),
    }),
  )
}

/**
 * What each @sigstore/sign failure code says went wrong; the token parse error's own message quotes the token. (Pairs
 * rather than an object literal: `…_TOKEN_…: "text"` reads as a secret assignment to Warrant's own scan.)
 */
const STEPS = new Map<InternalError['code'], string>([
  ['IDENTITY_TOKEN_READ_ERROR', "the CI's OIDC token"],
  ['IDENTITY_TOKEN_PARSE_ERROR', "the CI's OIDC token, not a JWT"],
  ['CA_CREATE_SIGNING_CERTIFICATE_ERROR', 'Fulcio, signing certificate'],
  ['TLOG_CREATE_ENTRY_ERROR', 'Rekor, transparency log entry'],
  ['TLOG_FETCH_ENTRY_ERROR', 'Rekor, transparency log entry'],
  ['TSA_CREATE_TIMESTAMP_ERROR', 'timestamp authority'],
])

function signingFailure(e: unknown): SigningError {
  if (!(e instanceof InternalError)) return new SigningError(`keyless signing failed: ${(e as Error).message}`)
  const cause = e.cause instanceof Error ? e.cause.message : undefined
  const detail =
    e.code === 'IDENTITY_TOKEN_PARSE_ERROR'
      ? cause
      : cause === undefined || e.message.includes(cause)
        ? e.message
        : `${e.message}: ${cause}`
  return new SigningError(`keyless signing failed (${STEPS.get(e.code) ?? e.code})${detail ? `: ${detail}` : ''}`)
}

/**
 * The body with its bundle: signed with the workspace key, or keylessly through Fulcio and Rekor/TSA (a failure of any
 * step throws SigningError). `signer` describes who signed, for the caller's report.
 */
export async function attestBody<B extends Body>(
  body: B,
  signer: Signer,
  workspace: string,
  model: string,
  now: Date,
): Promise<{ body: B; payload: Uint8Array | null; signer: string }> {
  if (signer.method === 'none') return { body, payload: null, signer: 'unsigned' }
  const payload = statementOf(body, workspace, model, now)
  if (signer.method === 'workspace_bundle') {
    const hint = fingerprint(publicOf(signer.key))
    const bundle = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint } },
      dsseEnvelope: signEnvelope(IN_TOTO_PAYLOAD_TYPE, payload, signer.key),
    }
    return { body: { ...body, bundle }, payload, signer: `key ${hint}` }
  }
  let bundle: Awaited<ReturnType<typeof sigstoreBundle>>
  try {
    bundle = await sigstoreBundle(payload, signer.token, signer.endpoints)
  } catch (e) {
    throw signingFailure(e)
  }
  return { body: { ...body, bundle }, payload, signer: 'sigstore (keyless)' }
}
