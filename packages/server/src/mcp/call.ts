import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { type FieldError, validationError } from '../errors.js'
import { fieldErrors } from '../http/validation.js'
import { type HttpAnswer, parseResponse, type Send, toHttpCall } from './rest.js'
import type { ApiErrorBody, Tool } from './tools.js'

/** A sentence on how to fix the call, by error code first and status second. */
function fixHint(e: ApiErrorBody): string {
  switch (e.code) {
    case 'not_found':
      return 'Check the ids: list_models, get_controls and list_assertions show what this key can see.'
    case 'person_required':
    case 'dismissal_requires_person':
      return 'An API key may not do this; ask a person to do it in the Warrant UI.'
    case 'rate_limited':
      return 'Wait a minute before calling again.'
    case 'unreachable':
      return 'Check WARRANT_URL and that the platform is running.'
  }
  if (e.status === 401) return 'Send a valid API key (WARRANT_API_KEY, or the Authorization header of the MCP server).'
  if (e.status === 403) return 'This key or role may not do this; ask a workspace owner.'
  if (e.status === 409) return 'Read the current state again (get_controls, list_assertions) and adapt the call to it.'
  if (e.status === 422 || e.status === 400)
    return 'Fix the arguments named in details.errors (JSON Pointers into the request) and call again; get_assertion_types lists the params of each assertion type.'
  return 'Retry later; if it persists, report the message to the platform administrator.'
}

function errorResult(e: ApiErrorBody): CallToolResult {
  const errors = (e.details.errors ?? []) as FieldError[]
  // One error is already named in the message; several are listed.
  const listed = errors.length > 1 ? errors.map((f) => ` ${f.path || '/'} ${f.code}: ${f.message}.`).join('') : ''
  return {
    isError: true,
    content: [
      { type: 'text', text: `${e.code} (${e.status}): ${e.message.replace(/\.$/, '')}.${listed} ${fixHint(e)}` },
    ],
    structuredContent: { ...e },
  }
}

function apiError(body: string, status: number): ApiErrorBody {
  try {
    const { error } = parseResponse(body) as { error: ApiErrorBody }
    return { code: error.code, status: error.status, message: error.message, details: error.details ?? {} }
  } catch {
    return { code: 'invalid_response', status, message: `HTTP ${status} without an error body`, details: {} }
  }
}

/**
 * Runs one tool: validates the arguments with its zod schema (failures answered like the REST API's 422), sends the
 * REST call, and turns the answer into a tool result — structured content plus a paragraph, or `isError`.
 */
export async function runTool(tool: Tool, rawArgs: unknown, send: Send): Promise<CallToolResult> {
  const parsed = tool.input.safeParse(rawArgs ?? {})
  if (!parsed.success) {
    const e = validationError(fieldErrors(parsed.error.issues))
    return errorResult({ code: e.code, status: e.status, message: e.message, details: e.details ?? {} })
  }
  const args = parsed.data
  let answer: HttpAnswer
  try {
    answer = await send(toHttpCall(tool.request(args)))
  } catch (e) {
    return errorResult({ code: 'unreachable', status: 0, message: (e as Error).message, details: {} })
  }
  let result: Record<string, unknown>
  if (answer.status >= 400) {
    const error = apiError(answer.body, answer.status)
    const rescued = tool.rescue?.(error)
    if (!rescued) return errorResult(error)
    result = rescued
  } else result = tool.result ? tool.result(answer, args) : (parseResponse(answer.body) as Record<string, unknown>)
  return { content: [{ type: 'text', text: tool.summary(result, args) }], structuredContent: result }
}
