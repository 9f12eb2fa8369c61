import type { KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { docDigest, fingerprint } from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, type Client, freshBackend, type Running, setupOwner, start } from '../../server/test/helpers.js'
import { requestPackage } from '../../server/test/support/audit-packages.js'
import { instanceKey, resign } from './audit-forge.js'
import { auditor, failed } from './audit-support.js'

/**
 * The security policy history of an audit package (EVIDENCE.md §10.3 `policy.security`): the policy in force at the
 * window start and every later one, each checked against its `security.changed` event (E1) and required (E2).
 */
describe('warrant audit: the security policy history', () => {
  let backend: Backend
  let running: Running
  let owner: Client
  let workspaceId: string
  let modelId: string
  let signer: KeyObject
  let pins: any
  let pkg: any
  let between: string
  const dir = mkdtempSync(join(tmpdir(), 'warrant-audit-policy-'))
  const { audit: auditWith } = auditor(dir)
  const audit = (p: unknown) => auditWith(p, pins)
  const message = (report: any, id: string) => report.checks.filter((c: any) => c.id === id).map((c: any) => c.message)
  const forged = (p: any, change: (p: any) => void) => {
    const copy = structuredClone(p)
    change(copy)
    resign(copy, signer)
    return copy
  }
  const exportPackage = async (body: unknown = {}) => {
    const { record, download } = await requestPackage(owner, modelId, body)
    expect(record.body.state, JSON.stringify(record.body)).toBe('ready')
    return download.body
  }
  const setAttestation = async (on: boolean) => {
    const res = await owner.patch(`/api/workspaces/${workspaceId}/security`, { require_attestation: on })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
  }

  beforeAll(async () => {
    backend = await freshBackend('pglite')
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    const imported = await owner.post(`/api/models/import?workspace_id=${workspaceId}`, {
      format: 'warrant.model/v1',
      model: { title: 'Policy history' },
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
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    modelId = imported.body.model.id
    await setAttestation(true)
    await new Promise((r) => setTimeout(r, 5))
    between = new Date().toISOString()
    await new Promise((r) => setTimeout(r, 5))
    await setAttestation(false)
    pkg = await exportPackage()
    signer = await instanceKey(running)
    const keys = (await owner.get('/api/keys')).body
    pins = {
      format: 'warrant.pins/v1',
      instance_keys: [fingerprint(signer)],
      log: { origin: keys.log_keys[0].name, vkeys: [keys.log_keys[0].vkey] },
      workspace_id: workspaceId,
      model_ids: [modelId],
      // No run and no CI identity here: only the policy history is under test.
      policy: { require_identity_pin: false },
    }
  }, 120_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists every policy since the window start with its event, the one in force now last, and audits clean', async () => {
    const history = pkg.sections.policy.security
    expect(history.map((p: any) => p.settings.require_attestation)).toEqual([false, true, false])
    const current = (await owner.get(`/api/workspaces/${workspaceId}/security`)).body
    expect(history.at(-1).policy_digest).toBe(docDigest(history.at(-1).settings))
    expect(history.at(-1).settings.require_attestation).toBe(current.require_attestation)
    const indexes = history.map((p: any) => p.event_index)
    expect(indexes.every((i: unknown) => typeof i === 'number')).toBe(true)
    expect([...indexes].sort((a, b) => a - b)).toEqual(indexes)
    for (const p of history) {
      const entry = (await owner.get(`/api/log/entries/${p.event_index}`)).body.record
      expect(entry).toMatchObject({
        type: 'security.changed',
        at: p.effective_from,
        data: { policy_digest: p.policy_digest },
      })
    }
    const r = await audit(pkg)
    expect(r.code, JSON.stringify(r.report.checks.filter((c: any) => c.status !== 'pass'))).toBe(0)
    const status = Object.fromEntries(r.report.checks.map((c: any) => [c.id, c.status]))
    expect([status.E1, status.E2, status.V1]).toEqual(['pass', 'pass', 'pass'])
  })

  it('starts with the policy in force at the window start, whose older event comes as referenced', async () => {
    const windowed = await exportPackage({ from: between })
    const history = windowed.sections.policy.security
    expect(history.map((p: any) => p.settings.require_attestation)).toEqual([true, false])
    expect(history[0].effective_from < between).toBe(true)
    expect(windowed.sections.events.referenced.map((e: any) => e.index)).toContain(history[0].event_index)
    const r = await audit(windowed)
    expect(r.code, JSON.stringify(r.report.checks.filter((c: any) => c.status !== 'pass'))).toBe(0)
  })

  it('E1: an edited historic policy disagrees with its event, even in a re-signed package', async () => {
    const historic = pkg.sections.policy.security[1]
    const edited = forged(pkg, (p) => {
      const entry = p.sections.policy.security[1]
      entry.settings.attestation_max_age_minutes = 1440
      entry.policy_digest = docDigest(entry.settings)
    })
    const r = await audit(edited)
    expect([r.code, failed(r.report)]).toEqual([1, ['E1']])
    expect(message(r.report, 'E1')).toEqual([
      `policy ${edited.sections.policy.security[1].policy_digest} disagrees with log event ${historic.event_index}`,
    ])
    // Its digest left as it was, the entry contradicts itself; moved out of log order, the history is out of order.
    const stale = await audit(
      forged(pkg, (p) => {
        p.sections.policy.security[1].settings.require_attestation = false
      }),
    )
    expect([stale.code, failed(stale.report)]).toEqual([1, ['E1']])
    const reordered = await audit(
      forged(pkg, (p) => {
        p.sections.policy.security.reverse()
      }),
    )
    expect(failed(reordered.report)).toContain('E1')
  })

  it('E2: a historic policy without its event fails', async () => {
    const r = await audit(
      forged(pkg, (p) => {
        p.sections.policy.security[1].event_index = null
      }),
    )
    expect([r.code, failed(r.report)]).toEqual([1, ['E2']])
    expect(message(r.report, 'E2')).toEqual([
      `policy ${pkg.sections.policy.security[1].policy_digest} has no log event in the package`,
    ])
  })
})
