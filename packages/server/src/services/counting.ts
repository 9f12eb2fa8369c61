import { sql } from 'kysely'
import type { Db } from '../db/open.js'
import { lockModel } from '../db/open.js'
import { rebuildIndexes } from './indexes.js'
import { recompute } from './recompute.js'
import type { WorkspaceSettings } from './workspaces.js'

/**
 * Re-derives which runs of a workspace count (PLATFORM.md §4.1: not revoked, and attested when the workspace requires
 * it), then rebuilds the indexes and statuses of every model whose counting runs changed. Returns how many runs
 * stopped counting.
 */
export async function recount(trx: Db, workspaceId: string, settings: WorkspaceSettings): Promise<number> {
  const ws = await trx
    .selectFrom('workspaces')
    .select('security')
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow()
  const required = (ws.security as { require_attestation: boolean }).require_attestation
  const changed = await sql<{ model_id: string; counting: boolean }>`
    update runs set counting = not coalesce((attestation->>'revoked')::boolean, false)
      and (${!required} or coalesce((attestation->>'satisfies_requirement')::boolean, false))
    where workspace_id = ${workspaceId}
      and counting <> (not coalesce((attestation->>'revoked')::boolean, false)
      and (${!required} or coalesce((attestation->>'satisfies_requirement')::boolean, false)))
    returning model_id, counting`.execute(trx)
  for (const modelId of new Set(changed.rows.map((r) => r.model_id))) {
    await lockModel(trx, modelId)
    await rebuildIndexes(trx, modelId)
    await recompute(trx, modelId, settings)
  }
  return changed.rows.filter((r) => !r.counting).length
}
