import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buildResultsStatement,
  canonicalJson,
  fingerprint,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  publicKeyPem,
  signBytes,
  signEnvelope,
  statementPayload,
  verifierKey,
} from '@warrant/core'
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
import { NetworkBlockedError } from '../src/audit/guard.js'
import { auditHooks } from '../src/commands/audit.js'
import { auditor, failed, tamper } from './audit-support.js'
import { cli } from './helpers.js'

const MODEL_YAML = readFileSync(new URL('../../server/test/fixtures/payments.yaml', import.meta.url))
const REPO = 'acme/payments-api'
const COMMIT = 'a'.repeat(40)

/**
 * `warrant audit` end to end (EVIDENCE.md §10–12): a platform on loopback builds a package from attested runs, the CLI
 * verifies it offline in-process against pins built from /api/keys, and each tampered copy fails with its check id.
 */
describe('warrant audit', () => {
  let backend: Backend
  let running: Running
  let owner: Client
  let workspaceId: string
  let developer: Client
  let verifier: Client
  let modelId: string
  let pkg: any
  let pins: any
  const key = generateKeyPair('ecdsa-p256')
  const dir = mkdtempSync(join(tmpdir(), 'warrant-audit-'))

  const { write, audit: auditWith } = auditor(dir)
  const audit = (pkgValue: unknown, pinsValue: unknown = pins, extra: string[] = []) =>
    auditWith(pkgValue, pinsValue, extra)
  const copy = (): any => structuredClone(pkg)

  const submit = async (runId: string, outcome: (type: string) => 'pass' | 'fail') => {
    const pulled = await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)
    const results = pulled.body.assertions.flatMap((a: any) => {
      const result = outcome(a.type)
      const base = { assertion_id: a.id, assertion_digest: a.digest, evidence_digest: `sha256:${'1'.repeat(64)}` }
      return [
        { ...base, tier: 1, result, details: `${a.type} ${result}` },
        ...(result === 'pass'
          ? [
              {
                ...base,
                tier: 2,
                result: 'pass',
                details: 'YES',
                provider: 'other',
                model: 'test-model',
                prompt_hash: a.tier2_prompt_hash,
                rationale: 'The code does it.',
              },
            ]
          : []),
      ]
    })
    const body = {
      pipeline: { provider: 'github_actions', run_id: runId, commit_sha: COMMIT, repo: REPO },
      verifier: { name: 'warrant', version: '0.1.0' },
      results,
    }
    const statement = buildResultsStatement({
      workspace_id: workspaceId,
      model_id: modelId,
      repo: REPO,
      pipeline: body.pipeline,
      verifier: body.verifier,
      results,
      created_at: new Date().toISOString(),
    })
    const res = await verifier.post(`/api/models/${modelId}/verification/results`, {
      ...body,
      bundle: {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: { publicKey: { hint: fingerprint(key.publicKey) } },
        dsseEnvelope: signEnvelope(IN_TOTO_PAYLOAD_TYPE, statementPayload(statement), key.privateKey),
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body
  }
  const exportPackage = async (body: unknown = {}) => {
    const { created, record, download } = await requestPackage(owner, modelId, body)
    expect(created.body).toMatchObject({ state: 'queued', model_id: modelId })
    expect(record.body, JSON.stringify(record.body)).toMatchObject({ state: 'ready', model_id: modelId })
    expect(download.status).toBe(200)
    expect(download.headers.get('content-disposition')).toContain('attachment')
    return { record: record.body, pkg: download.body }
  }

  beforeAll(async () => {
    backend = await freshBackend('pglite')
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    developer = new Client(running.url, await createKey(owner, workspaceId, 'developer'))
    verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    const uploaded = await owner.post(`/api/workspaces/${workspaceId}/signing-keys`, {
      public_key_pem: publicKeyPem(key.publicKey),
      label: 'CI',
    })
    expect(uploaded.status).toBe(201)
    const imported = await developer.post('/api/models/import', MODEL_YAML, { 'content-type': 'application/yaml' })
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    modelId = imported.body.model.id
    for (const c of ['CTRL-01', 'CTRL-02'])
      expect(
        (await developer.put(`/api/models/${modelId}/controls/${c}/implementation`, { status: 'implemented' })).status,
      ).toBe(200)
    // A reviewer (not the author of the evidence) signs off sufficiency.
    expect(
      (
        await owner.post('/api/users', {
          email: 'rita@example.com',
          display_name: 'Rita',
          password: 'reviewer passphrase 42',
        })
      ).status,
    ).toBe(201)
    await owner.post(`/api/workspaces/${workspaceId}/members`, { email: 'rita@example.com', role: 'reviewer' })
    const reviewer = new Client(running.url)
    await reviewer.post('/api/auth/login', { email: 'rita@example.com', password: 'reviewer passphrase 42' })
    for (const c of ['CTRL-01', 'CTRL-02']) {
      const s = await reviewer.get(`/api/models/${modelId}/controls/${c}/sufficiency`)
      const res = await reviewer.post(`/api/models/${modelId}/controls/${c}/sufficiency/sign-off`, {
        status: 'sufficient',
        details: 'The assertions cover the control.',
        assertion_set_digest: s.body.assertion_set_digest,
      })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
    }
    await submit('ci-1', () => 'pass')
    const second = await submit('ci-2', () => 'pass')
    expect(second.status_changes ?? []).toEqual([])
    const controls = await developer.get(`/api/models/${modelId}/controls?summary_only=true`)
    expect(controls.body.items.map((c: any) => [c.id, c.verification_status])).toEqual([
      ['CTRL-01', 'verified'],
      ['CTRL-02', 'verified'],
      ['CTRL-03', 'unverified'],
    ])
    ;({ pkg } = await exportPackage())
    const keys = (await owner.get('/api/keys')).body
    pins = {
      format: 'warrant.pins/v1',
      instance_keys: keys.instance_keys.filter((k: any) => k.status === 'active').map((k: any) => k.fingerprint),
      log: { origin: keys.log_keys[0].name, vkeys: [keys.log_keys[0].vkey] },
      workspace_id: workspaceId,
      model_ids: [modelId],
      workspace_keys: [fingerprint(key.publicKey)],
    }
  }, 120_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the package routes to people only, and logs the export', async () => {
    const byKey = await developer.post(`/api/models/${modelId}/audit-packages`, {})
    expect([byKey.status, byKey.body.error.code]).toEqual([403, 'person_required'])
    const list = await owner.get(`/api/models/${modelId}/audit-packages`)
    expect(list.status).toBe(200)
    expect(list.body.items.length).toBeGreaterThanOrEqual(1)
    const one = await owner.get(`/api/audit-packages/${list.body.items[0].id}`)
    expect(one.body).toMatchObject({ state: 'ready', manifest_digest: expect.stringMatching(/^sha256:/) })
    // The export's event directly follows the package's checkpoint.
    const exported = (await owner.get(`/api/log/entries/${pkg.sections.log.tree_size}`)).body
    expect(exported.record.type).toBe('audit_package.exported')
    expect(exported.record.data).toEqual({
      package_id: list.body.items[0].id,
      model_id: modelId,
      manifest_digest: one.body.manifest_digest,
    })
    expect(pkg.sections.runs).toHaveLength(2)
    expect(Object.keys(pkg.sections)).toHaveLength(13)
  })

  it('verifies the untouched package (exit 0) and prints the human report', async () => {
    const r = await audit(pkg)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.report.verdict).toBe('VERIFIED')
    expect(failed(r.report)).toEqual([])
    expect(failed(r.report, 'insufficient')).toEqual([])
    const status = Object.fromEntries(r.report.checks.map((c: any) => [c.id, c.status]))
    for (const id of [
      'M1',
      'M3',
      'M5',
      'K1',
      'K2',
      'K3',
      'L2',
      'L6',
      'L7',
      'E1',
      'E2',
      'R1',
      'R2',
      'R3',
      'R5',
      'V1',
      'V2',
      'V3',
    ])
      expect(status[id], id).toBe('pass')
    expect(r.report.checks.filter((c: any) => c.status === 'not_checked')).toEqual([])
    // R4 and R7 are built (evidence-e2e.test.ts, audit-oidc.test.ts); this package has no keyless or raw-token run.
    expect(status.R4).toBe('skipped')
    expect(status.R7).toBe('skipped')
    expect(r.report.runs.every((x: any) => x.method === 'workspace_bundle' && x.status === 'ok')).toBe(true)

    const human = await cli(dir, ['audit', write('pkg.json', pkg), '--pins', write('pins.json', pins)])
    expect(human.code).toBe(0)
    const lines = human.stdout.split('\n')
    expect(lines[0]).toBe('VERIFIED (exit 0)')
    expect(human.stdout).not.toContain('Not checked')
    expect(human.stdout).toMatch(/CTRL-01 {2}verified {2}in scope/)
    expect(human.stdout).toContain('Reproduce with openssl')
    expect(human.stdout).not.toContain('Passed: ')
    const full = await cli(dir, ['audit', join(dir, 'pkg.json'), '--pins', join(dir, 'pins.json'), '--full'])
    expect(full.stdout).toMatch(/\nPassed: P1 P2 P3 P4 P5 M1 /)
    const help = await cli(dir, ['audit', '--help'])
    expect(help.stdout).toContain('3  INSUFFICIENT')
  })

  it('prints a pins skeleton that, once reviewed, verifies the package', async () => {
    const r = await cli(dir, ['audit', '--init-pins', write('pkg.json', pkg)])
    expect(r.code).toBe(0)
    const skeleton = JSON.parse(r.stdout)
    expect(skeleton).toMatchObject({ format: 'warrant.pins/v1', workspace_id: workspaceId, model_ids: [modelId] })
    expect((await audit(pkg, skeleton)).code).toBe(0)
  })

  it('rejects a result changed inside a submission (R1)', async () => {
    const p = copy()
    tamper.changeResult(p)
    const r = await audit(p)
    expect(r.code).toBe(1)
    expect(failed(r.report)).toContain('R1')
  })

  it('rejects any edited section (M5) and never crashes on an unexpected shape', async () => {
    for (const section of Object.keys(pkg.sections)) {
      const p = copy()
      p.sections[section] = section === 'runs' ? [] : { edited: true }
      const r = await audit(p)
      expect(r.code, section).toBe(1)
      // Without the keys the manifest's signer is unknown (M2); without the scope, the rules version (P5).
      expect(failed(r.report), section).toContain(section === 'keys' ? 'M2' : section === 'scope' ? 'P5' : 'M5')
    }
    const broken = copy()
    broken.sections.verdicts.controls = [{ control_id: 'CTRL-01', assertions: 'not a list' }]
    const r = await audit(broken)
    expect(r.code).toBe(1)
    const notPackage = await audit({ hello: 'world' })
    expect([notPackage.code, failed(notPackage.report)]).toEqual([1, ['P4']])
    const newer = await audit({ ...pkg, format: 'warrant.audit-package/v2' })
    expect([newer.code, newer.report.verdict]).toEqual([2, 'USAGE'])
  })

  it('rejects a removed run (M5)', async () => {
    const p = copy()
    tamper.removeRun(p)
    const r = await audit(p)
    expect(r.code).toBe(1)
    expect(failed(r.report)).toContain('M5')
  })

  it('rejects a swapped instance key (K1, M2)', async () => {
    const p = copy()
    tamper.swapInstanceKey(p)
    const r = await audit(p)
    expect(r.code).toBe(1)
    expect(failed(r.report)).toEqual(expect.arrayContaining(['K1', 'M2']))
  })

  it('rejects a shortened inclusion proof (L6)', async () => {
    const p = copy()
    tamper.shortenProof(p)
    const r = await audit(p)
    expect(r.code).toBe(1)
    expect(failed(r.report)).toContain('L6')
  })

  it('rejects a changed manifest signature (M3)', async () => {
    const p = copy()
    const other = generateKeyPair('ecdsa-p256').privateKey
    p.manifest.signatures[0].sig = Buffer.from(signBytes(other, new TextEncoder().encode('x'))).toString('base64')
    const r = await audit(p)
    expect(r.code).toBe(1)
    expect(failed(r.report)).toContain('M3')
  })

  it('rejects an altered event leaf (L6, L7)', async () => {
    const p = copy()
    const event = p.sections.events.chain[0]
    const record = JSON.parse(Buffer.from(event.leaf, 'base64').toString('utf8'))
    record.at = '2020-01-01T00:00:00.000Z'
    event.leaf = Buffer.from(canonicalJson(record)).toString('base64')
    const r = await audit(p)
    expect(r.code).toBe(1)
    expect(failed(r.report)).toEqual(expect.arrayContaining(['L6', 'L7']))
  })

  it('rejects a checkpoint that no pinned log key signed (L2)', async () => {
    const other = verifierKey(pins.log.origin, generateKeyPairSync('ed25519').publicKey)
    const r = await audit(pkg, { ...pins, log: { ...pins.log, vkeys: [other] } })
    expect(r.code).toBe(1)
    expect(failed(r.report)).toContain('L2')
  })

  it('is insufficient for pins that expect another model (I2)', async () => {
    const r = await audit(pkg, { ...pins, model_ids: ['mdl_01J8Z3OTHERMODEL0000000000'] })
    expect(r.code).toBe(3)
    expect(r.report.verdict).toBe('INSUFFICIENT')
    expect(failed(r.report)).toEqual([])
    expect(failed(r.report, 'insufficient')).toEqual(['I2'])
  })

  it('applies the policy pins: commits (V4), AI models (V5), verdict sources (V6), open findings (V8)', async () => {
    const insufficient = async (extra: object) => {
      const r = await audit(pkg, { ...pins, ...extra })
      return [r.code, failed(r.report), failed(r.report, 'insufficient')]
    }
    expect(await insufficient({ commits: { [REPO]: COMMIT } })).toEqual([0, [], []])
    expect(await insufficient({ commits: { [REPO]: 'b'.repeat(40) } })).toEqual([3, [], ['V4']])
    expect(await insufficient({ ai_models: ['other/test-model'] })).toEqual([0, [], []])
    expect(await insufficient({ ai_models: ['anthropic/claude'] })).toEqual([3, [], ['V5']])
    expect(await insufficient({ policy: { allow_heuristic_coherence: false } })).toEqual([3, [], ['V6']])
    expect(await insufficient({ policy: { fail_on_open_findings: 'high', max_age_days: 1 } })).toEqual([0, [], []])
    expect(await insufficient({ workspace_keys: [] })).toEqual([3, [], ['I1', 'V3']])
  })

  it('proves consistency with a checkpoint the auditor pinned before (L4)', async () => {
    const earlier = (await owner.get('/api/log/checkpoints')).body.items.find(
      (c: any) => c.tree_size < pkg.sections.log.tree_size,
    )
    const pinned = { ...pins, log: { ...pins.log, checkpoint: earlier.note } }
    const without = await audit(pkg, pinned)
    expect(without.code).toBe(3)
    expect(failed(without.report, 'insufficient')).toEqual(['L4'])
    const { pkg: withProof } = await exportPackage({ consistency_from: [earlier.tree_size] })
    expect((await audit(withProof, pinned)).code).toBe(0)
  })

  it('refuses unreadable or malformed pins with exit 2', async () => {
    const p = write('pkg.json', pkg)
    const missing = await cli(dir, ['audit', p, '--pins', join(dir, 'no-such-pins.json')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('cannot read pins file')
    const malformed = await cli(dir, ['audit', p, '--pins', write('bad-pins.json', '{"format": "warrant.pins/v1",')])
    expect(malformed.code).toBe(2)
    const noKeys = await audit(pkg, { ...pins, instance_keys: [] })
    expect(noKeys.code).toBe(2)
    expect(noKeys.report.checks[0].id).toBe('P2')
    expect((await cli(dir, ['audit', p])).code).toBe(2)
  })

  it('makes every socket and DNS lookup throw while it runs, and restores them after', async () => {
    const attempts: string[] = []
    auditHooks.duringAudit = async () => {
      expect(() => net.connect(80, '127.0.0.1')).toThrow(NetworkBlockedError)
      // A new HTTP connection (fetch's pool may still hold the test's keep-alive sockets; the CLI process has none).
      const { port } = new URL(running.url)
      expect(() => http.get({ host: '127.0.0.1', port: Number(port), path: '/api/health', agent: false })).toThrow(
        NetworkBlockedError,
      )
      const dns = await import('node:dns')
      await expect(dns.promises.lookup('example.com')).rejects.toThrow(NetworkBlockedError)
      attempts.push('blocked')
    }
    try {
      expect((await audit(pkg)).code).toBe(0)
    } finally {
      auditHooks.duringAudit = undefined
    }
    expect(attempts).toEqual(['blocked'])
    expect((await fetch(`${running.url}/api/health`)).status).toBe(200)
  })

  it('is insufficient when a control in scope is not verified (V2)', async () => {
    await submit('ci-3', (type) => (type === 'pattern_absent' ? 'fail' : 'pass'))
    const { pkg: later } = await exportPackage()
    const r = await audit(later)
    expect(r.code).toBe(3)
    expect(failed(r.report)).toEqual([])
    expect(failed(r.report, 'insufficient')).toEqual(['V2'])
    expect(r.report.checks.find((c: any) => c.id === 'V2').message).toMatch(
      /^1 controls in scope are not verified: CTRL-02/,
    )
    // The platform's verdict edited to verified: the recomputation disagrees (the manifest no longer covers it either).
    const edited = structuredClone(later)
    edited.sections.verdicts.controls.find((c: any) => c.control_id === 'CTRL-02').verification_status = 'verified'
    const forged = await audit(edited)
    expect(forged.code).toBe(1)
    expect(failed(forged.report)).toEqual(['M5', 'V1'])
    expect(forged.report.checks.find((c: any) => c.id === 'V1').message).toBe(
      'platform states CTRL-02 verified; the evidence gives partially_verified',
    )
  })

  it('verifies a package exported after an instance-key and a log-key rotation (EVIDENCE.md §8.2)', async () => {
    const instance = await owner.post('/api/admin/instance-keys/rotate', { confirm: true })
    const log = await owner.post('/api/admin/log-keys/rotate', { confirm: true })
    expect([instance.status, log.status]).toEqual([201, 201])
    const run = await submit('ci-after-rotation', () => 'pass')
    expect(run.receipt.signatures[0].keyid).toBe(instance.body.fingerprint)
    const { pkg: rotated } = await exportPackage()
    expect(rotated.manifest.signatures[0].keyid).toBe(instance.body.fingerprint)
    expect(rotated.sections.keys.log.map((k: any) => [k.vkey, k.status])).toEqual([
      [pins.log.vkeys[0], 'retired'],
      [log.body.vkey, 'active'],
    ])
    // The old pins name the first instance key, which introduces the new one through its proven activation event;
    // checkpoints are pinned per key, so the auditor adds the new log key's vkey.
    const rotatedPins = { ...pins, log: { ...pins.log, vkeys: [...pins.log.vkeys, log.body.vkey] } }
    const r = await audit(rotated, rotatedPins)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.report.trusted.instance_keys).toEqual([
      { fingerprint: pins.instance_keys[0], how: 'pinned', event_index: null },
      { fingerprint: instance.body.fingerprint, how: 'introduced', event_index: expect.any(Number) },
    ])
    // Without it, the checkpoint proves nothing, and nothing built on its proofs holds.
    const oldLogKeyOnly = await audit(rotated, pins)
    expect(oldLogKeyOnly.code).toBe(1)
    expect(failed(oldLogKeyOnly.report)).toContain('L2')
  })
})
