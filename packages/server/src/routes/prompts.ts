import { type RiskTier, renderScanPrompt } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { modelAccess } from '../auth/access.js'
import { ApiError } from '../errors.js'
import type { AppContext } from '../http/app.js'
import { storedControlIntents } from '../services/controls.js'
import { objectiveStatements, recordPrompts, renderTier2Prompt } from '../services/prompts.js'
import type { WorkspaceSettings } from '../services/workspaces.js'
import { loadAssertion } from './assertions.js'
import { loadControl } from './controls.js'

/** Scan prompts and Tier 2 prompts (PLATFORM.md §5.13): deterministic templates from core, no AI call. */
export function promptRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { db } = ctx.store

  r.get(
    '/api/models/:m/controls/scan-prompt',
    {
      schema: {
        tags: ['prompts'],
        params: z.strictObject({ m: z.string().max(40) }),
        querystring: z.strictObject({ control_id: z.string().max(40).optional() }),
      },
    },
    async (req) => {
      const { model, workspace } = await modelAccess(db, req.principal, req.params.m, 'read')
      let controls = db
        .selectFrom('controls')
        .selectAll()
        .where('model_id', '=', model.id)
        .where('deleted_at', 'is', null)
      if (req.query.control_id) {
        await loadControl(db, model.id, req.query.control_id)
        controls = controls.where('id', '=', req.query.control_id)
      } else controls = controls.where('implementation_status', '=', 'not_implemented')
      const rows = await controls.orderBy('id').execute()
      const objectives = new Map(
        (
          await db
            .selectFrom('model_items')
            .selectAll()
            .where('model_id', '=', model.id)
            .where('kind', '=', 'control_objectives')
            .execute()
        ).map((o) => {
          const body = o.body as { statement: string; risk_tier?: RiskTier }
          return [o.key, { id: o.key, statement: body.statement, risk_tier: body.risk_tier ?? 'medium' }] as const
        }),
      )
      const acceptsSnippets = (workspace.settings as WorkspaceSettings).accept_code_snippets
      const items = rows.map((c) => {
        const rendered = renderScanPrompt({
          control: c,
          objectives: (c.objective_ids as string[]).flatMap((id) => objectives.get(id) ?? []),
          intents: storedControlIntents(c),
          acceptsSnippets,
        })
        return { control_id: c.id, ...rendered }
      })
      const message = req.query.control_id
        ? `Scan prompt for ${req.query.control_id}.`
        : items.length
          ? `${items.length} controls are not implemented; scan each and file findings for what is missing.`
          : 'Every active control is marked implemented: there is nothing to scan for. Pass control_id to scan one anyway.'
      return {
        items,
        message,
        ...(req.query.control_id && items[0] ? { control_id: items[0].control_id, prompt: items[0].prompt } : {}),
      }
    },
  )

  r.get(
    '/api/models/:m/assertions/:a/tier2-prompt',
    { schema: { tags: ['prompts'], params: z.strictObject({ m: z.string().max(40), a: z.string().max(40) }) } },
    async (req) => {
      const { model } = await modelAccess(db, req.principal, req.params.m, 'read')
      const a = await loadAssertion(db, model.id, req.params.a)
      if (a.deleted_at) throw new ApiError(409, 'already_deleted', `assertion ${a.id} is deleted`)
      const control = await loadControl(db, model.id, a.control_id)
      const rendered = renderTier2Prompt(a, control, await objectiveStatements(db, model.id, control))
      await recordPrompts(db, [
        {
          prompt_hash: rendered.prompt_hash,
          assertion_id: a.id,
          control_revision: control.revision,
          template: `${rendered.template.id}@${rendered.template.version}`,
        },
      ])
      return { assertion_id: a.id, ...rendered, control_revision: control.revision }
    },
  )
}
