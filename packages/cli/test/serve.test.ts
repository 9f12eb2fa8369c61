import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { MasterKeyError, masterKey } from '../../server/src/services/instance-keys.js'
import { freshBackend, setupOwner, start } from '../../server/test/helpers.js'
import { cli } from './helpers.js'

const built = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const launcher = fileURLToPath(new URL('../bin/warrant.js', import.meta.url))

/** `warrant serve` on a fresh data directory: first-run token, readiness, and a clean stop on SIGTERM. */
describe.skipIf(!existsSync(built))('warrant serve', () => {
  it('starts on the embedded store, serves, and stops cleanly on SIGTERM', { timeout: 60_000 }, async () => {
    const data = mkdtempSync(join(tmpdir(), 'warrant-serve-'))
    try {
      const child = spawn(process.execPath, [launcher, 'serve', '--port', '0', '--data', data], {
        env: {
          ...process.env,
          WARRANT_MASTER_KEY: randomBytes(32).toString('base64'),
          WARRANT_LOG_LEVEL: 'error',
          DATABASE_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d
      })
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          stdout += d
          const m = /listening on (http:\/\/\S+)/.exec(stdout)
          if (m) resolve(m[1]!)
        })
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)))
      })
      expect((await fetch(`${url}/readyz`)).status).toBe(200)
      expect(await (await fetch(`${url}/api/setup`)).json()).toMatchObject({ needs_setup: true })
      const token = join(data, 'setup-token')
      expect(statSync(token).mode & 0o777).toBe(0o600)
      expect(readFileSync(token, 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{32}$/)
      expect(stderr).toContain('first run: complete setup')
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(stderr).toContain('shutting down')
    } finally {
      rmSync(data, { recursive: true, force: true })
    }
  })

  it('refuses to start without a master key and says how to make one', async () => {
    const data = mkdtempSync(join(tmpdir(), 'warrant-serve-'))
    try {
      const child = spawn(process.execPath, [launcher, 'serve', '--port', '0', '--data', data], {
        env: { ...process.env, WARRANT_MASTER_KEY: '', WARRANT_DEV_INSECURE_MASTER_KEY: '', DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d
      })
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
      expect(code).toBe(2)
      expect(stderr).toContain('openssl rand -base64 32')
    } finally {
      rmSync(data, { recursive: true, force: true })
    }
  })
})

/** `warrant serve --rewrap-keys --old-master-key-file F` (EVIDENCE.md §8.1): every key moves to the new master key. */
describe('warrant serve --rewrap-keys', () => {
  it('re-wraps active and retired keys in one go; a wrong old key changes nothing', { timeout: 60_000 }, async () => {
    const backend = await freshBackend('pglite')
    const dir = mkdtempSync(join(tmpdir(), 'warrant-rewrap-'))
    const makeKey = () => randomBytes(32).toString('base64')
    const [oldKey, newKey, otherKey] = [makeKey(), makeKey(), makeKey()]
    const idOf = (value: string) => masterKey({ value }).id
    const [oldId, newId, otherId] = [idOf(oldKey), idOf(newKey), idOf(otherKey)]
    const file = (name: string, key: string) => {
      writeFileSync(join(dir, name), `${key}\n`)
      return join(dir, name)
    }
    const rewrap = (oldFile: string) =>
      cli(dir, ['serve', '--rewrap-keys', '--old-master-key-file', oldFile, '--data', backend.dataDir], '', false, {
        WARRANT_MASTER_KEY: newKey,
      })
    const masterIds = async () => {
      const running = await start(backend, { masterKey: newKey })
      try {
        const rows = await running.server.store.db.selectFrom('instance_keys').select('master_key_id').execute()
        return rows.map((r) => r.master_key_id)
      } finally {
        await running.close()
      }
    }
    try {
      // Four keys under the old master key: the first instance and log keys, retired by rotation, and their successors.
      const first = await start(backend, { masterKey: oldKey })
      const { owner } = await setupOwner(first.url)
      for (const path of ['/api/admin/instance-keys/rotate', '/api/admin/log-keys/rotate'])
        expect((await owner.post(path, { confirm: true })).status).toBe(201)
      await first.close()

      const wrong = await rewrap(file('other.key', otherKey))
      expect(wrong.code).toBe(2)
      expect(wrong.stderr).toContain(`the old master key has id ${otherId}`)
      expect(wrong.stderr).toContain(`is wrapped with master key id ${oldId}; nothing was changed`)
      await expect(start(backend, { masterKey: newKey })).rejects.toThrow(`wrapped with master key id ${oldId}`)

      const done = await rewrap(file('old.key', oldKey))
      expect(done.code, done.stderr).toBe(0)
      expect(done.stdout).toBe(`re-wrapped 4 key(s) under master key id ${newId}; start again without --rewrap-keys\n`)
      await expect(start(backend, { masterKey: oldKey })).rejects.toThrow(MasterKeyError)
      expect(await masterIds()).toEqual([newId, newId, newId, newId])
      // Running it again finds nothing left under the old key.
      expect((await rewrap(join(dir, 'old.key'))).stdout).toContain('re-wrapped 0 key(s)')

      const alone = await cli(dir, ['serve', '--rewrap-keys', '--data', backend.dataDir], '', false, {
        WARRANT_MASTER_KEY: newKey,
      })
      expect([alone.code, alone.stderr]).toEqual([2, expect.stringContaining('go together')])
    } finally {
      await backend.drop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
