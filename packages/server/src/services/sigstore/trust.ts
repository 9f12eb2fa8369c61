import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { TrustedRoot } from '@sigstore/protobuf-specs'
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify'
import { parseStrictJson, parseStrictJsonBytes } from '@warrant/core'

/**
 * Sigstore trust roots per deployment (EVIDENCE.md §6.4): `WARRANT_SIGSTORE_TRUST` names a JSON file listing
 * TrustedRoot documents, each pinned by its SHA-256, with the issuers it may certify and its verification thresholds.
 * Loaded once at start-up; any problem throws, so the server refuses to start rather than verify against a root it
 * was not told to trust. Nothing is ever fetched.
 */

export interface SigstoreThresholds {
  tlog: number
  ctlog: number
  timestamp: number
}

export interface SigstoreRoot {
  name: string
  /** Hex SHA-256 of the TrustedRoot file, as pinned. */
  sha256: string
  issuers: string[]
  thresholds: SigstoreThresholds
  material: TrustMaterial
}

export class SigstoreTrustError extends Error {}

export const TRUSTED_ROOT_MEDIA_TYPES = [
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.1+json',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
]

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function onlyMembers(value: Record<string, unknown>, allowed: readonly string[], where: string) {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k))
  if (unknown.length > 0) throw new SigstoreTrustError(`${where}: unknown member ${unknown[0]}`)
}

/** `{tlog, ctlog, timestamp}` verification thresholds; `where` prefixes the error messages. */
export function parseThresholds(value: unknown, where: string): SigstoreThresholds {
  if (!isObject(value)) throw new SigstoreTrustError(`${where}: thresholds must be {tlog, ctlog, timestamp}`)
  onlyMembers(value, ['tlog', 'ctlog', 'timestamp'], `${where}.thresholds`)
  const count = (name: 'tlog' | 'ctlog' | 'timestamp', min: number) => {
    const n = value[name]
    if (!Number.isSafeInteger(n) || (n as number) < min)
      throw new SigstoreTrustError(`${where}: thresholds.${name} must be a whole number ≥ ${min}`)
    return n as number
  }
  // The certificate chain is checked at each verified timestamp, so at least one must be required.
  return { tlog: count('tlog', 0), ctlog: count('ctlog', 0), timestamp: count('timestamp', 1) }
}

function loadRoot(entry: unknown, index: number, baseDir: string, names: Set<string>): SigstoreRoot {
  const where = `roots[${index}]`
  if (!isObject(entry)) throw new SigstoreTrustError(`${where} must be an object`)
  onlyMembers(entry, ['name', 'trusted_root', 'sha256', 'issuers', 'thresholds'], where)
  const { name, trusted_root, sha256, issuers } = entry
  if (typeof name !== 'string' || name === '' || names.has(name))
    throw new SigstoreTrustError(`${where}: name must be a non-empty, unique string`)
  names.add(name)
  if (typeof trusted_root !== 'string' || trusted_root === '')
    throw new SigstoreTrustError(`${where}: trusted_root must name a file`)
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))
    throw new SigstoreTrustError(`${where}: sha256 must be 64 lower-case hex digits`)
  if (!Array.isArray(issuers) || issuers.length === 0 || issuers.some((i) => typeof i !== 'string' || i === ''))
    throw new SigstoreTrustError(`${where}: issuers must be a non-empty list of issuer URLs`)
  let material: TrustMaterial
  try {
    material = loadTrustedRoot(resolve(baseDir, trusted_root), sha256)
  } catch (e) {
    throw new SigstoreTrustError(`${where} (${name}): ${(e as Error).message}`)
  }
  return { name, sha256, issuers: issuers as string[], thresholds: parseThresholds(entry.thresholds, where), material }
}

/**
 * One TrustedRoot file as trust material, refused (SigstoreTrustError) unless its SHA-256 equals the pinned `sha256`,
 * it is a TrustedRoot of an accepted media type, and it lists a certificate authority. Used by the server's trust file
 * and by `warrant audit`'s pinned roots.
 */
export function loadTrustedRoot(file: string, sha256: string): TrustMaterial {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (e) {
    throw new SigstoreTrustError(`cannot read ${file}: ${(e as Error).message}`)
  }
  const actual = createHash('sha256').update(bytes).digest('hex')
  if (actual !== sha256) throw new SigstoreTrustError(`${file} has SHA-256 ${actual}, but ${sha256} is pinned`)
  try {
    const json = parseStrictJsonBytes(bytes)
    if (!isObject(json) || !TRUSTED_ROOT_MEDIA_TYPES.includes(json.mediaType as string))
      throw new Error(`mediaType ${JSON.stringify(isObject(json) ? json.mediaType : undefined)} is not a TrustedRoot`)
    const root = TrustedRoot.fromJSON(json)
    if (root.certificateAuthorities.length === 0) throw new Error('it lists no certificate authority')
    return toTrustMaterial(root)
  } catch (e) {
    throw new SigstoreTrustError(`${file} is not a usable TrustedRoot: ${(e as Error).message}`)
  }
}

/** Reads the trust file; no file configured means no roots (every keyless bundle is then `sigstore_not_configured`). */
export function loadSigstoreTrust(file: string | undefined): SigstoreRoot[] {
  if (file === undefined) return []
  let json: unknown
  try {
    json = parseStrictJson(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new SigstoreTrustError(`WARRANT_SIGSTORE_TRUST ${file}: ${(e as Error).message}`)
  }
  if (!isObject(json) || !Array.isArray(json.roots))
    throw new SigstoreTrustError(`WARRANT_SIGSTORE_TRUST ${file}: expected {"roots": [...]}`)
  onlyMembers(json, ['roots'], `WARRANT_SIGSTORE_TRUST ${file}`)
  const names = new Set<string>()
  return json.roots.map((entry, i) => loadRoot(entry, i, dirname(resolve(file)), names))
}
