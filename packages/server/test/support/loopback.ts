import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A JSON POST endpoint (answering JSON, or DER when the handler returns bytes) on 127.0.0.1, port 0, for the loopback Sigstore services (EVIDENCE.md §13.1). */
export interface Loopback {
  url: string
  close(): Promise<void>
}

export type JsonHandler = (path: string, body: unknown) => Promise<{ status: number; body: unknown }>

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

export async function serveJson(handler: JsonHandler): Promise<Loopback> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: unknown) => {
      const raw = body instanceof Uint8Array
      res.writeHead(status, { 'content-type': raw ? 'application/timestamp-reply' : 'application/json' })
      res.end(raw ? body : JSON.stringify(body))
    }
    if (req.method !== 'POST') return reply(405, { message: 'POST only' })
    readJson(req)
      .then((body) => handler(req.url ?? '/', body))
      .then((r) => reply(r.status, r.body))
      .catch((e: Error) => reply(400, { message: e.message }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  }
}
