import { createPublicKey, type KeyObject, verify } from 'node:crypto'
import { canonicalJson, claimString, decodeStrictUtf8, parseStrictJson } from '@warrant/core'
import { isObject, type Json } from './json.js'

/**
 * EVIDENCE.md §12.2 R7, offline: a raw OIDC token kept with a run (`material.oidc` or `material.extra_oidc`) verifies
 * with the JWK stored next to it, which must belong to the auditor's pinned JWK Set of its issuer when one is pinned;
 * the token's claims equal the identity the run records.
 */

export type OidcProblem = 'invalid' | 'not_pinned'

function segmentJson(segment: string | undefined): Json | undefined {
  try {
    const value = parseStrictJson(decodeStrictUtf8(Buffer.from(segment ?? '', 'base64url')))
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

function publicKeyOf(jwk: unknown): KeyObject | undefined {
  try {
    const key = createPublicKey({ key: jwk as never, format: 'jwk' })
    return key.type === 'public' ? key : undefined
  } catch {
    return undefined
  }
}

const sameKey = (a: KeyObject, b: KeyObject) =>
  canonicalJson(a.export({ format: 'jwk' })) === canonicalJson(b.export({ format: 'jwk' }))

/** The pinned JWK Set of `issuer` (pins `oidc_issuer_keys`), or undefined when the auditor pinned none for it. */
function pinnedKeys(pins: unknown[] | null, issuer: unknown): KeyObject[] | undefined {
  const entry = (pins ?? []).find((p): p is Json => isObject(p) && p.issuer === issuer)
  if (!entry) return undefined
  const keys: unknown[] = Array.isArray(entry.jwks?.keys) ? entry.jwks.keys : []
  return keys.map(publicKeyOf).filter((k): k is KeyObject => k !== undefined)
}

/** `identity` is the run's recorded identity; null for an `extra_oidc` token, whose claims the run does not record. */
export function checkOidcMaterial(
  material: unknown,
  identity: { issuer: unknown; subject: unknown; claims: unknown } | null,
  pins: unknown[] | null,
): OidcProblem | null {
  if (!isObject(material) || typeof material.token !== 'string') return 'invalid'
  const [h, c, s] = material.token.split('.')
  const header = segmentJson(h)
  const claims = segmentJson(c)
  const key = publicKeyOf(material.jwk)
  if (!header || !claims || !key || s === undefined) return 'invalid'
  if ((header.alg !== 'RS256' && header.alg !== 'ES256') || header.kid !== material.jwk.kid) return 'invalid'
  const signature = Buffer.from(s, 'base64url')
  const signed = Buffer.from(`${h}.${c}`)
  const ok =
    header.alg === 'RS256'
      ? key.asymmetricKeyType === 'rsa' && verify('sha256', signed, key, signature)
      : key.asymmetricKeyDetails?.namedCurve === 'prime256v1' &&
        signature.length === 64 &&
        verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature)
  if (!ok) return 'invalid'
  const recorded = isObject(identity?.claims) ? identity.claims : {}
  if (
    identity &&
    (claims.iss !== identity.issuer ||
      claims.sub !== identity.subject ||
      !Object.entries(recorded).every(([name, value]) => claimString(claims[name]) === value))
  )
    return 'invalid'
  const pinned = pinnedKeys(pins, claims.iss)
  if (pinned && !pinned.some((k) => sameKey(k, key))) return 'not_pinned'
  return null
}
