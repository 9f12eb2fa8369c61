import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiError } from '../src/errors.js'
import { createServer } from '../src/server.js'
import type { buildAuditPackage } from '../src/services/audit-package.js'
import type { Every } from '../src/services/evidence.js'
import { type Backend, Client, freshBackend, type Running, setupOwner, testConfig } from './helpers.js'
import { settledPackage } from './support/audit-packages.js'

const DAY = 86_400_000

/**
 * Queued audit packages (PLATFORM.md §2 AuditPackage, §5.19): the POST answers `202 queued`, the builder of the server
 * process makes the record `ready` or `failed`, a restart resumes it, and the sweep drops expired packages.
 */
describe('audit packages built in the background', () => {
  let backend: Backend
  let running: Running
  let owner: Client
  let workspaceId: string
  let modelId: string
  /** The sweep task the builder scheduled, run by hand; and what stopping the sweep also does. */
  let sweep: (() => Promise<void>) | undefined
  let onStop: (() => void) | undefined
  /** The builder's clock: real time unless a test freezes it. */
  let frozen: Date | undefined
  /** Each call of the injected build waits for the test to settle it. */
  const builds: {
    resolve: (v: Awaited<ReturnType<typeof buildAuditPackage>>) => void
    reject: (e: unknown) => void
  }[] = []
  let buildStarted: () => void = () => {}

  const every: Every = (_ms, task) => {
    sweep = task
    return () => {
      sweep = undefined
      onStop?.()
    }
  }
  const boot = async (build?: typeof buildAuditPackage) => {
    const server = await createServer(testConfig(backend, { checkpointIntervalMs: 3_600_000 }), {
      auditPackages: { now: () => frozen ?? new Date(), every, ...(build ? { build } : {}) },
    })
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 })
    running = { server, url, close: () => server.close() }
    owner = Object.assign(new Client(url), { cookie: owner?.cookie, csrf: owner?.csrf })
  }
  const gated: typeof buildAuditPackage = () =>
    new Promise((resolve, reject) => {
      builds.push({ resolve, reject })
      buildStarted()
    })
  const nextBuild = () => new Promise<void>((r) => (buildStarted = r))
  const request = () => owner.post(`/api/models/${modelId}/audit-packages`, {})
  /** The `audit_package.exported` events of the workspace's chain, by package id. */
  const exportedEvents = async () =>
    (await running.server.store.db.selectFrom('log_leaves').select('leaf').where('chain', '=', workspaceId).execute())
      .map((r) => JSON.parse(Buffer.from(r.leaf).toString('utf8')))
      .filter((e) => e.type === 'audit_package.exported')
      .map((e) => e.data.package_id as string)
  const stored = (id: string) =>
    running.server.store.db
      .selectFrom('audit_packages')
      .select(['state', 'package'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()

  beforeAll(async () => {
    backend = await freshBackend('pglite')
    await boot(gated)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    const model = await owner.post('/api/models', { title: 'Payments API', workspace_id: workspaceId })
    expect(model.status).toBe(201)
    modelId = model.body.id
  }, 60_000)
  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  it('answers 202 queued; a building package is 409 export_not_ready; a failed build keeps its reason only', async () => {
    const started = nextBuild()
    const created = await owner.post(`/api/models/${modelId}/audit-packages`, {
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
      repos: ['Acme/API', 'acme/api'],
    })
    expect(created.status).toBe(202)
    expect(created.body).toEqual({
      id: expect.stringMatching(/^exp_/),
      model_id: modelId,
      requested_by: expect.any(String),
      params: {
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-02-01T00:00:00.000Z',
        repos: ['acme/api'],
        consistency_from: [],
      },
      state: 'queued',
      manifest_digest: null,
      size_bytes: null,
      created_at: expect.any(String),
      ready_at: null,
      expires_at: null,
      failure: null,
    })
    await started
    const id = created.body.id
    expect((await owner.get(`/api/audit-packages/${id}`)).body.state).toBe('building')
    const early = await owner.get(`/api/audit-packages/${id}/download`)
    expect([early.status, early.body.error.code, early.body.error.message]).toEqual([
      409,
      'export_not_ready',
      'the package is building',
    ])

    builds.shift()!.reject(new ApiError(413, 'export_too_large', 'the package would hold 1001 runs (at most 1000)'))
    const failed = await settledPackage(owner, id)
    expect(failed.body).toMatchObject({
      state: 'failed',
      failure: { code: 'export_too_large', message: 'the package would hold 1001 runs (at most 1000)' },
      manifest_digest: null,
      size_bytes: null,
      ready_at: null,
      expires_at: null,
    })
    expect(await stored(id)).toEqual({ state: 'failed', package: null })
    const download = await owner.get(`/api/audit-packages/${id}/download`)
    expect([download.status, download.body.error.code]).toEqual([409, 'export_not_ready'])
    expect(await exportedEvents()).toEqual([])
  })

  it('resumes a package a stopped server left building, and logs one event when it is ready', async () => {
    const started = nextBuild()
    const created = await request()
    expect(created.status).toBe(202)
    await started
    // Stopping the builder releases the build in flight; its outcome is dropped, the record stays `building`.
    onStop = () => builds.shift()!.reject(new Error('interrupted'))
    await running.close()
    onStop = undefined
    await boot()
    const ready = await settledPackage(owner, created.body.id)
    expect(ready.body).toMatchObject({
      state: 'ready',
      failure: null,
      manifest_digest: expect.stringMatching(/^sha256:/),
    })
    expect(Date.parse(ready.body.expires_at) - Date.parse(ready.body.ready_at)).toBe(7 * DAY)
    const download = await owner.get(`/api/audit-packages/${created.body.id}/download`)
    expect(download.status).toBe(200)
    expect(download.body.format).toBe('warrant.audit-package/v1')
    expect(Number(download.headers.get('content-length'))).toBe(ready.body.size_bytes)
    expect(await exportedEvents()).toEqual([created.body.id])
  })

  it('builds a new request from queued to ready; expired packages answer 410 and the sweep drops their bytes', async () => {
    const created = await request()
    expect([created.status, created.body.state]).toEqual([202, 'queued'])
    const id = created.body.id
    const ready = await settledPackage(owner, id)
    expect(ready.body.state).toBe('ready')
    expect((await exportedEvents()).filter((x) => x === id)).toEqual([id])

    frozen = new Date(Date.parse(ready.body.expires_at) - 1)
    await sweep!()
    expect((await owner.get(`/api/audit-packages/${id}/download`)).status).toBe(200)
    expect((await stored(id)).state).toBe('ready')

    frozen = new Date(ready.body.expires_at)
    expect((await owner.get(`/api/audit-packages/${id}`)).body.state).toBe('expired')
    const gone = await owner.get(`/api/audit-packages/${id}/download`)
    expect([gone.status, gone.body.error.code]).toEqual([410, 'export_expired'])
    await sweep!()
    expect(await stored(id)).toEqual({ state: 'expired', package: null })
    const list = await owner.get(`/api/models/${modelId}/audit-packages`)
    expect(list.body.items.map((p: { id: string; state: string }) => p.state)).toEqual(['expired', 'expired', 'failed'])
    frozen = undefined
  })
})
