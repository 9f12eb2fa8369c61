import { textDigest } from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace } from '../src/services/workspaces.js'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'

/** Archiving and restoring a workspace, and its event chain (PLATFORM.md §5.3). */
describe.each(BACKENDS)('workspace lifecycle on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let developer: Client
  let workspaceId: string
  let modelId: string

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    developer = new Client(running.url, await createKey(owner, workspaceId, 'developer'))
    modelId = (await developer.post('/api/models', { title: 'Lifecycle' })).body.id
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  it('archives only with the slug as confirmation, and an archived workspace refuses writes', async () => {
    const wrong = await owner.delete(`/api/workspaces/${workspaceId}`, { confirm: 'nope' })
    expect([wrong.status, wrong.body.error.code]).toEqual([422, 'confirmation_mismatch'])
    const slug = (await owner.get(`/api/workspaces/${workspaceId}`)).body.slug
    const archived = await owner.delete(`/api/workspaces/${workspaceId}`, { confirm: slug })
    expect(archived.status).toBe(200)
    expect(archived.body.archived_at).not.toBeNull()
    const write = await developer.patch(`/api/models/${modelId}`, { title: 'Renamed' })
    expect([write.status, write.body.error.code]).toEqual([409, 'model_archived'])
    expect((await developer.get(`/api/models/${modelId}`)).status).toBe(200)
    const restored = await owner.post(`/api/workspaces/${workspaceId}/restore`)
    expect(restored.body.archived_at).toBeNull()
    expect((await developer.patch(`/api/models/${modelId}`, { title: 'Renamed' })).status).toBe(200)
  })

  it('creates a workspace, its owner and their events in one transaction of its own', async () => {
    const db = running.server.store.db
    const counts = async () => ({
      workspaces: (await db.selectFrom('workspaces').select('id').execute()).length,
      leaves: (await db.selectFrom('log_leaves').select('idx').execute()).length,
    })
    const before = await counts()
    // An unknown owner fails the membership insert after the workspace row: nothing of the creation remains.
    await expect(
      createWorkspace(db, { name: 'Orphan', slug: 'orphan', ownerId: 'usr_missing', aiProvider: false }),
    ).rejects.toThrow()
    expect(await counts()).toEqual(before)
    const ownerId = (await owner.get('/api/users')).body.items[0].id
    const w = await createWorkspace(db, { name: 'Direct', slug: 'direct', ownerId, aiProvider: false })
    const chain = await db
      .selectFrom('log_leaves')
      .select(['seq', 'leaf'])
      .where('chain', '=', w.id)
      .orderBy('seq')
      .execute()
    expect(chain.map((r) => [r.seq, JSON.parse(Buffer.from(r.leaf).toString('utf8')).type])).toEqual([
      [1, 'workspace.changed'],
      [2, 'member.changed'],
      [3, 'security.changed'],
    ])
    expect(await counts()).toEqual({ workspaces: before.workspaces + 1, leaves: before.leaves + 3 })
  })

  it('lists the workspace chain in order to people, not to keys', async () => {
    const events = await owner.get(`/api/workspaces/${workspaceId}/events`)
    expect(events.status).toBe(200)
    const types = events.body.items.map((e: any) => e.record.type)
    expect(types).toEqual([
      'workspace.changed',
      'member.changed',
      'security.changed',
      'api_key.changed',
      'model.changed',
      'workspace.changed',
      'workspace.changed',
      'model.changed',
    ])
    expect(events.body.items.map((e: any) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    // Creation logs the workspace, its first owner and its initial policy in one transaction, at one time.
    const [created, member, policy] = events.body.items.map((e: any) => e.record)
    const name = (await owner.get(`/api/workspaces/${workspaceId}`)).body.name
    const users = (await owner.get('/api/users')).body.items
    expect(users.length).toBe(1)
    const ownerId = users[0].id
    expect(name).toBe('Acme Security')
    expect(created.data).toEqual({ change: 'created', name_digest: textDigest('Acme Security') })
    expect(created.subject).toEqual({ kind: 'workspace', id: workspaceId })
    expect(member.data).toEqual({ user_id: ownerId, role: 'owner', change: 'added' })
    expect(member.subject).toEqual({ kind: 'user', id: ownerId })
    expect([created.actor, member.actor, policy.actor]).toEqual(Array(3).fill({ kind: 'user', id: ownerId }))
    expect([member.at, policy.at]).toEqual([created.at, created.at])
    expect(events.body.items[5].record.data.change).toBe('archived')
    const page = await owner.get(`/api/workspaces/${workspaceId}/events?after_seq=1&limit=1`)
    expect(page.body.items.map((e: any) => e.seq)).toEqual([2])
    expect(page.body.next_cursor).toBe('2')
    const byKey = await developer.get(`/api/workspaces/${workspaceId}/events`)
    expect([byKey.status, byKey.body.error.code]).toEqual([403, 'forbidden'])
  })
})
