/** An error answer of the REST API (PLATFORM.md §5.1): a stable `code` and a message for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors: { path: string; message: string }[] = [],
  ) {
    super(message)
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: { errors?: { path: string; message: string }[] } }
}

/** The session's CSRF token: sent as X-CSRF-Token on every state-changing request (PLATFORM.md §1.2). */
let csrfToken: string | undefined

export const setCsrfToken = (token: string | undefined): void => {
  csrfToken = token
}

/** Calls the API with the session cookie (same origin); JSON in, JSON out; non-2xx answers throw ApiError. */
export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  const parsed: unknown = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined
  if (!res.ok) {
    const e = (parsed as ErrorBody | undefined)?.error
    throw new ApiError(
      res.status,
      e?.code ?? 'http_error',
      e?.message ?? `${res.status} ${res.statusText}`,
      e?.details?.errors ?? [],
    )
  }
  return parsed as T
}

export const get = <T>(path: string) => api<T>('GET', path)
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body)

/** Builds a query string from the defined members. */
export const query = (params: Record<string, string | number | undefined>): string => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v))
  return q.toString()
}
