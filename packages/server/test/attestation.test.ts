import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buildResultsStatement,
  docDigest,
  fingerprint,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  publicKeyPem,
  signBytes,
  signEnvelope,
  statementPayload,
} from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'

const REPO = 'acme/payments-api'

/** Workspace-key attestation (EVIDENCE.md §6.5, §6.6), the attestation requirement and key revocation (§4.1). */
describe.each(BACKENDS)('attested submissions on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let workspaceId: string
  let verifier: Client
  let modelId: string
  let assertions: any[]
  const key = generateKeyPair('ecdsa-p256')
  const dir = mkdtempSync(join(tmpdir(), 'warrant-attest-'))

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    const imported = await verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'Attested' },
      controls: [
        {
          id: 'CTRL-01',
          title: 'Docs',
          description: 'The security policy exists.',
          objective_ids: [],
          assertions: [
            { type: 'file_exists', params: { file: 'SECURITY.md' }, description: 'policy exists', repo: REPO },
          ],
        },
      ],
    })
    modelId = imported.body.model.id
    assertions = (await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)).body.assertions
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  const body = (runId: string, result = 'pass') => ({
    pipeline: { provider: 'github_actions', run_id: runId, commit_sha: 'a'.repeat(40), repo: REPO },
    verifier: { name: 'warrant', version: '0.1.0' },
    results: assertions.map((a) => ({
      assertion_id: a.id,
      assertion_digest: a.digest,
      tier: 1,
      result,
      details: result,
    })),
  })
  const bundled = (
    b: ReturnType<typeof body>,
    signer = key.privateKey,
    edit: (s: any) => void = () => undefined,
    hint = fingerprint(key.publicKey),
  ) => {
    const statement = buildResultsStatement({
      workspace_id: workspaceId,
      model_id: modelId,
      repo: REPO,
      pipeline: b.pipeline,
      verifier: b.verifier,
      results: b.results,
      created_at: new Date().toISOString(),
    })
    edit(statement)
    const dsseEnvelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, statementPayload(statement), signer)
    return {
      ...b,
      bundle: {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: { publicKey: { hint } },
        dsseEnvelope,
      },
    }
  }
  const submit = (payload: unknown) => verifier.post(`/api/models/${modelId}/verification/results`, payload)
  const runs = async () => (await verifier.get(`/api/models/${modelId}/verification/runs`)).body.items

  it('lets only an owner upload a P-256 SPKI key, once', async () => {
    const pem = publicKeyPem(key.publicKey)
    const byKey = await verifier.post(`/api/workspaces/${workspaceId}/signing-keys`, {
      public_key_pem: pem,
      label: 'CI',
    })
    expect([byKey.status, byKey.body.error.code]).toEqual([403, 'forbidden'])
    const ed = await owner.post(`/api/workspaces/${workspaceId}/signing-keys`, {
      public_key_pem: publicKeyPem(generateKeyPair('ed25519').publicKey),
      label: 'CI',
    })
    expect([ed.status, ed.body.error.code]).toEqual([422, 'public_key_invalid'])
    const junk = await owner.post(`/api/workspaces/${workspaceId}/signing-keys`, {
      public_key_pem: 'hello',
      label: 'CI',
    })
    expect([junk.status, junk.body.error.code]).toEqual([422, 'public_key_invalid'])
    const ok = await owner.post(`/api/workspaces/${workspaceId}/signing-keys`, { public_key_pem: pem, label: 'CI' })
    expect(ok.status).toBe(201)
    expect(ok.body).toMatchObject({ fingerprint: fingerprint(key.publicKey), status: 'active' })
    const again = await owner.post(`/api/workspaces/${workspaceId}/signing-keys`, { public_key_pem: pem, label: 'CI' })
    expect([again.status, again.body.error.code]).toEqual([409, 'key_already_registered'])
  })

  it('accepts a workspace-key bundle and records the attestation', async () => {
    const res = await submit(bundled(body('1')))
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.attestation).toMatchObject({
      method: 'workspace_bundle',
      binding: 'payload',
      identity: 'key',
      satisfies_requirement: true,
      key_fingerprint: fingerprint(key.publicKey),
    })
    expect(res.body.attestation.statement_digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('rejects tampered, foreign and ambiguous material, naming the failed check', async () => {
    const signed = bundled(body('2'))
    const edited = { ...signed, results: signed.results.map((r) => ({ ...r, result: 'fail', details: 'fail' })) }
    const cases: [string, unknown, string][] = [
      ['results edited after signing', edited, 'statement'],
      ['another key', bundled(body('2'), generateKeyPair('ecdsa-p256').privateKey), 'dsse_signature'],
      ['another hint', bundled(body('2'), key.privateKey, () => undefined, 'f'.repeat(64)), 'workspace_key_not_active'],
      [
        'another model',
        bundled(body('2'), key.privateKey, (s) => (s.predicate.model_id = 'mdl_01J8Z3V9YQ4K2M7N5P6R8S0T1W')),
        'statement',
      ],
      [
        'stale statement',
        bundled(body('2'), key.privateKey, (s) => (s.predicate.created_at = '2020-01-01T00:00:00.000Z')),
        'statement_time',
      ],
      [
        'bundle v0.1',
        { ...signed, bundle: { ...signed.bundle, mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1' } },
        'bundle_version',
      ],
      [
        'keyless with a certificate that does not parse',
        { ...signed, bundle: { ...signed.bundle, verificationMaterial: { certificate: { rawBytes: 'AA==' } } } },
        'bundle_schema',
      ],
      ['half a legacy pair', { ...body('2'), signed_hash: docDigest(body('2').results) }, 'legacy_incomplete'],
    ]
    for (const [name, payload, check] of cases) {
      const res = await submit(payload)
      expect([res.status, res.body.error.code, res.body.error.details?.check], name).toEqual([
        422,
        'attestation_invalid',
        check,
      ])
    }
    const both = await submit({ ...signed, signed_hash: 'x', signature: 'y' })
    expect([both.status, both.body.error.code]).toEqual([422, 'attestation_ambiguous'])
    expect(await runs()).toHaveLength(1)
  })

  it('accepts the legacy signature made with openssl and refuses its replay', async () => {
    const b = body('3')
    const signedHash = docDigest(b.results)
    writeFileSync(join(dir, 'key.pem'), key.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    writeFileSync(join(dir, 'hash.txt'), signedHash)
    const signature = execFileSync('openssl', ['dgst', '-sha256', '-sign', 'key.pem', 'hash.txt'], {
      cwd: dir,
    }).toString('base64')
    const res = await submit({ ...b, signed_hash: signedHash, signature })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.attestation).toMatchObject({
      method: 'workspace_signature',
      identity: 'key',
      satisfies_requirement: true,
      // The receipt's warrant:attestation subject (EVIDENCE.md §7) is the digest of the DER signature bytes.
      signature_digest: `sha256:${createHash('sha256').update(Buffer.from(signature, 'base64')).digest('hex')}`,
    })
    const replay = await submit({ ...body('4'), signed_hash: signedHash, signature })
    expect([replay.status, replay.body.error.code]).toEqual([409, 'attestation_replayed'])
    const wrong = await submit({
      ...body('5'),
      signed_hash: signedHash,
      signature: Buffer.from(
        signBytes(generateKeyPair('ecdsa-p256').privateKey, new TextEncoder().encode(signedHash)),
      ).toString('base64'),
    })
    expect([wrong.status, wrong.body.error.details.check]).toEqual([422, 'signature_invalid'])
    const mismatch = await submit({ ...body('5', 'fail'), signed_hash: signedHash, signature })
    expect([mismatch.status, mismatch.body.error.details.check]).toEqual([422, 'signed_hash_mismatch'])
  })

  it('stops counting unattested runs while attestation is required, and counts them again after', async () => {
    const unattested = await submit(body('6', 'fail'))
    expect(unattested.status).toBe(201)
    const tier1 = async () => (await verifier.get(`/api/models/${modelId}/assertions/${assertions[0].id}`)).body.tier1
    expect(await tier1()).toBe('fail')
    const on = await owner.patch(`/api/workspaces/${workspaceId}/security`, { require_attestation: true })
    expect(on.status, JSON.stringify(on.body)).toBe(200)
    expect(on.body).toMatchObject({
      require_attestation: true,
      runs_no_longer_counting: 1,
      active_signing_key: fingerprint(key.publicKey),
    })
    expect(await tier1()).toBe('pass')
    const refused = await submit(body('7', 'fail'))
    expect([refused.status, refused.body.error.code]).toEqual([403, 'attestation_required'])
    const off = await owner.patch(`/api/workspaces/${workspaceId}/security`, { require_attestation: false })
    expect(off.status).toBe(200)
    expect(await tier1()).toBe('fail')
  })

  it('revokes the runs signed with a compromised key from the moment it was compromised', async () => {
    const signedRun = await submit(bundled(body('8')))
    expect(signedRun.status).toBe(201)
    const res = await owner.post(`/api/workspaces/${workspaceId}/signing-keys/${fingerprint(key.publicKey)}/revoke`, {
      reason: 'compromised',
      compromised_since: signedRun.body.accepted_at,
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({
      runs_revoked: 1,
      signing_key: { status: 'revoked', revocation_reason: 'compromised' },
    })
    const stored = (await runs()).find((r: any) => r.id === signedRun.body.run_id)
    expect(stored).toMatchObject({ counting: false, attestation: { revoked: true } })
    const events = (await owner.get(`/api/workspaces/${workspaceId}/events?limit=1000`)).body.items
    expect(events.filter((e: any) => e.record.type === 'run.revoked').map((e: any) => e.record.data)).toEqual([
      { run_id: signedRun.body.run_id, reason: 'signing_key_compromised', signing_key: fingerprint(key.publicKey) },
    ])
    const after = await submit(bundled(body('9')))
    expect([after.status, after.body.error.details?.check]).toEqual([422, 'workspace_key_not_active'])
    const twice = await owner.post(`/api/workspaces/${workspaceId}/signing-keys/${fingerprint(key.publicKey)}/revoke`, {
      reason: 'withdrawn',
    })
    expect([twice.status, twice.body.error.code]).toEqual([409, 'already_revoked'])
  })
})
