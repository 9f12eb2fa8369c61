import { type KeyObject, sign } from 'node:crypto'
import { fingerprint, generateKeyPair, publicKeyPem, signBytes } from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mintWorkspaceJwt } from '../../cli/src/commands/sign-jwt.js'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'

const REPO = 'acme/payments-api'
const AUDIENCE = 'https://warrant.test'
const NO_RATE_LIMITS = { results: 1e5, submit: 1e5, write: 1e5, read: 1e5, public: 1e5, login: 1e5 }

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

/** A compact JWS with any header and claims, signed ES256 (r ‖ s) unless told otherwise. */
function jws(
  key: KeyObject,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signature: 'jws' | 'der' = 'jws',
): string {
  const input = `${b64(header)}.${b64(claims)}`
  const sig =
    signature === 'der'
      ? signBytes(key, Buffer.from(input))
      : sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  return `${input}.${Buffer.from(sig).toString('base64url')}`
}

/** Workspace ES256 JWT authentication (EVIDENCE.md §6.3): the ten checks, in order, and the replay rule (§6.8). */
describe.each(BACKENDS)('workspace JWT on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let workspaceId: string
  let modelId: string
  let assertions: any[]
  let key = generateKeyPair('ecdsa-p256')
  let runNo = 0

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend, { attestationAudience: AUDIENCE, rateLimits: NO_RATE_LIMITS })
    ;({ owner, workspaceId } = await setupOwner(running.url))
    const verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    const imported = await verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'JWT' },
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

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  const now = () => Math.floor(Date.now() / 1000)
  const claims = (extra: Record<string, unknown> = {}) => ({
    sub: workspaceId,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + 300,
    jti: `jti-${Math.random().toString(36).slice(2)}-${Date.now()}`,
    ...extra,
  })
  const header = (extra: Record<string, unknown> = {}) => ({ alg: 'ES256', typ: 'JWT', ...extra })
  const body = () => ({
    pipeline: { provider: 'github_actions', run_id: `jwt-${++runNo}`, commit_sha: 'a'.repeat(40), repo: REPO },
    verifier: { name: 'warrant', version: '0.1.0' },
    results: assertions.map((a) => ({
      assertion_id: a.id,
      assertion_digest: a.digest,
      tier: 1,
      result: 'pass',
      details: 'found',
    })),
  })
  const submit = (token: string, headers: Record<string, string> = {}, payload: unknown = body()) =>
    new Client(running.url, token).post(`/api/models/${modelId}/verification/results`, payload, headers)
  const expectCheck = async (token: string, check: string) => {
    const res = await submit(token)
    expect([res.status, res.body.error?.code, res.body.error?.details?.check], JSON.stringify(res.body)).toEqual([
      401,
      'jwt_invalid',
      check,
    ])
  }
  const upload = async (pair: { publicKey: KeyObject }) => {
    const res = await owner.post(`/api/workspaces/${workspaceId}/signing-keys`, {
      public_key_pem: publicKeyPem(pair.publicKey),
      label: 'CI',
    })
    expect(res.status).toBe(201)
  }

  it('jwt_no_active_key before a key is uploaded', async () => {
    await expectCheck(jws(key.privateKey, header(), claims()), 'jwt_no_active_key')
  })

  it('accepts a JWT minted by warrant sign jwt and records the workspace key as submitter', async () => {
    await upload(key)
    const token = mintWorkspaceJwt(key.privateKey, { workspace: workspaceId, audience: AUDIENCE, now: new Date() })
    const res = await submit(token)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const run = await owner.get(`/api/models/${modelId}/verification/runs/${res.body.run_id}`)
    expect(run.body.submitted_by).toEqual({ kind: 'workspace_key', id: fingerprint(key.publicKey) })
  })

  it('409 jwt_replayed: a jti used twice; an idempotent retry is answered from the store', async () => {
    const token = jws(key.privateKey, header(), claims())
    const payload = body()
    const first = await submit(token, { 'idempotency-key': 'jwt-retry-1' }, payload)
    expect(first.status).toBe(201)
    const retry = await submit(token, { 'idempotency-key': 'jwt-retry-1' }, payload)
    expect(retry.status, JSON.stringify(retry.body)).toBe(201)
    expect(retry.body.run_id).toBe(first.body.run_id)
    const again = await submit(token)
    expect([again.status, again.body.error.code]).toEqual([409, 'jwt_replayed'])
  })

  it('jwt_format: not three base64url segments, or not JSON objects', async () => {
    await expectCheck('a.b.c$', 'jwt_format')
    await expectCheck(`${b64('[1]')}.${b64(claims())}.AAAA`, 'jwt_format')
    await expectCheck(`${b64('{"alg":"ES256","alg":"none"}')}.${b64(claims())}.AAAA`, 'jwt_format')
  })

  it('jwt_alg: alg none, HS256 with the public key as the secret, crit, another typ', async () => {
    await expectCheck(`${b64({ alg: 'none' })}.${b64(claims())}.`, 'jwt_alg')
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims())}`
    const { createHmac } = await import('node:crypto')
    const mac = createHmac('sha256', publicKeyPem(key.publicKey)).update(input).digest('base64url')
    await expectCheck(`${input}.${mac}`, 'jwt_alg')
    await expectCheck(jws(key.privateKey, header({ crit: ['exp'] }), claims()), 'jwt_alg')
    await expectCheck(jws(key.privateKey, header({ typ: 'at+jwt' }), claims()), 'jwt_alg')
  })

  it('jwt_workspace: an unknown workspace', async () => {
    await expectCheck(jws(key.privateKey, header(), claims({ sub: 'ws_01J8Z3V9YQ4K2M7N5P6R8S0T1W' })), 'jwt_workspace')
  })

  it('jwt_kid: a kid that is not the active key', async () => {
    await expectCheck(jws(key.privateKey, header({ kid: 'f'.repeat(64) }), claims()), 'jwt_kid')
  })

  it('jwt_signature: another key, and a DER signature presented as the JWS signature', async () => {
    await expectCheck(jws(generateKeyPair('ecdsa-p256').privateKey, header(), claims()), 'jwt_signature')
    await expectCheck(jws(key.privateKey, header(), claims(), 'der'), 'jwt_signature')
  })

  it('jwt_audience: wrong aud; an array containing the audience is accepted', async () => {
    await expectCheck(jws(key.privateKey, header(), claims({ aud: 'https://other.test' })), 'jwt_audience')
    expect((await submit(jws(key.privateKey, header(), claims({ aud: ['x', AUDIENCE] })))).status).toBe(201)
  })

  it('jwt_time: expired, issued in the future, nbf in the future', async () => {
    await expectCheck(jws(key.privateKey, header(), claims({ iat: now() - 400, exp: now() - 100 })), 'jwt_time')
    await expectCheck(jws(key.privateKey, header(), claims({ iat: now() + 120, exp: now() + 300 })), 'jwt_time')
    await expectCheck(jws(key.privateKey, header(), claims({ nbf: now() + 120 })), 'jwt_time')
  })

  it('jwt_lifetime: more than 300 s', async () => {
    await expectCheck(jws(key.privateKey, header(), claims({ exp: now() + 301 })), 'jwt_lifetime')
  })

  it('jwt_jti: missing or too short', async () => {
    await expectCheck(jws(key.privateKey, header(), claims({ jti: 'short' })), 'jwt_jti')
    const { jti: _, ...without } = claims()
    await expectCheck(jws(key.privateKey, header(), without), 'jwt_jti')
  })

  it('authenticates only results submission', async () => {
    const caller = new Client(running.url, jws(key.privateKey, header(), claims()))
    for (const res of [
      await caller.get(`/api/models/${modelId}`),
      await caller.get('/api/workspaces'),
      await caller.get(`/api/workspaces/${workspaceId}/security`),
      await caller.get('/api/models'),
      await caller.get('/api/version'),
      await caller.get(`/api/models/${modelId}/verification/assertions`),
      await caller.post('/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    ])
      expect([res.status, res.body.error?.code]).toEqual([403, 'forbidden'])
  })

  it('jwt_signature: a superseded key never authenticates; jwt_no_active_key once the active key is revoked', async () => {
    const old = key
    key = generateKeyPair('ecdsa-p256')
    await upload(key)
    await expectCheck(jws(old.privateKey, header(), claims()), 'jwt_signature')
    await expectCheck(jws(old.privateKey, header({ kid: fingerprint(old.publicKey) }), claims()), 'jwt_kid')
    const revoked = await owner.post(
      `/api/workspaces/${workspaceId}/signing-keys/${fingerprint(key.publicKey)}/revoke`,
      {
        reason: 'withdrawn',
      },
    )
    expect(revoked.status).toBe(200)
    await expectCheck(jws(key.privateKey, header(), claims()), 'jwt_no_active_key')
  })
})
