import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, Client, freshBackend, OWNER, type Running, setupOwner, start } from './helpers.js'

/** A browser left with the cookie of an expired session can still sign in and load the UI (PLATFORM.md §5.2). */
describe('an expired session cookie', () => {
  let backend: Backend
  let running: Running
  let stale: string

  beforeAll(async () => {
    backend = await freshBackend('pglite')
    running = await start(backend)
    const { owner } = await setupOwner(running.url)
    stale = owner.cookie!
    await sql`update sessions set expires_at = '2000-01-01T00:00:00.000Z'`.execute(running.server.store.db)
  }, 60_000)
  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  const withCookie = () => {
    const c = new Client(running.url)
    c.cookie = stale
    return c
  }

  it('still answers 401 with the reason on API routes, and clears the cookie', async () => {
    const res = await withCookie().get('/api/workspaces')
    expect(res.status).toBe(401)
    expect(res.body.error).toMatchObject({ code: 'unauthenticated', message: 'the session has expired; log in again' })
    expect(res.headers.get('set-cookie')).toMatch(/^warrant_session=;.*Expires=Thu, 01 Jan 1970/)
  })

  it('does not stand in the way of signing in again', async () => {
    const client = withCookie()
    const login = await client.post('/api/auth/login', { email: OWNER.email, password: OWNER.password })
    expect(login.status, JSON.stringify(login.body)).toBe(200)
    expect(client.cookie).not.toBe(stale)
    expect((await client.get('/api/workspaces')).status).toBe(200)
  })

  it('does not stand in the way of the UI and public routes', async () => {
    const page = await withCookie().get('/')
    expect([200, 503]).toContain(page.status)
    expect(page.headers.get('set-cookie')).toMatch(/^warrant_session=;/)
    expect((await withCookie().get('/healthz')).status).toBe(200)
  })
})
