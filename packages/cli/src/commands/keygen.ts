import { existsSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fingerprint, generateKeyPair, publicKeyPem } from '@warrant/core'
import { type Io, UsageError } from '../io.js'

/**
 * `warrant keygen`: an ECDSA P-256 key pair for workspace-key attestation (EVIDENCE.md §6.5). The private key is
 * written with mode 0600 and never printed; the public key is the SPKI PEM the workspace owner uploads.
 */
export function keygen(opts: { out: string; output: 'text' | 'json' }, io: Io): number {
  const base = resolve(io.cwd, opts.out)
  const privatePath = `${base}.key.pem`
  const publicPath = `${base}.pub.pem`
  for (const p of [privatePath, publicPath])
    if (existsSync(p))
      throw new UsageError(`${p} exists; choose another --out or remove it first (keys are never overwritten)`)
  const { privateKey, publicKey } = generateKeyPair('ecdsa-p256')
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' })
  writeFileSync(publicPath, publicKeyPem(publicKey), { mode: 0o644, flag: 'wx' })
  const fp = fingerprint(publicKey)
  if (opts.output === 'json')
    io.stdout(`${JSON.stringify({ fingerprint: fp, private_key: privatePath, public_key: publicPath })}\n`)
  else
    io.stdout(
      `fingerprint ${fp}\nprivate key ${privatePath} (keep it in your CI secret store)\npublic key  ${publicPath} (upload it: POST /api/workspaces/{ws}/signing-keys)\n`,
    )
  return 0
}
