import { BUILTIN_ISSUERS, docDigest, type IdentityPolicy, textDigest } from '@warrant/core'
import type { Selectable } from 'kysely'
import type { Db } from '../db/open.js'
import { json } from '../db/open.js'
import type { WorkspacesTable } from '../db/schema.js'
import { newId, nowIso } from '../ids.js'
import { memberChanged } from './change-events.js'
import { appendEvents } from './log.js'
import { recordSecurityPolicy, securityWarnings } from './security-settings.js'

export interface WorkspaceSettings {
  review_max_age_days: number
  separation_of_duties: boolean
  keys_may_dismiss_findings: boolean
  accept_code_snippets: boolean
  coherence_mode: 'ai' | 'heuristic'
  sufficiency_mode: 'ai' | 'human'
  source_link_template: string | null
}

/** Defaults of PLATFORM.md §2.1: the modes are `ai` when the instance has an AI provider, else heuristic and human. */
export const defaultSettings = (aiProvider: boolean): WorkspaceSettings => ({
  review_max_age_days: 90,
  separation_of_duties: true,
  keys_may_dismiss_findings: false,
  accept_code_snippets: false,
  coherence_mode: aiProvider ? 'ai' : 'heuristic',
  sufficiency_mode: aiProvider ? 'ai' : 'human',
  source_link_template: null,
})

export const defaultSecurity = () => ({
  require_attestation: false,
  trusted_issuers: BUILTIN_ISSUERS.map((i) => ({ ...i, repository_claims: [...i.repository_claims] })),
  required_claims: [],
  sigstore_san_patterns: [],
  attestation_max_age_minutes: 60,
})

export const slugify = (name: string): string =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .padEnd(2, '0')

/**
 * Creates a workspace and its first owner in one transaction (its own when the caller is not in one), logging
 * `workspace.changed` (created), `member.changed` (the owner added) and the initial `security.changed`, in that order.
 */
export async function createWorkspace(
  db: Db,
  opts: { name: string; slug: string; ownerId: string; aiProvider: boolean },
): Promise<Selectable<WorkspacesTable>> {
  if (!db.isTransaction) return db.transaction().execute((trx) => createWorkspace(trx, opts))
  const row = {
    id: newId('ws'),
    name: opts.name,
    slug: opts.slug,
    created_at: nowIso(),
    archived_at: null,
    settings: json(defaultSettings(opts.aiProvider)),
    security: json(defaultSecurity()),
  }
  await db.insertInto('workspaces').values(row).execute()
  const member = { workspace_id: row.id, user_id: opts.ownerId, role: 'owner' }
  await db
    .insertInto('memberships')
    .values({ ...member, added_at: row.created_at, added_by: opts.ownerId })
    .execute()
  const actor = { kind: 'user', id: opts.ownerId } as const
  const logged = await appendEvents(db, [
    {
      chain: row.id,
      type: 'workspace.changed',
      actor,
      model: null,
      subject: { kind: 'workspace', id: row.id },
      at: row.created_at,
      data: { change: 'created', name_digest: textDigest(opts.name) },
    },
    memberChanged(member, 'added', actor, row.created_at),
    // Every workspace logs its initial policy, so a receipt's policy_digest always has a matching event (§7).
    {
      chain: row.id,
      type: 'security.changed',
      actor,
      model: null,
      subject: { kind: 'workspace', id: row.id },
      at: row.created_at,
      data: { policy_digest: docDigest(defaultSecurity()), require_attestation: false, runs_no_longer_counting: 0 },
    },
  ])
  await recordSecurityPolicy(db, row.id, defaultSecurity(), { index: logged.at(-1)!.index, at: row.created_at })
  return db.selectFrom('workspaces').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()
}

export function publicWorkspace(
  w: {
    id: string
    name: string
    slug: string
    created_at: string
    archived_at: string | null
    settings: unknown
    security: unknown
  },
  role: string | null,
) {
  return {
    id: w.id,
    name: w.name,
    slug: w.slug,
    created_at: w.created_at,
    archived_at: w.archived_at,
    settings: w.settings,
    security: {
      ...(w.security as object),
      active_signing_key: null,
      warnings: securityWarnings(w.security as IdentityPolicy),
    },
    role,
  }
}
