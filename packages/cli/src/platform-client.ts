import { parseStrictJson } from '@warrant/core'
import type { HttpAnswer, HttpCall } from '@warrant/server'
import { type Io, UsageError } from './io.js'
import { VERSION } from './version.js'

/** A platform answer that is not 2xx: the contract's error body, kept for the exit status and the message. */
export class PlatformError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * A minimal REST client for the platform: the URL from `--url` or WARRANT_URL, the API key only from WARRANT_API_KEY
 * (never a flag, so it does not land in shell history or CI logs).
 */
export class PlatformClient {
  private constructor(
    private readonly base: string,
    private readonly key: string,
  ) {}

  static fromEnv(io: Io, url: string | undefined): PlatformClient {
    const env = io.env ?? process.env
    const base = url ?? env.WARRANT_URL
    if (!base) throw new UsageError('no platform URL: pass --url or set WARRANT_URL')
    if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol))
      throw new UsageError(`not an http(s) URL: ${base}`)
    const key = env.WARRANT_API_KEY
    if (!key) throw new UsageError('no API key: set WARRANT_API_KEY to a wk_… or wv_… key of the workspace')
    return new PlatformClient(base.replace(/\/+$/, ''), key)
  }

  /** `developer` for a wk_ key (it may not submit results), `verifier` for a wv_ key. */
  get keyScope(): 'developer' | 'verifier' | 'unknown' {
    return this.key.startsWith('wv_') ? 'verifier' : this.key.startsWith('wk_') ? 'developer' : 'unknown'
  }

  /** One call, answered whatever its status; rejects only when the platform cannot be reached. */
  async send(call: HttpCall, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    let res: Response
    try {
      res = await fetch(this.base + call.url, {
        method: call.method,
        headers: {
          authorization: `Bearer ${this.key}`,
          accept: 'application/json',
          'user-agent': `warrant-cli/${VERSION}`,
          ...(call.contentType ? { 'content-type': call.contentType } : {}),
          ...headers,
        },
        ...(call.body !== undefined ? { body: call.body } : {}),
        signal: AbortSignal.timeout(60_000),
      })
    } catch (e) {
      throw new PlatformError(0, 'unreachable', `cannot reach ${this.base}: ${(e as Error).message}`)
    }
    return { status: res.status, body: await res.text() }
  }

  async get<T>(path: string): Promise<T> {
    return this.parsed<T>(path, await this.send({ method: 'GET', url: path }))
  }

  async post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    const call = { method: 'POST' as const, url: path, body: JSON.stringify(body), contentType: 'application/json' }
    return this.parsed<T>(path, await this.send(call, headers))
  }

  private parsed<T>(path: string, res: HttpAnswer): T {
    let body: unknown
    try {
      body = parseStrictJson(res.body, { integersOnly: false })
    } catch {
      throw new PlatformError(
        res.status,
        'invalid_response',
        `${this.base}${path} answered ${res.status} with a non-JSON body`,
      )
    }
    if (res.status >= 400) {
      const e = (body as { error?: { code?: string; message?: string } }).error
      throw new PlatformError(res.status, e?.code ?? 'http_error', e?.message ?? `HTTP ${res.status}`)
    }
    return body as T
  }
}
