import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'

/** ECDSA P-256 and Ed25519 on node:crypto (EVIDENCE.md §3.9, §5.1, §8): no hand-rolled primitives. */

export type KeyKind = 'ecdsa-p256' | 'ed25519'

export function generateKeyPair(kind: KeyKind): { privateKey: KeyObject; publicKey: KeyObject } {
  return kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })
}

/** The kind of a public or private key, or undefined for anything else (RSA, other curves). */
export function keyKind(key: KeyObject): KeyKind | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519'
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256'
  return undefined
}

export class KeyError extends Error {}

/** Parses an SPKI PEM public key of an accepted kind; anything else is a KeyError naming the problem. */
export function publicKeyFromPem(pem: string, accept: readonly KeyKind[] = ['ecdsa-p256', 'ed25519']): KeyObject {
  let key: KeyObject
  try {
    key = createPublicKey({ key: pem, format: 'pem' })
  } catch {
    throw new KeyError('not a PEM public key (expected -----BEGIN PUBLIC KEY-----)')
  }
  const kind = keyKind(key)
  if (!kind || !accept.includes(kind))
    throw new KeyError(`the key must be ${accept.join(' or ')}; got ${key.asymmetricKeyType}`)
  return key
}

export const privateKeyFromPem = (pem: string): KeyObject => createPrivateKey({ key: pem, format: 'pem' })
/** The public half of a key pair, given either half. */
export const publicOf = (key: KeyObject): KeyObject => (key.type === 'private' ? createPublicKey(key) : key)
export const spkiDer = (key: KeyObject): Buffer => publicOf(key).export({ type: 'spki', format: 'der' })
export const publicKeyPem = (key: KeyObject): string => publicOf(key).export({ type: 'spki', format: 'pem' }).toString()

/** Key fingerprint: hex SHA-256 of the DER SubjectPublicKeyInfo (`openssl pkey -pubin -outform DER | openssl dgst -sha256`). */
export const fingerprint = (key: KeyObject): string => createHash('sha256').update(spkiDer(key)).digest('hex')

/** Accepts a fingerprint with or without the `sha256:` prefix (PLATFORM.md §0); undefined when malformed. */
export function normalizeFingerprint(input: string): string | undefined {
  const bare = input.startsWith('sha256:') ? input.slice(7) : input
  return /^[0-9a-f]{64}$/.test(bare) ? bare : undefined
}

/** Signs with SHA-256: ECDSA signatures are DER-encoded (what `openssl dgst -sha256 -sign` writes), Ed25519 raw. */
export function signBytes(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  const kind = keyKind(privateKey)
  if (kind === 'ed25519') return new Uint8Array(sign(null, data, privateKey))
  if (kind === 'ecdsa-p256') return new Uint8Array(sign('sha256', data, { key: privateKey, dsaEncoding: 'der' }))
  throw new KeyError('only ECDSA P-256 and Ed25519 keys sign')
}

export function verifyBytes(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const kind = keyKind(publicKey)
  try {
    if (kind === 'ed25519') return verify(null, data, publicKey, signature)
    if (kind === 'ecdsa-p256') return verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature)
  } catch {
    return false
  }
  return false
}

/** The public JWK of an ECDSA P-256 key (`kid` = fingerprint, EVIDENCE.md §8.3). */
export function ecPublicJwk(key: KeyObject): {
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
  kid: string
  alg: 'ES256'
  use: 'sig'
} {
  if (keyKind(key) !== 'ecdsa-p256') throw new KeyError('a JWK is published only for ECDSA P-256 keys')
  const jwk = publicOf(key).export({ format: 'jwk' }) as { x: string; y: string }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: fingerprint(key), alg: 'ES256', use: 'sig' }
}
