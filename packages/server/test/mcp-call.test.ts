import { describe, expect, it } from 'vitest'
import { runTool } from '../src/mcp/call.js'
import type { HttpCall, Send } from '../src/mcp/rest.js'
import { TOOLS } from '../src/mcp/tools.js'

const tool = (name: string) => TOOLS.find((t) => t.name === name)!

/** An executor that records the calls and answers with a fixed status and body. */
function fake(status: number, body: unknown): { send: Send; calls: HttpCall[] } {
  const calls: HttpCall[] = []
  return {
    calls,
    send: async (call) => {
      calls.push(call)
      return { status, body: body === undefined ? '' : JSON.stringify(body) }
    },
  }
}

/** Tool execution without a server: the REST call each tool makes and how answers become tool results. */
describe('MCP tool execution', () => {
  it('puts every id into a single encoded path segment', async () => {
    const { send, calls } = fake(200, { items: [], total: 0, next_cursor: null })
    await runTool(tool('get_controls'), { model_id: '../../api/workspaces', co_id: 'CO-01', limit: 5 }, send)
    expect(calls).toEqual([
      { method: 'GET', url: '/api/models/..%2F..%2Fapi%2Fworkspaces/controls?limit=5&objective_id=CO-01' },
    ])
  })

  it('sends model files as they are, with the sniffed media type', async () => {
    const { send, calls } = fake(200, { plan: {} })
    await runTool(
      tool('import_model'),
      { content: ' {"format": "warrant.model/v1"}', model_id: 'mdl_1', mode: 'sync', dry_run: true },
      send,
    )
    expect(calls).toEqual([
      {
        method: 'POST',
        url: '/api/models/mdl_1/import?mode=sync&dry_run=true',
        body: ' {"format": "warrant.model/v1"}',
        contentType: 'application/json',
      },
    ])
  })

  it('accepts id lists as arrays, JSON strings or comma-separated strings', async () => {
    for (const ids of [['asr_1', 'asr_2'], '["asr_1","asr_2"]', ' asr_1, asr_2 ']) {
      const { send, calls } = fake(200, { id: 'fnd_1', status: 'remediated', remediation_assertion_ids: [] })
      await runTool(tool('update_finding'), { model_id: 'm', finding_id: 'f', remediation_assertion_ids: ids }, send)
      expect(JSON.parse(calls[0]!.body!)).toEqual({ link_assertion_ids: ['asr_1', 'asr_2'] })
    }
  })

  it('answers a refinement rejection as data, not as an error', async () => {
    const { send } = fake(422, {
      error: {
        code: 'refinement_rejected',
        status: 422,
        message: 'CO-01 would no longer be met',
        details: { refinement_id: 'ref_1', per_objective: [{ objective_id: 'CO-01', satisfied: false }] },
        request_id: 'req_1',
      },
    })
    const r = await runTool(
      tool('refine_control'),
      { model_id: 'm', control_id: 'C-1', justification: 'x'.repeat(20), description: 'd' },
      send,
    )
    expect(r.isError).toBeUndefined()
    expect(r.structuredContent).toEqual({
      accepted: false,
      reason: 'CO-01 would no longer be met',
      refinement: { id: 'ref_1' },
      per_objective: [{ objective_id: 'CO-01', satisfied: false }],
    })
    expect(r.content).toEqual([
      {
        type: 'text',
        text: "Refinement ref_1 rejected: CO-01 would no longer be met Keep the control's text and make the code meet it.",
      },
    ])
  })

  it('answers a 204 of remove_evidence_link as {removed: true}', async () => {
    const { send, calls } = fake(204, undefined)
    const r = await runTool(tool('remove_evidence_link'), { model_id: 'm', control_id: 'C-1', link_id: 'lnk_1' }, send)
    expect(calls[0]).toEqual({ method: 'DELETE', url: '/api/models/m/controls/C-1/evidence-links/lnk_1' })
    expect(r.structuredContent).toEqual({ removed: true })
  })

  it('answers an executor that got no answer as an unreachable error', async () => {
    const r = await runTool(tool('list_models'), {}, () => Promise.reject(new Error('connect ECONNREFUSED')))
    expect(r.isError).toBe(true)
    expect(r.structuredContent).toEqual({
      code: 'unreachable',
      status: 0,
      message: 'connect ECONNREFUSED',
      details: {},
    })
  })
})
