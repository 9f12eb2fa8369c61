import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerWeb, WEB_CSP } from '../src/http/web.js'
import { type Backend, freshBackend, type Running, start } from './helpers.js'

const INDEX = '<!doctype html><title>Warrant</title><script type="module" src="/assets/index-abc123.js"></script>'

/** Serving the built web UI (src/http/web.ts). */
describe('web UI files', () => {
  let dir: string
  let app: FastifyInstance

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warrant-web-'))
    mkdirSync(join(dir, 'dist', 'assets'), { recursive: true })
    writeFileSync(join(dir, 'dist', 'index.html'), INDEX)
    writeFileSync(join(dir, 'dist', 'assets', 'index-abc123.js'), 'console.log(1)')
    writeFileSync(join(dir, 'dist', 'assets', 'index-abc123.css'), 'body{}')
    writeFileSync(join(dir, 'dist', 'robots.txt'), 'User-agent: *')
    writeFileSync(join(dir, 'secret.txt'), 'outside the UI')
    app = Fastify()
    registerWeb(app, join(dir, 'dist'))
    await app.ready()
  })

  afterAll(async () => {
    await app?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers index.html at / and at every client route, never cached, under a strict CSP', async () => {
    for (const url of ['/', '/workspaces/wsp_1/reviews', '/workspaces/w/models/m/assertions/a/tier2-review?repo=x']) {
      const res = await app.inject({ url })
      expect([res.statusCode, res.body], url).toEqual([200, INDEX])
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-cache')
      expect(res.headers['content-security-policy']).toBe(WEB_CSP)
    }
    expect(WEB_CSP).toContain("script-src 'self'")
    expect(WEB_CSP).not.toContain('unsafe')
  })

  it('serves files with their content type; hashed assets are immutable', async () => {
    const js = await app.inject({ url: '/assets/index-abc123.js' })
    expect([js.statusCode, js.body, js.headers['content-type']]).toEqual([
      200,
      'console.log(1)',
      'text/javascript; charset=utf-8',
    ])
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const css = await app.inject({ url: '/assets/index-abc123.css' })
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    const txt = await app.inject({ url: '/robots.txt' })
    expect([txt.statusCode, txt.headers['content-type'], txt.headers['cache-control']]).toEqual([
      200,
      'text/plain; charset=utf-8',
      'no-cache',
    ])
    const head = await app.inject({ method: 'HEAD', url: '/assets/index-abc123.js' })
    expect([head.statusCode, head.body]).toEqual([200, ''])
  })

  it('answers 404 for a missing file and for any path that leaves the build directory', async () => {
    for (const url of [
      '/assets/index-missing.js',
      '/../secret.txt',
      '/..%2Fsecret.txt',
      '/assets/..%2F..%2Fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%5C..%5C..%5Csecret.txt',
    ]) {
      const res = await app.inject({ url })
      expect(res.statusCode, url).toBe(404)
      expect(res.body, url).not.toContain('outside the UI')
    }
  })

  it('says how to build the UI when it is not built', async () => {
    const bare = Fastify()
    registerWeb(bare, join(dir, 'nothing-here'))
    const res = await bare.inject({ url: '/workspaces/w/reviews' })
    expect([res.statusCode, res.headers['content-type']]).toEqual([503, 'text/plain; charset=utf-8'])
    expect(res.body).toContain('The Warrant web UI is not built')
    expect(res.body).toContain('npm run build -w packages/web')
    await bare.close()
  })
})

describe('web UI inside the platform', () => {
  let backend: Backend
  let running: Running

  beforeAll(async () => {
    backend = await freshBackend('pglite')
    running = await start(backend)
  }, 60_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  it('never shadows the API, MCP, discovery or health routes, nor their 404s', async () => {
    const health = await fetch(`${running.url}/healthz`)
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }])
    const setup = await fetch(`${running.url}/api/setup`)
    expect([setup.status, ((await setup.json()) as { needs_setup: boolean }).needs_setup]).toEqual([200, true])
    for (const path of ['/api', '/api/nope', '/mcp/nope', '/.well-known/nope', '/healthz/x', '/readyz/x']) {
      const res = await fetch(running.url + path)
      expect([res.status, res.headers.get('content-type')], path).toEqual([404, 'application/json; charset=utf-8'])
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe('not_found')
    }
  })
})
