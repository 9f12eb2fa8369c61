import { readFileSync } from 'node:fs'
import { docDigest, textDigest } from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BACKENDS,
  type Backend,
  Client,
  createKey,
  freshBackend,
  OWNER,
  type Running,
  setupOwner,
  start,
} from './helpers.js'
import { requestPackage } from './support/audit-packages.js'

const yaml = { 'content-type': 'application/yaml' }
const MODEL_FILE = `format: warrant.model/v1
model:
  title: Ledger Imported Title
  description: Moves money between ledgers.
  repos: [Acme/Ledger]
assets:
  - id: A-01
    name: Ledger balances
    impact: high
attackers:
  - id: T-01
    name: Rogue insider
assumptions:
  - id: AS-01
    description: The database host is patched.
control_objectives:
  - id: CO-01
    statement: Balances change only through signed transfers.
    asset_id: A-01
controls:
  - id: CTRL-01
    title: Sign transfers
    description: Every transfer carries a signature that the ledger checks.
    objective_ids: [CO-01]
`

type EventRecord = {
  chain: string
  seq: number
  type: string
  actor: { kind: string; id: string | null }
  model: string | null
  subject: { kind: string; id: string }
  data: Record<string, unknown>
}

/**
 * Transparency-log events of account, API key, model and entity changes (EVIDENCE.md §9.2): logged in the transaction
 * of the change with their fixed shapes, never carrying names, and never for a change that was refused.
 */
describe.each(BACKENDS)('change events on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let ownerId: string
  let workspaceId: string
  let instanceSeen = 0
  let workspaceSeen = 0

  /** The instance chain's events since the previous call, read entry by entry from the log. */
  const newInstanceEvents = async (): Promise<EventRecord[]> => {
    const records: EventRecord[] = []
    for (let index = 0; ; index++) {
      const entry = await owner.get(`/api/log/entries/${index}`)
      if (entry.status === 404) break
      if (entry.body.record.chain === '_instance') records.push(entry.body.record)
    }
    const fresh = records.slice(instanceSeen)
    instanceSeen = records.length
    return fresh
  }

  /** The workspace chain's events since the previous call, of the given types. */
  const newWorkspaceEvents = async (...types: string[]): Promise<EventRecord[]> => {
    const res = await owner.get(`/api/workspaces/${workspaceId}/events?after_seq=${workspaceSeen}&limit=1000`)
    expect(res.status).toBe(200)
    const records: EventRecord[] = res.body.items.map((i: { record: EventRecord }) => i.record)
    workspaceSeen = records.at(-1)?.seq ?? workspaceSeen
    return records.filter((r) => types.includes(r.type))
  }

  const without = (texts: string[], records: EventRecord[]) => {
    const text = JSON.stringify(records)
    for (const t of texts) expect(text).not.toContain(t)
  }

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    ownerId = (await owner.get('/api/auth/session')).body.user.id
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  const userEvent = (userId: string, change: string, actorId = ownerId) => ({
    type: 'user.changed',
    actor: { kind: 'user', id: actorId },
    model: null,
    subject: { kind: 'user', id: userId },
    data: { user_id: userId, change },
  })

  it('logs the first owner as created and granted admin on the instance chain', async () => {
    const events = await newInstanceEvents()
    expect(events.filter((e) => e.type === 'user.changed')).toEqual([
      expect.objectContaining(userEvent(ownerId, 'created')),
      expect.objectContaining(userEvent(ownerId, 'admin_granted')),
    ])
    without([OWNER.email, OWNER.display_name], events)
  })

  const dana = { email: 'dana.secret@example.com', display_name: 'Dana Quietname', password: 'a long dana passphrase' }
  let danaId: string

  it('logs a created user, admin grants and revocations, and nothing for a refused or empty change', async () => {
    const created = await owner.post('/api/users', dana)
    expect(created.status).toBe(201)
    danaId = created.body.user.id
    expect((await owner.post('/api/users', dana)).status).toBe(409)
    const granted = await owner.patch(`/api/users/${danaId}`, { instance_admin: true })
    expect(granted.status).toBe(200)
    expect((await owner.patch(`/api/users/${danaId}`, { instance_admin: true })).status).toBe(200)
    expect((await owner.patch(`/api/users/${danaId}`, { display_name: 'Dana Othername' })).status).toBe(200)
    expect((await owner.patch(`/api/users/${danaId}`, { instance_admin: false })).status).toBe(200)
    const lastAdmin = await owner.patch(`/api/users/${ownerId}`, { instance_admin: false })
    expect([lastAdmin.status, lastAdmin.body.error.code]).toEqual([409, 'last_instance_admin'])
    const events = await newInstanceEvents()
    expect(events).toEqual([
      expect.objectContaining(userEvent(danaId, 'created')),
      expect.objectContaining(userEvent(danaId, 'admin_granted')),
      expect.objectContaining(userEvent(danaId, 'admin_revoked')),
    ])
    for (const e of events) expect(Object.keys(e.data).sort()).toEqual(['change', 'user_id'])
    without([dana.email, dana.display_name, 'Dana Othername'], events)
  })

  const keyEvent = (key: { id: string; scope: string }, change: string, actorId: string) => ({
    chain: workspaceId,
    type: 'api_key.changed',
    actor: { kind: 'user', id: actorId },
    model: null,
    subject: { kind: 'api_key', id: key.id },
    data: { key_id: key.id, scope: key.scope, change },
  })

  it('logs API keys created and revoked, and suspended and restored with their creator', async () => {
    await newWorkspaceEvents()
    expect(
      (await owner.post(`/api/workspaces/${workspaceId}/members`, { email: dana.email, role: 'member' })).status,
    ).toBe(201)
    const danaClient = new Client(running.url)
    expect((await danaClient.post('/api/auth/login', { email: dana.email, password: dana.password })).status).toBe(200)
    const createKey = async (client: Client, label: string, scope: string) => {
      const res = await client.post(`/api/workspaces/${workspaceId}/api-keys`, { label, scope })
      expect(res.status).toBe(201)
      return res.body.api_key as { id: string; scope: string }
    }
    const kept = await createKey(danaClient, 'Dana deploy key', 'developer')
    const dropped = await createKey(danaClient, 'Dana dropped key', 'developer')
    const verifier = await createKey(owner, 'Owner verifier key', 'verifier')
    const past = await owner.post(`/api/workspaces/${workspaceId}/api-keys`, {
      label: 'Too late',
      scope: 'developer',
      expires_at: '2020-01-01T00:00:00.000Z',
    })
    expect(past.status).toBe(422)
    const refused = await danaClient.delete(`/api/workspaces/${workspaceId}/api-keys/${verifier.id}`)
    expect(refused.status).toBe(403)
    expect((await danaClient.delete(`/api/workspaces/${workspaceId}/api-keys/${dropped.id}`)).status).toBe(204)
    expect((await danaClient.delete(`/api/workspaces/${workspaceId}/api-keys/${dropped.id}`)).status).toBe(204)
    expect((await owner.patch(`/api/users/${danaId}`, { disabled: true })).status).toBe(200)
    expect((await owner.patch(`/api/users/${danaId}`, { disabled: true })).status).toBe(200)
    expect((await owner.patch(`/api/users/${danaId}`, { disabled: false })).status).toBe(200)

    const events = await newWorkspaceEvents('api_key.changed')
    expect(events).toEqual([
      expect.objectContaining(keyEvent(kept, 'created', danaId)),
      expect.objectContaining(keyEvent(dropped, 'created', danaId)),
      expect.objectContaining(keyEvent(verifier, 'created', ownerId)),
      expect.objectContaining(keyEvent(dropped, 'revoked', danaId)),
      // Only the key that would still authenticate is suspended; the revoked one stays revoked.
      expect.objectContaining(keyEvent(kept, 'suspended', ownerId)),
      expect.objectContaining(keyEvent(kept, 'restored', ownerId)),
    ])
    without(['Dana deploy key', 'Dana dropped key', 'Owner verifier key', dana.email], events)
    expect(await newInstanceEvents()).toEqual([
      expect.objectContaining(userEvent(danaId, 'disabled')),
      expect.objectContaining(userEvent(danaId, 'enabled')),
    ])
  })

  let keyId: string
  let developer: Client
  const modelDigest = (m: { id: string; revision: number; title: string; description: string; repos: string[] }) =>
    docDigest({ id: m.id, revision: m.revision, title: m.title, description: m.description, repos: m.repos })

  it('logs a model created, updated, archived and restored by its actor, and nothing for refused changes', async () => {
    const key = await owner.post(`/api/workspaces/${workspaceId}/api-keys`, { label: 'models', scope: 'developer' })
    keyId = key.body.api_key.id
    developer = new Client(running.url, key.body.secret)
    await newWorkspaceEvents()

    const title = 'Secret Payments Model'
    const created = await developer.post('/api/models', { title, repos: ['Acme/Pay'] })
    expect(created.status).toBe(201)
    const m = created.body
    expect((await developer.post('/api/models', { title: 'x'.repeat(201) })).status).toBe(422)
    const updated = await developer.patch(`/api/models/${m.id}`, { description: 'Hidden description text' })
    expect(updated.body.revision).toBe(2)
    expect((await developer.delete(`/api/models/${m.id}`, { reason: 'no longer used' })).status).toBe(403)
    expect((await owner.delete(`/api/models/${m.id}`, { reason: 'no longer used' })).status).toBe(200)
    const again = await owner.delete(`/api/models/${m.id}`, { reason: 'twice' })
    expect([again.status, again.body.error.code]).toEqual([409, 'model_archived'])
    expect((await owner.post(`/api/models/${m.id}/restore`)).body.archived_at).toBeNull()
    expect((await owner.post(`/api/models/${m.id}/restore`)).status).toBe(200)

    const at = (revision: number, description: string) =>
      modelDigest({ id: m.id, revision, title, description, repos: ['acme/pay'] })
    const event = (change: string, revision: number, digest: string, actor: { kind: string; id: string }) => ({
      chain: workspaceId,
      type: 'model.changed',
      actor,
      model: m.id,
      subject: { kind: 'model', id: m.id },
      data: { change, revision, content_digest: digest },
    })
    const byKey = { kind: 'api_key', id: keyId }
    const byOwner = { kind: 'user', id: ownerId }
    const events = await newWorkspaceEvents('model.changed', 'entity.changed')
    expect(events).toEqual([
      expect.objectContaining(event('created', 1, at(1, ''), byKey)),
      expect.objectContaining(event('updated', 2, at(2, 'Hidden description text'), byKey)),
      expect.objectContaining(event('archived', 2, at(2, 'Hidden description text'), byOwner)),
      expect.objectContaining(event('restored', 2, at(2, 'Hidden description text'), byOwner)),
    ])
    without([title, 'Hidden description text', 'no longer used'], events)
  })

  it('logs assets, attackers, assumptions and objectives created, updated and deleted with their content digest', async () => {
    const m = (await developer.post('/api/models', { title: 'Entities' })).body
    await newWorkspaceEvents()
    const base = `/api/models/${m.id}`
    const asset = await developer.post(`${base}/assets`, { name: 'Vault of cards', impact: 'high' })
    expect(asset.body.id).toBe('A-01')
    const attacker = await developer.post(`${base}/attackers`, { id: 'T-07', name: 'Night crew', likelihood: 'low' })
    expect(attacker.status).toBe(201)
    const assumption = await developer.post(`${base}/assumptions`, { description: 'Backups are offline' })
    expect(assumption.status).toBe(201)
    const unknownRef = await developer.post(`${base}/control-objectives`, {
      statement: 'Cards stay put',
      asset_id: 'A-99',
    })
    expect([unknownRef.status, unknownRef.body.error.code]).toEqual([422, 'reference_unknown'])
    const objective = await developer.post(`${base}/control-objectives`, {
      statement: 'Cards stay put',
      asset_id: 'A-01',
    })
    expect(objective.body.id).toBe('CO-01')
    expect((await developer.patch(`${base}/assets/A-01`, { notes: 'Rotated keys' })).status).toBe(200)
    expect((await developer.delete(`${base}/attackers/T-07`, { reason: 'gone' })).status).toBe(200)
    expect((await developer.delete(`${base}/attackers/T-07`, { reason: 'gone again' })).status).toBe(200)

    const event = (entity_kind: string, id: string, change: string, content: Record<string, unknown>) => ({
      chain: workspaceId,
      type: 'entity.changed',
      actor: { kind: 'api_key', id: keyId },
      model: m.id,
      subject: { kind: entity_kind, id },
      data: { entity_kind, entity_id: id, change, content_digest: docDigest({ id, ...content }) },
    })
    const events = await newWorkspaceEvents('model.changed', 'entity.changed')
    expect(events).toEqual([
      expect.objectContaining(event('asset', 'A-01', 'created', { name: 'Vault of cards', impact: 'high' })),
      expect.objectContaining(event('attacker', 'T-07', 'created', { name: 'Night crew', likelihood: 'low' })),
      expect.objectContaining(event('assumption', 'AS-01', 'created', { description: 'Backups are offline' })),
      expect.objectContaining(
        event('objective', 'CO-01', 'created', { statement: 'Cards stay put', asset_id: 'A-01' }),
      ),
      expect.objectContaining(
        event('asset', 'A-01', 'updated', { name: 'Vault of cards', impact: 'high', notes: 'Rotated keys' }),
      ),
      expect.objectContaining(event('attacker', 'T-07', 'deleted', { name: 'Night crew', likelihood: 'low' })),
    ])
    without(['Vault of cards', 'Night crew', 'Backups are offline', 'Cards stay put', 'Rotated keys', 'gone'], events)
  })

  it('logs an imported model with its entities, and an update import as updates, creations and deletions', async () => {
    await newWorkspaceEvents()
    const imported = await developer.post(`/api/models/import?workspace_id=${workspaceId}`, MODEL_FILE, yaml)
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    const m = imported.body.model
    const byKey = { kind: 'api_key', id: keyId }
    const modelEvent = (change: string, revision: number, title: string) => ({
      chain: workspaceId,
      type: 'model.changed',
      actor: byKey,
      model: m.id,
      subject: { kind: 'model', id: m.id },
      data: {
        change,
        revision,
        content_digest: modelDigest({
          id: m.id,
          revision,
          title,
          description: 'Moves money between ledgers.',
          repos: ['acme/ledger'],
        }),
      },
    })
    const entity = (entity_kind: string, id: string, change: string, content: Record<string, unknown>) => ({
      chain: workspaceId,
      type: 'entity.changed',
      actor: byKey,
      model: m.id,
      subject: { kind: entity_kind, id },
      data: { entity_kind, entity_id: id, change, content_digest: docDigest({ id, ...content }) },
    })
    const asset = { name: 'Ledger balances', impact: 'high' }
    const attacker = { name: 'Rogue insider' }
    const objective = { statement: 'Balances change only through signed transfers.', asset_id: 'A-01' }
    const created = await newWorkspaceEvents('model.changed', 'entity.changed')
    expect(created).toEqual([
      expect.objectContaining(modelEvent('imported', 1, 'Ledger Imported Title')),
      expect.objectContaining(entity('asset', 'A-01', 'created', asset)),
      expect.objectContaining(entity('attacker', 'T-01', 'created', attacker)),
      expect.objectContaining(
        entity('assumption', 'AS-01', 'created', { description: 'The database host is patched.' }),
      ),
      expect.objectContaining(entity('objective', 'CO-01', 'created', objective)),
    ])

    const next = MODEL_FILE.replace('Ledger Imported Title', 'Ledger Renamed Title')
      .replace('impact: high', 'impact: low')
      .replace(/attackers:\n {2}- id: T-01\n {4}name: Rogue insider\n/, '')
      .replace(
        'The database host is patched.',
        'The database host is patched.\n  - id: AS-02\n    description: Staff rotate.',
      )
    const dry = await developer.post(`/api/models/${m.id}/import?mode=sync&dry_run=true`, next, yaml)
    expect(dry.status, JSON.stringify(dry.body)).toBe(200)
    const synced = await developer.post(`/api/models/${m.id}/import?mode=sync`, next, yaml)
    expect(synced.status, JSON.stringify(synced.body)).toBe(200)
    // The deleted attacker's id cannot come back: the whole import is refused and logs nothing.
    const conflict = await developer.post(`/api/models/${m.id}/import?mode=sync`, MODEL_FILE, yaml)
    expect([conflict.status, conflict.body.error.code]).toEqual([409, 'import_conflict'])
    const changed = await newWorkspaceEvents('model.changed', 'entity.changed')
    expect(changed).toEqual([
      expect.objectContaining(modelEvent('updated', 2, 'Ledger Renamed Title')),
      expect.objectContaining(entity('asset', 'A-01', 'updated', { ...asset, impact: 'low' })),
      expect.objectContaining(entity('attacker', 'T-01', 'deleted', attacker)),
      expect.objectContaining(entity('assumption', 'AS-02', 'created', { description: 'Staff rotate.' })),
    ])
    without(
      ['Ledger Imported Title', 'Ledger Renamed Title', 'Ledger balances', 'Rogue insider', 'Staff rotate'],
      [...created, ...changed],
    )
  })
})

const PAYMENTS = readFileSync(new URL('./fixtures/payments.yaml', import.meta.url))
const REPO = 'acme/payments-api'

/** A stored coherence or sufficiency evaluation as the audit package exports it, without `event_index`. */
const exported = ({ job: _job, last_error: _error, ...rest }: Record<string, unknown>) => rest

/**
 * Transparency-log events of memberships, workspace settings, control changes and judgements (EVIDENCE.md §9.2):
 * logged with the change, fixed shapes, digests instead of text, nothing for a refused change; the audit package
 * points each record at its newest event.
 */
describe.each(BACKENDS)('control and judgement events on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let ownerId: string
  let workspaceId: string
  let developer: Client
  let keyId: string
  let reviewer: Client
  let ritaId: string
  let modelId: string
  let seen = 0
  const rita = { email: 'rita.hidden@example.com', display_name: 'Rita Hiddenname', password: 'reviewer passphrase 42' }

  const newEvents = async (...types: string[]): Promise<(EventRecord & { log_index: number })[]> => {
    const res = await owner.get(`/api/workspaces/${workspaceId}/events?after_seq=${seen}&limit=1000`)
    expect(res.status).toBe(200)
    const items: { log_index: number; record: EventRecord }[] = res.body.items
    seen = items.at(-1)?.record.seq ?? seen
    return items.filter((i) => types.includes(i.record.type)).map((i) => ({ ...i.record, log_index: i.log_index }))
  }
  const without = (texts: string[], records: EventRecord[]) => {
    const text = JSON.stringify(records)
    for (const t of texts) expect(text).not.toContain(t)
  }
  const byOwner = () => ({ kind: 'user', id: ownerId })
  const byRita = () => ({ kind: 'user', id: ritaId })
  const byKey = () => ({ kind: 'api_key', id: keyId })
  const SYSTEM = { kind: 'system', id: null }
  const event = (
    type: string,
    actor: { kind: string; id: string | null },
    subject: { kind: string; id: string },
    data: Record<string, unknown>,
    model: string | null = modelId,
  ) => expect.objectContaining({ chain: workspaceId, type, actor, model, subject, data })

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    ownerId = (await owner.get('/api/auth/session')).body.user.id
    const key = await owner.post(`/api/workspaces/${workspaceId}/api-keys`, { label: 'dev', scope: 'developer' })
    keyId = key.body.api_key.id
    developer = new Client(running.url, key.body.secret)
    ritaId = (await owner.post('/api/users', rita)).body.user.id
    reviewer = new Client(running.url)
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  it('logs members added, their role changed and removed, and nothing for refused or empty changes', async () => {
    const sam = { email: 'sam.hidden@example.com', display_name: 'Sam Hiddenname', password: 'auditor passphrase 42' }
    const samId = (await owner.post('/api/users', sam)).body.user.id
    await newEvents()
    const members = `/api/workspaces/${workspaceId}/members`
    expect((await owner.post(members, { email: rita.email, role: 'member' })).status).toBe(201)
    expect((await owner.post(members, { email: sam.email, role: 'auditor' })).status).toBe(201)
    const twice = await owner.post(members, { email: rita.email, role: 'owner' })
    expect([twice.status, twice.body.error.code]).toEqual([409, 'already_member'])
    expect((await owner.post(members, { email: 'nobody@example.com', role: 'member' })).status).toBe(404)
    expect((await owner.patch(`${members}/${ritaId}`, { role: 'reviewer' })).body.role).toBe('reviewer')
    expect((await owner.patch(`${members}/${ritaId}`, { role: 'reviewer' })).status).toBe(200)
    const demoted = await owner.patch(`${members}/${ownerId}`, { role: 'member' })
    expect([demoted.status, demoted.body.error.code]).toEqual([409, 'last_owner'])
    expect((await reviewer.post('/api/auth/login', { email: rita.email, password: rita.password })).status).toBe(200)
    expect((await reviewer.delete(`${members}/${samId}`)).status).toBe(403)
    expect((await owner.delete(`${members}/${samId}`)).status).toBe(204)
    const leaving = await owner.delete(`${members}/${ownerId}`)
    expect([leaving.status, leaving.body.error.code]).toEqual([409, 'last_owner'])

    const member = (userId: string, role: string, change: string) =>
      event('member.changed', byOwner(), { kind: 'user', id: userId }, { user_id: userId, role, change }, null)
    const events = await newEvents('member.changed')
    expect(events).toEqual([
      member(ritaId, 'member', 'added'),
      member(samId, 'auditor', 'added'),
      member(ritaId, 'reviewer', 'role_changed'),
      member(samId, 'auditor', 'removed'),
    ])
    without([rita.email, rita.display_name, sam.email, sam.display_name], events)
  })

  it('logs a settings change with the digest of the settings after it, and nothing for refused or empty ones', async () => {
    await newEvents()
    const path = `/api/workspaces/${workspaceId}/settings`
    const change = { review_max_age_days: 30, source_link_template: 'https://code.hidden.example/{repo}/{path}' }
    expect((await owner.patch(path, change)).status).toBe(200)
    expect((await owner.patch(path, change)).status).toBe(200)
    const ai = await owner.patch(path, { coherence_mode: 'ai' })
    expect([ai.status, ai.body.error.code]).toEqual([422, 'provider_required'])
    expect((await reviewer.patch(path, { review_max_age_days: 7 })).status).toBe(403)
    const settings = (await owner.get(path)).body
    expect(settings).toMatchObject(change)
    const events = await newEvents('workspace.settings_changed')
    expect(events).toEqual([
      event(
        'workspace.settings_changed',
        byOwner(),
        { kind: 'workspace', id: workspaceId },
        { settings_digest: docDigest(settings) },
        null,
      ),
    ])
    without(['code.hidden.example'], events)
  })

  it('logs a rename with the digest of the new name, and nothing for a slug-only or refused change', async () => {
    await newEvents()
    const path = `/api/workspaces/${workspaceId}`
    expect((await owner.patch(path, { name: 'Hidden Renamed Team' })).status).toBe(200)
    expect((await owner.patch(path, { name: 'Hidden Renamed Team' })).status).toBe(200)
    expect((await owner.patch(path, { slug: 'hidden-renamed' })).status).toBe(200)
    expect((await reviewer.patch(path, { name: 'Refused Name' })).status).toBe(403)
    const events = await newEvents('workspace.changed')
    expect(events).toEqual([
      event(
        'workspace.changed',
        byOwner(),
        { kind: 'workspace', id: workspaceId },
        { change: 'renamed', name_digest: textDigest('Hidden Renamed Team') },
        null,
      ),
    ])
    without(['Hidden Renamed Team', 'Refused Name'], events)
  })

  it('logs a new workspace, its first owner and its initial policy, in order, in one transaction', async () => {
    const created = await owner.post('/api/workspaces', { name: 'Hidden Second Team', slug: 'hidden-second' })
    expect(created.status).toBe(201)
    const taken = await owner.post('/api/workspaces', { name: 'Refused Team', slug: 'hidden-second' })
    expect([taken.status, taken.body.error.code]).toEqual([409, 'slug_taken'])
    const ws = created.body.id
    // The policy as stored: the workspace's security settings without the members the API adds to them.
    const { active_signing_key: _key, warnings: _warnings, ...policy } = created.body.security
    const res = await owner.get(`/api/workspaces/${ws}/events`)
    const items: { log_index: number; seq: number; record: EventRecord & { at: string } }[] = res.body.items
    const onNew = { kind: 'workspace', id: ws }
    expect(items.map((i) => i.record)).toEqual([
      expect.objectContaining({
        chain: ws,
        type: 'workspace.changed',
        actor: byOwner(),
        model: null,
        subject: onNew,
        data: { change: 'created', name_digest: textDigest('Hidden Second Team') },
      }),
      expect.objectContaining({
        chain: ws,
        type: 'member.changed',
        actor: byOwner(),
        model: null,
        subject: { kind: 'user', id: ownerId },
        data: { user_id: ownerId, role: 'owner', change: 'added' },
      }),
      expect.objectContaining({
        chain: ws,
        type: 'security.changed',
        actor: byOwner(),
        model: null,
        subject: onNew,
        data: {
          policy_digest: docDigest(policy),
          require_attestation: false,
          runs_no_longer_counting: 0,
        },
      }),
    ])
    expect(items.map((i) => i.seq)).toEqual([1, 2, 3])
    // One transaction: consecutive log entries, one time.
    const first = items[0]!.log_index
    expect(items.map((i) => i.log_index)).toEqual([first, first + 1, first + 2])
    expect(new Set(items.map((i) => i.record.at)).size).toBe(1)
    without(
      ['Hidden Second Team', 'Refused Team'],
      items.map((i) => i.record),
    )
    // Nothing reached this workspace's chain.
    expect(await newEvents('workspace.changed', 'member.changed', 'security.changed')).toEqual([])
  })

  let assertionId: string
  let coherenceIndex: number

  it('logs heuristic coherence verdicts and a reviewer override with the digest of the exported record', async () => {
    const imported = await developer.post('/api/models/import', PAYMENTS, { 'content-type': 'application/yaml' })
    expect(imported.status).toBe(201)
    modelId = imported.body.model.id
    await newEvents()
    const submitted = await developer.post(`/api/models/${modelId}/controls/CTRL-03/assertions`, {
      assertions: [
        {
          type: 'env_var_referenced',
          params: { glob: 'ci/**/*.sh', variable: 'PIP_REQUIRE_HASHES' },
          description: 'Hidden assertion description.',
        },
      ],
    })
    expect(submitted.status).toBe(201)
    assertionId = submitted.body.assertions[0].id
    const coherence = `/api/models/${modelId}/assertions/${assertionId}/coherence`
    const rationale = 'Hidden rationale: hashes pin the supply chain.'
    const byCreator = await owner.post(`${coherence}/override`, { verdict: 'coherent', rationale })
    expect([byCreator.status, byCreator.body.error.code]).toEqual([403, 'separation_of_duties'])
    expect((await reviewer.post(`${coherence}/override`, { verdict: 'coherent', rationale: 'short' })).status).toBe(422)
    const override = await reviewer.post(`${coherence}/override`, { verdict: 'coherent', rationale })
    expect(override.status).toBe(201)
    const [human, heuristic] = (await owner.get(coherence)).body.history
    expect([human.id, heuristic.method, heuristic.verdict]).toEqual([override.body.id, 'heuristic', 'incoherent'])

    const evaluated = (e: Record<string, any>, actor: { kind: string; id: string | null }) =>
      event(
        'coherence.evaluated',
        actor,
        { kind: 'coherence_evaluation', id: e.id },
        {
          evaluation_id: e.id,
          assertion_id: assertionId,
          control_revision: 1,
          verdict: e.verdict,
          method: e.method,
          model: null,
          prompt_hash: null,
          heuristic_version: e.heuristic_version,
          evaluation_digest: docDigest(exported(e)),
        },
      )
    const events = await newEvents('coherence.evaluated', 'assertion.created')
    expect(events).toEqual([
      expect.objectContaining({ type: 'assertion.created' }),
      evaluated(heuristic, SYSTEM),
      evaluated(human, byRita()),
    ])
    expect(heuristic.heuristic_version).toEqual(expect.any(String))
    expect(human.heuristic_version).toBeNull()
    coherenceIndex = events[2]!.log_index
    without([rationale, 'Hidden assertion description', 'PIP_REQUIRE_HASHES'], events)
  })

  let linkIndexes: number[]
  let implementationIndex: number

  it('logs implementation changes, evidence links added and removed, and nothing for refused ones', async () => {
    const control = `/api/models/${modelId}/controls`
    const bare = await developer.post(control, {
      title: 'Hidden bare control',
      description: 'Nothing yet.',
      objective_ids: ['CO-01'],
    })
    expect(bare.status).toBe(201)
    await newEvents()
    const refused = await developer.put(`${control}/${bare.body.id}/implementation`, { status: 'implemented' })
    expect([refused.status, refused.body.error.code]).toEqual([422, 'assertions_required'])
    const notes = 'Hidden implementation notes'
    expect((await developer.put(`${control}/CTRL-03/implementation`, { status: 'implemented', notes })).status).toBe(
      200,
    )
    expect((await developer.patch(`${control}/CTRL-03`, { implementation_notes: 'Hidden later notes' })).status).toBe(
      200,
    )
    expect((await developer.patch(`${control}/CTRL-03`, { implementation_notes: 'Hidden later notes' })).status).toBe(
      200,
    )
    const link = await developer.post(`${control}/CTRL-03/evidence-links`, {
      kind: 'document',
      label: 'Hidden runbook label',
      url: 'https://docs.hidden.example/runbook',
    })
    expect(link.status).toBe(201)
    const unknown = await developer.post(`${control}/CTRL-99/evidence-links`, { kind: 'document', label: 'x' })
    expect(unknown.status).toBe(404)
    const gone = await developer.post(`${control}/CTRL-03/evidence-links`, { kind: 'document', label: 'Gone link' })
    expect((await developer.delete(`${control}/CTRL-03/evidence-links/${gone.body.id}`)).status).toBe(204)
    expect((await developer.delete(`${control}/CTRL-03/evidence-links/${gone.body.id}`)).status).toBe(404)

    const implementation = (status: string, text: string) =>
      event(
        'control.implementation_changed',
        byKey(),
        { kind: 'control', id: 'CTRL-03' },
        { control_id: 'CTRL-03', status, notes_digest: textDigest(text) },
      )
    const linkEvent = (l: Record<string, any>, change: string) =>
      event(
        'evidence_link.changed',
        byKey(),
        { kind: 'evidence_link', id: l.id },
        {
          control_id: 'CTRL-03',
          link_id: l.id,
          change,
          content_digest: docDigest({
            id: l.id,
            control_id: 'CTRL-03',
            kind: l.kind,
            label: l.label,
            url: l.url,
            created_by: { kind: 'api_key', id: keyId, user_id: ownerId },
          }),
        },
      )
    const events = await newEvents('control.implementation_changed', 'evidence_link.changed')
    expect(events).toEqual([
      implementation('implemented', notes),
      implementation('implemented', 'Hidden later notes'),
      linkEvent(link.body, 'created'),
      linkEvent(gone.body, 'created'),
      linkEvent(gone.body, 'deleted'),
    ])
    implementationIndex = events[1]!.log_index
    linkIndexes = [events[2]!.log_index, events[4]!.log_index]
    without([notes, 'Hidden later notes', 'Hidden runbook label', 'docs.hidden.example', 'Gone link'], events)
  })

  let reviewIndex: number
  let sufficiencyIndex: number

  it('logs control reviews and sufficiency sign-offs with the digest of the record, and nothing refused', async () => {
    await newEvents()
    const control = `/api/models/${modelId}/controls/CTRL-03`
    const note = 'Hidden review note'
    expect((await developer.post(`${control}/reviews`, { outcome: 'confirmed', note })).status).toBe(403)
    const review = await reviewer.post(`${control}/reviews`, { outcome: 'changes_requested', note })
    expect(review.status).toBe(201)
    const { assertion_set_digest } = (await owner.get(`${control}/sufficiency`)).body
    const details = 'Hidden sufficiency details'
    const signOff = { status: 'sufficient', details, missing_aspects: ['Hidden aspect'] }
    const stale = await reviewer.post(`${control}/sufficiency/sign-off`, {
      ...signOff,
      assertion_set_digest: `sha256:${'0'.repeat(64)}`,
    })
    expect([stale.status, stale.body.error.code]).toEqual([409, 'assertion_set_changed'])
    const signed = await reviewer.post(`${control}/sufficiency/sign-off`, { ...signOff, assertion_set_digest })
    expect(signed.status).toBe(201)
    const [stored] = (await owner.get(`${control}/sufficiency`)).body.history

    const events = await newEvents('control.reviewed', 'sufficiency.evaluated')
    expect(events).toEqual([
      event(
        'control.reviewed',
        byRita(),
        { kind: 'control_review', id: review.body.id },
        {
          review_id: review.body.id,
          control_id: 'CTRL-03',
          revision: 1,
          outcome: 'changes_requested',
          review_digest: docDigest(review.body),
        },
      ),
      event(
        'sufficiency.evaluated',
        byRita(),
        { kind: 'sufficiency_evaluation', id: signed.body.id },
        {
          evaluation_id: signed.body.id,
          control_id: 'CTRL-03',
          control_revision: 1,
          assertion_set_digest,
          status: 'sufficient',
          method: 'human',
          model: null,
          prompt_hash: null,
          evaluation_digest: docDigest(exported(stored)),
        },
      ),
    ])
    reviewIndex = events[0]!.log_index
    sufficiencyIndex = events[1]!.log_index
    without([note, details, 'Hidden aspect'], events)
  })

  it('logs refinements proposed, decided and withdrawn, and nothing for refused decisions', async () => {
    await newEvents()
    const control = `/api/models/${modelId}/controls/CTRL-02`
    const justification = 'Hidden justification: the handlers changed.'
    const proposed = await developer.post(`${control}/refine`, { description: 'Hidden new text.', justification })
    expect(proposed.status).toBe(202)
    const ref = proposed.body.refinement.id
    const decide = (client: Client, decision: string) =>
      client.post(`${control}/refinements/${ref}/decision`, { decision, note: 'Hidden decision note' })
    expect((await decide(developer, 'accept')).status).toBe(403)
    const accepted = await decide(reviewer, 'accept')
    expect(accepted.status).toBe(200)
    expect((await decide(reviewer, 'reject')).status).toBe(409)
    const second = await developer.post(`${control}/refine`, { description: 'Hidden other text.', justification })
    const withdraw = `${control}/refinements/${second.body.refinement.id}/withdraw`
    expect((await developer.post(withdraw)).body.status).toBe('withdrawn')
    expect((await developer.post(withdraw)).status).toBe(409)

    const refinement = (id: string, status: string, actor: { kind: string; id: string }, note: string | null) =>
      event(
        'refinement.changed',
        actor,
        { kind: 'refinement', id },
        {
          refinement_id: id,
          control_id: 'CTRL-02',
          status,
          method: 'human',
          model: null,
          prompt_hash: null,
          decision_digest: note === null ? null : textDigest(note),
        },
      )
    const events = await newEvents('refinement.changed', 'control.revised')
    expect(events).toEqual([
      refinement(ref, 'pending_review', byKey(), null),
      expect.objectContaining({
        type: 'control.revised',
        actor: byRita(),
        data: expect.objectContaining({ cause: 'refine' }),
      }),
      refinement(ref, 'accepted', byRita(), 'Hidden decision note'),
      refinement(second.body.refinement.id, 'pending_review', byKey(), null),
      refinement(second.body.refinement.id, 'withdrawn', byKey(), null),
    ])
    without([justification, 'Hidden new text', 'Hidden other text', 'Hidden decision note'], events)
  })

  it('logs a Tier 2 review with the digest of the record, and nothing for a refused one', async () => {
    const verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    const pulled = await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)
    const a = pulled.body.assertions.find((x: { control_id: string }) => x.control_id === 'CTRL-01')
    const evidence_digest = `sha256:${'1'.repeat(64)}`
    const run = await verifier.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'local', run_id: 'r1', commit_sha: '1'.repeat(40), repo: REPO },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: [
        { assertion_id: a.id, assertion_digest: a.digest, tier: 1, result: 'pass', details: 'ok', evidence_digest },
        {
          assertion_id: a.id,
          assertion_digest: a.digest,
          tier: 2,
          result: 'skipped',
          details: 'Tier 2 not configured',
          provider: 'none',
        },
      ],
    })
    expect(run.status).toBe(201)
    const anchor = (await owner.get(`/api/models/${modelId}/assertions/${a.id}`)).body.per_repo[0].tier1.result_id
    await newEvents()
    const rationale = 'Hidden rationale: the middleware rejects unsigned tokens.'
    const review = {
      repo: REPO,
      verdict: 'pass',
      rationale,
      anchor_result_id: anchor,
      prompt_hash: a.tier2_prompt_hash,
    }
    const path = `/api/models/${modelId}/assertions/${a.id}/tier2-reviews`
    const byCreator = await owner.post(path, review)
    expect([byCreator.status, byCreator.body.error.code]).toEqual([403, 'separation_of_duties'])
    const ok = await reviewer.post(path, review)
    expect(ok.status).toBe(201)
    const [stored] = (await owner.get(path)).body.items
    const events = await newEvents('tier2.reviewed')
    expect(events).toEqual([
      event(
        'tier2.reviewed',
        byRita(),
        { kind: 'tier2_review', id: stored.id },
        {
          review_id: stored.id,
          assertion_id: a.id,
          repo: REPO,
          verdict: 'pass',
          anchor_result_id: anchor,
          evidence_digest,
          prompt_hash: a.tier2_prompt_hash,
          review_digest: docDigest(stored),
        },
      ),
    ])
    without([rationale], events)
  })

  it('logs a deleted control with its assertions and resolved drift, and nothing when refused', async () => {
    const verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    const pulled = await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)
    const a = pulled.body.assertions.find((x: { control_id: string }) => x.control_id === 'CTRL-01')
    const failed = await verifier.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'local', run_id: 'r2', commit_sha: '2'.repeat(40), repo: REPO },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: [{ assertion_id: a.id, assertion_digest: a.digest, tier: 1, result: 'fail', details: 'missing' }],
    })
    expect(failed.status).toBe(201)
    const drifts = (await newEvents('drift.detected')).map((e) => e.data.drift_id as string)
    expect(drifts).toEqual([expect.any(String)])
    const drift = drifts[0]!
    const control = `/api/models/${modelId}/controls/CTRL-01`
    const reason = 'Hidden deletion reason'
    expect((await developer.delete(`/api/models/${modelId}/controls/CTRL-99`, { reason })).status).toBe(404)
    expect((await developer.delete(control, { reason })).status).toBe(200)
    const again = await developer.delete(control, { reason })
    expect([again.status, again.body.error.code]).toEqual([409, 'control_deleted'])
    const events = await newEvents('control.deleted', 'assertion.deleted', 'drift.resolved')
    expect(events).toEqual([
      event(
        'control.deleted',
        byKey(),
        { kind: 'control', id: 'CTRL-01' },
        { control_id: 'CTRL-01', reason_digest: textDigest(reason) },
      ),
      event(
        'drift.resolved',
        byKey(),
        { kind: 'drift', id: drift },
        { drift_id: drift, resolution: 'control_deleted', run_id: null },
      ),
      event(
        'assertion.deleted',
        byKey(),
        { kind: 'assertion', id: a.id },
        { assertion_id: a.id, reason_digest: textDigest(reason) },
      ),
    ])
    without([reason], events)
  })

  it('logs what an update import changes on controls: implementation, links, deletions', async () => {
    const file = `format: warrant.model/v1
model:
  title: Hidden import model
control_objectives:
  - id: CO-01
    statement: Hidden objective.
controls:
  - id: CTRL-01
    title: Hidden first control
    description: Hidden first description.
    objective_ids: [CO-01]
    implementation_status: implemented
    implementation_notes: Hidden first notes
    evidence_links:
      - {kind: document, label: Hidden kept link}
      - {kind: ticket, label: Hidden dropped link, url: 'https://tickets.hidden.example/1'}
    assertions:
      - type: function_exists
        params: {file: auth/middleware.py, name: require_auth}
        description: Hidden kept assertion.
      - type: pattern_absent
        params: {file: payments/handlers.py, pattern: 'eval'}
        description: Hidden dropped assertion.
  - id: CTRL-02
    title: Hidden second control
    description: Hidden second description.
    objective_ids: [CO-01]
    assertions:
      - type: function_exists
        params: {file: auth/other.py, name: check}
        description: Hidden assertion of a dropped control.
`
    const yaml = { 'content-type': 'application/yaml' }
    const imported = await developer.post(`/api/models/import?workspace_id=${workspaceId}`, file, yaml)
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    const m = imported.body.model.id
    const links = (await owner.get(`/api/models/${m}/controls/CTRL-01/evidence-links`)).body.items
    const assertions = (await owner.get(`/api/models/${m}/assertions`)).body.items
    const asr = (d: string) => assertions.find((x: { description: string }) => x.description === d).id
    const linkEvent = (l: Record<string, any>, change: string) =>
      event(
        'evidence_link.changed',
        byKey(),
        { kind: 'evidence_link', id: l.id },
        {
          control_id: 'CTRL-01',
          link_id: l.id,
          change,
          content_digest: docDigest({
            id: l.id,
            control_id: 'CTRL-01',
            kind: l.kind,
            label: l.label,
            url: l.url,
            created_by: { kind: 'api_key', id: keyId, user_id: ownerId },
          }),
        },
        m,
      )
    const implementation = (status: string, notes: string) =>
      event(
        'control.implementation_changed',
        byKey(),
        { kind: 'control', id: 'CTRL-01' },
        { control_id: 'CTRL-01', status, notes_digest: textDigest(notes) },
        m,
      )
    const types = ['control.implementation_changed', 'evidence_link.changed', 'control.deleted', 'assertion.deleted']
    const created = await newEvents(...types)
    expect(created).toEqual([
      ...links.map((l: Record<string, any>) => linkEvent(l, 'created')),
      implementation('implemented', 'Hidden first notes'),
    ])

    const next = file
      .replace('implementation_status: implemented', 'implementation_status: not_implemented')
      .replace('Hidden first notes', 'Hidden second notes')
      .replace("      - {kind: ticket, label: Hidden dropped link, url: 'https://tickets.hidden.example/1'}\n", '')
      .replace(/ {6}- type: pattern_absent\n.*\n.*\n/, '')
      .replace(/ {2}- id: CTRL-02[\s\S]*$/, '')
    const synced = await developer.post(`/api/models/${m}/import?mode=sync`, next, yaml)
    expect(synced.status, JSON.stringify(synced.body)).toBe(200)
    const reason = textDigest('removed by a sync import')
    const dropped = links.find((l: { label: string }) => l.label === 'Hidden dropped link')
    const changed = await newEvents(...types)
    expect(changed).toEqual([
      implementation('implemented', 'Hidden second notes'),
      event(
        'assertion.deleted',
        byKey(),
        { kind: 'assertion', id: asr('Hidden dropped assertion.') },
        { assertion_id: asr('Hidden dropped assertion.'), reason_digest: reason },
        m,
      ),
      implementation('not_implemented', 'Hidden second notes'),
      linkEvent(dropped, 'deleted'),
      event(
        'control.deleted',
        byKey(),
        { kind: 'control', id: 'CTRL-02' },
        { control_id: 'CTRL-02', reason_digest: reason },
        m,
      ),
      event(
        'assertion.deleted',
        byKey(),
        { kind: 'assertion', id: asr('Hidden assertion of a dropped control.') },
        { assertion_id: asr('Hidden assertion of a dropped control.'), reason_digest: reason },
        m,
      ),
    ])
    without(['Hidden', 'tickets.hidden.example'], [...created, ...changed])
  })

  it('points the audit package records at their newest events', async () => {
    const { record, download } = await requestPackage(owner, modelId)
    expect(record.body.state).toBe('ready')
    const pkg = download.body
    const { judgements, model, assertions } = pkg.sections
    const coherence = judgements.coherence.find((e: { event_index: number }) => e.event_index === coherenceIndex)
    expect(coherence).toMatchObject({ assertion_id: assertionId, method: 'human' })
    const control = model.controls.find((c: { id: string }) => c.id === 'CTRL-03')
    expect(control.implementation_history[0].event_index).toBe(implementationIndex)
    // Removed links stay in the package, pointing at their removal.
    expect(control.evidence_links.map((l: { event_index: number }) => l.event_index)).toEqual(linkIndexes)
    expect(control.reviews.map((r: { event_index: number }) => r.event_index)).toEqual([reviewIndex])
    expect(judgements.sufficiency.map((e: { event_index: number }) => e.event_index)).toEqual([sufficiencyIndex])
    // Every record carries the index of a proven event of the model about it; none is left without one.
    const proven = new Map<number, EventRecord>(
      [...pkg.sections.events.chain, ...pkg.sections.events.referenced].map((e: { index: number; leaf: string }) => [
        e.index,
        JSON.parse(Buffer.from(e.leaf, 'base64').toString()),
      ]),
    )
    const check = (index: number, type: string, digest: [string, unknown] | null) => {
      const record = proven.get(index)!
      expect([record.type, record.model]).toEqual([type, modelId])
      if (digest) expect(record.data[digest[0]]).toBe(digest[1])
    }
    for (const e of judgements.coherence) {
      const { event_index, ...rest } = e
      check(event_index, 'coherence.evaluated', ['evaluation_digest', docDigest(rest)])
    }
    for (const e of judgements.sufficiency) {
      const { event_index, ...rest } = e
      check(event_index, 'sufficiency.evaluated', ['evaluation_digest', docDigest(rest)])
    }
    for (const r of judgements.tier2_reviews) {
      const { event_index, ...rest } = r
      check(event_index, 'tier2.reviewed', ['review_digest', docDigest(rest)])
    }
    for (const a of assertions) check(a.created_event_index, 'assertion.created', ['assertion_digest', a.digest])
    for (const c of model.controls)
      for (const r of c.revisions) check(r.event_index, 'control.revised', ['content_digest', r.content_digest])
    for (const kind of ['assets', 'attackers', 'control_objectives'])
      for (const i of model[kind]) check(i.event_index, 'entity.changed', null)
  })
})
