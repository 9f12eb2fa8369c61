import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, Client, createKey, freshBackend, OWNER, type Running, setupOwner, start } from './helpers.js'

/** Rate limits per key and per IP (PLATFORM.md §5.1) and login throttling (§1.3). */
describe('rate limits', () => {
  let backend: Backend
  let running: Running
  let first: Client
  let second: Client

  beforeAll(async () => {
    backend = await freshBackend('pglite')
    running = await start(backend, {
      rateLimits: { results: 30, submit: 60, write: 120, read: 3, public: 4, login: 100 },
    })
    const { owner, workspaceId } = await setupOwner(running.url)
    first = new Client(running.url, await createKey(owner, workspaceId, 'developer'))
    second = new Client(running.url, await createKey(owner, workspaceId, 'developer'))
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  it('counts reads per API key in a fixed window and says when to retry', async () => {
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await first.get('/api/models')).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const limited = await first.get('/api/models')
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', status: 429 })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited.headers.get('ratelimit-limit')).toBe('3')
    expect(limited.headers.get('ratelimit-remaining')).toBe('0')
    expect((await second.get('/api/models')).status).toBe(200)
  })

  it('counts anonymous calls per source IP', async () => {
    const anonymous = new Client(running.url)
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push((await anonymous.get('/api/version')).status)
    expect(statuses).toEqual([200, 200, 200, 200, 429])
  })

  it('throttles failed logins per account without revealing which emails exist', async () => {
    const anyone = new Client(running.url)
    const unknown = await anyone.post('/api/auth/login', { email: 'nobody@example.com', password: 'wrong password 1' })
    const wrong = await anyone.post('/api/auth/login', { email: OWNER.email, password: 'wrong password 1' })
    expect([unknown.status, unknown.body.error.code, unknown.body.error.message]).toEqual([
      401,
      'invalid_credentials',
      wrong.body.error.message,
    ])
    for (let i = 0; i < 4; i++)
      await anyone.post('/api/auth/login', { email: OWNER.email, password: `wrong password ${i}` })
    const blocked = await anyone.post('/api/auth/login', { email: OWNER.email, password: OWNER.password })
    expect([blocked.status, blocked.body.error.code]).toEqual([429, 'rate_limited'])
  })
})
