import { createPublicKey, verify, webcrypto } from 'node:crypto'
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose'
import { serveJson } from './loopback.js'
import { githubExtensions, type TestCa } from './sigstore-ca.js'

/**
 * A loopback Fulcio (EVIDENCE.md §13.3): `POST /api/v2/signingCert` verifies the OIDC token with jose against the
 * issuers' JWK Sets, checks the proof of possession (the token's subject signed with the requested key), and answers
 * with a 10-minute leaf from the test CA whose Fulcio extensions come from the GitHub-shaped claims.
 */
export interface FulcioOptions {
  ca: TestCa
  /** Accepted issuers and their JWK Sets; a token from any other issuer is refused. */
  issuers: Record<string, JSONWebKeySet>
  clock: () => Date
  audience?: string
  /** Lets a test change what goes into the next leaf (wrong EKU, missing extension, legacy issuer). */
  tamper?: (leaf: { eku?: string; extensions: Record<number, string>; legacyIssuer?: string }) => void
}

interface SigningCertRequest {
  credentials?: { oidcIdentityToken?: string }
  publicKeyRequest?: { publicKey?: { algorithm?: string; content?: string }; proofOfPossession?: string }
}

export async function startFulcio(options: FulcioOptions) {
  return serveJson(async (path, raw) => {
    if (path !== '/api/v2/signingCert') return { status: 404, body: { message: 'not found' } }
    const request = raw as SigningCertRequest
    const token = request.credentials?.oidcIdentityToken ?? ''
    const iss = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}').iss
    const jwks = typeof iss === 'string' ? options.issuers[iss] : undefined
    if (!jwks) return { status: 401, body: { message: 'untrusted issuer' } }
    const { payload: claims } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: iss,
      audience: options.audience ?? 'sigstore',
      currentDate: options.clock(),
    }).catch(() => ({ payload: undefined }))
    if (!claims) return { status: 401, body: { message: 'invalid identity token' } }
    const pem = request.publicKeyRequest?.publicKey?.content ?? ''
    const pop = Buffer.from(request.publicKeyRequest?.proofOfPossession ?? '', 'base64')
    const subject = String(claims.email ?? claims.sub ?? '')
    if (!verify('sha256', Buffer.from(subject), createPublicKey(pem), pop))
      return { status: 400, body: { message: 'proof of possession failed' } }
    const leaf: { eku?: string; extensions: Record<number, string>; legacyIssuer?: string } = {
      extensions: githubExtensions(claims),
    }
    options.tamper?.(leaf)
    const der = createPublicKey(pem).export({ type: 'spki', format: 'der' })
    const publicKey = await webcrypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'verify',
    ])
    const cert = await options.ca.issueLeaf({
      publicKey,
      san: `https://github.com/${String(claims.job_workflow_ref)}`,
      notBefore: options.clock(),
      ...leaf,
    })
    const chain = [cert, options.ca.intermediate, options.ca.root].map((c) => c.toString('pem'))
    return { status: 201, body: { signedCertificateEmbeddedSct: { chain: { certificates: chain } } } }
  })
}
