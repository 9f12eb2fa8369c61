import { once } from 'node:events'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { Send } from './rest.js'
import { mcpServer } from './server.js'

/**
 * Serves the tools over standard input and output (`warrant mcp`). Resolves when standard input ends; calls still in
 * flight finish and answer before the process exits.
 */
export async function serveMcpStdio(send: Send): Promise<void> {
  await mcpServer(send).connect(new StdioServerTransport())
  await once(process.stdin, 'end')
}
