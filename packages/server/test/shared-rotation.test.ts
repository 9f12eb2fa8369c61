import { randomBytes } from 'node:crypto'
import { type NoteVerifier, parseVerifierKey, publicKeyFromPem, verifyCheckpoint, verifyEnvelope } from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServerConfig } from '../src/config.js'
import { openStore, type Store } from '../src/db/open.js'
import { createServer, type WarrantServer } from '../src/server.js'
import { masterKey, rewrapKeys } from '../src/services/instance-keys.js'
import {
  BACKENDS,
  type Backend,
  Client,
  createKey,
  freshBackend,
  setupOwner,
  TEST_MASTER_KEY,
  testConfig,
} from './helpers.js'

const ORIGIN = '127.0.0.1:8080/log'
const IN_TOTO = 'application/vnd.in-toto+json'

interface Node {
  server: WarrantServer
  url: string
  owner: Client
  verifier: Client
  anonymous: Client
  closed: boolean
}

/**
 * Key rotation (EVIDENCE.md §8.2) seen by every server process sharing one database: a rotation served by A makes B
 * sign its next receipt and checkpoint with the new key, a retired key never signs again, and a process that cannot
 * open the new key (another master key) refuses to sign. On PostgreSQL the servers are separate connection pools, as
 * separate processes would be; on PGlite (one process only) they share one store.
 */
describe.each(BACKENDS)('key rotation across servers sharing a database on %s', (kind) => {
  let backend: Backend
  /** The test's own handle on the database; on PGlite also the servers' store. */
  let store: Store
  const nodes: Node[] = []
  let a: Node
  let b: Node
  let modelId: string
  let assertions: any[]
  let ownerSession: { cookie?: string | undefined; csrf?: string | undefined } = {}
  let verifierKey: string
  let runs = 0

  /** A server on the shared database; A never signs a checkpoint on its own until it closes, B within 50 ms. */
  const open = async (overrides: Partial<ServerConfig> = {}): Promise<Node> => {
    const config = testConfig(backend, { checkpointIntervalMs: 3_600_000, ...overrides })
    const server = await createServer(config, kind === 'pglite' ? { store } : {})
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 })
    const node: Node = {
      server,
      url,
      owner: Object.assign(new Client(url), ownerSession),
      verifier: new Client(url, verifierKey),
      anonymous: new Client(url),
      closed: false,
    }
    nodes.push(node)
    return node
  }
  const close = async (node: Node) => {
    if (node.closed) return
    node.closed = true
    await node.server.close()
  }
  const db = () => store.db
  const live = () => nodes.find((n) => !n.closed)!
  const submit = (node: Node) =>
    node.verifier.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'local', run_id: `run-${++runs}`, commit_sha: 'a'.repeat(40) },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: assertions.map((x) => ({
        assertion_id: x.id,
        assertion_digest: x.digest,
        tier: 1,
        result: 'pass',
        details: 'pass',
      })),
    })
  const instanceKeys = async () => (await live().owner.get('/api/admin/instance-keys')).body.items as any[]
  const logKeys = async () => (await live().anonymous.get('/api/keys')).body.log_keys as any[]
  /** The log index of a key's activation event. */
  const activationIndex = async (fingerprint: string) =>
    (
      await db()
        .selectFrom('instance_keys')
        .select('log_index')
        .where('fingerprint', '=', fingerprint)
        .executeTakeFirstOrThrow()
    ).log_index!
  const receiptFingerprint = (receipt: any) =>
    JSON.parse(Buffer.from(receipt.payload, 'base64').toString('utf8')).predicate.instance.key_fingerprint
  /** Waits until a checkpoint covers `size` leaves. */
  const checkpointCovering = async (size: number) => {
    for (let i = 0; i < 200; i++) {
      const top = await db()
        .selectFrom('log_checkpoints')
        .selectAll()
        .orderBy('tree_size', 'desc')
        .limit(1)
        .executeTakeFirst()
      if (top && top.tree_size >= size) return top
      await new Promise((r) => setTimeout(r, 25))
    }
    throw new Error(`no checkpoint covers ${size} leaves`)
  }
  /** Every stored receipt after a key's activation names it and verifies with it, and with no other key. */
  const receiptsAfter = async (index: number, key: any, others: any[]) => {
    const rows = await db()
      .selectFrom('runs')
      .select(['receipt', 'log_index'])
      .where('log_index', '>', index)
      .orderBy('log_index')
      .execute()
    for (const row of rows) {
      expect(receiptFingerprint(row.receipt)).toBe(key.fingerprint)
      expect((row.receipt as any).signatures.map((s: any) => s.keyid)).toEqual([key.fingerprint])
      expect(verifyEnvelope(row.receipt, publicKeyFromPem(key.public_key_pem), IN_TOTO).ok).toBe(true)
      for (const other of others)
        expect(verifyEnvelope(row.receipt, publicKeyFromPem(other.public_key_pem), IN_TOTO).ok).toBe(false)
    }
    return rows.length
  }
  /** Every checkpoint over the activation event verifies with the key activated, and with no other key. */
  const checkpointsAfter = async (index: number, key: NoteVerifier, others: NoteVerifier[]) => {
    const rows = await db().selectFrom('log_checkpoints').selectAll().where('tree_size', '>', index).execute()
    for (const row of rows) {
      expect(Buffer.from(row.key_id).equals(Buffer.from(key.keyId))).toBe(true)
      expect(verifyCheckpoint(row.note, [key], ORIGIN).ok).toBe(true)
      for (const other of others) expect(verifyCheckpoint(row.note, [other], ORIGIN).ok).toBe(false)
    }
    return rows.length
  }

  beforeAll(async () => {
    backend = await freshBackend(kind)
    store = await openStore(testConfig(backend))
    a = await open()
    const setup = await setupOwner(a.url)
    ownerSession = { cookie: setup.owner.cookie, csrf: setup.owner.csrf }
    a.owner = setup.owner
    verifierKey = await createKey(setup.owner, setup.workspaceId, 'verifier')
    a.verifier = new Client(a.url, verifierKey)
    const imported = await a.verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'Shared' },
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
    assertions = (await a.verifier.get(`/api/models/${modelId}/verification/assertions`)).body.assertions
    b = await open({ checkpointIntervalMs: 50 })
  }, 60_000)

  afterAll(async () => {
    for (const node of nodes) await close(node).catch(() => undefined)
    await store?.close()
    await backend?.drop()
  })

  it('signs B’s next receipt with the instance key A activated; the retired key never signs again', async () => {
    const [old] = await instanceKeys()
    const before = await submit(b)
    expect(before.status, JSON.stringify(before.body)).toBe(201)
    expect(receiptFingerprint(before.body.receipt)).toBe(old.fingerprint)

    const rotated = await a.owner.post('/api/admin/instance-keys/rotate', { confirm: true })
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201)
    const key = rotated.body
    const after = await submit(b)
    expect(after.status, JSON.stringify(after.body)).toBe(201)
    expect(after.body.receipt.signatures.map((s: any) => s.keyid)).toEqual([key.fingerprint])
    expect(receiptFingerprint(after.body.receipt)).toBe(key.fingerprint)
    expect(verifyEnvelope(after.body.receipt, publicKeyFromPem(key.public_key_pem), IN_TOTO).ok).toBe(true)
    expect(verifyEnvelope(after.body.receipt, publicKeyFromPem(old.public_key_pem), IN_TOTO).ok).toBe(false)
    // B now reports the key it signs with.
    expect((await b.owner.get('/api/admin/status')).body.instance_key_fingerprint).toBe(key.fingerprint)
    // A signs with it too, and every receipt after the activation event names and verifies with it only.
    expect(receiptFingerprint((await submit(a)).body.receipt)).toBe(key.fingerprint)
    expect(await receiptsAfter(await activationIndex(key.fingerprint), key, [old])).toBe(2)
  })

  it('signs B’s next checkpoint with the log key A activated; no checkpoint over the activation uses the old one', async () => {
    const [old] = await logKeys()
    const oldVkey = parseVerifierKey(old.vkey)!
    // B signs a checkpoint over its run with the current key.
    const first = await submit(b)
    expect(first.status).toBe(201)
    const before = await checkpointCovering(first.body.log.index + 1)
    expect(verifyCheckpoint(before.note, [oldVkey], ORIGIN).ok).toBe(true)

    const rotated = await a.owner.post('/api/admin/log-keys/rotate', { confirm: true })
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201)
    const newVkey = parseVerifierKey(rotated.body.vkey)!
    const activation = await activationIndex(rotated.body.fingerprint)
    // A signs no checkpoint before it closes: the one over B's next run (and the activation event) is B's.
    const run = await submit(b)
    expect(run.status).toBe(201)
    expect(run.body.log.index).toBeGreaterThan(activation)
    const next = await checkpointCovering(run.body.log.index + 1)
    expect(verifyCheckpoint(next.note, [newVkey], ORIGIN).ok).toBe(true)
    expect(verifyCheckpoint(next.note, [oldVkey], ORIGIN).ok).toBe(false)
    expect(await checkpointsAfter(activation, newVkey, [oldVkey])).toBeGreaterThanOrEqual(1)
    // The consistency proof from the old key's checkpoint to the new one's verifies (the self-check of §9.7 too).
    const proof = await b.anonymous.get(`/api/log/proof/consistency?first=${before.tree_size}&second=${next.tree_size}`)
    expect(proof.status, JSON.stringify(proof.body)).toBe(200)
    expect((await b.anonymous.get('/api/health')).body.checks.log_integrity).toBe('ok')
  })

  it('keeps each receipt and checkpoint on the key active when it committed, with B busy while A rotates', async () => {
    const instanceBefore = (await instanceKeys())[0]
    const logBefore = (await logKeys())[0]
    const floor = (
      await db().selectFrom('log_leaves').select('idx').orderBy('idx', 'desc').limit(1).executeTakeFirstOrThrow()
    ).idx
    const busy = Array.from({ length: 6 }, () => submit(b))
    const rotations = [
      a.owner.post('/api/admin/instance-keys/rotate', { confirm: true }),
      a.owner.post('/api/admin/log-keys/rotate', { confirm: true }),
    ]
    const more = Array.from({ length: 6 }, () => submit(b))
    const [instanceRotated, logRotated] = await Promise.all(rotations)
    const submitted = await Promise.all([...busy, ...more])
    expect(submitted.map((r) => r.status)).toEqual(submitted.map(() => 201))
    expect([instanceRotated!.status, logRotated!.status]).toEqual([201, 201])
    const instanceKey = instanceRotated!.body
    const instanceAt = await activationIndex(instanceKey.fingerprint)
    // Runs committed before the activation are signed by the key then active; after it, only by the new one.
    const rows = await db().selectFrom('runs').select(['receipt', 'log_index']).where('log_index', '>', floor).execute()
    expect(rows).toHaveLength(12)
    for (const row of rows)
      expect(receiptFingerprint(row.receipt)).toBe(
        row.log_index! < instanceAt ? instanceBefore.fingerprint : instanceKey.fingerprint,
      )
    const retired = (await instanceKeys()).filter((k) => k.fingerprint !== instanceKey.fingerprint)
    expect(await receiptsAfter(instanceAt, instanceKey, retired)).toBe(
      rows.filter((r) => r.log_index! > instanceAt).length,
    )

    const logAt = await activationIndex(logRotated!.body.fingerprint)
    const top = Math.max(logAt, ...submitted.map((r) => r.body.log.index))
    await checkpointCovering(top + 1)
    const newVkey = parseVerifierKey(logRotated!.body.vkey)!
    const oldVkeys = (await logKeys())
      .filter((k) => k.vkey !== logRotated!.body.vkey)
      .map((k) => parseVerifierKey(k.vkey)!)
    expect(oldVkeys.map((v) => v.keyId)).toContainEqual(parseVerifierKey(logBefore.vkey)!.keyId)
    expect(await checkpointsAfter(logAt, newVkey, oldVkeys)).toBeGreaterThanOrEqual(1)
  })

  it('refuses to sign when the active key was made under another master key: 503, nothing committed', async () => {
    // The operator rewraps the keys under a new master key and starts C with it; B still runs with the old one.
    const oldMaster = masterKey({ value: TEST_MASTER_KEY })
    const newMasterValue = randomBytes(32).toString('base64')
    expect(await rewrapKeys(db(), oldMaster, masterKey({ value: newMasterValue }))).toBeGreaterThan(0)
    const c = await open({ masterKey: newMasterValue })
    // B's cached keys still open: it signs until a key it cannot open becomes active.
    expect((await submit(b)).status).toBe(201)
    const rotated = await c.owner.post('/api/admin/instance-keys/rotate', { confirm: true })
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201)
    const counts = async () => [
      (await db().selectFrom('runs').select('id').execute()).length,
      (await db().selectFrom('log_leaves').select('idx').execute()).length,
    ]
    const [runsBefore, leavesBefore] = await counts()
    const refused = await submit(b)
    expect([refused.status, refused.body.error?.code]).toEqual([503, 'signing_key_unavailable'])
    expect(refused.body.error.message).toContain('never signs with a retired key')
    expect(await counts()).toEqual([runsBefore, leavesBefore])
    // C signs with the new key.
    const fromC = await submit(c)
    expect(fromC.status, JSON.stringify(fromC.body)).toBe(201)
    expect(receiptFingerprint(fromC.body.receipt)).toBe(rotated.body.fingerprint)

    // The same for the log key: B signs no checkpoint it cannot sign with the active key, even when it closes.
    const logRotated = await c.owner.post('/api/admin/log-keys/rotate', { confirm: true })
    expect(logRotated.status).toBe(201)
    const logAt = await activationIndex(logRotated.body.fingerprint)
    await close(b)
    await close(a)
    const newVkey = parseVerifierKey(logRotated.body.vkey)!
    const others = (await logKeys())
      .filter((k) => k.vkey !== logRotated.body.vkey)
      .map((k) => parseVerifierKey(k.vkey)!)
    const covering = await db()
      .selectFrom('log_checkpoints')
      .select('tree_size')
      .where('tree_size', '>', logAt)
      .execute()
    expect(covering).toHaveLength(0)
    await close(c)
    // C's close signed the checkpoint over the activation, with the new key.
    expect(await checkpointsAfter(logAt, newVkey, others)).toBe(1)
  })
})
