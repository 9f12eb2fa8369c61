import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { digest, docDigest, parseStrictJson, StrictJsonError } from '@warrant/core'
import { attestBody, type Body, chooseAttestation } from '../attest.js'
import { type Io, UsageError } from '../io.js'

/**
 * `warrant sign`: adds a bundle over the in-toto statement (EVIDENCE.md §5.2: results hash, commit, repo, pipeline)
 * to a results submission body: a workspace-key bundle (§6.5) with `--signing-key`, else a keyless Sigstore bundle
 * (§6.4) when the CI offers an OIDC token. It only writes the body, so there is nothing to send a raw token with, and
 * with nothing to sign it fails (exit 2): an unsigned copy of the input would be no use.
 */
export async function sign(
  file: string,
  opts: { signingKey?: string; workspace: string; model: string; out?: string; now?: Date },
  io: Io,
): Promise<number> {
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
  const { signer } = chooseAttestation(
    { ...(opts.signingKey ? { signingKey: opts.signingKey } : {}), requireAttestation: true },
    io,
  )
  const signed = await attestBody(body, signer, opts.workspace, opts.model, opts.now ?? new Date())
  const text = `${JSON.stringify(signed.body)}\n`
  if (opts.out) writeFileSync(resolve(io.cwd, opts.out), text)
  else io.stdout(text)
  io.stderr(`results_hash ${docDigest(body.results)}\nstatement_digest ${digest(signed.payload!)}\n${signed.signer}\n`)
  return 0
}
