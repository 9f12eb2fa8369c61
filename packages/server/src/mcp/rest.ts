import { parseStrictJson } from '@warrant/core'
/** One REST call of a tool, before it is put on the wire. */
export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Built with `path`, so every id is one encoded segment. */
  path: string
  query?: Record<string, string | number | boolean | readonly string[] | undefined>
  /** A JSON body. */
  body?: unknown
  /** A body sent as is: a model file. */
  file?: { content: string; type: string }
}

/** What an executor sends: the URL path with its query, and the body bytes as text. */
export interface HttpCall {
  method: RestRequest['method']
  url: string
  body?: string
  contentType?: string
}

export interface HttpAnswer {
  status: number
  body: string
}

/** Executes one call against the REST API; rejects only when no answer came. */
export type Send = (call: HttpCall) => Promise<HttpAnswer>

/** A path template whose interpolations are encoded as single segments (`../x` stays inside its segment). */
export const path = (parts: TemplateStringsArray, ...ids: string[]): string =>
  parts.reduce((out, part, i) => out + part + (i < ids.length ? encodeURIComponent(ids[i]!) : ''), '')

export function toHttpCall(req: RestRequest): HttpCall {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(req.query ?? {}))
    if (value !== undefined) query.set(key, Array.isArray(value) ? value.join(',') : String(value))
  const url = query.size ? `${req.path}?${query}` : req.path
  if (req.file) return { method: req.method, url, body: req.file.content, contentType: req.file.type }
  if (req.body !== undefined)
    return { method: req.method, url, body: JSON.stringify(req.body), contentType: 'application/json' }
  return { method: req.method, url }
}

/** Parses an API answer with the strict parser (the API itself emits only integers, but answers are not ours to bound). */
export const parseResponse = (body: string): unknown => parseStrictJson(body, { integersOnly: false })
