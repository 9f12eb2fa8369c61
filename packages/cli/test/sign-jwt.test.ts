import { verify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fingerprint, publicKeyFromPem } from '@warrant/core'
import { describe, expect, it } from 'vitest'
import { cli, project } from './helpers.js'

/** `warrant sign jwt` (EVIDENCE.md §6.3). */
describe('sign jwt', () => {
  it('mints a 5-minute ES256 JWT with the key fingerprint as kid and a JWS (r ‖ s) signature', async () => {
    const dir = await project({})
    await cli(dir, ['keygen', '--out', 'ci'])
    const r = await cli(dir, [
      'sign',
      'jwt',
      '--signing-key',
      'ci.key.pem',
      '--workspace',
      'ws_1',
      '--audience',
      'https://w.test',
    ])
    expect(r.code, r.stderr).toBe(0)
    const [h, c, s] = r.stdout.trim().split('.')
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString())
    const claims = JSON.parse(Buffer.from(c!, 'base64url').toString())
    const key = publicKeyFromPem(readFileSync(join(dir, 'ci.pub.pem'), 'utf8'))
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', kid: fingerprint(key) })
    expect(claims).toMatchObject({ sub: 'ws_1', aud: 'https://w.test' })
    expect(claims.exp - claims.iat).toBe(300)
    expect(claims.jti.length).toBeGreaterThanOrEqual(16)
    const sig = Buffer.from(s!, 'base64url')
    expect(sig.length).toBe(64)
    expect(verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true)
  })

  it('takes the audience from WARRANT_URL and refuses without one', async () => {
    const dir = await project({})
    await cli(dir, ['keygen', '--out', 'ci'])
    const args = ['sign', 'jwt', '--signing-key', 'ci.key.pem', '--workspace', 'ws_1']
    const env = await cli(dir, args, '', false, { WARRANT_URL: 'https://from-env.test' })
    expect(env.code, env.stderr).toBe(0)
    expect(JSON.parse(Buffer.from(env.stdout.split('.')[1]!, 'base64url').toString()).aud).toBe('https://from-env.test')
    const none = await cli(dir, args, '', false, { WARRANT_URL: '' })
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('--audience')
  })
})
