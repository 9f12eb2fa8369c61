/** Row types of the store, one interface per table (kept in step with migrations.ts). */
import type { Generated } from 'kysely'

type Json = unknown

export interface UsersTable {
  id: string
  email: string
  display_name: string
  password_hash: string
  instance_admin: Generated<boolean>
  created_at: string
  last_login_at: string | null
  password_changed_at: string
  disabled_at: string | null
}

export interface SetupStateTable {
  id: number
  token_hash: string | null
  completed_at: string | null
}

export interface PasswordResetsTable {
  token_hash: string
  user_id: string
  expires_at: string
  used_at: string | null
}

export interface SessionsTable {
  id: string
  token_hash: string
  user_id: string
  csrf_token: string
  created_at: string
  last_seen_at: string
  expires_at: string
  absolute_expires_at: string
  ip: string | null
  user_agent: string | null
  ended_at: string | null
}

export interface LoginFailuresTable {
  key: string
  at: string
}

export interface WorkspacesTable {
  id: string
  name: string
  slug: string
  created_at: string
  archived_at: string | null
  settings: Json
  security: Json
}

export interface MembershipsTable {
  workspace_id: string
  user_id: string
  role: string
  added_at: string
  added_by: string | null
}

export interface ApiKeysTable {
  id: string
  workspace_id: string
  scope: string
  label: string
  model_ids: Json | null
  secret_hash: string
  created_by: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
  revoked_by: string | null
}

export interface ModelsTable {
  id: string
  workspace_id: string
  title: string
  description: Generated<string>
  repos: Generated<Json>
  revision: Generated<number>
  created_at: string
  created_by: Json
  updated_at: string
  archived_at: string | null
  archive_reason: string | null
}

export interface ModelItemsTable {
  model_id: string
  kind: string
  key: string
  body: Json
  created_at: string
  updated_at: string
  deleted_at: string | null
  delete_reason: string | null
}

export interface ControlsTable {
  model_id: string
  id: string
  title: string
  description: string
  objective_ids: Json
  intents: Json
  implementation_status: string
  implementation_notes: Generated<string>
  revision: number
  created_at: string
  updated_at: string
  deleted_at: string | null
  delete_reason: string | null
  last_reviewed_at: string | null
  last_reviewed_by: string | null
  verification_status: string
  status_reasons: Json
  last_verified_at: string | null
  verified_since: string | null
}

export interface ControlRevisionsTable {
  model_id: string
  control_id: string
  revision: number
  title: string
  description: string
  objective_ids: Json
  intents: Json
  content_digest: string
  cause: string
  created_at: string
  created_by: Json
  refinement_id: Generated<string | null>
}

export interface EvidenceLinksTable {
  id: string
  model_id: string
  control_id: string
  kind: string
  label: string
  url: string | null
  created_by: Json
  created_at: string
  deleted_at: string | null
}

export interface AssertionsTable {
  id: string
  model_id: string
  control_id: string
  type: string
  params: Json
  description: string
  repo: string | null
  digest: string
  source: string
  created_by: Json
  created_at: string
  deleted_at: string | null
  deleted_by: Json | null
  delete_reason: string | null
}

export interface CoherenceEvaluationsTable {
  id: string
  assertion_id: string
  control_revision: number
  verdict: string
  method: string | null
  reason: Generated<string>
  heuristic_version: string | null
  overrides: string | null
  evaluated_by: string | null
  evaluated_at: string | null
  job: string
  last_error: string | null
  provider: Generated<string | null>
  model: Generated<string | null>
  prompt_hash: Generated<string | null>
}

export interface SufficiencyEvaluationsTable {
  id: string
  model_id: string
  control_id: string
  control_revision: number
  assertion_set_digest: string
  status: string
  method: string | null
  details: Generated<string>
  missing_aspects: Generated<Json>
  overrides: string | null
  evaluated_by: string | null
  evaluated_at: string | null
  job: string
  last_error: string | null
  created_at: string
  provider: Generated<string | null>
  model: Generated<string | null>
  prompt_hash: Generated<string | null>
}

export interface EvaluationJobsTable {
  id: string
  workspace_id: string
  model_id: string
  kind: 'coherence' | 'sufficiency' | 'refinement'
  subject_id: string
  state: 'queued' | 'running' | 'done' | 'failed'
  attempts: Generated<number>
  next_attempt_at: string
  last_error: string | null
  created_at: string
  updated_at: string
}

export interface Tier2PromptsTable {
  prompt_hash: string
  assertion_id: string
  control_revision: number
  template: string
}

export interface RunsTable {
  id: string
  model_id: string
  workspace_id: string
  repo: string
  commit_sha: string
  ref: string | null
  pipeline: Json
  verifier: Json
  accepted_at: string
  submitted_by: Json
  results_count: number
  counts: Json
  results_hash: string
  submission_digest: string
  submission: Uint8Array
  attestation: Json
  counting: boolean
  drift_ids: Generated<Json>
  receipt: Generated<Json | null>
  log_index: Generated<number | null>
  /** EVIDENCE.md §10.3 `material.oidc` / `extra_oidc`: the raw token, its JWK and jwks_uri; never shown by the API. */
  attestation_material: Generated<Json | null>
}

export interface ResultsTable {
  id: string
  run_id: string
  model_id: string
  assertion_id: string
  repo: string
  tier: number
  result: string
  details: string
  locations: Json
  evidence_digest: string | null
  duration_ms: number | null
  provider: string | null
  model: string | null
  prompt_hash: string | null
  rationale: string | null
  anchor_result_id: string | null
  control_revision: number | null
  prompt_stale: Generated<boolean>
  assertion_deleted: Generated<boolean>
  accepted_at: string
}

export interface LatestResultsTable {
  assertion_id: string
  repo: string
  tier: number
  slot: string
  model_id: string
  result_id: string
  run_id: string
  result: string
  accepted_at: string
  evidence_digest: string | null
  commit_sha: string
  details: string
  locations: Json
  anchor_result_id: string | null
  control_revision: number | null
}

export interface Tier2VerdictsTable {
  assertion_id: string
  repo: string
  evidence_key: string
  model_id: string
  source: string
  record_id: string
  result: string
  at: string
  anchor_result_id: string
  evidence_digest: string | null
  control_revision: number | null
}

export interface Tier2ReviewsTable {
  id: string
  model_id: string
  assertion_id: string
  repo: string
  verdict: string
  rationale: string
  commit_sha: string
  anchor_result_id: string
  evidence_digest: string | null
  prompt_hash: string
  control_revision: number
  reviewer: string
  created_at: string
}

export interface DriftEventsTable {
  id: string
  model_id: string
  control_id: string
  objective_ids: Json
  assertion_id: string
  repo: string
  tier: number
  previous_result: string
  previous_run_id: string
  previous_commit_sha: string
  new_result: string
  run_id: string
  commit_sha: string
  evidence_changed: boolean | null
  detected_at: string
  status: string
  resolution: string | null
  resolved_run_id: string | null
  resolved_at: string | null
  acknowledged_by: string | null
  acknowledged_at: string | null
  acknowledge_note: string | null
  finding_ids: Generated<Json>
}

export interface RepoStatesTable {
  model_id: string
  repo: string
  last_run_id: string
  last_commit_sha: string
  last_run_at: string
  last_clean_run_id: string | null
  last_clean_commit_sha: string | null
  runs_count: number
}

export interface FindingsTable {
  id: string
  model_id: string
  control_id: string
  title: string
  description: string
  severity: string
  lifecycle_status: string
  verified: boolean
  checked_locations: Json
  checked_patterns: Json
  expected_evidence: Generated<string>
  notes: Generated<string>
  dismissal_reason: string | null
  remediation_assertion_ids: Generated<Json>
  source: string
  created_by: Json
  created_at: string
  updated_at: string
  verified_since: string | null
}

export interface FindingEventsTable {
  seq: Generated<number>
  finding_id: string
  at: string
  actor: Json
  kind: string
  from_status: string | null
  to_status: string | null
  reason: string | null
  assertion_ids: Json | null
  run_id: string | null
  drift_id: string | null
}

export interface ControlReviewsTable {
  id: string
  model_id: string
  control_id: string
  control_revision: number
  outcome: string
  note: string
  verification_status_at_review: string
  reviewer: string
  created_at: string
}

export interface IdempotencyRecordsTable {
  credential_id: string
  key: string
  request_digest: string
  status: number
  response: Json
  expires_at: string
}

export interface RefinementsTable {
  id: string
  model_id: string
  control_id: string
  from_revision: number
  to_revision: number | null
  proposed_description: string | null
  justification: string
  codebase_findings: Generated<string>
  status: string
  method: string
  per_objective: Generated<Json>
  provider: string | null
  model: string | null
  prompt_hash: string | null
  created_by: Json
  created_at: string
  decided_by: string | null
  decided_at: string | null
  decision_note: string | null
}

export interface SigningKeysTable {
  fingerprint: string
  workspace_id: string
  public_key_pem: string
  label: string
  status: string
  added_at: string
  added_by: string
  revoked_at: string | null
  revocation_reason: string | null
  compromised_since: string | null
  superseded_by: string | null
}

export interface ReplayRecordsTable {
  kind: string
  value_digest: string
  workspace_id: string
  expires_at: string | null
}

export interface InstanceKeysTable {
  purpose: string
  fingerprint: string
  public_spki: Uint8Array
  salt: Uint8Array
  nonce: Uint8Array
  ciphertext: Uint8Array
  tag: Uint8Array
  master_key_id: string
  status: string
  created_at: string
  retired_at: string | null
  log_index: number | null
}

export interface LogLeavesTable {
  idx: number
  chain: string
  seq: number
  leaf: Uint8Array
  leaf_hash: Uint8Array
  created_at: string
}

export interface LogCheckpointsTable {
  tree_size: number
  root: Uint8Array
  note: string
  key_id: Uint8Array
  created_at: string
}

export interface LogNodesTable {
  level: number
  idx: number
  hash: Uint8Array
}

export interface AuditPackagesTable {
  id: string
  model_id: string
  workspace_id: string
  requested_by: string
  params: Json
  state: string
  manifest_digest: string | null
  size_bytes: number | null
  package: Uint8Array | null
  created_at: string
  ready_at: string | null
  expires_at: string | null
  /** Why the build failed (`{code, message}`); null unless `state` is `failed`. */
  failure: Generated<Json | null>
}

/** Every security policy a workspace accepted, in order, with the `security.changed` event that logged it. */
export interface SecurityPoliciesTable {
  workspace_id: string
  seq: number
  policy_digest: string
  settings: Json
  /** The event's time; null only for a policy backfilled by migration 10 that no event logged. */
  effective_from: string | null
  event_index: number | null
}

export interface Database {
  users: UsersTable
  setup_state: SetupStateTable
  password_resets: PasswordResetsTable
  sessions: SessionsTable
  login_failures: LoginFailuresTable
  workspaces: WorkspacesTable
  memberships: MembershipsTable
  api_keys: ApiKeysTable
  models: ModelsTable
  model_items: ModelItemsTable
  controls: ControlsTable
  control_revisions: ControlRevisionsTable
  evidence_links: EvidenceLinksTable
  assertions: AssertionsTable
  coherence_evaluations: CoherenceEvaluationsTable
  sufficiency_evaluations: SufficiencyEvaluationsTable
  evaluation_jobs: EvaluationJobsTable
  tier2_prompts: Tier2PromptsTable
  runs: RunsTable
  results: ResultsTable
  latest_results: LatestResultsTable
  tier2_verdicts: Tier2VerdictsTable
  tier2_reviews: Tier2ReviewsTable
  drift_events: DriftEventsTable
  repo_states: RepoStatesTable
  findings: FindingsTable
  finding_events: FindingEventsTable
  control_reviews: ControlReviewsTable
  idempotency_records: IdempotencyRecordsTable
  refinements: RefinementsTable
  signing_keys: SigningKeysTable
  replay_records: ReplayRecordsTable
  instance_keys: InstanceKeysTable
  log_leaves: LogLeavesTable
  log_checkpoints: LogCheckpointsTable
  log_nodes: LogNodesTable
  audit_packages: AuditPackagesTable
  security_policies: SecurityPoliciesTable
  schema_migrations: { version: number; name: string; applied_at: string }
}
