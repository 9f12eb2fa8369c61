import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Excerpt, judge, type ProviderName, tier2Provider } from '../src/tier2/index.js'

type Reply = { status?: number; headers?: Record<string, string>; body?: string; text?: string; delayMs?: number }

/**
 * Loopback servers speaking the Anthropic Messages and Ollama chat wire protocols, answering from a script; the
 * official clients are pointed at them.
 */
const script: Reply[] = []
const seen: { path: string; body: any }[] = []
let server: Server
let base: string

const anthropicBody = (text: string) =>
  JSON.stringify({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-test-1',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 1234, output_tokens: 56 },
  })
const ollamaBody = (text: string) =>
  JSON.stringify({
    model: 'llama-test:8b',
    created_at: '2026-11-29T00:00:00Z',
    message: { role: 'assistant', content: text },
    done: true,
    done_reason: 'stop',
    prompt_eval_count: 321,
    eval_count: 45,
  })

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = ''
    req.on('data', (d) => {
      raw += d
    })
    req.on('end', () => {
      seen.push({ path: req.url ?? '', body: raw ? JSON.parse(raw) : null })
      const reply = script.shift() ?? { text: 'NO\nno script' }
      const send = () => {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers })
        const body =
          reply.body ??
          (req.url?.startsWith('/api/chat') ? ollamaBody(reply.text ?? '') : anthropicBody(reply.text ?? ''))
        res.end(body)
      }
      if (reply.delayMs) setTimeout(send, reply.delayMs)
      else send()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
// Clients differ in how many replies a failure consumes (Ollama does not retry a timeout): start each test afresh.
afterEach(() => {
  script.length = 0
})

const excerpt: Excerpt = {
  path: 'app.py',
  startLine: 1,
  endLine: 2,
  text: 'def require_auth(r):\n    return verify(r.token)',
}
const prompt = { text: 'Does require_auth verify the token?', hash: `sha256:${'b'.repeat(64)}` }

describe.each(['anthropic', 'ollama'] as ProviderName[])('Tier 2 through the %s client', (name) => {
  const provider = (timeoutMs = 5_000) =>
    tier2Provider({ provider: name, model: 'asked', baseUrl: base, apiKey: 'k', timeoutMs, maxRetries: 2 })
  const ask = (replies: Reply[], timeoutMs?: number) => {
    script.push(...replies)
    return judge(provider(timeoutMs), prompt, excerpt)
  }

  it('sends the fenced question and records the verdict and the model the server names', async () => {
    const v = await ask([{ text: 'YES\nverify() checks the signature.' }])
    expect(v).toMatchObject({
      result: 'pass',
      details: 'YES',
      rationale: 'verify() checks the signature.',
      cached: false,
    })
    expect(v.model).toBe(name === 'anthropic' ? 'claude-test-1' : 'llama-test:8b')
    expect(v.usage).toEqual(
      name === 'anthropic' ? { input_tokens: 1234, output_tokens: 56 } : { input_tokens: 321, output_tokens: 45 },
    )
    const sent = seen.at(-1)!
    expect(sent.path).toBe(name === 'anthropic' ? '/v1/messages' : '/api/chat')
    const text = JSON.stringify(sent.body)
    expect(text).toContain('WARRANT-EXCERPT-')
    expect(text).toContain('def require_auth(r):')
  })

  it('answers error for prose, empty and truncated replies, and NO stays NO', async () => {
    expect((await ask([{ text: 'It seems fine.' }])).result).toBe('error')
    expect((await ask([{ text: '' }])).result).toBe('error')
    expect((await ask([{ body: '' }])).result).toBe('error')
    expect((await ask([{ body: '{"id":"x","content":[{"type":"text","text":"YE' }])).result).toBe('error')
    expect((await ask([{ text: 'NO\nThe reply contains YES but the verdict is NO.' }])).result).toBe('fail')
  })

  it('retries 429 and 500, gives error when they persist or the server is too slow', async () => {
    const fast = { 'retry-after-ms': '5', 'retry-after': '0' }
    const errorBody =
      name === 'anthropic'
        ? '{"type":"error","error":{"type":"overloaded_error","message":"busy"}}'
        : '{"error":"busy"}'
    expect((await ask([{ status: 500, body: errorBody, headers: fast }, { text: 'YES\nok' }])).result).toBe('pass')
    const storm = await ask(Array.from({ length: 3 }, () => ({ status: 429, body: errorBody, headers: fast })))
    expect(storm.result).toBe('error')
    const limited = { status: 429, body: errorBody, headers: fast }
    expect(await ask([limited, limited, { text: 'YES\nok' }])).toMatchObject({ result: 'pass', asked: true })
    const down = await ask(Array.from({ length: 3 }, () => ({ status: 500, body: errorBody, headers: fast })))
    expect(down).toMatchObject({ result: 'error', asked: true })
    expect(down.details).toContain('500')
    expect(
      (
        await ask(
          Array.from({ length: 3 }, () => ({ text: 'YES\nlate', delayMs: 400 })),
          100,
        )
      ).result,
    ).toBe('error')
  })
})
