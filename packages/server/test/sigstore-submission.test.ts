import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { statementOf } from '../../cli/src/attest.js'
import { sigstoreBundle } from '../../cli/src/attest-sigstore.js'
import { createServer } from '../src/server.js'
import { type Backend, Client, createKey, freshBackend, setupOwner, testConfig } from './helpers.js'
import { GITHUB_ISSUER, githubClaims, type SigstoreStack, startSigstoreStack } from './support/sigstore-stack.js'

/**
 * A keyless submission over REST (EVIDENCE.md §6.1, §6.4): the server verifies a bundle made with the CLI's
 * `sigstoreBundle` over the CLI's statement against its configured trust roots, with the clock injected; every
 * refusal has its exact status, code and check.
 */

const T0 = new Date('2026-03-04T10:15:30.000Z')
let now = T0
const clock = () => now
const REPO = 'acme/payments'
const SAN = 'https://github.com/acme/payments/.github/workflows/ci.yml@refs/heads/main'
const NO_RATE_LIMITS = { results: 1e5, submit: 1e5, write: 1e5, read: 1e5, public: 1e5, login: 1e5 }
const PINNED = { required_claims: [{ issuer: GITHUB_ISSUER, claim: 'repository_id', values: ['123456'] }] }

let stack: SigstoreStack
const backends: Backend[] = []
const closers: (() => Promise<void>)[] = []
let owner: Client
let workspaceId: string
let verifier: Client
let modelId: string
let assertions: { id: string; digest: string }[]
let unconfigured: { verifier: Client; modelId: string; workspaceId: string }
let runNo = 0

/** A platform on loopback with this trust file (or none), a workspace, a verifier key and a one-assertion model. */
async function platform(sigstoreTrust: string | undefined) {
  const backend = await freshBackend('pglite')
  backends.push(backend)
  const server = await createServer(testConfig(backend, { sigstoreTrust, rateLimits: NO_RATE_LIMITS }), {
    attestation: { now: clock },
  })
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 })
  closers.push(() => server.close())
  const setup = await setupOwner(url)
  const key = new Client(url, await createKey(setup.owner, setup.workspaceId, 'verifier'))
  const imported = await key.post('/api/models/import', {
    format: 'warrant.model/v1',
    model: { title: 'Keyless' },
    controls: [
      {
        id: 'CTRL-01',
        title: 'Policy',
        description: 'The security policy exists.',
        objective_ids: [],
        assertions: [{ type: 'file_exists', params: { file: 'SECURITY.md' }, description: 'policy' }],
      },
    ],
  })
  const model = imported.body.model.id as string
  const pulled = (await key.get(`/api/models/${model}/verification/assertions?repo=${REPO}`)).body.assertions
  return { ...setup, verifier: key, modelId: model, assertions: pulled }
}

const body = (result = 'pass', repo = REPO) => ({
  pipeline: { provider: 'github_actions', run_id: `run-${++runNo}`, commit_sha: 'a'.repeat(40), repo },
  verifier: { name: 'warrant', version: '0.1.0' },
  results: assertions.map((a) => ({ assertion_id: a.id, assertion_digest: a.digest, tier: 1, result, details: 'd' })),
})

/** The body with a keyless bundle over the statement of `signedOver` (default: the body itself). */
async function keyless(
  b: ReturnType<typeof body>,
  opts: { signedOver?: ReturnType<typeof body>; ws?: string; model?: string } = {},
) {
  const payload = statementOf(opts.signedOver ?? b, opts.ws ?? workspaceId, opts.model ?? modelId, now)
  const token = await stack.mintToken(githubClaims())
  const bundle = await sigstoreBundle(payload, async () => token, {
    fulcioUrl: stack.fulcioUrl,
    rekorUrl: stack.rekorUrl,
  })
  return JSON.parse(JSON.stringify({ ...b, bundle }))
}

const submit = (signed: unknown, client = verifier, model = modelId) =>
  client.post(`/api/models/${model}/verification/results`, signed)
const security = async (patch: Record<string, unknown>) => {
  const res = await owner.patch(`/api/workspaces/${workspaceId}/security`, patch)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
}
const expectCheck = (res: { status: number; body: any }, check: string) =>
  expect([res.status, res.body.error?.code, res.body.error?.details?.check], JSON.stringify(res.body)).toEqual([
    422,
    'attestation_invalid',
    check,
  ])

beforeAll(async () => {
  stack = await startSigstoreStack(clock)
  ;({ owner, workspaceId, verifier, modelId, assertions } = await platform(stack.trustFile()))
  unconfigured = await platform(undefined)
  await security(PINNED)
}, 60_000)

afterEach(async () => {
  now = T0
  await security({ require_attestation: false, sigstore_san_patterns: [], ...PINNED })
})

afterAll(async () => {
  for (const close of closers) await close()
  for (const b of backends) await b.drop()
  await stack?.close()
})

describe('keyless submission over REST', () => {
  it('accepts a bundle over the run’s statement: sigstore, payload-bound, pinned by repository_id', async () => {
    const signed = await keyless(body())
    now = new Date(T0.getTime() + 2 * 60_000)
    const res = await submit(signed)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.attestation).toMatchObject({
      method: 'sigstore',
      binding: 'payload',
      identity: 'pinned',
      satisfies_requirement: true,
      issuer: GITHUB_ISSUER,
      san: SAN,
      subject: 'repo:acme/payments:environment:production',
      signing_time: T0.toISOString(),
      claims: { repository: REPO, repository_id: '123456', ref: 'refs/heads/main', environment: 'production' },
    })
    expect(res.body.attestation.statement_digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(res.body.attestation.bundle_digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('refuses every keyless bundle without a configured trust root: sigstore_not_configured', async () => {
    const signed = await keyless(body(), { ws: unconfigured.workspaceId, model: unconfigured.modelId })
    expectCheck(await submit(signed, unconfigured.verifier, unconfigured.modelId), 'sigstore_not_configured')
  })

  it('refuses a replayed bundle with 409: its statement names the pipeline run, which was already accepted', async () => {
    const signed = await keyless(body())
    expect((await submit(signed)).status).toBe(201)
    // The statement binds pipeline.run_id, so the same bundle can only come back with the same run: the duplicate-run
    // check answers before the statement-digest replay store (attestation_replayed) would.
    const again = await submit(signed)
    expect([again.status, again.body.error.code]).toEqual([409, 'run_already_submitted'])
    // Moved to another run id, the bundle no longer matches the body.
    expectCheck(await submit({ ...signed, pipeline: { ...signed.pipeline, run_id: 'elsewhere' } }), 'statement')
  })

  it('refuses a bundle signed longer ago than attestation_max_age_minutes: signing_time', async () => {
    const signed = await keyless(body())
    now = new Date(T0.getTime() + 61 * 60_000)
    expectCheck(await submit(signed), 'signing_time')
  })

  it('refuses a statement over other results: check statement', async () => {
    const sent = body('pass')
    const signed = await keyless(sent, { signedOver: { ...sent, results: body('fail').results } })
    expectCheck(await submit(signed), 'statement')
  })

  it('refuses an unpinned issuer while attestation is required: 403 attestation_identity_unpinned', async () => {
    await security({ require_attestation: true, required_claims: [] })
    const res = await submit(await keyless(body()))
    expect([res.status, res.body.error.code]).toEqual([403, 'attestation_identity_unpinned'])
    // The same bundle is accepted, unpinned, once attestation is no longer required.
    await security({ require_attestation: false, required_claims: [] })
    const accepted = await submit(await keyless(body()))
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201)
    expect(accepted.body.attestation).toMatchObject({ identity: 'unpinned', satisfies_requirement: false })
  })

  it('refuses a certificate naming another repository than the body: repo_identity_mismatch', async () => {
    const res = await submit(await keyless(body('pass', 'acme/other')))
    expect([res.status, res.body.error.code]).toEqual([422, 'repo_identity_mismatch'])
  })

  it('refuses a SAN that matches none of the issuer’s patterns: san_mismatch', async () => {
    await security({
      sigstore_san_patterns: [
        { issuer: GITHUB_ISSUER, pattern: 'https://github\\.com/acme/payments/\\.github/workflows/release\\.yml@.*' },
      ],
    })
    expectCheck(await submit(await keyless(body())), 'san_mismatch')
    await security({
      sigstore_san_patterns: [
        { issuer: GITHUB_ISSUER, pattern: 'https://github\\.com/acme/payments/\\.github/workflows/ci\\.yml@.*' },
      ],
    })
    expect((await submit(await keyless(body()))).status).toBe(201)
  })
})
