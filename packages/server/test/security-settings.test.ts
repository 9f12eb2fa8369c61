import { docDigest } from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backfillSecurityPolicies } from '../src/db/migrations.js'
import { BACKENDS, type Backend, type Client, freshBackend, type Running, setupOwner, start } from './helpers.js'

const GH = 'https://token.actions.githubusercontent.com'
const GL = 'https://gitlab.com'
const CUSTOM = 'https://ci.example.com/oidc'
const builtins = (enabled = true) => [
  { issuer: GH, label: 'GitHub Actions', enabled, repository_claims: ['repository', 'repository_id'] },
  { issuer: GL, label: 'GitLab', enabled: true, repository_claims: ['project_path', 'project_id'] },
]

/** PATCH /api/workspaces/{ws}/security (PLATFORM.md §5.5): identity settings, their codes and their log event. */
describe.each(BACKENDS)('security settings on %s', (kind) => {
  let backend: Backend
  let running: Running
  let owner: Client
  let workspaceId: string

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  const patch = (b: unknown) => owner.patch(`/api/workspaces/${workspaceId}/security`, b)

  it('starts with the two built-ins, enabled and unpinned', async () => {
    const res = await owner.get(`/api/workspaces/${workspaceId}/security`)
    expect(res.body.trusted_issuers.map((t: any) => [t.issuer, t.builtin, t.enabled])).toEqual([
      [GH, true, true],
      [GL, true, true],
    ])
    expect(res.body.warnings).toEqual([`issuer ${GH} has no repository pin`, `issuer ${GL} has no repository pin`])
  })

  it('stores issuers, pins, SAN patterns and max age, and logs the new policy', async () => {
    const res = await patch({
      trusted_issuers: [
        ...builtins(false),
        { issuer: CUSTOM, label: 'Own CI', enabled: true, repository_claims: ['project'] },
      ],
      required_claims: [
        { issuer: GL, claim: 'project_id', values: ['4711'] },
        { issuer: CUSTOM, claim: 'project', values: ['payments'] },
      ],
      sigstore_san_patterns: [{ issuer: GL, pattern: 'https://gitlab\\.com/acme/.+' }],
      attestation_max_age_minutes: 30,
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.trusted_issuers).toEqual([
      {
        issuer: GH,
        label: 'GitHub Actions',
        builtin: true,
        enabled: false,
        repository_claims: ['repository', 'repository_id'],
      },
      { issuer: GL, label: 'GitLab', builtin: true, enabled: true, repository_claims: ['project_path', 'project_id'] },
      { issuer: CUSTOM, label: 'Own CI', builtin: false, enabled: true, repository_claims: ['project'] },
    ])
    expect(res.body.attestation_max_age_minutes).toBe(30)
    expect(res.body.warnings).toEqual([])
    const { active_signing_key: _a, warnings: _w, ...stored } = res.body
    const events = (await owner.get(`/api/workspaces/${workspaceId}/events`)).body.items
    const last = events.at(-1).record
    expect(last.type).toBe('security.changed')
    expect(last.data.policy_digest).toBe(docDigest(stored))
  })

  it('a built-in keeps its claims: only its label and enabled flag change', async () => {
    const res = await patch({
      trusted_issuers: [{ ...builtins()[0], repository_claims: ['sub'] }, builtins()[1]],
      required_claims: [],
      sigstore_san_patterns: [],
    })
    expect(res.status).toBe(200)
    expect(res.body.trusted_issuers[0].repository_claims).toEqual(['repository', 'repository_id'])
  })

  it('refuses bad settings with their codes and changes nothing', async () => {
    const before = (await owner.get(`/api/workspaces/${workspaceId}/security`)).body
    const cases: [string, unknown, string][] = [
      ['a removed built-in', { trusted_issuers: [builtins()[1]] }, 'issuer_invalid'],
      [
        'plain http',
        {
          trusted_issuers: [
            ...builtins(),
            { issuer: 'http://ci.example.com', label: 'x', enabled: true, repository_claims: [] },
          ],
        },
        'issuer_invalid',
      ],
      [
        'loopback http without WARRANT_ALLOW_LOOPBACK_ISSUERS',
        {
          trusted_issuers: [
            ...builtins(),
            { issuer: 'http://127.0.0.1:9999', label: 'x', enabled: true, repository_claims: [] },
          ],
        },
        'issuer_invalid',
      ],
      [
        'a query',
        {
          trusted_issuers: [
            ...builtins(),
            { issuer: 'https://ci.example.com/?a=1', label: 'x', enabled: true, repository_claims: [] },
          ],
        },
        'issuer_invalid',
      ],
      [
        'a fragment',
        {
          trusted_issuers: [
            ...builtins(),
            { issuer: 'https://ci.example.com/#x', label: 'x', enabled: true, repository_claims: [] },
          ],
        },
        'issuer_invalid',
      ],
      [
        'not a URL',
        {
          trusted_issuers: [
            ...builtins(),
            { issuer: 'ci.example.com', label: 'x', enabled: true, repository_claims: [] },
          ],
        },
        'issuer_invalid',
      ],
      [
        'a fake built-in',
        {
          trusted_issuers: [
            ...builtins(),
            { issuer: CUSTOM, label: 'x', builtin: true, enabled: true, repository_claims: [] },
          ],
        },
        'issuer_invalid',
      ],
      ['an untrusted issuer', { required_claims: [{ issuer: CUSTOM, claim: 'sub', values: ['x'] }] }, 'claim_invalid'],
      ['no values', { required_claims: [{ issuer: GH, claim: 'repository', values: [] }] }, 'claim_invalid'],
      ['a bad claim name', { required_claims: [{ issuer: GH, claim: 'repo sitory', values: ['x'] }] }, 'claim_invalid'],
      [
        'a pin twice',
        {
          required_claims: [
            { issuer: GH, claim: 'ref', values: ['a'] },
            { issuer: GH, claim: 'ref', values: ['b'] },
          ],
        },
        'claim_invalid',
      ],
      ['a back-reference', { sigstore_san_patterns: [{ issuer: GH, pattern: '(a)\\1' }] }, 'pattern_invalid'],
      ['a syntax error', { sigstore_san_patterns: [{ issuer: GH, pattern: '(' }] }, 'pattern_invalid'],
      [
        'a pattern for an untrusted issuer',
        { sigstore_san_patterns: [{ issuer: CUSTOM, pattern: 'x' }] },
        'pattern_invalid',
      ],
    ]
    for (const [name, b, code] of cases) {
      const res = await patch(b)
      expect([res.status, res.body.error?.code], name).toEqual([422, code])
    }
    expect((await owner.get(`/api/workspaces/${workspaceId}/security`)).body).toEqual(before)
  })

  it('keeps every accepted policy with its event, and migration 10 backfills the current one by its digest', async () => {
    const db = running.server.store.db
    await patch({ require_attestation: true })
    await patch({ require_attestation: false, attestation_max_age_minutes: 60 })
    const history = await db
      .selectFrom('security_policies')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('seq')
      .execute()
    const events = (await owner.get(`/api/workspaces/${workspaceId}/events`)).body.items
      .map((e: any) => ({ index: e.log_index, record: e.record }))
      .filter((e: any) => e.record.type === 'security.changed')
    // One entry per security.changed event, the workspace's initial policy first.
    expect(history.map((p) => [p.event_index, p.effective_from, p.policy_digest])).toEqual(
      events.map((e: any) => [e.index, e.record.at, e.record.data.policy_digest]),
    )
    expect(history.every((p) => docDigest(p.settings) === p.policy_digest)).toBe(true)
    const current = (
      await db.selectFrom('workspaces').select('security').where('id', '=', workspaceId).executeTakeFirstOrThrow()
    ).security
    expect(history.at(-1)!.policy_digest).toBe(docDigest(current))

    // Before migration 10 only the current policy was stored: it is matched with the latest event that logged it...
    await db.deleteFrom('security_policies').execute()
    await backfillSecurityPolicies(db as any)
    const matched = await db
      .selectFrom('security_policies')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .execute()
    expect(matched.map((p) => [p.seq, p.event_index, p.effective_from, p.policy_digest])).toEqual([
      [1, events.at(-1).index, events.at(-1).record.at, docDigest(current)],
    ])
    // ...and kept without an event when none did.
    await db.deleteFrom('security_policies').execute()
    await db
      .updateTable('workspaces')
      .set({ security: JSON.stringify({ ...(current as object), attestation_max_age_minutes: 61 }) })
      .where('id', '=', workspaceId)
      .execute()
    await backfillSecurityPolicies(db as any)
    const unmatched = await db
      .selectFrom('security_policies')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .execute()
    expect(unmatched.map((p) => [p.seq, p.event_index, p.effective_from])).toEqual([[1, null, null]])
    expect(unmatched[0]!.settings).toMatchObject({ attestation_max_age_minutes: 61 })
  })
})
