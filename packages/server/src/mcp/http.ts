import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { jwtOnlySubmits } from '../auth/workspace-jwt.js'
import { ApiError } from '../errors.js'
import type { Send } from './rest.js'
import { mcpServer } from './server.js'

const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'cookie', 'x-csrf-token'] as const

/**
 * Runs each tool's REST call inside this app with the caller's own credential, so permissions, workspace isolation,
 * rate limits and validation are exactly those of the REST API.
 */
function injectSend(app: FastifyInstance, req: FastifyRequest): Send {
  const credentials: Record<string, string> = {}
  for (const h of CREDENTIAL_HEADERS) {
    const value = req.headers[h]
    if (typeof value === 'string') credentials[h] = value
  }
  return async (call) => {
    const res = await app.inject({
      method: call.method,
      url: call.url,
      headers: { ...credentials, ...(call.contentType ? { 'content-type': call.contentType } : {}) },
      ...(call.body !== undefined ? { payload: call.body } : {}),
    })
    return { status: res.statusCode, body: res.body }
  }
}

/** A route hook: anonymous callers are refused before their body is read. */
const authenticated = async (req: FastifyRequest) => {
  if (req.principal.kind === 'anonymous')
    throw new ApiError(401, 'unauthenticated', 'the MCP endpoint needs an API key: Authorization: Bearer wk_…')
  if (req.principal.kind === 'workspace_jwt') throw jwtOnlySubmits()
}

/** `/mcp` (PLATFORM.md §6): stateless Streamable HTTP, one MCP server and transport per request. */
export function mcpRoutes(app: FastifyInstance): void {
  // The tool calls pass through the REST rate limits; the envelope itself is not an API action.
  const options = { schema: { hide: true }, config: { rateLimit: false as const }, onRequest: authenticated }
  app.post('/mcp', options, async (req, reply) => {
    const server = mcpServer(injectSend(app, req))
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    reply.hijack()
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) reply.raw.setHeader(name, value)
    reply.raw.on('close', () => void server.close())
    await server.connect(transport)
    // Fastify parsed the body already (strict JSON, size limits); the transport takes it as is.
    await transport.handleRequest(req.raw, reply.raw, req.body)
  })
  // Stateless: no server-initiated stream to open and no session to end.
  app.route({
    ...options,
    method: ['GET', 'DELETE'],
    url: '/mcp',
    handler: (_req, reply) =>
      reply
        .status(405)
        .header('allow', 'POST')
        .send({
          jsonrpc: '2.0',
          error: { code: -32000, message: 'Method not allowed: POST JSON-RPC messages' },
          id: null,
        }),
  })
}
