import type { X509Certificate } from '@sigstore/core'

/**
 * The claim view of a Fulcio certificate (EVIDENCE.md §6.2): claims read from the Fulcio extensions (OID arc
 * 1.3.6.1.4.1.57264.1) under the names OIDC tokens use, so that one identity policy serves tokens and certificates.
 * Warrant reads the extensions itself: `.8` and above are DER UTF8String values and are decoded; the legacy issuer
 * `.1` holds raw bytes.
 */

const ARC = '1.3.6.1.4.1.57264.1'
const LEGACY_ISSUER = 1
const ISSUER = 8
/** Extensions the claim view reads (all `.8` and above). */
const READ = [8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 20, 22, 23, 24] as const

const utf8 = new TextDecoder('utf-8', { fatal: true })

export class CertificateExtensionError extends Error {}

/** The decoded Fulcio extensions by last arc number; throws when one is not what its OID promises. */
export function fulcioExtensions(cert: X509Certificate): Map<number, string> {
  const values = new Map<number, string>()
  for (const arc of READ) {
    const ext = cert.extension(`${ARC}.${arc}`)
    if (!ext) continue
    // The parser has already split the OCTET STRING into its elements, consuming exactly its length.
    const inner = ext.valueObj.subs
    const element = inner[0]
    if (
      inner.length !== 1 ||
      !element ||
      element.tag.constructed ||
      !element.tag.isUniversal() ||
      element.tag.number !== 12
    )
      throw new CertificateExtensionError(`extension ${ARC}.${arc} is not a DER UTF8String`)
    try {
      values.set(arc, utf8.decode(element.value))
    } catch {
      throw new CertificateExtensionError(`extension ${ARC}.${arc} is not valid UTF-8`)
    }
  }
  if (!values.has(ISSUER)) {
    const legacy = cert.extension(`${ARC}.${LEGACY_ISSUER}`)
    if (legacy) {
      try {
        values.set(ISSUER, utf8.decode(legacy.value))
      } catch {
        throw new CertificateExtensionError(`extension ${ARC}.${LEGACY_ISSUER} is not valid UTF-8`)
      }
    }
  }
  return values
}

/** The path of an absolute URI without its leading `/`; undefined when the value is not such a URI. */
const uriPath = (uri: string | undefined): string | undefined => {
  const m = uri === undefined ? null : /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*\/([^?#]*)$/.exec(uri)
  return m ? m[1] : undefined
}

/** The URI without `https://`; undefined when it has another scheme. */
const withoutHttps = (uri: string | undefined): string | undefined =>
  uri?.startsWith('https://') ? uri.slice('https://'.length) : undefined

export type ClaimNaming = 'github' | 'gitlab'

/** The claims of §6.2's table under the issuer's naming; claims the certificate does not carry are absent. */
export function claimView(ext: ReadonlyMap<number, string>, naming: ClaimNaming): Record<string, string> {
  const gitlab = naming === 'gitlab'
  const entries: [string, string | undefined][] = [
    ['iss', ext.get(ISSUER)],
    ['sub', ext.get(24)],
    [gitlab ? 'project_path' : 'repository', uriPath(ext.get(12))],
    [gitlab ? 'project_id' : 'repository_id', ext.get(15)],
    [gitlab ? 'namespace_path' : 'repository_owner', uriPath(ext.get(16))],
    [gitlab ? 'namespace_id' : 'repository_owner_id', ext.get(17)],
    ['ref', ext.get(14)],
    ['sha', ext.get(13)],
    ...(gitlab ? [] : ([['workflow_ref', uriPath(ext.get(18))]] as [string, string | undefined][])),
    gitlab ? ['ci_config_ref_uri', withoutHttps(ext.get(9))] : ['job_workflow_ref', uriPath(ext.get(9))],
    [gitlab ? 'pipeline_source' : 'event_name', ext.get(20)],
    ['runner_environment', ext.get(11)],
    [gitlab ? 'project_visibility' : 'repository_visibility', ext.get(22)],
    ['environment', ext.get(23)],
  ]
  return Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined))
}
