import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'
import { utf8String } from './der.js'

/**
 * A local CA standing in for Fulcio (EVIDENCE.md §13.3): a root and an intermediate built with @peculiar/x509, and
 * 10-minute leaves with an empty subject, one critical SAN URI, key usage digitalSignature, extended key usage
 * codeSigning and the Fulcio extensions (OID arc 1.3.6.1.4.1.57264.1) as DER UTF8String values.
 */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
export const FULCIO_ARC = '1.3.6.1.4.1.57264.1'
const LEAF_MINUTES = 10

export interface LeafRequest {
  publicKey: webcrypto.CryptoKey
  san: string
  /** Fulcio extensions by the last arc number (`8` → 1.3.6.1.4.1.57264.1.8), written as DER UTF8String. */
  extensions: Record<number, string>
  /** The legacy issuer extension `.1` (raw bytes, no DER wrapping), for certificates older than `.8`. */
  legacyIssuer?: string
  /** Extended key usage; codeSigning unless a test asks otherwise. */
  eku?: string
  notBefore: Date
}

export interface TestCa {
  root: x509.X509Certificate
  intermediate: x509.X509Certificate
  /** DER certificates for a TrustedRoot's `certChain`: intermediate first, then the root. */
  chainDer(): Buffer[]
  issueLeaf(request: LeafRequest): Promise<x509.X509Certificate>
  /** A timestamping certificate (EKU timeStamping, critical) valid as long as the CA. */
  issueTsaCert(publicKey: webcrypto.CryptoKey): Promise<x509.X509Certificate>
}

const keyPair = () => webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>

export async function createTestCa(now: Date, name = 'warrant-test'): Promise<TestCa> {
  const notBefore = new Date(now.getTime() - 24 * 3600_000)
  const notAfter = new Date(now.getTime() + 365 * 24 * 3600_000)
  const rootKeys = await keyPair()
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name} root, O=warrant-test`,
    keys: rootKeys,
    notBefore,
    notAfter,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  })
  const intermediateKeys = await keyPair()
  const intermediate = await x509.X509CertificateGenerator.create({
    subject: `CN=${name} intermediate, O=warrant-test`,
    issuer: root.subject,
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
      await x509.SubjectKeyIdentifierExtension.create(intermediateKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  })
  return {
    root,
    intermediate,
    chainDer: () => [intermediate, root].map((c) => Buffer.from(c.rawData)),
    async issueLeaf(request) {
      const extensions: x509.Extension[] = [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([request.eku ?? x509.ExtendedKeyUsage.codeSigning]),
        await x509.SubjectKeyIdentifierExtension.create(request.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(intermediateKeys.publicKey),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: request.san }], true),
      ]
      if (request.legacyIssuer !== undefined)
        extensions.push(new x509.Extension(`${FULCIO_ARC}.1`, false, Buffer.from(request.legacyIssuer, 'utf8')))
      for (const [arc, value] of Object.entries(request.extensions))
        extensions.push(new x509.Extension(`${FULCIO_ARC}.${arc}`, false, utf8String(value)))
      return x509.X509CertificateGenerator.create({
        subject: '',
        issuer: intermediate.subject,
        publicKey: request.publicKey,
        signingKey: intermediateKeys.privateKey,
        notBefore: request.notBefore,
        notAfter: new Date(request.notBefore.getTime() + LEAF_MINUTES * 60_000),
        signingAlgorithm: EC,
        extensions,
      })
    },
    async issueTsaCert(publicKey) {
      return x509.X509CertificateGenerator.create({
        subject: `CN=${name} timestamping, O=warrant-test`,
        issuer: intermediate.subject,
        publicKey,
        signingKey: intermediateKeys.privateKey,
        notBefore,
        notAfter,
        signingAlgorithm: EC,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
          await x509.AuthorityKeyIdentifierExtension.create(intermediateKeys.publicKey),
        ],
      })
    },
  }
}

/** The Fulcio extensions Fulcio derives from a GitHub Actions token (by last arc number). */
export function githubExtensions(claims: Record<string, unknown>): Record<number, string> {
  const s = (name: string) => (typeof claims[name] === 'string' ? (claims[name] as string) : undefined)
  const gh = (path: string | undefined) => (path === undefined ? undefined : `https://github.com/${path}`)
  const repository = s('repository')
  const entries: [number, string | undefined][] = [
    [8, s('iss')],
    [9, gh(s('job_workflow_ref'))],
    [10, s('job_workflow_sha')],
    [11, s('runner_environment')],
    [12, gh(repository)],
    [13, s('sha')],
    [14, s('ref')],
    [15, s('repository_id')],
    [16, gh(s('repository_owner'))],
    [17, s('repository_owner_id')],
    [18, gh(s('workflow_ref'))],
    [19, s('workflow_sha')],
    [20, s('event_name')],
    [
      21,
      repository && s('run_id')
        ? `https://github.com/${repository}/actions/runs/${s('run_id')}/attempts/${s('run_attempt') ?? '1'}`
        : undefined,
    ],
    [22, s('repository_visibility')],
    [23, s('environment')],
    [24, s('sub')],
  ]
  return Object.fromEntries(entries.filter((e): e is [number, string] => e[1] !== undefined))
}
