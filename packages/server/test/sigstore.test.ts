import { generateKeyPair as generateNodeKeyPair } from 'node:crypto'
import { buildResultsStatement, IN_TOTO_PAYLOAD_TYPE, statementPayload } from '@warrant/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sigstoreBundle } from '../../cli/src/attest-sigstore.js'
import { BUILTIN_ISSUERS, checkIdentity, type IdentityPolicy } from '../../core/src/evidence/identity.js'
import { SigstoreTrustError } from '../src/services/sigstore/trust.js'
import { type SigstoreOutcome, verifySigstoreBundle } from '../src/services/sigstore/verify.js'
import { createTestCa } from './support/sigstore-ca.js'
import { GITHUB_ISSUER, githubClaims, type SigstoreStack, startSigstoreStack } from './support/sigstore-stack.js'

/** EVIDENCE.md §6.4 with the loopback Fulcio and Rekor of §13.3 and §13.4; every rejection names its check. */

const T0 = new Date('2026-03-04T10:15:30.000Z')
let now = T0
const clock = () => now
let stack: SigstoreStack

const payload = statementPayload(
  buildResultsStatement({
    workspace_id: 'ws_1',
    model_id: 'mdl_1',
    repo: 'acme/payments',
    pipeline: {
      provider: 'github_actions',
      commit_sha: '4f2d0c8e9b7a6d5c4b3a29180706f5e4d3c2b1a0',
      repo: 'acme/payments',
    },
    verifier: { name: 'warrant', version: '1.0.0' },
    results: [{ tier: 1 }],
    created_at: T0.toISOString(),
  }),
)

const workspaceIssuers = BUILTIN_ISSUERS.map((i) => ({ ...i }))

async function sign(
  claims = githubClaims(),
  issuer = GITHUB_ISSUER,
  witnesses: { rekorUrl?: string; tsaUrl?: string } = { rekorUrl: stack.rekorUrl },
): Promise<Record<string, any>> {
  const token = await stack.mintToken(claims, issuer)
  const bundle = await sigstoreBundle(payload, async () => token, { fulcioUrl: stack.fulcioUrl, ...witnesses })
  // As it travels: JSON text, parsed on the server.
  return JSON.parse(JSON.stringify(bundle))
}

const verify = (bundle: unknown, options: Partial<Parameters<typeof verifySigstoreBundle>[1]> = {}) =>
  verifySigstoreBundle(bundle, { roots: stack.roots(), workspaceIssuers, now, maxAgeMinutes: 60, ...options })

function expectFailure(outcome: SigstoreOutcome, check: string, reason?: string) {
  expect(outcome.ok ? 'accepted' : outcome.check).toBe(check)
  if (reason !== undefined && !outcome.ok) expect(outcome.details.reason).toBe(reason)
}

beforeAll(async () => {
  stack = await startSigstoreStack(clock, [GITHUB_ISSUER, 'https://ci.example.test'])
})
afterAll(() => stack.close())
afterEach(() => {
  now = T0
  delete stack.fulcio.tamper
  delete stack.rekor.checkpointKey
  delete stack.rekor.setOverOtherBody
})

describe('keyless bundles signed with @sigstore/sign against loopback Fulcio and Rekor', () => {
  it('verifies and returns the claim view, SAN, issuer, signing time and the verified payload', async () => {
    const bundle = await sign()
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json')
    now = new Date(T0.getTime() + 5 * 60_000)
    const outcome = verify(bundle)
    if (!outcome.ok) throw new Error(`${outcome.check}: ${outcome.message} ${JSON.stringify(outcome.details)}`)
    const v = outcome.bundle
    expect(v.issuer).toBe(GITHUB_ISSUER)
    expect(v.san).toBe('https://github.com/acme/payments/.github/workflows/ci.yml@refs/heads/main')
    expect(v.subject).toBe('repo:acme/payments:environment:production')
    expect(v.signing_time).toBe(T0.toISOString())
    expect(v.root).toBe('loopback')
    expect(v.bundle_digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(v.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE)
    expect(Buffer.from(v.payload).equals(Buffer.from(payload))).toBe(true)
    expect(v.claims).toEqual({
      iss: GITHUB_ISSUER,
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
    })
  })

  it('verifies the v0.2 form, whose certificate travels as x509CertificateChain', async () => {
    const { verificationMaterial, ...rest } = await sign()
    const { certificate, ...material } = verificationMaterial
    const v02 = {
      ...rest,
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2',
      verificationMaterial: { ...material, x509CertificateChain: { certificates: [certificate] } },
    }
    const outcome = verify(v02)
    expect(outcome.ok ? outcome.bundle.issuer : outcome.check).toBe(GITHUB_ISSUER)
    expectFailure(verify({ ...v02, mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }), 'bundle_schema')
  })

  it('reads the legacy raw issuer extension (.1) when .8 is absent', async () => {
    stack.fulcio.tamper = (leaf) => {
      delete leaf.extensions[8]
      leaf.legacyIssuer = GITHUB_ISSUER
    }
    const outcome = verify(await sign())
    expect(outcome.ok && outcome.bundle.claims.iss).toBe(GITHUB_ISSUER)
  })

  it('uses GitLab claim names for an issuer whose repository claims are GitLab’s', async () => {
    const issuers = [
      { issuer: 'https://ci.example.test', enabled: true, repository_claims: ['project_path', 'project_id'] },
    ]
    const bundle = await sign(githubClaims(), 'https://ci.example.test')
    const outcome = verify(bundle, {
      workspaceIssuers: issuers,
      roots: stack.roots({ issuers: ['https://ci.example.test'] }),
    })
    if (!outcome.ok) throw new Error(outcome.check)
    expect(outcome.bundle.claims).toMatchObject({
      project_path: 'acme/payments',
      project_id: '123456',
      namespace_path: 'acme',
      ci_config_ref_uri: 'github.com/acme/payments/.github/workflows/ci.yml@refs/heads/main',
      pipeline_source: 'push',
    })
    expect(outcome.bundle.claims.repository).toBeUndefined()
  })
})

describe('the TSA path (tlog: 0, timestamp: 1)', () => {
  const tsaOnly = () => sign(githubClaims(), GITHUB_ISSUER, { tsaUrl: stack.tsaUrl })

  it('verifies a bundle witnessed by a timestamp authority alone; the TSA time is the signing time', async () => {
    const bundle = await tsaOnly()
    expect(bundle.verificationMaterial.tlogEntries ?? []).toEqual([])
    expect(bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1)
    const outcome = verify(bundle, { roots: stack.roots({ thresholds: { tlog: 0 } }) })
    if (!outcome.ok) throw new Error(`${outcome.check}: ${outcome.message}`)
    expect(outcome.bundle.signing_time).toBe(T0.toISOString())
  })

  it('a timestamp from an authority the root does not list → sigstore_verify TIMESTAMP_ERROR', async () => {
    const roots = stack.roots({ thresholds: { tlog: 0 }, tsa: false })
    expectFailure(verify(await tsaOnly(), { roots }), 'sigstore_verify', 'TIMESTAMP_ERROR')
  })

  it('no log entry where the root requires one (tlog: 1) → sigstore_verify TLOG_ERROR', async () => {
    expectFailure(verify(await tsaOnly()), 'sigstore_verify', 'TLOG_ERROR')
  })
})

describe('identity policy on the claim view (§6.2, check 6)', () => {
  const policy = (over: Partial<IdentityPolicy> = {}): IdentityPolicy => ({
    trusted_issuers: workspaceIssuers,
    required_claims: [{ issuer: GITHUB_ISSUER, claim: 'repository_id', values: ['123456'] }],
    sigstore_san_patterns: [],
    ...over,
  })
  const sanMatches = (pattern: string, san: string) => new RegExp(`^(?:${pattern})$`).test(san)
  const identityOf = async (p: IdentityPolicy) => {
    const outcome = verify(await sign())
    if (!outcome.ok) throw new Error(outcome.check)
    return checkIdentity(p, outcome.bundle.claims, { san: outcome.bundle.san, sanMatches })
  }

  it('pins the identity when the certificate carries the required repository claim', async () => {
    const identity = await identityOf(
      policy({ sigstore_san_patterns: [{ issuer: GITHUB_ISSUER, pattern: 'https://github\\.com/acme/payments/.*' }] }),
    )
    expect(identity).toMatchObject({ ok: true, identity: 'pinned', repository: 'acme/payments' })
  })

  it('SAN not matching a pattern → san_mismatch', async () => {
    const identity = await identityOf(
      policy({ sigstore_san_patterns: [{ issuer: GITHUB_ISSUER, pattern: 'https://github\\.com/acme/other/.*' }] }),
    )
    expect(identity.ok ? 'accepted' : identity.check).toBe('san_mismatch')
  })

  it('an extension value other than the pinned claim → claims_mismatch', async () => {
    stack.fulcio.tamper = (leaf) => {
      leaf.extensions[15] = '999999'
    }
    const identity = await identityOf(policy())
    expect(identity.ok ? 'accepted' : identity.check).toBe('claims_mismatch')
  })
})

describe('rejections, each naming its check (§6.4, §13.3, §13.4)', () => {
  it('v0.1 bundle → bundle_version', async () => {
    const bundle = await sign()
    expectFailure(
      verify({ ...bundle, mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1' }),
      'bundle_version',
    )
  })

  it('messageSignature bundle → bundle_content', async () => {
    const { dsseEnvelope: _, ...rest } = await sign()
    const messageSignature = { messageDigest: { algorithm: 'SHA2_256', digest: 'AAAA' }, signature: 'AAAA' }
    expectFailure(verify({ ...rest, messageSignature }), 'bundle_content')
  })

  it('two DSSE signatures → bundle_content', async () => {
    const bundle = await sign()
    const sig = bundle.dsseEnvelope.signatures[0]
    expectFailure(
      verify({ ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, signatures: [sig, sig] } }),
      'bundle_content',
    )
  })

  it('a certificate that does not parse → bundle_schema', async () => {
    const bundle = await sign()
    bundle.verificationMaterial.certificate.rawBytes = Buffer.from('not a certificate').toString('base64')
    expectFailure(verify(bundle), 'bundle_schema')
  })

  it('no configured root → sigstore_not_configured', async () => {
    expectFailure(verify(await sign(), { roots: [] }), 'sigstore_not_configured')
  })

  it('issuer not trusted by the workspace → issuer_not_trusted', async () => {
    const bundle = await sign()
    const disabled = workspaceIssuers.map((i) => ({ ...i, enabled: i.issuer !== GITHUB_ISSUER }))
    expectFailure(verify(bundle, { workspaceIssuers: disabled }), 'issuer_not_trusted')
  })

  it('issuer trusted by the workspace but by no root → issuer_not_trusted', async () => {
    const bundle = await sign()
    expectFailure(verify(bundle, { roots: stack.roots({ issuers: ['https://gitlab.com'] }) }), 'issuer_not_trusted')
  })

  it('chain to an untrusted root → sigstore_verify CERTIFICATE_ERROR', async () => {
    const other = await createTestCa(T0, 'other')
    expectFailure(
      verify(await sign(), { roots: stack.roots({ cas: [other] }) }),
      'sigstore_verify',
      'CERTIFICATE_ERROR',
    )
  })

  it('leaf expired at the signing time → sigstore_verify CERTIFICATE_ERROR', async () => {
    const rekorSkew = 11 * 60_000
    stack.rekor.clock = () => new Date(now.getTime() + rekorSkew)
    try {
      const bundle = await sign()
      now = new Date(T0.getTime() + rekorSkew)
      expectFailure(verify(bundle), 'sigstore_verify', 'CERTIFICATE_ERROR')
    } finally {
      stack.rekor.clock = clock
    }
  })

  it('wrong extended key usage → sigstore_verify CERTIFICATE_USAGE_ERROR', async () => {
    stack.fulcio.tamper = (leaf) => {
      leaf.eku = '1.3.6.1.5.5.7.3.1'
    }
    expectFailure(verify(await sign()), 'sigstore_verify', 'CERTIFICATE_USAGE_ERROR')
  })

  it('no SCT while the root requires one (ctlog: 1) → sigstore_verify CERTIFICATE_ERROR', async () => {
    expectFailure(
      verify(await sign(), { roots: stack.roots({ thresholds: { ctlog: 1 } }) }),
      'sigstore_verify',
      'CERTIFICATE_ERROR',
    )
  })

  it('tampered payload (log body mismatch) → sigstore_verify TLOG_BODY_ERROR', async () => {
    const bundle = await sign()
    const other = Buffer.from(payload).toString('utf8').replace('"results_count":1', '"results_count":2')
    bundle.dsseEnvelope.payload = Buffer.from(other).toString('base64')
    expectFailure(verify(bundle), 'sigstore_verify', 'TLOG_BODY_ERROR')
  })

  it('signed entry timestamp over different bytes → sigstore_verify TLOG_INCLUSION_PROMISE_ERROR', async () => {
    stack.rekor.setOverOtherBody = true
    expectFailure(verify(await sign()), 'sigstore_verify', 'TLOG_INCLUSION_PROMISE_ERROR')
  })

  it('inclusion proof against a checkpoint signed by another key → sigstore_verify TLOG_INCLUSION_PROOF_ERROR', async () => {
    stack.rekor.checkpointKey = await new Promise((resolve, reject) =>
      generateNodeKeyPair('ec', { namedCurve: 'P-256' }, (e, _pub, key) => (e ? reject(e) : resolve(key))),
    )
    expectFailure(verify(await sign()), 'sigstore_verify', 'TLOG_INCLUSION_PROOF_ERROR')
  })

  it('signing time outside attestation_max_age_minutes → signing_time', async () => {
    const bundle = await sign()
    now = new Date(T0.getTime() + 61 * 60_000)
    expectFailure(verify(bundle, { maxAgeMinutes: 60 }), 'signing_time')
  })

  it('signing time more than 60 s in the future → signing_time', async () => {
    const bundle = await sign()
    now = new Date(T0.getTime() - 2 * 60_000)
    expectFailure(verify(bundle), 'signing_time')
  })
})

describe('WARRANT_SIGSTORE_TRUST (§6.4 trust roots per deployment)', () => {
  it('a TrustedRoot whose SHA-256 differs from the pin refuses start-up', () => {
    expect(() => stack.roots({ sha256: '0'.repeat(64) })).toThrow(SigstoreTrustError)
    expect(() => stack.roots({ sha256: '0'.repeat(64) })).toThrow(/SHA-256/)
  })

  it('a timestamp threshold of 0 is refused (the chain is checked at verified timestamps)', () => {
    expect(() => stack.roots({ thresholds: { timestamp: 0 } })).toThrow(/thresholds.timestamp/)
  })

  it('loads the root with its name, pin, issuers and thresholds', () => {
    const [root] = stack.roots()
    expect(root).toMatchObject({
      name: 'loopback',
      issuers: [GITHUB_ISSUER, 'https://ci.example.test'],
      thresholds: { tlog: 1, ctlog: 0, timestamp: 1 },
    })
    expect(root!.sha256).toMatch(/^[0-9a-f]{64}$/)
  })
})
