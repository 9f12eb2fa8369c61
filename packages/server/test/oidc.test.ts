import {
  buildResultsStatement,
  fingerprint,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  publicKeyPem,
  signEnvelope,
  statementPayload,
} from '@warrant/core'
import { exportSPKI, generateKeyPair as joseKeyPair, SignJWT } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../src/server.js'
import { BACKENDS, type Backend, Client, createKey, freshBackend, setupOwner, testConfig } from './helpers.js'
import { type LocalIssuer, startOidcIssuer } from './support/oidc-issuer.js'

const REPO = 'acme/payments-api'
const AUDIENCE = 'https://warrant.test'
const HOUR = 3_600_000
const GH_CLAIMS = ['repository', 'repository_id']
const NO_RATE_LIMITS = { results: 1e5, submit: 1e5, write: 1e5, read: 1e5, public: 1e5, login: 1e5 }

/** Raw OIDC tokens (EVIDENCE.md §6.7) against a local issuer (§13.2): every required case names its check. */
describe.each(BACKENDS)('raw OIDC token attestation on %s', (kind) => {
  let backend: Backend
  let close: () => Promise<void>
  let owner: Client
  let verifier: Client
  let workspaceId: string
  let modelId: string
  let assertions: any[]
  let clock = Date.now()
  const issuers: LocalIssuer[] = []
  let runNo = 0

  beforeAll(async () => {
    backend = await freshBackend(kind)
    const server = await createServer(
      testConfig(backend, { allowLoopbackIssuers: true, attestationAudience: AUDIENCE, rateLimits: NO_RATE_LIMITS }),
      { attestation: { now: () => new Date(clock) } },
    )
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 })
    close = () => server.close()
    ;({ owner, workspaceId } = await setupOwner(url))
    verifier = new Client(url, await createKey(owner, workspaceId, 'verifier'))
    const imported = await verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'OIDC' },
      controls: [
        {
          id: 'CTRL-01',
          title: 'Docs',
          description: 'The security policy exists.',
          objective_ids: [],
          assertions: [{ type: 'file_exists', params: { file: 'SECURITY.md' }, description: 'policy', repo: REPO }],
        },
      ],
    })
    modelId = imported.body.model.id
    assertions = (await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)).body.assertions
  }, 60_000)

  afterEach(() => {
    clock = Date.now()
  })

  afterAll(async () => {
    await Promise.all(issuers.map((i) => i.close()))
    await close?.()
    await backend?.drop()
  })

  /** A fresh issuer (own caches on the server), trusted by the workspace with these required claims. */
  const trusted = async (
    required: { claim: string; values: string[] }[] = [{ claim: 'repository_id', values: ['123456789'] }],
    extra: Record<string, unknown> = {},
  ) => {
    const issuer = await startOidcIssuer({ audience: AUDIENCE })
    issuers.push(issuer)
    const res = await owner.patch(`/api/workspaces/${workspaceId}/security`, {
      trusted_issuers: [
        {
          issuer: 'https://token.actions.githubusercontent.com',
          label: 'GitHub',
          enabled: true,
          repository_claims: [],
        },
        { issuer: 'https://gitlab.com', label: 'GitLab', enabled: true, repository_claims: [] },
        { issuer: issuer.url, label: 'Local', enabled: true, repository_claims: GH_CLAIMS },
      ],
      required_claims: required.map((r) => ({ issuer: issuer.url, ...r })),
      ...extra,
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return issuer
  }
  const body = (repo: string | undefined = REPO) => ({
    pipeline: {
      provider: 'github_actions',
      run_id: `run-${++runNo}`,
      commit_sha: 'a'.repeat(40),
      ...(repo ? { repo } : {}),
    },
    verifier: { name: 'warrant', version: '0.1.0' },
    results: assertions.map((a) => ({
      assertion_id: a.id,
      assertion_digest: a.digest,
      tier: 1,
      result: 'pass',
      details: 'found',
    })),
  })
  const submit = (token: string, payload: unknown = body()) =>
    verifier.post(`/api/models/${modelId}/verification/results`, payload, { 'x-ci-attestation': token })
  const expectCheck = async (token: string, check: string, payload?: unknown) => {
    const res = await submit(token, payload)
    expect([res.status, res.body.error?.code, res.body.error?.details?.check], JSON.stringify(res.body)).toEqual([
      422,
      'attestation_invalid',
      check,
    ])
    return res
  }
  const runCount = async () => (await verifier.get(`/api/models/${modelId}/verification/runs`)).body.items.length

  it('accepts a valid GitHub-shaped token, pinned, and records only allow-listed claims', async () => {
    const issuer = await trusted()
    const token = await issuer.mintToken(issuer.githubClaims({ secret_claim: 'x' }))
    const res = await submit(token)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.attestation).toMatchObject({
      method: 'oidc_token',
      binding: 'provenance',
      identity: 'pinned',
      satisfies_requirement: true,
      issuer: issuer.url,
      subject: 'repo:acme/payments-api:environment:attestation',
      claims: { repository: REPO, repository_id: '123456789', environment: 'attestation' },
    })
    expect(res.body.attestation.claims.secret_claim).toBeUndefined()
    expect(res.body.attestation.token_digest).toMatch(/^sha256:/)
    const subjects = JSON.parse(Buffer.from(res.body.receipt.payload, 'base64').toString()).subject
    expect(subjects.map((s: any) => s.name)).toContain('warrant:attestation')
    // The token itself is kept for audit packages but never shown.
    const run = await verifier.get(`/api/models/${modelId}/verification/runs/${res.body.run_id}`)
    expect(JSON.stringify(run.body)).not.toContain(token)
  })

  it('publishes the attestation audience', async () => {
    expect((await verifier.get('/api/verification/config')).body.attestation_audience).toBe(AUDIENCE)
  })

  it('accepts a GitLab-shaped ES256 token', async () => {
    const issuer = await startOidcIssuer({ audience: AUDIENCE })
    issuers.push(issuer)
    const res = await owner.patch(`/api/workspaces/${workspaceId}/security`, {
      trusted_issuers: [
        {
          issuer: 'https://token.actions.githubusercontent.com',
          label: 'GitHub',
          enabled: true,
          repository_claims: [],
        },
        { issuer: 'https://gitlab.com', label: 'GitLab', enabled: true, repository_claims: [] },
        {
          issuer: issuer.url,
          label: 'GitLab self-managed',
          enabled: true,
          repository_claims: ['project_path', 'project_id'],
        },
      ],
      required_claims: [
        { issuer: issuer.url, claim: 'project_id', values: ['4711'] },
        { issuer: issuer.url, claim: 'ref_protected', values: ['true'] },
      ],
    })
    expect(res.status).toBe(200)
    const ok = await submit(await issuer.mintToken(issuer.gitlabClaims(), { alg: 'ES256' }))
    expect(ok.status, JSON.stringify(ok.body)).toBe(201)
    expect(ok.body.attestation).toMatchObject({
      identity: 'pinned',
      claims: { project_path: REPO, ref_protected: 'true' },
    })
  })

  it('token_signature: expired', async () => {
    const issuer = await trusted()
    await expectCheck(
      await issuer.mintToken(issuer.githubClaims(), { now: new Date(clock - 10 * 60_000), lifetime: 300 }),
      'token_signature',
    )
  })

  it('token_signature: nbf in the future', async () => {
    const issuer = await trusted()
    const res = await expectCheck(
      await issuer.mintToken(issuer.githubClaims({ nbf: Math.floor(clock / 1000) + 600 })),
      'token_signature',
    )
    expect(res.body.error.details.claim).toBe('nbf')
  })

  it('token_time: iat older than an hour', async () => {
    const issuer = await trusted()
    await expectCheck(
      await issuer.mintToken(issuer.githubClaims(), { now: new Date(clock - 2 * HOUR), lifetime: (3 * HOUR) / 1000 }),
      'token_time',
    )
  })

  it('token_time: lifetime over an hour', async () => {
    const issuer = await trusted()
    await expectCheck(await issuer.mintToken(issuer.githubClaims(), { lifetime: 3601 }), 'token_time')
  })

  it('issuer_not_trusted: an issuer the workspace does not trust, and iss with a trailing slash', async () => {
    const issuer = await trusted()
    const stranger = await startOidcIssuer({ audience: AUDIENCE })
    issuers.push(stranger)
    await expectCheck(await stranger.mintToken(stranger.githubClaims()), 'issuer_not_trusted')
    await expectCheck(await issuer.mintToken(issuer.githubClaims({ iss: `${issuer.url}/` })), 'issuer_not_trusted')
    // Nothing was fetched for an untrusted issuer.
    expect(stranger.hits).toEqual({ discovery: 0, jwks: 0 })
  })

  it('issuer_discovery: the discovery document names another issuer', async () => {
    const issuer = await trusted()
    issuer.discoveryIssuer = `${issuer.url}/`
    await expectCheck(await issuer.mintToken(issuer.githubClaims()), 'issuer_discovery')
  })

  it('token_signature: wrong aud', async () => {
    const issuer = await trusted()
    const res = await expectCheck(await issuer.mintToken(issuer.githubClaims({ aud: 'sigstore' })), 'token_signature')
    expect(res.body.error.details.claim).toBe('aud')
  })

  it('token_key_unknown: an unknown kid is refetched once and accepted after rotation; a second within the minute is not fetched', async () => {
    const issuer = await trusted()
    expect((await submit(await issuer.mintToken(issuer.githubClaims()))).status).toBe(201)
    expect(issuer.hits.jwks).toBe(1)
    await issuer.rotate()
    const rotated = await submit(await issuer.mintToken(issuer.githubClaims()))
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201)
    expect(issuer.hits.jwks).toBe(2)
    await expectCheck(
      await issuer.mintToken(issuer.githubClaims(), { kid: await issuer.unpublishedKid() }),
      'token_key_unknown',
    )
    expect(issuer.hits.jwks).toBe(2)
    // A minute later the next unknown kid may refresh the set again.
    clock += 61_000
    await expectCheck(
      await issuer.mintToken(issuer.githubClaims(), { kid: await issuer.unpublishedKid(), now: new Date(clock) }),
      'token_key_unknown',
    )
    expect(issuer.hits.jwks).toBe(3)
  })

  it('token_key_unknown: a stale JWKS that still lacks the rotated key', async () => {
    const issuer = await trusted()
    expect((await submit(await issuer.mintToken(issuer.githubClaims()))).status).toBe(201)
    issuer.stale = true
    await issuer.rotate()
    await expectCheck(await issuer.mintToken(issuer.githubClaims()), 'token_key_unknown')
  })

  it('token_format: alg none and HS256 signed with the public key as the secret', async () => {
    const issuer = await trusted()
    const claims = {
      ...issuer.githubClaims(),
      iss: issuer.url,
      aud: AUDIENCE,
      iat: Math.floor(clock / 1000),
      exp: Math.floor(clock / 1000) + 300,
      jti: 'j'.repeat(20),
    }
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
    await expectCheck(`${b64({ alg: 'none', kid: 'k' })}.${b64(claims)}.`, 'token_format')
    const { publicKey } = await joseKeyPair('RS256', { extractable: true })
    const secret = new TextEncoder().encode(await exportSPKI(publicKey))
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k' }).sign(secret)
    await expectCheck(hs, 'token_format')
    await expectCheck('not.a.jwt', 'token_format')
  })

  it('token_signature: missing jti', async () => {
    const issuer = await trusted()
    const res = await expectCheck(await issuer.mintToken(issuer.githubClaims(), { omit: ['jti'] }), 'token_signature')
    expect(res.body.error.details.claim).toBe('jti')
  })

  it('409 token_replayed: a jti used twice; the rejected request consumed nothing', async () => {
    const issuer = await trusted()
    const token = await issuer.mintToken(issuer.githubClaims())
    // A request rejected later (repo mismatch) does not consume the jti.
    const mismatch = await submit(token, body('acme/other'))
    expect(mismatch.body.error.code).toBe('repo_identity_mismatch')
    expect((await submit(token)).status).toBe(201)
    const again = await submit(token)
    expect([again.status, again.body.error.code]).toEqual([409, 'token_replayed'])
  })

  it('claims_mismatch: each required claim that does not hold', async () => {
    const issuer = await trusted([
      { claim: 'repository_id', values: ['123456789'] },
      { claim: 'environment', values: ['attestation'] },
      { claim: 'ref', values: ['refs/heads/main'] },
    ])
    for (const [claim, value] of [
      ['repository_id', '987'],
      ['environment', 'Attestation'],
      ['ref', 'refs/heads/feature'],
      ['ref', undefined],
    ] as const) {
      const claims = issuer.githubClaims({ [claim]: value })
      if (value === undefined) delete claims[claim]
      const res = await expectCheck(await issuer.mintToken(claims), 'claims_mismatch')
      expect(res.body.error.details.claim).toBe(claim)
      expect(JSON.stringify(res.body)).not.toContain('refs/heads/main')
    }
    // Repository claims compare case-insensitively.
    const upper = await submit(await issuer.mintToken(issuer.githubClaims({ repository: 'ACME/Payments-API' })))
    expect(upper.status, JSON.stringify(upper.body)).toBe(201)
  })

  it('unpinned: accepted and recorded while attestation is optional, 403 when it is required', async () => {
    const issuer = await trusted([{ claim: 'ref', values: ['refs/heads/main'] }])
    const ok = await submit(await issuer.mintToken(issuer.githubClaims()))
    expect(ok.status).toBe(201)
    expect(ok.body.attestation).toMatchObject({
      method: 'oidc_token',
      identity: 'unpinned',
      satisfies_requirement: false,
    })
    const on = await owner.patch(`/api/workspaces/${workspaceId}/security`, { require_attestation: true })
    expect(on.status).toBe(200)
    try {
      const before = await runCount()
      const refused = await submit(await issuer.mintToken(issuer.githubClaims()))
      expect([refused.status, refused.body.error.code]).toEqual([403, 'attestation_identity_unpinned'])
      expect(await runCount()).toBe(before)
    } finally {
      await owner.patch(`/api/workspaces/${workspaceId}/security`, { require_attestation: false })
    }
  })

  it('issuer_unreachable: JWKS down with a cached set is accepted, and rejected past the 24 h grace', async () => {
    const issuer = await trusted()
    expect((await submit(await issuer.mintToken(issuer.githubClaims()))).status).toBe(201)
    issuer.jwks = 'down'
    clock += 11 * 60_000
    const cached = await submit(await issuer.mintToken(issuer.githubClaims(), { now: new Date(clock) }))
    expect(cached.status, JSON.stringify(cached.body)).toBe(201)
    issuer.jwks = 'broken'
    clock += 23 * HOUR
    const stillCached = await submit(await issuer.mintToken(issuer.githubClaims(), { now: new Date(clock) }))
    expect(stillCached.status, JSON.stringify(stillCached.body)).toBe(201)
    issuer.jwks = 'down'
    clock += HOUR
    await expectCheck(await issuer.mintToken(issuer.githubClaims(), { now: new Date(clock) }), 'issuer_unreachable')
  })

  it('issuer_unreachable: the discovery document past its 24 h grace', async () => {
    const issuer = await trusted()
    expect((await submit(await issuer.mintToken(issuer.githubClaims()))).status).toBe(201)
    issuer.discovery = 'down'
    clock += 2 * HOUR
    expect((await submit(await issuer.mintToken(issuer.githubClaims(), { now: new Date(clock) }))).status).toBe(201)
    clock += 23 * HOUR
    await expectCheck(await issuer.mintToken(issuer.githubClaims(), { now: new Date(clock) }), 'issuer_unreachable')
  })

  it('repo_identity_mismatch: the body names another repo; an absent repo is filled from the token', async () => {
    const issuer = await trusted()
    const before = await runCount()
    const res = await submit(await issuer.mintToken(issuer.githubClaims()), body('acme/other'))
    expect([res.status, res.body.error.code]).toEqual([422, 'repo_identity_mismatch'])
    expect(await runCount()).toBe(before)
    const filled = await submit(await issuer.mintToken(issuer.githubClaims()), body(undefined))
    expect([filled.status, filled.body.repo]).toEqual([201, REPO])
  })

  it('a token next to a workspace bundle is verified and stored as extra_oidc; a bad one rejects the bundle', async () => {
    const issuer = await trusted()
    const key = generateKeyPair('ecdsa-p256')
    const up = await owner.post(`/api/workspaces/${workspaceId}/signing-keys`, {
      public_key_pem: publicKeyPem(key.publicKey),
      label: 'CI',
    })
    expect(up.status).toBe(201)
    const bundled = () => {
      const b = body()
      const statement = buildResultsStatement({
        workspace_id: workspaceId,
        model_id: modelId,
        repo: REPO,
        pipeline: b.pipeline,
        verifier: b.verifier,
        results: b.results,
        created_at: new Date().toISOString(),
      })
      const dsseEnvelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, statementPayload(statement), key.privateKey)
      return {
        ...b,
        bundle: {
          mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
          verificationMaterial: { publicKey: { hint: fingerprint(key.publicKey) } },
          dsseEnvelope,
        },
      }
    }
    const res = await submit(await issuer.mintToken(issuer.githubClaims()), bundled())
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.attestation).toMatchObject({
      method: 'workspace_bundle',
      identity: 'key',
      extra_oidc: { method: 'oidc_token', identity: 'pinned', issuer: issuer.url },
    })
    const subjects = JSON.parse(Buffer.from(res.body.receipt.payload, 'base64').toString()).subject
    expect(subjects.map((s: any) => s.name)).toContain('warrant:oidc-token')
    await expectCheck(await issuer.mintToken(issuer.githubClaims({ aud: 'other' })), 'token_signature', bundled())
  })

  it('POST …/security/test-token reports the checks without consuming the jti', async () => {
    const issuer = await trusted()
    const token = await issuer.mintToken(issuer.gitlabClaims({ repository_id: '123456789' }))
    const dry = await owner.post(`/api/workspaces/${workspaceId}/security/test-token`, { token })
    expect(dry.status).toBe(200)
    expect(dry.body).toMatchObject({ valid: true, issuer: issuer.url, identity: 'pinned', failures: [] })
    expect(dry.body.claims.ref).toBe('main')
    const bad = await owner.post(`/api/workspaces/${workspaceId}/security/test-token`, {
      token: await issuer.mintToken(issuer.githubClaims({ repository_id: '1' })),
    })
    expect(bad.body).toMatchObject({ valid: false, identity: null, failures: [{ check: 'claims_mismatch' }] })
    expect((await submit(token)).status).toBe(201)
  })
})
