import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { VERSION } from '../version.js'
import { runTool } from './call.js'
import { INSTRUCTIONS } from './instructions.js'
import type { Send } from './rest.js'
import { TOOLS } from './tools.js'

const LISTED = TOOLS.map((t) => ({
  name: t.name,
  description: t.description,
  inputSchema: z.toJSONSchema(t.input, { io: 'input', target: 'draft-7' }) as { type: 'object' },
}))

/**
 * The Warrant MCP server over an executor. The tool handlers are the SDK's low-level ones (its advertised way for
 * custom handling) so that argument errors answer with the API's error shape instead of a bare text.
 */
export function mcpServer(send: Send): McpServer {
  const mcp = new McpServer(
    { name: 'warrant', version: VERSION },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  )
  mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: LISTED }))
  mcp.server.setRequestHandler(CallToolRequestSchema, (req) => {
    const tool = TOOLS.find((t) => t.name === req.params.name)
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `unknown tool ${req.params.name}; tools/list names them`)
    return runTool(tool, req.params.arguments, send)
  })
  return mcp
}
