import { sign } from 'node:crypto'
import { generateKeyPair, publicKeyPem } from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jwtReplayDigest } from '../src/auth/workspace-jwt.js'
import { createServer } from '../src/server.js'
import { REPLAY_SWEEP_MS } from '../src/services/replay.js'
import {
  BACKENDS,
  type Backend,
  Client,
  createKey,
  freshBackend,
  type Running,
  setupOwner,
  testConfig,
} from './helpers.js'

const REPO = 'acme/payments-api'
const AUDIENCE = 'https://warrant.test'
const NO_RATE_LIMITS = { results: 1e5, submit: 1e5, write: 1e5, read: 1e5, public: 1e5, login: 1e5 }
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/**
 * The sweep of expired replay records (EVIDENCE.md §6.8), triggered by hand on the clock of the token checks: a `jti`
 * record past its `expires_at` is deleted, an unexpired one and the permanent statement and signature records are
 * kept, and a token whose record was deleted is still refused, by its own time check.
 */
describe.each(BACKENDS)('replay record sweep on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let workspaceId: string
  let modelId: string
  let assertions: any[]
  let sweep: (() => Promise<void>) | undefined
  let sweepMs: number | undefined
  const key = generateKeyPair('ecdsa-p256')
  /** The server's clock of token checks: real time plus an offset the tests move forward. */
  let offsetMs = 0
  const clock = () => new Date(Date.now() + offsetMs)
  let runNo = 0

  beforeAll(async () => {
    backend = await freshBackend(kind)
    const server = await createServer(
      testConfig(backend, { attestationAudience: AUDIENCE, rateLimits: NO_RATE_LIMITS }),
      {
        attestation: { now: clock },
        replaySweepEvery: (ms, task) => {
          sweepMs = ms
          sweep = task
          return () => {
            sweep = undefined
          }
        },
      },
    )
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 })
    running = { server, url, close: () => server.close() }
    ;({ owner, workspaceId } = await setupOwner(running.url))
    const verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    const imported = await verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'Replay' },
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
    const uploaded = await owner.post(`/api/workspaces/${workspaceId}/signing-keys`, {
      public_key_pem: publicKeyPem(key.publicKey),
      label: 'CI',
    })
    expect(uploaded.status).toBe(201)
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    expect(sweep).toBeUndefined()
    await backend?.drop()
  })

  const db = () => running.server.store.db
  const token = (iat: number, jti: string) => {
    const input = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ sub: workspaceId, aud: AUDIENCE, iat, exp: iat + 300, jti })}`
    const sig = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
    return `${input}.${sig.toString('base64url')}`
  }
  const submit = (jwt: string) =>
    new Client(running.url, jwt).post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'github_actions', run_id: `sweep-${++runNo}`, commit_sha: 'a'.repeat(40), repo: REPO },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: assertions.map((a) => ({
        assertion_id: a.id,
        assertion_digest: a.digest,
        tier: 1,
        result: 'pass',
        details: 'found',
      })),
    })
  const stored = async () =>
    (await db().selectFrom('replay_records').select(['kind', 'value_digest', 'expires_at']).execute())
      .map((r) => `${r.kind} ${r.value_digest} ${r.expires_at}`)
      .sort()

  it('deletes only expired jti records; a deleted jti whose token expired is still refused', async () => {
    expect(sweepMs).toBe(REPLAY_SWEEP_MS)
    const t0 = Math.floor(Date.now() / 1000)
    const jti = `sweep-jti-${t0}-expiring`
    const first = token(t0, jti)
    const accepted = await submit(first)
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201)
    const used = `jwt_jti ${jwtReplayDigest(workspaceId, jti)} ${new Date((t0 + 360) * 1000).toISOString()}`
    // The other kinds, as ingest writes them: an OIDC jti kept longer, and the permanent statement and signature.
    const later = new Date((t0 + 3600) * 1000).toISOString()
    const others = [
      { kind: 'oidc_jti', value_digest: `sha256:${'1'.repeat(64)}`, expires_at: later },
      { kind: 'statement', value_digest: `sha256:${'2'.repeat(64)}`, expires_at: null },
      { kind: 'signature', value_digest: `sha256:${'3'.repeat(64)}`, expires_at: null },
    ]
    await db()
      .insertInto('replay_records')
      .values(others.map((o) => ({ ...o, workspace_id: workspaceId })))
      .execute()
    const kept = others.map((o) => `${o.kind} ${o.value_digest} ${o.expires_at}`)
    expect(await stored()).toEqual([used, ...kept].sort())

    // 350 s on: the token still passes its own time check (exp + 60 s skew), so its record must stay.
    offsetMs = (t0 + 350) * 1000 - Date.now()
    await sweep!()
    expect(await stored()).toEqual([used, ...kept].sort())
    const replayed = await submit(first)
    expect([replayed.status, replayed.body.error?.code]).toEqual([409, 'jwt_replayed'])

    // 400 s on: the record is past its expires_at (exp + 60 s) and deleted; the rest is kept.
    offsetMs = (t0 + 400) * 1000 - Date.now()
    await sweep!()
    expect(await stored()).toEqual([...kept].sort())
    const expired = await submit(first)
    expect([expired.status, expired.body.error?.code, expired.body.error?.details?.check]).toEqual([
      401,
      'jwt_invalid',
      'jwt_time',
    ])
    // A refused request writes no record; a second sweep changes nothing.
    await sweep!()
    expect(await stored()).toEqual([...kept].sort())

    // Past the OIDC record's expires_at it goes too; the statement and signature records never do.
    offsetMs = (t0 + 3601) * 1000 - Date.now()
    await sweep!()
    expect(await stored()).toEqual(kept.slice(1).sort())
  })
})
