import type { Io } from '../io.js'
import { PlatformClient } from '../platform-client.js'

/**
 * `warrant mcp`: the platform's MCP tools over standard input and output, for clients that launch a process; every
 * tool call is forwarded to the REST API with WARRANT_API_KEY, so it has exactly that key's rights.
 */
export async function mcp(opts: { url?: string }, io: Io): Promise<number> {
  const client = PlatformClient.fromEnv(io, opts.url)
  // Loaded lazily, as for `warrant serve`: the verifier commands must not pay for the server's dependencies.
  const { serveMcpStdio } = await import('@warrant/server')
  await serveMcpStdio((call) => client.send(call))
  return 0
}
