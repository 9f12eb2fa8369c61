import { createHash, createPrivateKey, sign, webcrypto } from 'node:crypto'
import { X509Certificate } from '@sigstore/core'
import { explicit, generalizedTime, integer, octetString, oid, sequence, setOf, tlv } from './der.js'
import { serveJson } from './loopback.js'
import type { TestCa } from './sigstore-ca.js'

/**
 * A loopback RFC 3161 timestamp authority with the Sigstore TSA API (`POST /api/v1/timestamp`, JSON
 * `{artifactHash, hashAlgorithm}` in, a DER TimeStampResp out), standing in for @sigstore/mock's TSA (EVIDENCE.md
 * §13.4 "TSA path"). Its signing certificate comes from the test CA, so a TrustedRoot can list it.
 */

const SHA256 = '2.16.840.1.101.3.4.2.1'
const ECDSA_SHA256 = '1.2.840.10045.4.3.2'
const SIGNED_DATA = '1.2.840.113549.1.7.2'
const TST_INFO = '1.2.840.113549.1.9.16.1.4'
const CONTENT_TYPE_ATTR = '1.2.840.113549.1.9.3'
const MESSAGE_DIGEST_ATTR = '1.2.840.113549.1.9.4'
const TEST_POLICY = '1.3.6.1.4.1.57264.2.99'

const algorithm = (id: string) => sequence(oid(id))
const attribute = (type: string, value: Buffer) => sequence(oid(type), setOf(value))

export async function startTsa(options: { ca: TestCa; clock: () => Date }) {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair
  const privateKey = createPrivateKey({
    key: Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    format: 'der',
    type: 'pkcs8',
  })
  const cert = await options.ca.issueTsaCert(keys.publicKey)
  const certDer = Buffer.from(cert.rawData)
  const parsed = X509Certificate.parse(certDer)
  let serial = 0
  const server = await serveJson(async (path, body) => {
    if (path !== '/api/v1/timestamp') return { status: 404, body: { message: 'not found' } }
    const request = body as { artifactHash?: string; hashAlgorithm?: string }
    const imprint = Buffer.from(request.artifactHash ?? '', 'base64')
    if (request.hashAlgorithm !== 'sha256' || imprint.length !== 32)
      return { status: 400, body: { message: 'a sha256 artifactHash is required' } }
    const tstInfo = sequence(
      integer(1),
      oid(TEST_POLICY),
      sequence(algorithm(SHA256), octetString(imprint)),
      integer(++serial),
      generalizedTime(options.clock()),
    )
    const attributes = [
      attribute(CONTENT_TYPE_ATTR, oid(TST_INFO)),
      attribute(MESSAGE_DIGEST_ATTR, octetString(createHash('sha256').update(tstInfo).digest())),
    ].sort(Buffer.compare)
    // The signature covers the attributes encoded as a SET; the SignerInfo carries them as [0] IMPLICIT.
    const signature = sign('sha256', tlv(0x31, ...attributes), { key: privateKey, dsaEncoding: 'der' })
    const signerInfo = sequence(
      integer(1),
      sequence(sequence(parsed.issuer), integer(parsed.serialNumber)),
      algorithm(SHA256),
      tlv(0xa0, ...attributes),
      algorithm(ECDSA_SHA256),
      octetString(signature),
    )
    const signedData = sequence(
      integer(3),
      setOf(algorithm(SHA256)),
      sequence(oid(TST_INFO), explicit(0, octetString(tstInfo))),
      tlv(0xa0, certDer),
      setOf(signerInfo),
    )
    const response = sequence(sequence(integer(0)), sequence(oid(SIGNED_DATA), explicit(0, signedData)))
    return { status: 200, body: new Uint8Array(response) }
  })
  return { ...server, certDer }
}
