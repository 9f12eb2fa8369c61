import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

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
