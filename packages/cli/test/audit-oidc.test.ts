import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Backend,
  Client,
  createKey,
  freshBackend,
  type Running,
  setupOwner,
  start,
} from '../../server/test/helpers.js'
import { requestPackage } from '../../server/test/support/audit-packages.js'
import { type LocalIssuer, startOidcIssuer } from '../../server/test/support/oidc-issuer.js'
import { cli } from './helpers.js'

const REPO = 'acme/payments-api'
const AUDIENCE = 'https://warrant.test'

/** `warrant audit` over raw-token runs: R2 recomputes their receipts, R7 re-checks the token offline, I1 pins them. */
describe('warrant audit of OIDC token runs', () => {
  let backend: Backend
  let running: Running
  let issuer: LocalIssuer
  let pkg: any
  let pins: any
  const dir = mkdtempSync(join(tmpdir(), 'warrant-audit-oidc-'))

  const audit = async (pkgValue: unknown, pinsValue: unknown = pins) => {
    const p = join(dir, `pkg-${Math.random().toString(36).slice(2)}.json`)
    const q = join(dir, `pins-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(p, JSON.stringify(pkgValue))
    writeFileSync(q, JSON.stringify(pinsValue))
    const r = await cli(dir, ['audit', p, '--pins', q, '--json'])
    return JSON.parse(r.stdout)
  }
  const status = (report: any, id: string) => report.checks.filter((c: any) => c.id === id).map((c: any) => c.status)

  beforeAll(async () => {
    backend = await freshBackend('pglite')
    running = await start(backend, { allowLoopbackIssuers: true, attestationAudience: AUDIENCE })
    const setup = await setupOwner(running.url)
    const { owner, workspaceId } = setup
    issuer = await startOidcIssuer({ audience: AUDIENCE })
    const trusted = await owner.patch(`/api/workspaces/${workspaceId}/security`, {
      trusted_issuers: [
        {
          issuer: 'https://token.actions.githubusercontent.com',
          label: 'GitHub',
          enabled: true,
          repository_claims: [],
        },
        { issuer: 'https://gitlab.com', label: 'GitLab', enabled: true, repository_claims: [] },
        { issuer: issuer.url, label: 'Local', enabled: true, repository_claims: ['repository', 'repository_id'] },
      ],
      required_claims: [{ issuer: issuer.url, claim: 'repository_id', values: ['123456789'] }],
    })
    expect(trusted.status).toBe(200)
    const verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    const imported = await verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'OIDC audit' },
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
    const modelId = imported.body.model.id
    const assertions = (await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)).body
      .assertions
    const submitted = await verifier.post(
      `/api/models/${modelId}/verification/results`,
      {
        pipeline: { provider: 'github_actions', run_id: '1', commit_sha: 'a'.repeat(40), repo: REPO },
        verifier: { name: 'warrant', version: '0.1.0' },
        results: assertions.map((a: any) => ({
          assertion_id: a.id,
          assertion_digest: a.digest,
          tier: 1,
          result: 'pass',
          details: 'found',
        })),
      },
      { 'x-ci-attestation': await issuer.mintToken(issuer.githubClaims()) },
    )
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201)
    // In scope for I1, which looks at the runs behind implemented controls.
    const implemented = await verifier.put(`/api/models/${modelId}/controls/CTRL-01/implementation`, {
      status: 'implemented',
    })
    expect(implemented.status).toBe(200)
    const { record, download } = await requestPackage(owner, modelId)
    expect(record.body.state, JSON.stringify(record.body)).toBe('ready')
    pkg = download.body
    const keys = (await owner.get('/api/keys')).body
    pins = {
      format: 'warrant.pins/v1',
      instance_keys: keys.instance_keys.filter((k: any) => k.status === 'active').map((k: any) => k.fingerprint),
      log: { origin: keys.log_keys[0].name, vkeys: [keys.log_keys[0].vkey] },
      workspace_id: workspaceId,
      model_ids: [modelId],
      ci_identities: [{ issuer: issuer.url, claims: { repository_id: '123456789' } }],
    }
  }, 120_000)

  afterAll(async () => {
    await issuer?.close()
    await running?.close()
    await backend?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('exports the token, its JWK and jwks_uri, and verifies them offline', async () => {
    const material = pkg.sections.runs[0].attestation.material
    expect(material.oidc).toMatchObject({
      jwk: { kty: 'RSA', alg: 'RS256' },
      jwks_uri: `${issuer.url}/.well-known/jwks`,
    })
    const report = await audit(pkg)
    for (const id of ['R1', 'R2', 'R7', 'I1']) expect(status(report, id), id).toEqual(['pass'])
  })

  it('R7: a token whose signature no longer verifies, or a key outside the pinned JWK Set', async () => {
    const forged = structuredClone(pkg)
    const token: string = forged.sections.runs[0].attestation.material.oidc.token
    const [h, c, s] = token.split('.')
    const claims = JSON.parse(Buffer.from(c!, 'base64url').toString())
    forged.sections.runs[0].attestation.material.oidc.token = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'x' })).toString('base64url')}.${s}`
    expect(status(await audit(forged), 'R7')).toEqual(['fail'])
    const otherKeys = { keys: [{ ...pkg.sections.runs[0].attestation.material.oidc.jwk, n: 'AQAB', kid: 'other' }] }
    const pinned = await audit(pkg, { ...pins, oidc_issuer_keys: [{ issuer: issuer.url, jwks: otherKeys }] })
    expect(pinned.checks.find((c: any) => c.id === 'R7').message).toContain('not in the pinned JWK Set')
  })

  it('--init-pins proposes the raw-token caller by issuer and subject, which then passes I1', async () => {
    writeFileSync(join(dir, 'init.json'), JSON.stringify(pkg))
    const r = await cli(dir, ['audit', '--init-pins', 'init.json'])
    expect(r.code).toBe(0)
    const skeleton = JSON.parse(r.stdout)
    expect(skeleton.ci_identities).toEqual([{ issuer: issuer.url, subject: pkg.sections.runs[0].attestation.subject }])
    expect(skeleton.sigstore_trusted_roots).toBeUndefined()
    expect(status(await audit(pkg, { ...pins, ci_identities: skeleton.ci_identities }), 'I1')).toEqual(['pass'])
  })

  it('I1: a raw-token run whose identity the pins do not name', async () => {
    const report = await audit(pkg, { ...pins, ci_identities: [{ issuer: issuer.url, subject: 'repo:acme/other' }] })
    expect(status(report, 'I1')).toEqual(['fail'])
  })
})
