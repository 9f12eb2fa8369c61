import type { Selectable } from 'kysely'
import type { Db } from '../db/open.js'
import type { ModelsTable, WorkspacesTable } from '../db/schema.js'
import { ApiError, notFound } from '../errors.js'
import type { Principal } from './principal.js'
import { jwtOnlySubmits } from './workspace-jwt.js'

export const ROLE_RANK = { auditor: 1, member: 2, reviewer: 3, owner: 4 } as const
export type Role = keyof typeof ROLE_RANK

/**
 * What a caller wants to do, as the rows of PLATFORM.md §7 group them:
 * read (S aud, K) · private (S aud only) · author (S mem, K) · person_member (S mem, no keys) ·
 * judge (S rev; keys: person_required) · export (S aud; keys: person_required) · owner (S own) · submit (wv_ only).
 */
export type Action = 'read' | 'private' | 'author' | 'person_member' | 'judge' | 'export' | 'owner' | 'submit'

const MIN_ROLE: Record<Exclude<Action, 'submit'>, Role> = {
  read: 'auditor',
  private: 'auditor',
  author: 'member',
  person_member: 'member',
  judge: 'reviewer',
  export: 'auditor',
  owner: 'owner',
}

export type WorkspaceRow = Selectable<WorkspacesTable>
export type ModelRow = Selectable<ModelsTable>

export interface Access {
  workspace: WorkspaceRow
  /** The session user's role; null for API keys. */
  role: Role | null
  /** The person the action is attributed to: the session user or the key's creator (§1.2, §4.11). */
  userId: string
}

export async function workspaceAccess(
  db: Db,
  principal: Principal,
  workspaceId: string,
  action: Action,
): Promise<Access> {
  if (principal.kind === 'anonymous')
    throw new ApiError(401, 'unauthenticated', 'this route needs a session or an API key')
  const workspace = await db.selectFrom('workspaces').selectAll().where('id', '=', workspaceId).executeTakeFirst()
  if (!workspace) throw notFound('workspace')
  if (principal.kind === 'workspace_jwt') {
    if (principal.jwt.workspaceId !== workspaceId) throw notFound('workspace')
    if (action !== 'submit') throw jwtOnlySubmits()
    return { workspace, role: null, userId: `workspace_key:${principal.jwt.fingerprint}` }
  }
  if (principal.kind === 'api_key') {
    if (principal.key.workspace_id !== workspaceId) throw notFound('workspace')
    if (action === 'submit') {
      if (principal.scope !== 'verifier')
        throw new ApiError(
          403,
          'developer_key_cannot_submit',
          'a developer key (wk_) cannot submit results; use a verifier key (wv_)',
        )
    } else if (action === 'judge' || action === 'export') {
      throw new ApiError(
        403,
        'person_required',
        'API keys cannot make human judgements or export audit packages; sign in as a person',
      )
    } else if (action !== 'read' && action !== 'author') {
      throw new ApiError(403, 'forbidden', 'API keys cannot perform this action')
    }
    return { workspace, role: null, userId: principal.key.created_by }
  }
  const membership = await db
    .selectFrom('memberships')
    .select('role')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', principal.user.id)
    .executeTakeFirst()
  if (!membership) throw notFound('workspace')
  const role = membership.role as Role
  if (action === 'submit')
    throw new ApiError(
      403,
      'verifier_required',
      'results are submitted by CI with a verifier key (wv_), not by a session',
    )
  if (ROLE_RANK[role] < ROLE_RANK[MIN_ROLE[action]])
    throw new ApiError(403, 'forbidden', `this action needs the role ${MIN_ROLE[action]} or higher; you are ${role}`)
  return { workspace, role, userId: principal.user.id }
}

const WRITES: ReadonlySet<Action> = new Set(['author', 'person_member', 'judge', 'owner', 'submit'])

/** Loads a model the caller may see (404 otherwise) and checks the action; writes to archived models are refused. */
export async function modelAccess(
  db: Db,
  principal: Principal,
  modelId: string,
  action: Action,
): Promise<Access & { model: ModelRow }> {
  if (principal.kind === 'anonymous')
    throw new ApiError(401, 'unauthenticated', 'this route needs a session or an API key')
  const model = await db.selectFrom('models').selectAll().where('id', '=', modelId).executeTakeFirst()
  if (!model) throw notFound('model')
  if (principal.kind === 'workspace_jwt' && principal.jwt.workspaceId !== model.workspace_id) throw notFound('model')
  if (principal.kind === 'api_key') {
    const allowed = principal.key.model_ids as string[] | null
    if (principal.key.workspace_id !== model.workspace_id || (allowed && !allowed.includes(modelId)))
      throw notFound('model')
  }
  let access: Access
  try {
    access = await workspaceAccess(db, principal, model.workspace_id, action)
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw notFound('model')
    throw e
  }
  if (WRITES.has(action) && (model.archived_at || access.workspace.archived_at))
    throw new ApiError(409, 'model_archived', 'the model is archived and read-only; restore it first')
  return { ...access, model }
}
