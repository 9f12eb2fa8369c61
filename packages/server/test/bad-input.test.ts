import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type WarrantServer } from '../src/server.js'
import {
  BACKENDS,
  type Backend,
  Client,
  createKey,
  freshBackend,
  OWNER,
  type Reply,
  type Running,
  setupOwner,
  start,
  testConfig,
} from './helpers.js'

/**
 * Hostile and malformed input on the main write endpoints (PLATFORM.md §0, §5.1, §5.11, §5.14, §5.17, §5.23, §8):
 * every rejection has the contract's error body and stores nothing, which each case checks through the GET routes.
 */

const MODEL_YAML = readFileSync(new URL('./fixtures/payments.yaml', import.meta.url), 'utf8')
const MODEL_JSON = JSON.stringify({
  format: 'warrant.model/v1',
  model: { title: 'JSON model' },
  control_objectives: [{ id: 'CO-01', statement: 'Only customers read their payments.' }],
  controls: [
    {
      id: 'CTRL-01',
      title: 'Authenticate',
      description: 'Every route checks the token.',
      objective_ids: ['CO-01'],
      assertions: [
        {
          type: 'function_exists',
          params: { file: 'auth.py', name: 'require_auth' },
          description: 'The check exists.',
        },
      ],
    },
  ],
})
const REPO = 'acme/payments-api'
const COMMIT = 'd'.repeat(40)
const SHA = (c: string) => `sha256:${c.repeat(64)}`
const NO_RATE_LIMITS = {
  results: 100_000,
  submit: 100_000,
  write: 100_000,
  read: 100_000,
  public: 100_000,
  login: 100_000,
}
const SMALL = { maxBodyBytes: 2048, maxDecodedBytes: 64 * 1024 }

/** The §5.1 error body, the X-Request-Id header, and no session cookie handed out by a refusal. */
function expectError(res: Reply, status: number, code: string): any {
  const context = `${status} ${code} expected; got ${res.status} ${JSON.stringify(res.body).slice(0, 600)}`
  expect(res.status, context).toBe(status)
  const requestId = res.headers.get('x-request-id')
  expect(requestId, 'X-Request-Id').toMatch(/^req_[0-9A-Z]{26}$/)
  expect(res.body, context).toMatchObject({
    error: { code, status, message: expect.any(String), request_id: requestId },
  })
  expect(res.headers.get('set-cookie'), 'a refused request starts no session').toBeNull()
  return res.body.error
}

const errorPaths = (error: any): string[] => (error.details?.errors ?? []).map((e: any) => e.path)
const errorCodes = (error: any): Record<string, string> =>
  Object.fromEntries((error.details?.errors ?? []).map((e: any) => [e.path, e.code]))

/** The same request on another base URL (the small-limits server), with the same credential. */
function on(base: string, client: Client): Client {
  const c = new Client(base, client.key)
  c.cookie = client.cookie
  c.csrf = client.csrf
  return c
}

/** A JSON text whose first member appears twice. */
function withDuplicateFirstKey(body: Record<string, unknown>): string {
  const [first] = Object.keys(body)
  return `{${JSON.stringify(first)}:${JSON.stringify(body[first!])},${JSON.stringify(body).slice(1)}`
}

interface Write {
  name: string
  method: 'POST' | 'PATCH' | 'PUT'
  path: () => string
  client: () => Client
  /** A body the route accepts. */
  valid: () => Record<string, unknown>
  /** The valid body plus one member the route does not know, and that member's JSON Pointer. */
  unknown: () => { body: Record<string, unknown>; path: string }
  /** What must not change when the request is refused. */
  snapshot: () => Promise<unknown>
}

describe.each(BACKENDS)('bad input on %s', (kind) => {
  let backend: Backend
  let running: Running
  let small: WarrantServer
  let base: string
  let smallBase: string

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend, { rateLimits: NO_RATE_LIMITS })
    base = running.url
    // A second server with tiny body limits on the same store (PGlite holds its directory exclusively).
    small = await createServer(testConfig(backend, { ...SMALL, rateLimits: NO_RATE_LIMITS }), {
      store: running.server.store,
    })
    smallBase = await small.app.listen({ host: '127.0.0.1', port: 0 })
  }, 60_000)

  afterAll(async () => {
    await small?.close()
    await running?.close()
    await backend?.drop()
  })

  it('setup refuses bad bodies, stays in first-run, and then completes with the same token', async () => {
    const anon = () => new Client(base)
    const valid = { setup_token: 'test-setup-token', ...OWNER, workspace_name: 'Acme Security' }
    const stillNeedsSetup = async () => {
      const s = await anon().get('/api/setup')
      expect(s.body.needs_setup).toBe(true)
    }
    const cases: [Promise<Reply>, number, string][] = [
      [anon().post('/api/setup', '{"setup_token": "test-setup-token",'), 400, 'invalid_json'],
      [anon().post('/api/setup', withDuplicateFirstKey(valid)), 400, 'duplicate_key'],
      [
        anon().post('/api/setup', JSON.stringify(valid), { 'content-type': 'text/plain' }),
        415,
        'unsupported_media_type',
      ],
      [
        anon().post('/api/setup', new URLSearchParams(valid).toString(), {
          'content-type': 'application/x-www-form-urlencoded',
        }),
        415,
        'unsupported_media_type',
      ],
      [new Client(smallBase).post('/api/setup', JSON.stringify(valid) + ' '.repeat(4096)), 413, 'body_too_large'],
      [anon().post('/api/setup', { ...valid, instance_admin: false }), 422, 'unknown_field'],
      [anon().post('/api/setup', { ...valid, setup_token: 'guessed' }), 403, 'setup_token_invalid'],
      [anon().post('/api/setup', { ...valid, password: 'password' }), 422, 'password_policy'],
      [anon().post('/api/setup', { ...valid, email: 'not an email' }), 422, 'validation_failed'],
    ]
    for (const [pending, status, code] of cases) {
      const error = expectError(await pending, status, code)
      if (code === 'unknown_field') expect(errorPaths(error)).toEqual(['/instance_admin'])
      await stillNeedsSetup()
    }
  })

  describe('after setup', () => {
    let owner: Client
    let member: Client
    let dev: Client
    let ver: Client
    let ws1: string
    let ws2: string
    let modelId: string
    let foreignModelId: string
    let foreignAssertionId: string
    let foreignFindingId: string
    let findingId: string
    let fn: { id: string; digest: string; tier2_prompt_hash: string }
    let ev: { id: string; digest: string }
    let expiringSecret: string
    let expiresAt: string
    const M = () => `/api/models/${modelId}`

    const count = async (path: string) => {
      const res = await owner.get(path)
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body.items.map((i: any) => i.id).sort()
    }
    const runs = () => count(`${M()}/verification/runs`)
    const assertions = () => count(`${M()}/assertions?include_deleted=true`)
    const findings = () => count(`${M()}/findings`)
    const models = async () => [
      ...(await count(`/api/models?workspace_id=${ws1}&include_archived=true`)),
      ...(await count(`/api/models?workspace_id=${ws2}&include_archived=true`)),
    ]
    const control = async (id: string) => {
      const c = (await owner.get(`${M()}/controls/${id}`)).body
      return {
        title: c.title,
        revision: c.revision,
        implementation_status: c.implementation_status,
        updated_at: c.updated_at,
      }
    }
    const finding = async (id = findingId) => {
      const f = (await owner.get(`${M()}/findings/${id}`)).body
      const history = (await owner.get(`${M()}/findings/${id}/history`)).body.items.length
      return { ...f, history }
    }
    const resultsBody = (over: { run_id?: string; results?: unknown[]; pipeline?: Record<string, unknown> } = {}) => ({
      pipeline: {
        provider: 'github_actions',
        run_id: over.run_id ?? 'bad-input',
        commit_sha: COMMIT,
        repo: REPO,
        ...(over.pipeline ?? {}),
      },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: over.results ?? [
        { assertion_id: fn.id, assertion_digest: fn.digest, tier: 1, result: 'pass', details: 'found' },
      ],
    })

    beforeAll(async () => {
      ;({ owner, workspaceId: ws1 } = await setupOwner(base))
      const created = await owner.post('/api/users', {
        email: 'mia@example.com',
        display_name: 'Mia',
        password: 'a member passphrase 77',
      })
      expect(created.status).toBe(201)
      expect(
        (await owner.post(`/api/workspaces/${ws1}/members`, { email: 'mia@example.com', role: 'member' })).status,
      ).toBe(201)
      member = new Client(base)
      expect(
        (await member.post('/api/auth/login', { email: 'mia@example.com', password: 'a member passphrase 77' })).status,
      ).toBe(200)
      dev = new Client(base, await createKey(owner, ws1, 'developer'))
      ver = new Client(base, await createKey(owner, ws1, 'verifier'))
      expiresAt = new Date(Date.now() + 1500).toISOString()
      expiringSecret = await createKey(owner, ws1, 'verifier', { expires_at: expiresAt })

      const imported = await dev.post('/api/models/import', MODEL_YAML, { 'content-type': 'application/yaml' })
      expect(imported.status, JSON.stringify(imported.body)).toBe(201)
      modelId = imported.body.model.id
      const pulled = await ver.get(`${M()}/verification/assertions?repo=${REPO}`)
      fn = pulled.body.assertions.find((a: any) => a.type === 'function_exists')
      ev = pulled.body.assertions.find((a: any) => a.type === 'pattern_absent')
      expect(
        (
          await member.post(`${M()}/controls`, {
            id: 'CTRL-EMPTY',
            title: 'Rotate keys',
            description: 'Signing keys are rotated.',
            objective_ids: ['CO-01'],
          })
        ).status,
      ).toBe(201)
      findingId = (
        await dev.post(`${M()}/findings`, {
          findings: [{ control_id: 'CTRL-02', title: 'eval in refunds', description: 'refund() evaluates input.' }],
        })
      ).body.items[0].id

      // A second workspace (the owner owns both; keys and the member belong only to the first).
      ws2 = (await owner.post('/api/workspaces', { name: 'Other Org', slug: 'other-org' })).body.id
      const foreign = await owner.post(`/api/models/import?workspace_id=${ws2}`, MODEL_YAML, {
        'content-type': 'application/yaml',
      })
      expect(foreign.status).toBe(201)
      foreignModelId = foreign.body.model.id
      foreignAssertionId = (await owner.get(`/api/models/${foreignModelId}/assertions`)).body.items[0].id
      foreignFindingId = (
        await owner.post(`/api/models/${foreignModelId}/findings`, {
          findings: [{ control_id: 'CTRL-01', title: 'foreign', description: 'In the other workspace.' }],
        })
      ).body.items[0].id
    }, 60_000)

    const WRITES: Write[] = [
      {
        name: 'login',
        method: 'POST',
        path: () => '/api/auth/login',
        client: () => new Client(base),
        valid: () => ({ email: OWNER.email, password: OWNER.password }),
        unknown: () => ({
          body: { email: OWNER.email, password: OWNER.password, remember_me: true },
          path: '/remember_me',
        }),
        snapshot: async () => null,
      },
      {
        name: 'create workspace',
        method: 'POST',
        path: () => '/api/workspaces',
        client: () => owner,
        valid: () => ({ name: 'Bad Input Inc', slug: 'bad-input-inc' }),
        unknown: () => ({ body: { name: 'Bad Input Inc', color: 'red' }, path: '/color' }),
        snapshot: () => count('/api/workspaces'),
      },
      {
        name: 'create API key',
        method: 'POST',
        path: () => `/api/workspaces/${ws1}/api-keys`,
        client: () => owner,
        valid: () => ({ label: 'ci', scope: 'developer' }),
        unknown: () => ({ body: { label: 'ci', scope: 'developer', admin: true }, path: '/admin' }),
        snapshot: () => count(`/api/workspaces/${ws1}/api-keys`),
      },
      {
        name: 'create model',
        method: 'POST',
        path: () => '/api/models',
        client: () => dev,
        valid: () => ({ title: 'Created model', repos: [REPO] }),
        unknown: () => ({ body: { title: 'Created model', owner: 'me' }, path: '/owner' }),
        snapshot: models,
      },
      {
        name: 'patch model',
        method: 'PATCH',
        path: () => M(),
        client: () => dev,
        valid: () => ({ title: 'Payments API (renamed)' }),
        unknown: () => ({ body: { title: 'Payments API', archived_at: null }, path: '/archived_at' }),
        snapshot: async () => {
          const m = (await owner.get(M())).body
          return [m.title, m.revision, m.updated_at]
        },
      },
      {
        name: 'create control',
        method: 'POST',
        path: () => `${M()}/controls`,
        client: () => member,
        valid: () => ({ title: 'Log every refund', description: 'Refunds are logged.', objective_ids: ['CO-02'] }),
        unknown: () => ({
          body: {
            title: 'Log every refund',
            description: 'Refunds are logged.',
            objective_ids: ['CO-02'],
            implementation_status: 'implemented',
          },
          path: '/implementation_status',
        }),
        snapshot: async () =>
          (await owner.get(`${M()}/controls?include_deleted=true`)).body.items.map((c: any) => c.id),
      },
      {
        name: 'patch control',
        method: 'PATCH',
        path: () => `${M()}/controls/CTRL-02`,
        client: () => member,
        valid: () => ({ title: 'No eval in handlers' }),
        unknown: () => ({ body: { title: 'No eval', revision: 9 }, path: '/revision' }),
        snapshot: () => control('CTRL-02'),
      },
      {
        name: 'implementation',
        method: 'PUT',
        path: () => `${M()}/controls/CTRL-02/implementation`,
        client: () => dev,
        valid: () => ({ status: 'implemented', notes: 'done' }),
        unknown: () => ({ body: { status: 'implemented', verified: true }, path: '/verified' }),
        snapshot: () => control('CTRL-02'),
      },
      {
        name: 'submit assertions',
        method: 'POST',
        path: () => `${M()}/controls/CTRL-03/assertions`,
        client: () => dev,
        valid: () => ({
          assertions: [{ type: 'file_exists', params: { file: 'requirements.lock' }, description: 'A lockfile.' }],
        }),
        unknown: () => ({
          body: {
            assertions: [
              { type: 'file_exists', params: { file: 'requirements.lock' }, description: 'A lockfile.', id: 'x' },
            ],
          },
          path: '/assertions/0/id',
        }),
        snapshot: assertions,
      },
      {
        name: 'submit results',
        method: 'POST',
        path: () => `${M()}/verification/results`,
        client: () => ver,
        valid: () => resultsBody({ run_id: 'table-valid' }),
        unknown: () => ({ body: resultsBody({ pipeline: { branch: 'main' } }), path: '/pipeline/branch' }),
        snapshot: async () => [await runs(), (await owner.get(`${M()}/repos`)).body],
      },
      {
        name: 'submit findings',
        method: 'POST',
        path: () => `${M()}/findings`,
        client: () => dev,
        valid: () => ({ findings: [{ control_id: 'CTRL-02', title: 'exec()', description: 'exec in the importer.' }] }),
        unknown: () => ({
          body: {
            findings: [{ control_id: 'CTRL-02', title: 'x', description: 'y', status: 'acknowledged' }],
          },
          path: '/findings/0/status',
        }),
        snapshot: findings,
      },
      {
        name: 'patch finding',
        method: 'PATCH',
        path: () => `${M()}/findings/${findingId}`,
        client: () => dev,
        valid: () => ({ notes: 'Looked at it.' }),
        unknown: () => ({ body: { notes: 'x', severity: 'low' }, path: '/severity' }),
        snapshot: () => finding(),
      },
    ]

    describe.each(WRITES.map((w) => [w.name, w] as const))('%s', (_name, w) => {
      const send = (body: string | Uint8Array | Record<string, unknown>, headers: Record<string, string> = {}) =>
        w.client().call(w.method, w.path(), body, headers)
      const unchanged = async (run: () => Promise<void>) => {
        const before = await w.snapshot()
        await run()
        expect(await w.snapshot()).toEqual(before)
      }

      it('malformed JSON, an empty body and invalid UTF-8: 400 invalid_json', () =>
        unchanged(async () => {
          expectError(await send(`${JSON.stringify(w.valid()).slice(0, -1)},`), 400, 'invalid_json')
          expectError(await send('{"a": tru}'), 400, 'invalid_json')
          expectError(await send(''), 400, 'invalid_json')
          expectError(await send(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), 400, 'invalid_json')
        }))

      it('a repeated member name: 400 duplicate_key', () =>
        unchanged(async () => {
          const error = expectError(await send(withDuplicateFirstKey(w.valid())), 400, 'duplicate_key')
          expect(error.details).toMatchObject({ line: 1, column: expect.any(Number) })
        }))

      it('a content type other than JSON, or an unknown encoding: 415 unsupported_media_type', () =>
        unchanged(async () => {
          const json = JSON.stringify(w.valid())
          for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])
            expectError(await send(json, { 'content-type': type }), 415, 'unsupported_media_type')
          for (const encoding of ['br', 'deflate', 'compress'])
            expectError(await send(json, { 'content-encoding': encoding }), 415, 'unsupported_media_type')
        }))

      it('a body over the wire limit, or a gzip body that decodes past the decoded limit: 413 body_too_large', () =>
        unchanged(async () => {
          const client = on(smallBase, w.client())
          const padded = JSON.stringify(w.valid()) + ' '.repeat(SMALL.maxBodyBytes)
          expectError(await client.call(w.method, w.path(), padded), 413, 'body_too_large')
          // A gzip bomb: about 1 KiB on the wire, 1 MiB once decoded.
          const bomb = gzipSync(Buffer.from(JSON.stringify(w.valid()) + ' '.repeat(1024 * 1024)))
          expect(bomb.length).toBeLessThan(SMALL.maxBodyBytes)
          expectError(
            await client.call(w.method, w.path(), bomb, { 'content-encoding': 'gzip' }),
            413,
            'body_too_large',
          )
        }))

      it('an unknown member: 422 unknown_field with its JSON Pointer', () =>
        unchanged(async () => {
          const { body, path } = w.unknown()
          const error = expectError(await send(body), 422, 'unknown_field')
          expect(errorPaths(error)).toEqual([path])
          expect(errorCodes(error)).toEqual({ [path]: 'unknown_field' })
        }))
    })

    describe('model import', () => {
      const importAs = (type: string, body: string | Uint8Array, client = dev, headers: Record<string, string> = {}) =>
        client.post('/api/models/import', body, { 'content-type': type, ...headers })

      it('YAML and JSON files with syntax errors, duplicate keys or unknown keys: 422 import_invalid with line and column', async () => {
        // §8.1: model files report every error as import_invalid with a line and column, JSON included.
        const before = await models()
        const cases: [string, string, string][] = [
          ['application/yaml', 'format: warrant.model/v1\nmodel: [unclosed\n', ''],
          ['application/yaml', 'format: warrant.model/v1\nmodel:\n  title: A\n  title: B\n', 'line 4'],
          ['application/yaml', MODEL_YAML.replace('model:\n', 'model:\n  color: red\n'), '/model/color'],
          ['application/yaml', MODEL_YAML.replace('format: warrant.model/v1\n', ''), ''],
          ['application/yaml', MODEL_YAML.replace('risk_tier: high', 'risk_tier: 1.5'), ''],
          ['application/yaml', `${MODEL_YAML}anchors: &a [1]\nalias: *a\n`, ''],
          ['application/json', '{"format": "warrant.model/v1",', ''],
          ['application/json', MODEL_JSON.replace('{"format"', '{"format":"warrant.model/v1","format"'), ''],
          ['application/json', MODEL_JSON.replace('"title":"JSON model"', '"title":"JSON model","color":"red"'), ''],
        ]
        for (const [type, text, path] of cases) {
          const error = expectError(await importAs(type, text), 422, 'import_invalid')
          const first = error.details.errors[0]
          expect(first, text.slice(0, 80)).toMatchObject({ code: expect.any(String), message: expect.any(String) })
          if (path.startsWith('line ')) expect(first.line).toBe(Number(path.slice(5)))
          else if (path) expect(errorPaths(error)).toContain(path)
          expect(typeof first.line === 'number' || first.line === null).toBe(true)
        }
        expect(await models()).toEqual(before)
      })

      it('an invalid assertion anywhere in the file stores nothing of the file', async () => {
        const before = await models()
        const bad = MODEL_YAML.replace('name: require_auth', 'name: 42')
        const error = expectError(await importAs('application/yaml', bad), 422, 'import_invalid')
        expect(errorPaths(error)).toContain('/controls/0/assertions/0/params/name')
        const implemented = MODEL_YAML.replace(
          '    intents: [supply_chain]',
          '    intents: [supply_chain]\n    implementation_status: implemented',
        )
        expectError(await importAs('application/yaml', implemented), 422, 'import_invalid')
        expect(await models()).toEqual(before)
      })

      it('wrong content types, oversized files and gzip bombs are refused before parsing', async () => {
        const before = await models()
        expectError(await importAs('text/plain', MODEL_YAML), 415, 'unsupported_media_type')
        expectError(await importAs('application/x-www-form-urlencoded', MODEL_YAML), 415, 'unsupported_media_type')
        const smallDev = on(smallBase, dev)
        const padded = `${MODEL_YAML}${'# padding\n'.repeat(SMALL.maxBodyBytes / 10)}`
        expectError(await importAs('application/yaml', padded, smallDev), 413, 'body_too_large')
        const bomb = gzipSync(Buffer.from(MODEL_YAML.replace('\n', `\n${'#'.repeat(1024 * 1024)}\n`)))
        expectError(
          await importAs('application/yaml', bomb, smallDev, { 'content-encoding': 'gzip' }),
          413,
          'body_too_large',
        )
        expectError(await importAs('application/yaml', new Uint8Array([0xff, 0xfe, 0x00])), 422, 'import_invalid')
        expect(await models()).toEqual(before)
      })

      it('a model id or workspace of another workspace: 404', async () => {
        const before = await models()
        const error = expectError(
          await dev.post(`/api/models/import?workspace_id=${ws2}`, MODEL_YAML, { 'content-type': 'application/yaml' }),
          404,
          'not_found',
        )
        expect(error.message).not.toContain(ws2)
        expect(await models()).toEqual(before)
      })

      it('a valid YAML and a valid JSON file are accepted', async () => {
        expect((await importAs('application/yaml', MODEL_YAML)).status).toBe(201)
        const json = await importAs('application/json; charset=utf-8', MODEL_JSON)
        expect(json.status, JSON.stringify(json.body)).toBe(201)
        // Gzip is fine when it stays within the limits.
        const gz = await importAs('application/json', gzipSync(Buffer.from(MODEL_JSON)), dev, {
          'content-encoding': 'gzip',
        })
        expect(gz.status, JSON.stringify(gz.body)).toBe(201)
      })
    })

    describe('numbers', () => {
      it('a fraction or an exponent anywhere in a results body: 422 validation_failed, no run', async () => {
        const before = await runs()
        const base_ = JSON.stringify(resultsBody({ run_id: 'numbers' }))
        for (const [from, to] of [
          ['"details":"found"', '"details":"found","duration_ms":1.5'],
          ['"details":"found"', '"details":"found","duration_ms":1e3'],
          ['"details":"found"', '"details":"found","duration_ms":10.0'],
          ['"tier":1', '"tier":1E0'],
          ['"tier":1', '"tier":1.0'],
          ['"details":"found"', '"details":"found","duration_ms":-0.0'],
        ] as const) {
          const text = base_.replace(from, to)
          expect(text).not.toBe(base_)
          const error = expectError(await ver.post(`${M()}/verification/results`, text), 422, 'validation_failed')
          expect(error.details).toMatchObject({ line: 1, column: expect.any(Number) })
        }
        // Integers beyond ±(2^53 − 1) are refused too (§0).
        const huge = base_.replace('"details":"found"', '"details":"found","duration_ms":9007199254740993')
        expectError(await ver.post(`${M()}/verification/results`, huge), 422, 'validation_failed')
        expect(await runs()).toEqual(before)
      })

      it('a fraction in any other body is refused the same way', async () => {
        const settings = (await owner.get(`/api/workspaces/${ws1}/settings`)).body
        expectError(
          await owner.patch(`/api/workspaces/${ws1}/settings`, '{"review_max_age_days": 90.5}'),
          422,
          'validation_failed',
        )
        expectError(
          await owner.patch(`/api/workspaces/${ws1}/settings`, '{"review_max_age_days": 9e1}'),
          422,
          'validation_failed',
        )
        expect((await owner.get(`/api/workspaces/${ws1}/settings`)).body).toEqual(settings)
        const before = await findings()
        const located = JSON.stringify({
          findings: [
            {
              control_id: 'CTRL-02',
              title: 'x',
              description: 'y',
              checked_locations: [{ path: 'a.py', start_line: 1, end_line: 2 }],
            },
          ],
        }).replace('"end_line":2', '"end_line":2.5')
        expectError(await dev.post(`${M()}/findings`, located), 422, 'validation_failed')
        expect(await findings()).toEqual(before)
      })
    })

    describe('assertion submissions', () => {
      const submit = (body: unknown, client = dev, control = 'CTRL-03', headers: Record<string, string> = {}) =>
        client.post(`${M()}/controls/${control}/assertions`, body, headers)

      it('reports every item error together, with per-item JSON Pointers and §5.11 codes, and stores none of the items', async () => {
        const before = await assertions()
        const res = await submit({
          assertions: [
            { type: 'function_exists', params: { file: 'auth.py', name: 'ok_item' }, description: 'Valid.' },
            { type: 'function_exists', params: { file: 'auth.py', name: 42 }, description: 'Wrong type.' },
            { type: 'function_exists', params: { file: 'auth.py' }, description: 'Missing name.' },
            {
              type: 'function_exists',
              params: { file: 'auth.py', name: 'x', lines: 3 },
              description: 'Unknown param.',
            },
            { type: 'pattern_matches', params: { file: 'a.py', pattern: '(a)\\1' }, description: 'Back-reference.' },
            { type: 'file_exists', params: { file: '../../etc/passwd' }, description: 'Climbs out.' },
            { type: 'file_exists', params: { file: '/etc/passwd' }, description: 'Absolute.' },
            { type: 'no_such_type', params: {}, description: 'Unknown type.' },
            { type: 'file_exists', params: { file: 'a' }, description: '' },
            { type: 'file_exists', params: { file: 'a' }, description: 'Empty repo tag.', repo: '' },
            { type: 'file_exists', params: 'a', description: 'Params not an object.' },
          ],
        })
        const error = expectError(res, 422, 'validation_failed')
        const codes = errorCodes(error)
        expect(codes).toMatchObject({
          '/assertions/1/params/name': 'param_type',
          '/assertions/2/params/name': 'param_missing',
          '/assertions/3/params/lines': 'param_unknown',
          '/assertions/4/params/pattern': 'regex_unsupported',
          '/assertions/5/params/file': 'path_invalid',
          '/assertions/6/params/file': 'path_invalid',
          '/assertions/7/type': 'unknown_assertion_type',
          '/assertions/8/description': 'description_invalid',
          '/assertions/9/repo': 'repo_invalid',
        })
        expect(Object.keys(codes).some((p) => p.startsWith('/assertions/10'))).toBe(true)
        expect(Object.keys(codes).some((p) => p.startsWith('/assertions/0/'))).toBe(false)
        for (const e of error.details.errors) expect(e.message).toEqual(expect.any(String))
        expect(await assertions()).toEqual(before)
      })

      it('the same item twice in one request: 422 duplicate_assertion', async () => {
        const before = await assertions()
        const item = { type: 'file_exists', params: { file: 'twice.lock' }, description: 'Twice.' }
        expectError(await submit({ assertions: [item, item] }), 422, 'duplicate_assertion')
        expect(await assertions()).toEqual(before)
      })

      it('501 items: 422 too_many_assertions; 0 items and non-arrays: 422', async () => {
        const before = await assertions()
        const many = Array.from({ length: 501 }, (_, i) => ({
          type: 'file_exists',
          params: { file: `f${i}.txt` },
          description: `File ${i}.`,
        }))
        expectError(await submit({ assertions: many }), 422, 'too_many_assertions')
        expectError(await submit({ assertions: [] }), 422, 'validation_failed')
        expectError(await submit({ assertions: { type: 'file_exists' } }), 422, 'validation_failed')
        expectError(await submit({}), 422, 'validation_failed')
        expectError(await submit([many[0]]), 422, 'validation_failed')
        expect(await assertions()).toEqual(before)
      })

      it('assertions_json is parsed as strictly as the body (no duplicate keys, no fractions, valid JSON)', async () => {
        const before = await assertions()
        const items = [{ type: 'file_exists', params: { file: 'strict.lock' }, description: 'Strict.' }]
        for (const text of [
          'not json at all',
          JSON.stringify(items).replace('"type":"file_exists"', '"type":"file_exists","type":"function_exists"'),
          JSON.stringify(items).replace('"file":"strict.lock"', '"file":"strict.lock","x":1.5'),
        ]) {
          const error = expectError(await submit({ assertions_json: text }), 422, 'validation_failed')
          expect(errorPaths(error)[0]).toMatch(/^\/assertions_json/)
        }
        expect(await assertions()).toEqual(before)
        // The well-formed string form is accepted.
        const ok = await submit({ assertions_json: JSON.stringify(items) })
        expect(ok.status, JSON.stringify(ok.body)).toBe(201)
      })

      it('ids of another workspace: 404, nothing stored there', async () => {
        const foreignBefore = await count(`/api/models/${foreignModelId}/assertions?include_deleted=true`)
        const body = {
          assertions: [{ type: 'file_exists', params: { file: 'x.txt' }, description: 'Foreign.' }],
        }
        expectError(await dev.post(`/api/models/${foreignModelId}/controls/CTRL-03/assertions`, body), 404, 'not_found')
        expectError(
          await member.post(`/api/models/${foreignModelId}/controls/CTRL-03/assertions`, body),
          404,
          'not_found',
        )
        expectError(
          await dev.delete(`/api/models/${foreignModelId}/assertions/${foreignAssertionId}`),
          404,
          'not_found',
        )
        // Another workspace's assertion under this model's path is just as unknown.
        expectError(await dev.delete(`${M()}/assertions/${foreignAssertionId}`), 404, 'not_found')
        expect(await count(`/api/models/${foreignModelId}/assertions?include_deleted=true`)).toEqual(foreignBefore)
      })

      it('Idempotency-Key: the same body replays the answer, another body is 409 idempotency_key_reused', async () => {
        const before = await assertions()
        const body = {
          assertions: [{ type: 'file_exists', params: { file: 'idem.lock' }, description: 'Idempotent.' }],
        }
        const headers = { 'idempotency-key': 'assertions-once' }
        const first = await submit(body, dev, 'CTRL-03', headers)
        expect(first.status, JSON.stringify(first.body)).toBe(201)
        expect(first.headers.get('idempotent-replayed')).toBeNull()
        const again = await submit(body, dev, 'CTRL-03', headers)
        expect(again.status).toBe(201)
        expect(again.headers.get('idempotent-replayed')).toBe('true')
        expect(again.body.assertions.map((a: any) => a.id)).toEqual(first.body.assertions.map((a: any) => a.id))
        const after = await assertions()
        expect(after).toHaveLength(before.length + 1)
        const other = { assertions: [{ ...body.assertions[0], description: 'Another body.' }] }
        expectError(await submit(other, dev, 'CTRL-03', headers), 409, 'idempotency_key_reused')
        expect(await assertions()).toEqual(after)
      })
    })

    describe('controls', () => {
      it('marking a control without assertions implemented: 422 assertions_required', async () => {
        const before = await control('CTRL-EMPTY')
        for (const client of [dev, member])
          expectError(
            await client.put(`${M()}/controls/CTRL-EMPTY/implementation`, { status: 'implemented' }),
            422,
            'assertions_required',
          )
        expect(await control('CTRL-EMPTY')).toEqual(before)
        expect(before.implementation_status).toBe('not_implemented')
      })

      it('deleting the last assertion of an implemented control: 409, the assertion stays', async () => {
        expect((await dev.put(`${M()}/controls/CTRL-01/implementation`, { status: 'implemented' })).status).toBe(200)
        const before = await assertions()
        expectError(
          await dev.delete(`${M()}/assertions/${fn.id}?reason=cleanup`),
          409,
          'last_assertion_of_implemented_control',
        )
        expectError(
          await member.delete(`${M()}/controls/CTRL-01/assertions/${fn.id}`, { reason: 'cleanup' }),
          409,
          'last_assertion_of_implemented_control',
        )
        expect(await assertions()).toEqual(before)
        const a = (await owner.get(`${M()}/assertions/${fn.id}`)).body
        expect(a.deleted_at).toBeNull()
      })

      it('a description change outside a refinement, bad references and bad values: 422, nothing changes', async () => {
        const before = await control('CTRL-02')
        expectError(await member.patch(`${M()}/controls/CTRL-02`, { description: 'weaker' }), 422, 'use_refine')
        expectError(
          await member.patch(`${M()}/controls/CTRL-02`, { objective_ids: ['CO-99'] }),
          422,
          'reference_unknown',
        )
        expectError(await member.patch(`${M()}/controls/CTRL-02`, { title: 'x'.repeat(201) }), 422, 'title_too_long')
        expectError(await member.patch(`${M()}/controls/CTRL-02`, { intents: ['telepathy'] }), 422, 'validation_failed')
        expect(await control('CTRL-02')).toEqual(before)
        const ids = (await owner.get(`${M()}/controls?include_deleted=true`)).body.items.map((c: any) => c.id)
        expectError(
          await member.post(`${M()}/controls`, { id: 'CTRL-01', title: 't', description: 'd', objective_ids: [] }),
          409,
          'id_conflict',
        )
        expectError(
          await member.post(`${M()}/controls`, { id: 'ctrl lower', title: 't', description: 'd', objective_ids: [] }),
          422,
          'validation_failed',
        )
        expect((await owner.get(`${M()}/controls?include_deleted=true`)).body.items.map((c: any) => c.id)).toEqual(ids)
      })

      it('ids of another workspace: 404 on every control write, nothing changes there', async () => {
        const fm = `/api/models/${foreignModelId}`
        const snapshot = async () => (await owner.get(`${fm}/controls?include_deleted=true`)).body
        const before = await snapshot()
        for (const client of [dev, member]) {
          expectError(
            await client.post(`${fm}/controls`, { title: 't', description: 'd', objective_ids: ['CO-01'] }),
            404,
            'not_found',
          )
          expectError(await client.patch(`${fm}/controls/CTRL-01`, { title: 'mine now' }), 404, 'not_found')
          expectError(
            await client.put(`${fm}/controls/CTRL-03/implementation`, { status: 'not_implemented' }),
            404,
            'not_found',
          )
          expectError(await client.delete(`${fm}/controls/CTRL-02`, { reason: 'gone' }), 404, 'not_found')
          expectError(await client.patch(fm, { title: 'mine now' }), 404, 'not_found')
          expectError(await client.post('/api/models', { workspace_id: ws2, title: 'mine now' }), 404, 'not_found')
        }
        expectError(
          await member.post(`/api/workspaces/${ws2}/api-keys`, { label: 'x', scope: 'developer' }),
          404,
          'not_found',
        )
        expect(await snapshot()).toEqual(before)
        // A key may not be restricted to another workspace's model.
        const keys = await count(`/api/workspaces/${ws1}/api-keys`)
        const error = expectError(
          await owner.post(`/api/workspaces/${ws1}/api-keys`, {
            label: 'x',
            scope: 'developer',
            model_ids: [foreignModelId],
          }),
          422,
          'validation_failed',
        )
        expect(errorPaths(error)).toEqual(['/model_ids/0'])
        expect(await count(`/api/workspaces/${ws1}/api-keys`)).toEqual(keys)
      })
    })

    describe('results', () => {
      const post = (body: unknown, client = ver, headers: Record<string, string> = {}) =>
        client.post(`${M()}/verification/results`, body, headers)
      const t1 = (a: { id: string; digest: string }, over: Record<string, unknown> = {}) => ({
        assertion_id: a.id,
        assertion_digest: a.digest,
        tier: 1,
        result: 'pass',
        details: 'ok',
        ...over,
      })
      const t2 = (a: { id: string; digest: string }, over: Record<string, unknown> = {}) => ({
        ...t1(a),
        tier: 2,
        details: 'YES',
        provider: 'other',
        model: 'm',
        prompt_hash: SHA('a'),
        rationale: 'It does.',
        ...over,
      })

      it('each §5.14.3 result error: 422 with its code and the index, no run stored', async () => {
        const before = await runs()
        const cases: [unknown[], string, string, Record<string, unknown>?][] = [
          [
            [t1({ id: 'asr_00000000000000000000000000', digest: fn.digest })],
            'assertion_unknown',
            '/results/0/assertion_id',
          ],
          [[t1(fn), t1({ id: foreignAssertionId, digest: fn.digest })], 'assertion_unknown', '/results/1/assertion_id'],
          [[t1(ev), t1({ ...fn, digest: SHA('0') })], 'assertion_digest_mismatch', '/results/1/assertion_digest'],
          [[t1(fn), t2(fn), t2(ev)], 'tier2_without_tier1', '/results/2'],
          [[t1(fn), t1(fn, { result: 'fail' })], 'duplicate_result', '/results/1'],
          [[t1(fn, { provider: 'other', rationale: 'x' })], 'result_invalid', '/results/0/provider'],
          [[t1(fn), t2(fn, { rationale: undefined })], 'result_invalid', '/results/1/rationale'],
          [[t1(fn, { details: 'x'.repeat(2049) })], 'result_invalid', '/results/0/details'],
          [
            [t1(fn, { locations: Array.from({ length: 21 }, () => ({ path: 'a.py', start_line: 1, end_line: 1 })) })],
            'result_invalid',
            '/results/0/locations',
          ],
          [
            [t1(fn, { locations: [{ path: '../../etc/passwd', start_line: 1, end_line: 1 }] })],
            'result_invalid',
            '/results/0/locations/0/path',
          ],
        ]
        for (const [results, code, path] of cases) {
          const error = expectError(await post(resultsBody({ run_id: `bad-${code}`, results })), 422, code)
          expect(errorCodes(error), code).toMatchObject({ [path]: code })
          if (code.startsWith('assertion_')) expect(error.details.index).toBe(Number(path.split('/')[2]))
        }
        // The assertion is tagged acme/payments-api; a run about another repo cannot carry its result.
        expectError(
          await post(resultsBody({ run_id: 'bad-repo', pipeline: { repo: 'acme/other' } })),
          422,
          'result_repo_mismatch',
        )
        expect(await runs()).toEqual(before)
      })

      it('malformed pipeline members: 422 validation_failed with every path', async () => {
        const before = await runs()
        const res = await post(
          resultsBody({
            run_id: 'bad-pipeline',
            pipeline: { commit_sha: 'ABC', provider: 'teamcity', run_url: 'http://x', repo: 'not a repo' },
          }),
        )
        const error = expectError(res, 422, 'validation_failed')
        expect(errorPaths(error)).toEqual(
          expect.arrayContaining(['/pipeline/commit_sha', '/pipeline/provider', '/pipeline/run_url']),
        )
        expectError(await post(resultsBody({ results: [] })), 422, 'validation_failed')
        expect(await runs()).toEqual(before)
      })

      it('a duplicate member hidden in a nested object: 400 duplicate_key', async () => {
        const before = await runs()
        const text = JSON.stringify(resultsBody({ run_id: 'nested-dup' })).replace(
          `"commit_sha":"${COMMIT}"`,
          `"commit_sha":"${COMMIT}","commit_sha":"${'e'.repeat(40)}"`,
        )
        expectError(await post(text), 400, 'duplicate_key')
        expect(await runs()).toEqual(before)
      })

      it('20,001 results: 422 too_many_results', async () => {
        const before = await runs()
        const one = t1(fn)
        const results = Array.from({ length: 20_001 }, () => one)
        expectError(await post(resultsBody({ run_id: 'too-many', results })), 422, 'too_many_results')
        expect(await runs()).toEqual(before)
      })

      it('a pipeline run submitted twice: 409 run_already_submitted; a new attempt is a new run', async () => {
        const first = await post(resultsBody({ run_id: 'twice' }))
        expect(first.status, JSON.stringify(first.body)).toBe(201)
        const before = await runs()
        const error = expectError(await post(resultsBody({ run_id: 'twice' })), 409, 'run_already_submitted')
        expect(error.details).toEqual({ run_id: first.body.run_id })
        expectError(
          await post(resultsBody({ run_id: 'twice', pipeline: { commit_sha: 'f'.repeat(40) } })),
          409,
          'run_already_submitted',
        )
        // Another verifier key of the workspace hits the same pipeline run.
        const other = new Client(base, await createKey(owner, ws1, 'verifier'))
        expectError(await post(resultsBody({ run_id: 'twice' }), other), 409, 'run_already_submitted')
        expect(await runs()).toEqual(before)
        const attempt = await post(resultsBody({ run_id: 'twice', pipeline: { run_attempt: '2' } }))
        expect(attempt.status, JSON.stringify(attempt.body)).toBe(201)
      })

      it('Idempotency-Key: a retry replays the stored answer; another body is 409; keys are per credential', async () => {
        const headers = { 'idempotency-key': 'ci-run-77-attempt-1' }
        const body = resultsBody({ run_id: 'idem-77' })
        const first = await post(body, ver, headers)
        expect(first.status, JSON.stringify(first.body)).toBe(201)
        const after = await runs()
        const replay = await post(body, ver, headers)
        expect(replay.status).toBe(201)
        expect(replay.headers.get('idempotent-replayed')).toBe('true')
        expect(replay.body).toEqual(first.body)
        // The replay is exact even gzip-encoded: the key covers the decoded body.
        const gz = await post(gzipSync(Buffer.from(JSON.stringify(body))), ver, {
          ...headers,
          'content-encoding': 'gzip',
        })
        expect(gz.status).toBe(201)
        expect(gz.headers.get('idempotent-replayed')).toBe('true')
        expectError(await post(resultsBody({ run_id: 'idem-78' }), ver, headers), 409, 'idempotency_key_reused')
        // The key names one request: the same key on another route is a different request.
        expectError(
          await ver.post(
            `${M()}/controls/CTRL-03/assertions`,
            { assertions: [{ type: 'file_exists', params: { file: 'reused.lock' }, description: 'Reused key.' }] },
            headers,
          ),
          409,
          'idempotency_key_reused',
        )
        // Another credential's key space is separate: the same key and body is a new request, and the run a duplicate.
        const other = new Client(base, await createKey(owner, ws1, 'verifier'))
        expectError(await post(body, other, headers), 409, 'run_already_submitted')
        expect(await runs()).toEqual(after)
        expectError(await post(body, ver, { 'idempotency-key': 'x'.repeat(129) }), 422, 'validation_failed')
        expectError(await post(body, ver, { 'idempotency-key': 'ünïcode' }), 422, 'validation_failed')
        expect(await runs()).toEqual(after)
      })

      it('a refused submission does not use up its Idempotency-Key', async () => {
        const headers = { 'idempotency-key': 'fixed-after-error' }
        const bad = resultsBody({ run_id: 'after-error', results: [t1({ ...fn, digest: SHA('9') })] })
        expectError(await post(bad, ver, headers), 422, 'assertion_digest_mismatch')
        const good = await post(resultsBody({ run_id: 'after-error' }), ver, headers)
        expect(good.status, JSON.stringify(good.body)).toBe(201)
        expect(good.headers.get('idempotent-replayed')).toBeNull()
      })

      it('revoked and expired keys: 401 api_key_invalid, nothing stored', async () => {
        const secret = await createKey(owner, ws1, 'verifier')
        const id = `key_${secret.split('_')[1]}`
        expect((await owner.delete(`/api/workspaces/${ws1}/api-keys/${id}`)).status).toBe(204)
        const wait = Date.parse(expiresAt) - Date.now() + 50
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        const beforeRuns = await runs()
        const beforeAssertions = await assertions()
        for (const client of [new Client(base, secret), new Client(base, expiringSecret)]) {
          expectError(await post(resultsBody({ run_id: 'dead-key' }), client), 401, 'api_key_invalid')
          expectError(
            await client.post(`${M()}/controls/CTRL-03/assertions`, {
              assertions: [{ type: 'file_exists', params: { file: 'dead.lock' }, description: 'Dead key.' }],
            }),
            401,
            'api_key_invalid',
          )
          expectError(
            await client.post('/api/models/import', MODEL_YAML, { 'content-type': 'application/yaml' }),
            401,
            'api_key_invalid',
          )
        }
        expect(await runs()).toEqual(beforeRuns)
        expect(await assertions()).toEqual(beforeAssertions)
      })

      it('ids of another workspace: 404; a developer key or a session: 403', async () => {
        const before = await runs()
        const foreignRuns = () => count(`/api/models/${foreignModelId}/verification/runs`)
        const foreignBefore = await foreignRuns()
        const foreignResults = `/api/models/${foreignModelId}/verification/results`
        expectError(await ver.post(foreignResults, resultsBody({ run_id: 'foreign' })), 404, 'not_found')
        expectError(await owner.post(foreignResults, resultsBody({ run_id: 'foreign' })), 403, 'verifier_required')
        expectError(await post(resultsBody({ run_id: 'by-dev' }), dev), 403, 'developer_key_cannot_submit')
        expectError(await post(resultsBody({ run_id: 'by-owner' }), owner), 403, 'verifier_required')
        expectError(await post(resultsBody({ run_id: 'by-member' }), member), 403, 'verifier_required')
        expect(await runs()).toEqual(before)
        expect(await foreignRuns()).toEqual(foreignBefore)
      })

      it('gzip: a corrupt stream is 400, a bomb past the default decoded limit is 413, a body streamed without Content-Length past the wire limit is 413', async () => {
        const before = await runs()
        expectError(
          await post(new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03]), ver, { 'content-encoding': 'gzip' }),
          400,
          'invalid_json',
        )
        // 65 MiB of spaces after the body: about 64 KiB on the wire, past the default 64 MiB once decoded.
        const bomb = gzipSync(
          Buffer.concat([
            Buffer.from(JSON.stringify(resultsBody({ run_id: 'bomb' }))),
            Buffer.alloc(65 * 1024 * 1024, 0x20),
          ]),
        )
        expectError(await post(bomb, ver, { 'content-encoding': 'gzip' }), 413, 'body_too_large')
        const chunks = [Buffer.from(JSON.stringify(resultsBody({ run_id: 'stream' }))), Buffer.alloc(4096, 0x20)]
        const streamed = await fetch(`${smallBase}${M()}/verification/results`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ver.key}`, 'content-type': 'application/json' },
          body: new ReadableStream({
            start(controller) {
              for (const c of chunks) controller.enqueue(c)
              controller.close()
            },
          }),
          duplex: 'half',
        } as RequestInit)
        const text = await streamed.text()
        expectError(
          { status: streamed.status, body: JSON.parse(text), headers: streamed.headers },
          413,
          'body_too_large',
        )
        expect(await runs()).toEqual(before)
      })
    })

    describe('findings', () => {
      const patch = (body: unknown, client: Client = dev, id = findingId) => client.patch(`${M()}/findings/${id}`, body)
      const fresh = async () =>
        (
          await dev.post(`${M()}/findings`, {
            findings: [{ control_id: 'CTRL-02', title: 'fresh', description: 'A fresh finding.' }],
          })
        ).body.items[0].id as string

      it('illegal transitions: 409 invalid_transition or status_computed, 422 reason_required; nothing changes', async () => {
        const id = await fresh()
        const unchanged = async (body: unknown, status: number, code: string, client: Client = dev) => {
          const before = await finding(id)
          expectError(await patch(body, client, id), status, code)
          expect(await finding(id)).toEqual(before)
        }
        await unchanged({ status: 'remediated' }, 409, 'invalid_transition')
        await unchanged({ status: 'verified' }, 409, 'status_computed')
        await unchanged({ status: 'discovered' }, 409, 'invalid_transition')
        await unchanged({ status: 'dismissed' }, 422, 'reason_required', member)
        await unchanged({ status: 'dismissed', reason: '   ' }, 422, 'reason_required', member)
        await unchanged({ status: 'dismissed', reason: 'too short' }, 422, 'reason_required', member)
        // Links and notes travel with the transition: a refused transition stores neither.
        await unchanged(
          { status: 'remediated', link_assertion_ids: [ev.id], notes: 'linked' },
          409,
          'invalid_transition',
        )
        await unchanged({ link_assertion_ids: [foreignAssertionId] }, 422, 'assertion_not_in_model')
        await unchanged({ status: 'dismissed', reason: 'x'.repeat(40) }, 403, 'dismissal_requires_person')
        expect((await patch({ status: 'acknowledged' }, dev, id)).status).toBe(200)
        await unchanged({ status: 'acknowledged' }, 409, 'invalid_transition')
        await unchanged({ status: 'discovered' }, 409, 'invalid_transition')
        expect((await patch({ status: 'remediated' }, dev, id)).status).toBe(200)
        await unchanged({ status: 'acknowledged' }, 409, 'invalid_transition')
        await unchanged({ status: 'dismissed', reason: 'x'.repeat(40) }, 409, 'invalid_transition', member)
        const other = await fresh()
        expect(
          (await patch({ status: 'dismissed', reason: 'A false positive: eval is on a constant.' }, member, other))
            .status,
        ).toBe(200)
        const dismissed = await finding(other)
        for (const body of [{ status: 'acknowledged' }, { status: 'remediated' }, { link_assertion_ids: [ev.id] }]) {
          expectError(await patch(body, dev, other), 409, 'invalid_transition')
          expect(await finding(other)).toEqual(dismissed)
        }
      })

      it('bad finding items: 422 with per-item paths, 101 items: too_many_findings, unknown control: control_unknown', async () => {
        const before = await findings()
        const item = { control_id: 'CTRL-02', title: 'x', description: 'y' }
        const res = await dev.post(`${M()}/findings`, {
          findings: [
            item,
            { ...item, title: '' },
            { ...item, severity: 'apocalyptic' },
            { ...item, title: 'x'.repeat(201) },
          ],
        })
        const error = expectError(res, 422, 'validation_failed')
        expect(errorPaths(error)).toEqual(
          expect.arrayContaining(['/findings/1/title', '/findings/2/severity', '/findings/3/title']),
        )
        expectError(
          await dev.post(`${M()}/findings`, { findings: Array.from({ length: 101 }, () => item) }),
          422,
          'too_many_findings',
        )
        const unknown = expectError(
          await dev.post(`${M()}/findings`, { findings: [item, { ...item, control_id: 'CTRL-99' }] }),
          422,
          'control_unknown',
        )
        expect(errorPaths(unknown)).toEqual(['/findings/1/control_id'])
        expectError(await dev.post(`${M()}/findings`, { findings: [] }), 422, 'validation_failed')
        expect(await findings()).toEqual(before)
      })

      it('findings_json is parsed strictly: invalid JSON or duplicate keys are 422, never a server error', async () => {
        const before = await findings()
        const items = [{ control_id: 'CTRL-02', title: 'x', description: 'y' }]
        for (const text of [
          'not json at all',
          JSON.stringify(items).replace('"title":"x"', '"title":"x","title":"z"'),
        ]) {
          const error = expectError(
            await dev.post(`${M()}/findings`, { findings_json: text }),
            422,
            'validation_failed',
          )
          expect(errorPaths(error)[0]).toMatch(/^\/findings_json/)
        }
        expect(await findings()).toEqual(before)
      })

      it('ids of another workspace: 404', async () => {
        const foreignBefore = await finding(findingId)
        expectError(await patch({ notes: 'x' }, dev, foreignFindingId), 404, 'not_found')
        expectError(
          await dev.patch(`/api/models/${foreignModelId}/findings/${foreignFindingId}`, { notes: 'x' }),
          404,
          'not_found',
        )
        expectError(
          await member.post(`/api/models/${foreignModelId}/findings`, {
            findings: [{ control_id: 'CTRL-01', title: 'x', description: 'y' }],
          }),
          404,
          'not_found',
        )
        expect(await finding(findingId)).toEqual(foreignBefore)
        const other = (await owner.get(`/api/models/${foreignModelId}/findings/${foreignFindingId}`)).body
        expect(other.notes).toBe('')
      })
    })

    describe('anonymous writes', () => {
      it('are 401 before the body is read: no parsing, no size or gzip work, no validation', async () => {
        const before = [await models(), await runs(), await findings()]
        const anon = new Client(base)
        const bomb = gzipSync(Buffer.alloc(65 * 1024 * 1024, 0x20))
        const cases: [Client, string, string, string | Uint8Array | Record<string, unknown>, Record<string, string>][] =
          [
            [anon, 'POST', `${M()}/verification/results`, '{"pipeline":', {}],
            [anon, 'POST', '/api/models', withDuplicateFirstKey({ title: 'x' }), {}],
            [anon, 'POST', '/api/models', { title: 42, extra: true }, {}],
            [anon, 'PATCH', M(), { title: 'x' }, { 'content-type': 'text/plain' }],
            [anon, 'POST', '/api/models/import', 'model: [unclosed', { 'content-type': 'application/yaml' }],
            [anon, 'POST', `${M()}/findings`, bomb, { 'content-encoding': 'gzip' }],
            [new Client(smallBase), 'POST', `${M()}/controls`, ' '.repeat(SMALL.maxBodyBytes * 2), {}],
            [anon, 'DELETE', `${M()}/assertions/${fn.id}`, 'not json', {}],
          ]
        for (const [client, method, path, body, headers] of cases)
          expectError(await client.call(method, path, body, headers), 401, 'unauthenticated')
        expect([await models(), await runs(), await findings()]).toEqual(before)
      })
    })

    describe('login', () => {
      it('wrong passwords and unknown accounts: the same 401 invalid_credentials, no session', async () => {
        const created = await owner.post('/api/users', {
          email: 'lou@example.com',
          display_name: 'Lou',
          password: 'lou has a passphrase',
        })
        expect(created.status).toBe(201)
        const wrong = expectError(
          await new Client(base).post('/api/auth/login', { email: 'lou@example.com', password: 'not it at all' }),
          401,
          'invalid_credentials',
        )
        const unknown = expectError(
          await new Client(base).post('/api/auth/login', { email: 'nobody@example.com', password: 'not it at all' }),
          401,
          'invalid_credentials',
        )
        expect(wrong.message).toBe(unknown.message)
      })
    })

    it('every write of the table accepts its valid body (the refusals above were about the input)', async () => {
      for (const w of WRITES) {
        const res = await w.client().call(w.method, w.path(), w.valid())
        expect(res.status, `${w.name}: ${JSON.stringify(res.body)}`).toBeLessThan(300)
      }
    })
  })
})
