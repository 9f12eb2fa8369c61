import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One chat-completions request as the fake received it. */
export interface ChatRequest {
  body: { model: string; temperature?: number; response_format?: { type: string }; messages: ChatMessage[] }
  system: string
  user: string
  /** Which server template asked, told apart by the sections of its user text. */
  kind: 'coherence' | 'sufficiency' | 'refinement'
}
interface ChatMessage {
  role: string
  content: string
}

/** `content`: the assistant's text; `json`: a value sent as that text; `status`: an API error; `hang`: no answer. */
export type ChatReply = { content: string } | { json: unknown } | { status: number } | { hang: true }

export interface FakeOpenAi {
  /** The base URL the official client takes (`…/v1`). */
  url: string
  requests: ChatRequest[]
  /** The most requests that were waiting for their answer at the same moment. */
  maxInFlight: number
  answer: (req: ChatRequest) => ChatReply
  /** Holds every answer until this holds over the requests in flight and seen so far (default: answer at once). */
  holdUntil: (inFlight: number, seen: number) => boolean
  /** Answers the held requests if `holdUntil` now holds. */
  release(): void
  /** Drops every held or hanging request (its client sees a reset connection). */
  dropHeld(): void
  close(): Promise<void>
}

export const MODEL_REPORTED = 'gpt-test-2026-11-01'

const kindOf = (user: string): ChatRequest['kind'] =>
  user.includes('## Justification given') ? 'refinement' : user.includes('## Assertions') ? 'sufficiency' : 'coherence'

/**
 * A loopback server speaking the OpenAI chat-completions wire protocol (`POST /v1/chat/completions`), answering from
 * the test's `answer` function, for the official `openai` client the server uses.
 */
export async function fakeOpenAi(): Promise<FakeOpenAi> {
  let inFlight = 0
  const held: { res: ServerResponse; reply: ChatReply }[] = []
  const hanging = new Set<ServerResponse>()
  const send = (res: ServerResponse, reply: ChatReply) => {
    inFlight--
    if ('status' in reply) {
      res.writeHead(reply.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: `fake failure ${reply.status}`, type: 'server_error' } }))
      return
    }
    const content = 'json' in reply ? JSON.stringify(reply.json) : (reply as { content: string }).content
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        id: `chatcmpl-${fake.requests.length}`,
        object: 'chat.completion',
        created: 1_764_000_000,
        model: MODEL_REPORTED,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      }),
    )
  }
  const releaseIfDue = () => {
    if (!fake.holdUntil(inFlight, fake.requests.length)) return
    for (const h of held.splice(0)) send(h.res, h.reply)
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end()
        return
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest['body']
      const text = (role: string) => body.messages.find((m) => m.role === role)?.content ?? ''
      const request = { body, system: text('system'), user: text('user'), kind: kindOf(text('user')) }
      fake.requests.push(request)
      inFlight++
      fake.maxInFlight = Math.max(fake.maxInFlight, inFlight)
      const reply = fake.answer(request)
      if ('hang' in reply) {
        hanging.add(res)
        res.on('close', () => {
          if (hanging.delete(res)) inFlight--
        })
        return
      }
      held.push({ res, reply })
      releaseIfDue()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const fake: FakeOpenAi = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests: [],
    maxInFlight: 0,
    answer: () => ({ content: '' }),
    holdUntil: () => true,
    release: () => releaseIfDue(),
    dropHeld() {
      for (const res of hanging) res.destroy()
      for (const h of held.splice(0)) {
        inFlight--
        h.res.destroy()
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        fake.dropHeld()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return fake
}
