import { createHash } from 'node:crypto'
import {
  decodeBase64,
  leafHash,
  parseTlogProof,
  parseVerifierKey,
  publicKeyFromPem,
  verifyCheckpoint,
  verifyConsistency,
  verifyEnvelope,
  verifyInclusion,
} from '@warrant/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MasterKeyError } from '../src/services/instance-keys.js'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'

const hexBytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

/** Receipts, the transparency log, checkpoints and proofs (EVIDENCE.md §7–9). */
describe.each(BACKENDS)('notarization and the transparency log on %s', (kind) => {
  let backend: Backend
  let running: Running
  let verifier: Client
  let anonymous: Client
  let modelId: string
  let workspaceId: string
  let assertions: any[]

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    const { owner, workspaceId: ws } = await setupOwner(running.url)
    workspaceId = ws
    verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    anonymous = new Client(running.url)
    const imported = await verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'Logged' },
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
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  const submit = (runId: string, result: string) =>
    verifier.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'local', run_id: runId, commit_sha: 'a'.repeat(40) },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: assertions.map((a) => ({
        assertion_id: a.id,
        assertion_digest: a.digest,
        tier: 1,
        result,
        details: result,
      })),
    })
  const checkpointAtLeast = async (size: number) => {
    for (let i = 0; i < 100; i++) {
      const res = await anonymous.get('/api/log/checkpoint')
      if (res.status === 200 && Number(String(res.body).split('\n')[1]) >= size) return res.body as string
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`no checkpoint of size ${size}`)
  }

  it('signs a receipt that commits to the run and to its log entry, with the published instance key', async () => {
    const run = await submit('1', 'pass')
    expect(run.status, JSON.stringify(run.body)).toBe(201)
    const keys = (await anonymous.get('/api/keys')).body
    expect(keys.instance_keys).toHaveLength(1)
    const instanceKey = publicKeyFromPem(keys.instance_keys[0].public_key_pem)
    const jwks = await anonymous.get('/.well-known/jwks')
    expect(jwks.body.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      kid: keys.instance_keys[0].fingerprint,
      warrant_status: 'active',
    })
    const checked = verifyEnvelope(run.body.receipt, instanceKey, 'application/vnd.in-toto+json')
    expect(checked.ok).toBe(true)
    if (!checked.ok) return
    const statement = JSON.parse(new TextDecoder().decode(checked.payload))
    expect(statement.subject.map((s: any) => s.name)).toEqual(['warrant:results', 'warrant:submission'])
    expect(statement.subject[0].digest.sha256).toBe(run.body.results_hash.slice(7))
    expect(statement.predicate).toMatchObject({
      workspace_id: workspaceId,
      model_id: modelId,
      run_id: run.body.run_id,
      results_count: 1,
      attestation: { method: 'none', policy_digest: expect.stringMatching(/^sha256:/) },
    })
    expect(statement.predicate.log).toEqual({
      origin: '127.0.0.1:8080/log',
      index: run.body.log.index,
      leaf_hash: run.body.log.leaf_hash,
    })
    const stored = await verifier.get(`/api/models/${modelId}/verification/runs/${run.body.run_id}`)
    expect(stored.body).toMatchObject({ receipt: run.body.receipt, log_index: run.body.log.index })
  })

  it('proves the run is in a checkpoint signed by the published log key, and the chain links back', async () => {
    const run = await submit('2', 'fail')
    const index = run.body.log.index
    const note = await checkpointAtLeast(index + 1)
    const keys = (await anonymous.get('/api/keys')).body
    const checkpoint = verifyCheckpoint(note, [parseVerifierKey(keys.log_keys[0].vkey)!], '127.0.0.1:8080/log')
    expect(checkpoint.ok).toBe(true)
    if (!checkpoint.ok) return
    const proof = await anonymous.get(`/api/log/proof/inclusion?index=${index}&tree_size=${checkpoint.checkpoint.size}`)
    expect(proof.status).toBe(200)
    expect(
      verifyInclusion(
        hexBytes(proof.body.leaf_hash),
        index,
        proof.body.tree_size,
        proof.body.hashes.map(hexBytes),
        checkpoint.checkpoint.root,
      ),
    ).toBe(true)
    const entry = await verifier.get(`/api/log/entries/${index}`)
    const leaf = decodeBase64(entry.body.leaf)!
    expect(sha(new Uint8Array([0]), leaf)).toBe(proof.body.leaf_hash)
    expect(entry.body.record).toMatchObject({
      v: 1,
      chain: workspaceId,
      type: 'run.accepted',
      subject: { kind: 'run', id: run.body.run_id },
    })
    // The previous event of the chain (the first run) is linked by the digest of its leaf bytes.
    const previous = await verifier.get(`/api/log/entries/${index - 1}`)
    expect(previous.body.record.chain).toBe(workspaceId)
    expect(entry.body.record.prev).toBe(`sha256:${sha(decodeBase64(previous.body.leaf)!)}`)
    expect(entry.body.record.seq).toBe(previous.body.record.seq + 1)
    const drift = await verifier.get(`/api/log/entries/${index + 1}`)
    expect(drift.body.record).toMatchObject({
      type: 'drift.detected',
      data: { run_id: run.body.run_id, new_result: 'fail' },
    })
  })

  it('serves the inclusion proof as an offline C2SP tlog-proof file that verifies on its own', async () => {
    const index = (await submit('tlog', 'fail')).body.log.index
    await checkpointAtLeast(index + 1)
    const res = await anonymous.get(`/api/log/proof/tlog/${index}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const parsed = parseTlogProof(res.body)
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(parsed.proof.index).toBe(index)
    const keys = (await anonymous.get('/api/keys')).body
    const checkpoint = verifyCheckpoint(
      parsed.proof.checkpoint,
      [parseVerifierKey(keys.log_keys[0].vkey)!],
      '127.0.0.1:8080/log',
    )
    expect(checkpoint.ok).toBe(true)
    if (!checkpoint.ok) return
    const { size, root } = checkpoint.checkpoint
    const leaf = decodeBase64((await verifier.get(`/api/log/entries/${index}`)).body.leaf)!
    expect(verifyInclusion(leafHash(leaf), index, size, parsed.proof.hashes, root)).toBe(true)
    // The same proof as the JSON route, at an explicit checkpointed size.
    const json = (await anonymous.get(`/api/log/proof/inclusion?index=${index}&tree_size=${size}`)).body
    const pinned = await anonymous.get(`/api/log/proof/tlog/${index}?tree_size=${size}`)
    expect(pinned.body).toBe(res.body)
    expect(parsed.proof.hashes.map((h) => Buffer.from(h).toString('hex'))).toEqual(json.hashes)
    // Wrong sizes and indexes answer like the inclusion route; unknown or malformed parameters are refused.
    const outside = await anonymous.get(`/api/log/proof/tlog/${size}?tree_size=${size}`)
    expect([outside.status, outside.body.error.code]).toEqual([404, 'entry_not_found'])
    const unsigned = await anonymous.get(`/api/log/proof/tlog/${index}?tree_size=${size + 1000}`)
    expect([unsigned.status, unsigned.body.error.code]).toEqual([422, 'tree_size_invalid'])
    for (const path of [`${index}?tree_size=-1`, `${index}?tree_size=x`, '-1', 'x', `${index}?leaf_hash=00`]) {
      const bad = await anonymous.get(`/api/log/proof/tlog/${path}`)
      expect(bad.status, path).toBe(422)
    }
  })

  it('proves consistency between checkpoints and refuses sizes that were never signed', async () => {
    const checkpoints = (await anonymous.get('/api/log/checkpoints')).body.items
    expect(checkpoints.length).toBeGreaterThanOrEqual(2)
    const [second, first] = [checkpoints[0], checkpoints.at(-1)]
    const res = await anonymous.get(`/api/log/proof/consistency?first=${first.tree_size}&second=${second.tree_size}`)
    expect(res.status).toBe(200)
    expect(
      verifyConsistency(
        first.tree_size,
        second.tree_size,
        res.body.hashes.map(hexBytes),
        hexBytes(first.root_hash),
        hexBytes(second.root_hash),
      ),
    ).toBe(true)
    const bad = await anonymous.get(`/api/log/proof/consistency?first=1&second=${second.tree_size + 100}`)
    expect([bad.status, bad.body.error.code]).toEqual([422, 'tree_size_invalid'])
  })

  it('hides workspace entries from anonymous callers and other workspaces, but not instance entries', async () => {
    expect((await anonymous.get('/api/log/entries/0')).body.record).toMatchObject({
      chain: '_instance',
      type: 'instance.initialized',
    })
    const passedAgain = (await submit('3', 'pass')).body
    const workspaceEntry = passedAgain.log.index
    expect((await anonymous.get(`/api/log/entries/${workspaceEntry}`)).status).toBe(401)
    // The drift the failing run opened is resolved by this run, and the log says so right after the run.
    const resolved = await verifier.get(`/api/log/entries/${workspaceEntry + 1}`)
    expect(resolved.body.record).toMatchObject({
      type: 'drift.resolved',
      actor: { kind: 'system', id: null },
      model: modelId,
      data: { resolution: 'passed_again', run_id: passedAgain.run_id },
    })
    expect(resolved.body.record.data.drift_id).toBe(resolved.body.record.subject.id)
  })

  it('is append-only in the database itself', async () => {
    const db = running.server.store.db
    await expect(sql`delete from log_leaves where idx = 0`.execute(db)).rejects.toThrow(/append-only/)
    await expect(sql`update log_checkpoints set note = 'x'`.execute(db)).rejects.toThrow(/append-only/)
  })

  it('refuses to start with another master key, naming the expected key id', async () => {
    await running.close()
    await expect(start(backend, { masterKey: Buffer.alloc(32, 7).toString('base64') })).rejects.toThrow(MasterKeyError)
    await expect(start(backend, { masterKey: 'short' })).rejects.toThrow(/32 random bytes/)
    running = await start(backend)
  })

  it('stops writes and reports the failure when the stored leaves no longer match the checkpoint', async () => {
    await running.close()
    const store = await (await import('../src/db/open.js')).openStore({
      dataDir: backend.dataDir,
      databaseUrl: backend.databaseUrl,
    })
    await sql`alter table log_leaves disable trigger log_leaves_append_only`.execute(store.db)
    await sql`update log_leaves set leaf_hash = ${Buffer.alloc(32)} where idx = 1`.execute(store.db)
    await sql`alter table log_leaves enable trigger log_leaves_append_only`.execute(store.db)
    await store.close()
    running = await start(backend)
    const client = new Client(running.url, verifier.key)
    const h = await client.get('/api/health')
    expect(h.body).toMatchObject({ status: 'degraded', checks: { log_integrity: 'failed' } })
    const write = await client.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'local', run_id: '9', commit_sha: 'a'.repeat(40) },
      verifier: { name: 'w', version: '1' },
      results: [],
    })
    expect([write.status, write.body.error.code]).toEqual([503, 'service_unavailable'])
  })
})
