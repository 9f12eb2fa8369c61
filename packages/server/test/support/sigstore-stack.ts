import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose'
import { loadSigstoreTrust, type SigstoreRoot, type SigstoreThresholds } from '../../src/services/sigstore/trust.js'
import { type FulcioOptions, startFulcio } from './fulcio.js'
import { type RekorOptions, startRekor } from './rekor.js'
import { createTestCa, type TestCa } from './sigstore-ca.js'
import { trustedRoot, writeTrustFile } from './trusted-root.js'
import { startTsa } from './tsa.js'

/**
 * The whole keyless path on loopback (EVIDENCE.md §13.3, §13.4): a test CA behind a loopback Fulcio, our log behind a
 * loopback Rekor, tokens minted with jose for a GitHub-shaped issuer, and trust files pinning TrustedRoots built from
 * these parts. `fulcio` and `rekor` are the live options of the servers: tests change them to misbehave.
 */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

export const githubClaims = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'repo:acme/payments:environment:production',
  repository: 'acme/payments',
  repository_id: '123456',
  repository_owner: 'acme',
  repository_owner_id: '4242',
  ref: 'refs/heads/main',
  sha: '4f2d0c8e9b7a6d5c4b3a29180706f5e4d3c2b1a0',
  workflow_ref: 'acme/payments/.github/workflows/ci.yml@refs/heads/main',
  job_workflow_ref: 'acme/payments/.github/workflows/ci.yml@refs/heads/main',
  event_name: 'push',
  runner_environment: 'github-hosted',
  repository_visibility: 'private',
  environment: 'production',
  run_id: '9876543210',
  run_attempt: '1',
  ...overrides,
})

export interface RootOptions {
  cas?: TestCa[]
  issuers?: string[]
  thresholds?: Partial<SigstoreThresholds>
  /** Whether the root lists the loopback TSA (default yes). */
  tsa?: boolean
  sha256?: string
}

export interface SigstoreStack {
  ca: TestCa
  fulcioUrl: string
  rekorUrl: string
  tsaUrl: string
  fulcio: FulcioOptions
  rekor: RekorOptions
  /** Signs a token for `issuer` (default GitHub's) with audience `sigstore`, issued at the Fulcio clock. */
  mintToken(claims?: Record<string, unknown>, issuer?: string): Promise<string>
  /** Writes a trust file (`WARRANT_SIGSTORE_TRUST`) pinning a TrustedRoot built for this stack; returns its path. */
  trustFile(options?: RootOptions): string
  /** Loads trust roots the way the server does, from a trust file written for this stack. */
  roots(options?: RootOptions): SigstoreRoot[]
  close(): Promise<void>
}

export async function startSigstoreStack(clock: () => Date, issuers = [GITHUB_ISSUER]): Promise<SigstoreStack> {
  const ca = await createTestCa(clock())
  const keys = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' }
  const fulcio: FulcioOptions = { ca, clock, issuers: Object.fromEntries(issuers.map((i) => [i, { keys: [jwk] }])) }
  const rekor: RekorOptions = { clock }
  const fulcioServer = await startFulcio(fulcio)
  const rekorServer = await startRekor(rekor)
  const tsaServer = await startTsa({ ca, clock })
  const stack: SigstoreStack = {
    ca,
    fulcioUrl: fulcioServer.url,
    rekorUrl: rekorServer.url,
    tsaUrl: tsaServer.url,
    fulcio,
    rekor,
    async mintToken(claims = githubClaims(), issuer = GITHUB_ISSUER) {
      const iat = Math.floor(clock().getTime() / 1000)
      return new SignJWT(claims as JWTPayload)
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience('sigstore')
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + 300)
        .setJti(randomUUID())
        .sign(keys.privateKey)
    },
    trustFile(options = {}) {
      const root = trustedRoot({
        cas: (options.cas ?? [ca]).map((c) => ({ chain: c.chainDer(), start: c.root.notBefore })),
        tlogs: [{ baseUrl: rekorServer.url, publicKey: rekorServer.publicKey }],
        tsas: options.tsa === false ? [] : [{ chain: [tsaServer.certDer, ...ca.chainDer()], start: ca.root.notBefore }],
        start: ca.root.notBefore,
      })
      return writeTrustFile([
        {
          name: 'loopback',
          root,
          issuers: options.issuers ?? issuers,
          thresholds: { tlog: 1, ctlog: 0, timestamp: 1, ...options.thresholds },
          ...(options.sha256 !== undefined ? { sha256: options.sha256 } : {}),
        },
      ])
    },
    roots(options = {}) {
      return loadSigstoreTrust(stack.trustFile(options))
    },
    async close() {
      await Promise.all([fulcioServer.close(), rekorServer.close(), tsaServer.close()])
    },
  }
  return stack
}
