import type { KeyObject } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  buildResultsStatement,
  digest,
  docDigest,
  fingerprint,
  IN_TOTO_PAYLOAD_TYPE,
  parseStrictJson,
  privateKeyFromPem,
  publicOf,
  StrictJsonError,
  signEnvelope,
  statementPayload,
} from '@warrant/core'
import { type Io, UsageError } from '../io.js'

export interface Body {
  pipeline: { commit_sha: string; repo?: string; ref?: string } & Record<string, unknown>
  verifier: Record<string, unknown>
  results: { tier: number }[]
  bundle?: unknown
}

/** Adds a workspace-key bundle (§6.5) to a results body: the statement over it, signed as a DSSE envelope. */
export function signedBody<B extends Body>(body: B, key: KeyObject, workspace: string, model: string, now: Date) {
  const statement = buildResultsStatement({
    workspace_id: workspace,
    model_id: model,
    repo: (body.pipeline.repo ?? '').toLowerCase(),
    pipeline: body.pipeline,
    verifier: body.verifier,
    results: body.results,
    created_at: now.toISOString(),
  })
  const payload = statementPayload(statement)
  const hint = fingerprint(publicOf(key))
  const signed = {
    ...body,
    bundle: {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint } },
      dsseEnvelope: signEnvelope(IN_TOTO_PAYLOAD_TYPE, payload, key),
    },
  }
  return { signed, payload, hint }
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
 * `warrant sign`: adds a workspace-key bundle (EVIDENCE.md §6.5) to a results submission body: the in-toto statement
 * over the results hash, commit, repo and pipeline, as a DSSE envelope signed with the workspace's P-256 key.
 */
export function sign(
  file: string,
  opts: { signingKey: string; workspace: string; model: string; out?: string; now?: Date },
  io: Io,
): number {
  let body: Body
  try {
    body = parseStrictJson(readFileSync(resolve(io.cwd, file), 'utf8')) as Body
  } catch (e) {
    if (e instanceof StrictJsonError) throw new UsageError(`${file}:${e.line}:${e.column}: ${e.message}`)
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`)
  }
  if (typeof body !== 'object' || body === null || !body.pipeline || !Array.isArray(body.results) || !body.verifier)
    throw new UsageError(`${file} is not a results submission body ({pipeline, verifier, results})`)
  if (body.bundle !== undefined) throw new UsageError(`${file} already carries a bundle`)
  const key = readSigningKey(opts.signingKey, io.cwd)
  const { signed, payload, hint } = signedBody(body, key, opts.workspace, opts.model, opts.now ?? new Date())
  const text = `${JSON.stringify(signed)}\n`
  if (opts.out) writeFileSync(resolve(io.cwd, opts.out), text)
  else io.stdout(text)
  io.stderr(`results_hash ${docDigest(body.results)}\nstatement_digest ${digest(payload)}\nkey ${hint}\n`)
  return 0
}
