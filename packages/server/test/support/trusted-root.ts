import { createHash, type KeyObject } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spkiDer } from '@warrant/core'

/**
 * Assembles a Sigstore TrustedRoot document (EVIDENCE.md §13.4) from test parts: CA chains, transparency logs
 * (`logId = H(SPKI)`, `baseUrl` containing the checkpoint key name), optionally CT logs and timestamp authorities; and writes the
 * `WARRANT_SIGSTORE_TRUST` file that pins it.
 */
export interface LogPart {
  baseUrl: string
  publicKey: KeyObject
}

export interface TrustedRootParts {
  /** Each CA chain as DER certificates, intermediate first. */
  cas: { chain: Buffer[]; start: Date }[]
  tlogs: LogPart[]
  ctlogs?: LogPart[]
  /** Timestamp authorities, each chain with the TSA's signing certificate first. */
  tsas?: { chain: Buffer[]; start: Date }[]
  start: Date
}

const log = (part: LogPart, start: Date) => {
  const der = spkiDer(part.publicKey)
  return {
    baseUrl: part.baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: der.toString('base64'),
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      validFor: { start: start.toISOString() },
    },
    logId: { keyId: createHash('sha256').update(der).digest('base64') },
  }
}

const authority = (kind: string, i: number, ca: { chain: Buffer[]; start: Date }) => ({
  subject: { organization: 'warrant-test', commonName: `warrant-test-${kind}-${i}` },
  uri: `https://${kind}-${i}.invalid`,
  certChain: { certificates: ca.chain.map((c) => ({ rawBytes: c.toString('base64') })) },
  validFor: { start: ca.start.toISOString() },
})

export function trustedRoot(parts: TrustedRootParts) {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: parts.tlogs.map((t) => log(t, parts.start)),
    certificateAuthorities: parts.cas.map((ca, i) => authority('ca', i, ca)),
    ctlogs: (parts.ctlogs ?? []).map((t) => log(t, parts.start)),
    timestampAuthorities: (parts.tsas ?? []).map((tsa, i) => authority('tsa', i, tsa)),
  }
}

export interface TrustEntry {
  name: string
  root: unknown
  issuers: string[]
  thresholds: { tlog: number; ctlog: number; timestamp: number }
  /** Pins this instead of the file's digest (to test the refusal). */
  sha256?: string
}

/** Writes each TrustedRoot beside a trust file pinning it; returns the trust file's path. */
export function writeTrustFile(entries: TrustEntry[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'warrant-sigstore-'))
  const roots = entries.map((e, i) => {
    const text = JSON.stringify(e.root)
    writeFileSync(join(dir, `root-${i}.json`), text)
    return {
      name: e.name,
      trusted_root: `root-${i}.json`,
      sha256: e.sha256 ?? createHash('sha256').update(text).digest('hex'),
      issuers: e.issuers,
      thresholds: e.thresholds,
    }
  })
  const file = join(dir, 'trust.json')
  writeFileSync(file, JSON.stringify({ roots }))
  return file
}
