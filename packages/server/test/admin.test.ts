import {
  decodeBase64,
  digest,
  leafHash,
  parseVerifierKey,
  publicKeyFromPem,
  verifyCheckpoint,
  verifyConsistency,
  verifyEnvelope,
} from '@warrant/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../src/server.js'
import { checkLogIntegrity } from '../src/services/checkpoints.js'
import { masterKey } from '../src/services/instance-keys.js'
import { VERSION } from '../src/version.js'
import {
  BACKENDS,
  type Backend,
  Client,
  createKey,
  freshBackend,
  type Running,
  setupOwner,
  TEST_MASTER_KEY,
  testConfig,
} from './helpers.js'

const ORIGIN = '127.0.0.1:8080/log'
const hexBytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))

/**
 * Instance administration (PLATFORM.md §5.21): status, key rotation (EVIDENCE.md §8.2) with the retired keys still
 * published and verifiable across a restart, and the periodic integrity self-check (§9.7) triggered by hand.
 */
describe.each(BACKENDS)('instance administration on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let verifier: Client
  let anonymous: Client
  let modelId: string
  let workspaceId: string
  let assertions: any[]
  /** The self-check task the server scheduled, and its interval. */
  let selfCheck: (() => Promise<void>) | undefined
  let selfCheckMs: number | undefined

  /** Starts the platform; checkpoints are signed only at start-up and at close, so each test controls them. */
  const boot = async () => {
    const server = await createServer(testConfig(backend, { checkpointIntervalMs: 3_600_000 }), {
      selfCheckEvery: (ms, task) => {
        selfCheckMs = ms
        selfCheck = task
        return () => {
          selfCheck = undefined
        }
      },
    })
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 })
    running = { server, url, close: () => server.close() }
    // The same session and keys, on the new port.
    owner = Object.assign(new Client(url), { cookie: owner?.cookie, csrf: owner?.csrf })
    verifier = new Client(url, verifier?.key)
    anonymous = new Client(url)
  }
  const restart = async () => {
    await running.close()
    expect(selfCheck).toBeUndefined()
    await boot()
  }
  const submit = (runId: string) =>
    verifier.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'local', run_id: runId, commit_sha: 'a'.repeat(40) },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: assertions.map((a) => ({
        assertion_id: a.id,
        assertion_digest: a.digest,
        tier: 1,
        result: 'pass',
        details: 'pass',
      })),
    })
  const latestEvent = async () => {
    const note = (await anonymous.get('/api/log/checkpoints?limit=1')).body.items[0]
    const top = await running.server.store.db
      .selectFrom('log_leaves')
      .select('idx')
      .orderBy('idx', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()
    return { checkpoint: note, entry: (await owner.get(`/api/log/entries/${top.idx}`)).body }
  }

  beforeAll(async () => {
    backend = await freshBackend(kind)
    await boot()
    ;({ owner, workspaceId } = await setupOwner(running.url))
    verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    const imported = await verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'Administered' },
      controls: [
        {
          id: 'CTRL-01',
          title: 'Docs',
          description: 'The policy exists.',
          objective_ids: [],
          assertions: [{ type: 'file_exists', params: { file: 'SECURITY.md' }, description: 'policy' }],
        },
      ],
    })
    modelId = imported.body.model.id
    assertions = (await verifier.get(`/api/models/${modelId}/verification/assertions`)).body.assertions
    // A restart signs a checkpoint over everything so far.
    await restart()
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  it('reports the instance status to instance admins only, in the exact shape of §5.21', async () => {
    const checkpoint = (await anonymous.get('/api/log/checkpoints?limit=1')).body.items[0]
    const keys = (await anonymous.get('/api/keys')).body
    const status = await owner.get('/api/admin/status')
    expect(status.status).toBe(200)
    expect(status.body).toEqual({
      version: VERSION,
      database: { kind },
      ai_provider: { kind: 'none', model: null, host: null, reachable: null },
      sigstore_trust_roots: [],
      log: {
        origin: ORIGIN,
        tree_size: checkpoint.tree_size,
        last_checkpoint_at: checkpoint.created_at,
        integrity: 'ok',
      },
      instance_key_fingerprint: keys.instance_keys[0].fingerprint,
      master_key_id: masterKey({ value: TEST_MASTER_KEY }).id,
    })
    expect((await anonymous.get('/api/admin/status')).body.error.code).toBe('unauthenticated')
    expect((await verifier.get('/api/admin/instance-keys')).body.error.code).toBe('person_required')
    // The self-check is scheduled daily by default.
    expect(selfCheckMs).toBe(86_400_000)
  })

  it('rotates only on {confirm: true}; anything else is 422 and changes nothing', async () => {
    const before = (await owner.get('/api/admin/instance-keys')).body
    const refused: [unknown, string][] = [
      [{}, 'validation_failed'],
      [{ confirm: false }, 'validation_failed'],
      [{ confirm: 'true' }, 'validation_failed'],
      [{ confirm: true, extra: 1 }, 'unknown_field'],
    ]
    for (const [body, code] of refused) {
      for (const path of ['/api/admin/instance-keys/rotate', '/api/admin/log-keys/rotate']) {
        const res = await owner.post(path, body)
        expect([res.status, res.body.error.code]).toEqual([422, code])
      }
    }
    expect((await owner.get('/api/admin/instance-keys')).body).toEqual(before)
    expect(before.items).toHaveLength(1)
  })

  it('rotates the instance key: the old one stays published, retired, and the next receipt uses the new one', async () => {
    const [old] = (await owner.get('/api/admin/instance-keys')).body.items
    const rotated = await owner.post('/api/admin/instance-keys/rotate', { confirm: true })
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201)
    expect(rotated.body).toEqual({
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      public_key_pem: expect.stringContaining('BEGIN PUBLIC KEY'),
      status: 'active',
      created_at: expect.any(String),
      retired_at: null,
    })
    expect(rotated.body.fingerprint).not.toBe(old.fingerprint)
    const listed = (await owner.get('/api/admin/instance-keys')).body.items
    expect(listed).toEqual([rotated.body, { ...old, status: 'retired', retired_at: rotated.body.created_at }])

    // One transaction: the activation event is the newest entry, naming both keys.
    const { entry } = await latestEvent()
    expect(entry.record).toMatchObject({
      chain: '_instance',
      type: 'instance_key.activated',
      actor: { kind: 'user' },
      subject: { kind: 'instance_key', id: rotated.body.fingerprint },
      data: { fingerprint: rotated.body.fingerprint, previous_fingerprint: old.fingerprint },
    })
    const jwks = (await anonymous.get('/.well-known/jwks')).body.keys
    expect(jwks.map((k: any) => [k.kid, k.warrant_status, k.warrant_retired_at, k.warrant_log_index])).toEqual([
      [rotated.body.fingerprint, 'active', null, entry.index],
      [old.fingerprint, 'retired', rotated.body.created_at, expect.any(Number)],
    ])
    expect((await owner.get('/api/admin/status')).body.instance_key_fingerprint).toBe(rotated.body.fingerprint)

    const run = await submit('after-rotation')
    expect(run.status, JSON.stringify(run.body)).toBe(201)
    expect(run.body.receipt.signatures.map((s: any) => s.keyid)).toEqual([rotated.body.fingerprint])
    const type = 'application/vnd.in-toto+json'
    expect(verifyEnvelope(run.body.receipt, publicKeyFromPem(rotated.body.public_key_pem), type).ok).toBe(true)
    expect(verifyEnvelope(run.body.receipt, publicKeyFromPem(old.public_key_pem), type).ok).toBe(false)

    // A restart loads the new active key.
    await restart()
    const again = await submit('after-restart')
    expect(again.body.receipt.signatures.map((s: any) => s.keyid)).toEqual([rotated.body.fingerprint])
  })

  it('rotates the log key: the next checkpoint is signed by it and proved consistent with the retired key’s', async () => {
    const before = (await anonymous.get('/api/keys')).body.log_keys
    expect(before).toHaveLength(1)
    await submit('before-log-rotation')
    // Close signs a checkpoint with the old key over the new run.
    await restart()
    const first = (await anonymous.get('/api/log/checkpoints?limit=1')).body.items[0]
    const rotated = await owner.post('/api/admin/log-keys/rotate', { confirm: true })
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201)
    const oldVkey = parseVerifierKey(before[0].vkey)!
    const newVkey = parseVerifierKey(rotated.body.vkey)!
    expect(rotated.body).toEqual({
      name: ORIGIN,
      key_id: rotated.body.vkey.split('+')[1],
      vkey: expect.stringMatching(/^127\.0\.0\.1:8080\/log\+[0-9a-f]{8}\+/),
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      public_key_pem: expect.stringContaining('BEGIN PUBLIC KEY'),
      status: 'active',
      created_at: expect.any(String),
      retired_at: null,
    })
    expect(rotated.body.key_id).not.toBe(before[0].key_id)
    const { entry } = await latestEvent()
    expect(entry.record).toMatchObject({
      chain: '_instance',
      type: 'log_key.activated',
      subject: { kind: 'log_key', id: rotated.body.fingerprint },
      data: { key_id: rotated.body.key_id, vkey: rotated.body.vkey, previous_key_id: before[0].key_id },
    })
    // Close signs the next checkpoint, with the new key; the restart's self-check verifies it.
    await restart()
    const second = (await anonymous.get('/api/log/checkpoints?limit=1')).body.items[0]
    expect(second.tree_size).toBe(entry.index + 1)
    expect(verifyCheckpoint(second.note, [newVkey], ORIGIN).ok).toBe(true)
    expect(verifyCheckpoint(second.note, [oldVkey], ORIGIN).ok).toBe(false)
    expect(verifyCheckpoint(first.note, [oldVkey], ORIGIN).ok).toBe(true)
    const proof = (
      await anonymous.get(`/api/log/proof/consistency?first=${first.tree_size}&second=${second.tree_size}`)
    ).body
    expect(
      verifyConsistency(
        first.tree_size,
        second.tree_size,
        proof.hashes.map(hexBytes),
        decodeBase64(first.note.split('\n')[2])!,
        decodeBase64(second.note.split('\n')[2])!,
      ),
    ).toBe(true)
    const published = (await anonymous.get('/api/keys')).body.log_keys
    expect(published.map((k: any) => [k.key_id, k.vkey, k.status, k.retired_at])).toEqual([
      [rotated.body.key_id, rotated.body.vkey, 'active', null],
      [before[0].key_id, before[0].vkey, 'retired', rotated.body.created_at],
    ])
    expect((await owner.get('/api/health')).body.checks.log_integrity).toBe('ok')
  })

  it('re-walks the chains daily: a tampered link stops writes and shows in health and status', async () => {
    await submit('last-good')
    await selfCheck!()
    expect((await owner.get('/api/admin/status')).body.log.integrity).toBe('ok')
    // The newest workspace event is past the last checkpoint: only the chain walk can see it changed.
    const db = running.server.store.db
    const last = await db
      .selectFrom('log_leaves')
      .selectAll()
      .where('chain', '=', workspaceId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()
    const record = JSON.parse(Buffer.from(last.leaf).toString('utf8'))
    const forged = Buffer.from(JSON.stringify({ ...record, prev: digest('another past') }))
    await sql`alter table log_leaves disable trigger log_leaves_append_only`.execute(db)
    await sql`update log_leaves set leaf = ${forged}, leaf_hash = ${Buffer.from(leafHash(forged))} where idx = ${last.idx}`.execute(
      db,
    )
    await sql`alter table log_leaves enable trigger log_leaves_append_only`.execute(db)
    await expect(checkLogIntegrity(db, ORIGIN)).rejects.toThrow(
      `chain ${workspaceId}, seq ${last.seq}: prev is not the digest of the previous leaf`,
    )
    // Until the scheduled check runs, nothing has noticed.
    expect((await owner.get('/api/admin/status')).body.log.integrity).toBe('ok')
    await selfCheck!()
    expect((await anonymous.get('/api/health')).body).toEqual({
      status: 'degraded',
      checks: { database: 'ok', log_integrity: 'failed', ai_provider: 'not_configured' },
    })
    expect((await owner.get('/api/admin/status')).body.log.integrity).toBe('failed')
    const write = await submit('refused')
    expect([write.status, write.body.error.code]).toEqual([503, 'service_unavailable'])
    const rotation = await owner.post('/api/admin/log-keys/rotate', { confirm: true })
    expect([rotation.status, rotation.body.error.code]).toEqual([503, 'service_unavailable'])
    // It never repairs: the forged leaf is still there, and no checkpoint covers it.
    const top = (await anonymous.get('/api/log/checkpoints?limit=1')).body.items[0]
    expect(top.tree_size).toBeLessThanOrEqual(last.idx)
  })
})
