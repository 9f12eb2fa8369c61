import { BUILTIN_ISSUERS, docDigest, type IdentityPolicy } from '@warrant/core'
import type { Db } from '../db/open.js'
import { json } from '../db/open.js'
import { newId, nowIso } from '../ids.js'
import { appendEvent } from './log.js'
import { securityWarnings } from './security-settings.js'

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

export async function createWorkspace(
  db: Db,
  opts: { name: string; slug: string; ownerId: string; aiProvider: boolean },
) {
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
  await db
    .insertInto('memberships')
    .values({
      workspace_id: row.id,
      user_id: opts.ownerId,
      role: 'owner',
      added_at: row.created_at,
      added_by: opts.ownerId,
    })
    .execute()
  // Every workspace logs its initial policy, so a receipt's policy_digest always has a matching event (§7).
  await appendEvent(db, {
    chain: row.id,
    type: 'security.changed',
    actor: { kind: 'user', id: opts.ownerId },
    model: null,
    subject: { kind: 'workspace', id: row.id },
    at: row.created_at,
    data: { policy_digest: docDigest(defaultSecurity()), require_attestation: false, runs_no_longer_counting: 0 },
  })
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
