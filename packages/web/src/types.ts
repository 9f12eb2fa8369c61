import type { EffectiveResult, ReviewItemKind, ReviewReason, Role, VerificationStatus } from '@warrant/core'

/** The narrow parts of the REST API's shapes (PLATFORM.md §5) this UI reads. */

export interface Session {
  user: { id: string; email: string; display_name: string }
  memberships: { workspace_id: string; name: string; slug: string; role: Role }[]
  csrf_token: string
}

export interface ReviewItem {
  kind: ReviewItemKind
  model_id: string
  model_title: string
  control_id: string
  control_title: string
  assertion_id?: string
  repo?: string
  reasons: ReviewReason[]
  since: string
}

export interface Assertion {
  id: string
  control_id: string
  type: string
  params: Record<string, unknown>
  description: string
  repo: string | null
  per_repo: {
    repo: string
    tier1: { result: EffectiveResult; result_id: string | null }
    tier2: { result: EffectiveResult; source: string | null; stale_reason: string | null }
  }[]
}

export interface Control {
  id: string
  title: string
  description: string
  revision: number
  verification_status: VerificationStatus
}

export interface Tier2Prompt {
  prompt: string
  prompt_hash: string
  control_revision: number
}

export interface Location {
  path: string
  start_line: number
  end_line: number
}

export interface Tier1Result {
  id: string
  result: string
  details: string
  locations: Location[]
  evidence_digest: string | null
  run: { id: string; accepted_at: string; commit_sha: string }
}

export interface WorkspaceSettings {
  source_link_template: string | null
}

export interface Tier2Review {
  id: string
  verdict: 'pass' | 'fail'
  reviewer: string
  commit_sha: string
}

export interface ModelSummary {
  id: string
  title: string
}

/** PLATFORM.md §2 AuditPackage, with `failure` when the build failed. */
export interface AuditPackage {
  id: string
  params: { from: string; to: string; repos: string[] | null }
  state: 'queued' | 'building' | 'ready' | 'failed' | 'expired'
  size_bytes: number | null
  created_at: string
  expires_at: string | null
  failure: { code: string; message: string } | null
}
