import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { configFromEnv, type ServerConfig } from '../src/config.js'
import { createServer, type WarrantServer } from '../src/server.js'

/** PostgreSQL server for the store and API suites; CI sets it, a laptop without one skips those suites. */
export const POSTGRES_URL = process.env.WARRANT_TEST_DATABASE_URL
export const BACKENDS: ('pglite' | 'postgres')[] = POSTGRES_URL ? ['pglite', 'postgres'] : ['pglite']
if (!POSTGRES_URL)
  console.warn('WARRANT_TEST_DATABASE_URL is not set: the PostgreSQL variants of the store and API suites are skipped')

export interface Backend {
  kind: 'pglite' | 'postgres'
  dataDir: string
  databaseUrl: string | undefined
  drop(): Promise<void>
}

/** A fresh, empty database: a PGlite directory, or a new database on the PostgreSQL server. */
export async function freshBackend(kind: 'pglite' | 'postgres'): Promise<Backend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warrant-test-'))
  if (kind === 'pglite')
    return {
      kind,
      dataDir,
      databaseUrl: undefined,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    }
  const name = `warrant_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(POSTGRES_URL!)
  url.pathname = `/${name}`
  return {
    kind,
    dataDir,
    databaseUrl: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface Running {
  server: WarrantServer
  url: string
  close(): Promise<void>
}

/** One master key per test process, so a restarted server opens the keys its predecessor wrapped. */
export const TEST_MASTER_KEY = randomBytes(32).toString('base64')

export const testConfig = (backend: Backend, overrides: Partial<ServerConfig> = {}): ServerConfig =>
  configFromEnv(
    {},
    {
      dataDir: backend.dataDir,
      databaseUrl: backend.databaseUrl,
      setupToken: 'test-setup-token',
      fastPasswordHashing: true,
      masterKey: TEST_MASTER_KEY,
      checkpointIntervalMs: 50,
      ...overrides,
    },
  )

/** Starts the platform on a real loopback port. */
export async function start(backend: Backend, overrides: Partial<ServerConfig> = {}): Promise<Running> {
  const server = await createServer(testConfig(backend, overrides))
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 })
  return { server, url: address, close: () => server.close() }
}

export interface Reply<T = any> {
  status: number
  body: T
  headers: Headers
}

/** A small HTTP client speaking to the server over loopback, with a cookie jar for sessions. */
export class Client {
  cookie: string | undefined
  csrf: string | undefined
  constructor(
    readonly base: string,
    readonly key?: string,
  ) {}

  withKey(key: string): Client {
    return new Client(this.base, key)
  }

  async call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const h: Record<string, string> = { ...headers }
    if (this.key) h.authorization = `Bearer ${this.key}`
    if (this.cookie) h.cookie = this.cookie
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf
    let payload: string | Uint8Array | undefined
    if (body instanceof Uint8Array || typeof body === 'string') payload = body
    else if (body !== undefined) payload = JSON.stringify(body)
    if (payload !== undefined) h['content-type'] ??= 'application/json'
    const res = await fetch(this.base + path, { method, headers: h, body: payload as RequestInit['body'] })
    const setCookie = res.headers.get('set-cookie')
    if (setCookie) this.cookie = setCookie.split(';')[0]
    const text = await res.text()
    const type = res.headers.get('content-type') ?? ''
    const parsed = type.includes('json') && text ? JSON.parse(text) : text
    if (parsed && typeof parsed === 'object' && 'csrf_token' in parsed) this.csrf = parsed.csrf_token
    return { status: res.status, body: parsed as T, headers: res.headers }
  }
  get = <T = any>(path: string, headers?: Record<string, string>) => this.call<T>('GET', path, undefined, headers)
  post = <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
    this.call<T>('POST', path, body, headers)
  patch = <T = any>(path: string, body?: unknown) => this.call<T>('PATCH', path, body)
  put = <T = any>(path: string, body?: unknown) => this.call<T>('PUT', path, body)
  delete = <T = any>(path: string, body?: unknown) => this.call<T>('DELETE', path, body)
}

export const OWNER = { email: 'owner@example.com', password: 'a long owner passphrase', display_name: 'Owner' }

/** Runs first-run setup; returns the owner's client (with session and CSRF token) and the workspace id. */
export async function setupOwner(url: string): Promise<{ owner: Client; workspaceId: string }> {
  const owner = new Client(url)
  const res = await owner.post('/api/setup', {
    setup_token: 'test-setup-token',
    ...OWNER,
    workspace_name: 'Acme Security',
  })
  if (res.status !== 201) throw new Error(`setup failed: ${JSON.stringify(res.body)}`)
  return { owner, workspaceId: res.body.workspace.id }
}

export async function createKey(
  owner: Client,
  workspaceId: string,
  scope: 'developer' | 'verifier',
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await owner.post(`/api/workspaces/${workspaceId}/api-keys`, { label: `${scope} key`, scope, ...extra })
  if (res.status !== 201) throw new Error(`key creation failed: ${JSON.stringify(res.body)}`)
  return res.body.secret
}
