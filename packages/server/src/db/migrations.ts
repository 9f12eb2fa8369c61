import { docDigest, parseStrictJson, parseStrictJsonBytes } from '@warrant/core'
import { type Kysely, sql } from 'kysely'

/**
 * Versioned migrations, applied in order at start inside one transaction each. Times are stored as RFC 3339 text
 * in the contract's exact format (so they sort and compare as strings and round-trip byte-identically).
 */
/** A migration: its SQL, then an optional data step in the same transaction (for what SQL cannot compute). */
const MIGRATIONS: { version: number; name: string; sql: string; run?: (trx: Kysely<unknown>) => Promise<void> }[] = [
  {
    version: 1,
    name: 'platform core',
    sql: `
create table users (
  id text primary key, email text not null unique, display_name text not null, password_hash text not null,
  instance_admin boolean not null default false, created_at text not null, last_login_at text,
  password_changed_at text not null, disabled_at text);
create table setup_state (id int primary key check (id = 1), token_hash text, completed_at text);
create table password_resets (token_hash text primary key, user_id text not null references users(id),
  expires_at text not null, used_at text);
create table sessions (
  id text primary key, token_hash text not null unique, user_id text not null references users(id),
  csrf_token text not null, created_at text not null, last_seen_at text not null, expires_at text not null,
  absolute_expires_at text not null, ip text, user_agent text, ended_at text);
create table login_failures (key text not null, at text not null);
create index login_failures_key on login_failures (key, at);
create table workspaces (
  id text primary key, name text not null, slug text not null unique, created_at text not null, archived_at text,
  settings jsonb not null, security jsonb not null);
create table memberships (
  workspace_id text not null references workspaces(id), user_id text not null references users(id),
  role text not null, added_at text not null, added_by text, primary key (workspace_id, user_id));
create table api_keys (
  id text primary key, workspace_id text not null references workspaces(id), scope text not null,
  label text not null, model_ids jsonb, secret_hash text not null, created_by text not null references users(id),
  created_at text not null, expires_at text, last_used_at text, revoked_at text, revoked_by text);
create table models (
  id text primary key, workspace_id text not null references workspaces(id), title text not null,
  description text not null default '', repos jsonb not null default '[]', revision int not null default 1,
  created_at text not null, created_by jsonb not null, updated_at text not null, archived_at text,
  archive_reason text);
create index models_workspace on models (workspace_id);
create table model_items (
  model_id text not null references models(id), kind text not null, key text not null, body jsonb not null,
  created_at text not null, updated_at text not null, deleted_at text, delete_reason text,
  primary key (model_id, kind, key));
create table controls (
  model_id text not null references models(id), id text not null, title text not null, description text not null,
  objective_ids jsonb not null, intents jsonb not null, implementation_status text not null,
  implementation_notes text not null default '', revision int not null, created_at text not null,
  updated_at text not null, deleted_at text, delete_reason text, last_reviewed_at text, last_reviewed_by text,
  verification_status text not null, status_reasons jsonb not null, last_verified_at text, verified_since text,
  primary key (model_id, id));
create table control_revisions (
  model_id text not null, control_id text not null, revision int not null, title text not null,
  description text not null, objective_ids jsonb not null, intents jsonb not null, content_digest text not null,
  cause text not null, created_at text not null, created_by jsonb not null,
  primary key (model_id, control_id, revision));
create table evidence_links (
  id text primary key, model_id text not null references models(id), control_id text not null, kind text not null,
  label text not null, url text, created_by jsonb not null, created_at text not null, deleted_at text);
create table assertions (
  id text primary key, model_id text not null references models(id), control_id text not null, type text not null,
  params jsonb not null, description text not null, repo text, digest text not null, source text not null,
  created_by jsonb not null, created_at text not null, deleted_at text, deleted_by jsonb, delete_reason text);
create index assertions_model on assertions (model_id, control_id);
create table coherence_evaluations (
  id text primary key, assertion_id text not null references assertions(id), control_revision int not null,
  verdict text not null, method text, reason text not null default '', heuristic_version text,
  overrides text, evaluated_by text, evaluated_at text, job text not null, last_error text);
create index coherence_assertion on coherence_evaluations (assertion_id);
create table sufficiency_evaluations (
  id text primary key, model_id text not null, control_id text not null, control_revision int not null,
  assertion_set_digest text not null, status text not null, method text, details text not null default '',
  missing_aspects jsonb not null default '[]', overrides text, evaluated_by text, evaluated_at text,
  job text not null, last_error text, created_at text not null);
create index sufficiency_control on sufficiency_evaluations (model_id, control_id);
create table tier2_prompts (
  prompt_hash text not null, assertion_id text not null, control_revision int not null, template text not null,
  primary key (prompt_hash, assertion_id));
create table runs (
  id text primary key, model_id text not null references models(id), workspace_id text not null,
  repo text not null, commit_sha text not null, ref text, pipeline jsonb not null, verifier jsonb not null,
  accepted_at text not null, submitted_by jsonb not null, results_count int not null, counts jsonb not null,
  results_hash text not null, submission_digest text not null, submission bytea not null,
  attestation jsonb not null, counting boolean not null, drift_ids jsonb not null default '[]');
create index runs_model on runs (model_id, accepted_at);
create table results (
  id text primary key, run_id text not null references runs(id), model_id text not null,
  assertion_id text not null, repo text not null, tier int not null, result text not null,
  details text not null, locations jsonb not null, evidence_digest text, duration_ms int, provider text,
  model text, prompt_hash text, rationale text, anchor_result_id text, control_revision int,
  prompt_stale boolean not null default false,
  assertion_deleted boolean not null default false, accepted_at text not null);
create index results_run on results (run_id);
create index results_assertion on results (assertion_id, repo, tier, accepted_at);
-- The newest counting result per (assertion, repo, tier): slot 'any' is the newest of all, slot 'decisive'
-- the newest that is not skipped (drift compares against it).
create table latest_results (
  assertion_id text not null, repo text not null, tier int not null, slot text not null, model_id text not null,
  result_id text not null, run_id text not null, result text not null, accepted_at text not null,
  evidence_digest text, commit_sha text not null, details text not null, locations jsonb not null,
  anchor_result_id text, control_revision int, primary key (assertion_id, repo, tier, slot));
create index latest_results_model on latest_results (model_id);
-- The newest Tier 2 verdict (pass, fail, error; CI or human) per assertion, repo and evidence key (the anchor's
-- evidence digest, or its result id when it has none): the only candidates for a current verdict (§4.2 V3).
create table tier2_verdicts (
  assertion_id text not null, repo text not null, evidence_key text not null, model_id text not null,
  source text not null, record_id text not null, result text not null, at text not null,
  anchor_result_id text not null, evidence_digest text, control_revision int,
  primary key (assertion_id, repo, evidence_key));
create index tier2_verdicts_model on tier2_verdicts (model_id);
create table tier2_reviews (
  id text primary key, model_id text not null, assertion_id text not null, repo text not null, verdict text not null,
  rationale text not null, commit_sha text not null, anchor_result_id text not null, evidence_digest text,
  prompt_hash text not null, control_revision int not null, reviewer text not null, created_at text not null);
create table drift_events (
  id text primary key, model_id text not null, control_id text not null, objective_ids jsonb not null,
  assertion_id text not null, repo text not null, tier int not null, previous_result text not null,
  previous_run_id text not null, previous_commit_sha text not null, new_result text not null, run_id text not null,
  commit_sha text not null, evidence_changed boolean, detected_at text not null, status text not null,
  resolution text, resolved_run_id text, resolved_at text, acknowledged_by text, acknowledged_at text,
  acknowledge_note text, finding_ids jsonb not null default '[]');
create index drift_model on drift_events (model_id, status);
create table repo_states (
  model_id text not null, repo text not null, last_run_id text not null, last_commit_sha text not null,
  last_run_at text not null, last_clean_run_id text, last_clean_commit_sha text, runs_count int not null,
  primary key (model_id, repo));
create table findings (
  id text primary key, model_id text not null, control_id text not null, title text not null,
  description text not null, severity text not null, lifecycle_status text not null, verified boolean not null,
  checked_locations jsonb not null, checked_patterns jsonb not null, expected_evidence text not null default '',
  notes text not null default '', dismissal_reason text, remediation_assertion_ids jsonb not null default '[]',
  source text not null, created_by jsonb not null, created_at text not null, updated_at text not null,
  verified_since text);
create index findings_model on findings (model_id);
create table finding_events (
  seq serial primary key, finding_id text not null, at text not null, actor jsonb not null, kind text not null,
  from_status text, to_status text, reason text, assertion_ids jsonb, run_id text, drift_id text);
create index finding_events_finding on finding_events (finding_id, seq);
create table control_reviews (
  id text primary key, model_id text not null, control_id text not null, control_revision int not null,
  outcome text not null, note text not null, verification_status_at_review text not null, reviewer text not null,
  created_at text not null);
create table idempotency_records (
  credential_id text not null, key text not null, request_digest text not null, status int not null,
  response jsonb not null, expires_at text not null, primary key (credential_id, key));
`,
  },
  {
    version: 2,
    name: 'refinements',
    sql: `
create table refinements (
  id text primary key, model_id text not null references models(id), control_id text not null,
  from_revision int not null, to_revision int, proposed_description text, justification text not null,
  codebase_findings text not null default '', status text not null, method text not null,
  per_objective jsonb not null default '[]', provider text, model text, prompt_hash text, created_by jsonb not null,
  created_at text not null, decided_by text, decided_at text, decision_note text);
create index refinements_control on refinements (model_id, control_id);
alter table control_revisions add column refinement_id text;
`,
  },
  {
    version: 3,
    name: 'workspace signing keys and replay records',
    sql: `
create table signing_keys (
  fingerprint text primary key, workspace_id text not null references workspaces(id), public_key_pem text not null,
  label text not null, status text not null, added_at text not null, added_by text not null, revoked_at text,
  revocation_reason text, compromised_since text, superseded_by text);
create unique index signing_keys_one_active on signing_keys (workspace_id) where status = 'active';
create table replay_records (
  kind text not null, value_digest text not null, workspace_id text not null, expires_at text,
  primary key (kind, value_digest));
`,
  },
  {
    version: 4,
    name: 'instance keys and the transparency log',
    sql: `
create table instance_keys (
  purpose text not null, fingerprint text primary key, public_spki bytea not null, salt bytea not null,
  nonce bytea not null, ciphertext bytea not null, tag bytea not null, master_key_id text not null,
  status text not null, created_at text not null, retired_at text, log_index int);
create unique index instance_keys_one_active on instance_keys (purpose) where status = 'active';
create table log_leaves (
  idx int primary key, chain text not null, seq int not null, leaf bytea not null, leaf_hash bytea not null,
  created_at text not null, unique (chain, seq));
create table log_checkpoints (
  tree_size int primary key, root bytea not null, note text not null, key_id bytea not null, created_at text not null);
create function warrant_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the transparency log is append-only (% on %)', tg_op, tg_table_name;
end $$;
create trigger log_leaves_append_only before update or delete on log_leaves
  for each row execute function warrant_log_append_only();
create trigger log_leaves_no_truncate before truncate on log_leaves
  for each statement execute function warrant_log_append_only();
create trigger log_checkpoints_append_only before update or delete on log_checkpoints
  for each row execute function warrant_log_append_only();
create trigger log_checkpoints_no_truncate before truncate on log_checkpoints
  for each statement execute function warrant_log_append_only();
alter table runs add column receipt jsonb;
alter table runs add column log_index int;
`,
  },
  {
    version: 5,
    name: 'audit packages',
    sql: `
create table audit_packages (
  id text primary key, model_id text not null references models(id), workspace_id text not null,
  requested_by text not null, params jsonb not null, state text not null, manifest_digest text, size_bytes int,
  package bytea, created_at text not null, ready_at text, expires_at text);
create index audit_packages_model on audit_packages (model_id, created_at);
`,
  },
  {
    version: 6,
    name: 'AI evaluation jobs',
    sql: `
create table evaluation_jobs (
  id text primary key, workspace_id text not null references workspaces(id), model_id text not null,
  kind text not null, subject_id text not null, state text not null, attempts int not null default 0,
  next_attempt_at text not null, last_error text, created_at text not null, updated_at text not null);
create index evaluation_jobs_due on evaluation_jobs (state, next_attempt_at);
create index evaluation_jobs_subject on evaluation_jobs (subject_id);
alter table coherence_evaluations add column provider text;
alter table coherence_evaluations add column model text;
alter table coherence_evaluations add column prompt_hash text;
alter table sufficiency_evaluations add column provider text;
alter table sufficiency_evaluations add column model text;
alter table sufficiency_evaluations add column prompt_hash text;
`,
  },
  {
    version: 7,
    name: 'attestation material kept for audit packages',
    sql: `
alter table runs add column attestation_material jsonb;
`,
  },
  {
    version: 8,
    name: 'log tree node cache',
    sql: `
create table log_nodes (level int not null, idx int not null, hash bytea not null, primary key (level, idx));
create trigger log_nodes_append_only before update or delete on log_nodes
  for each row execute function warrant_log_append_only();
create index log_leaves_leaf_hash on log_leaves (leaf_hash);
`,
  },
  {
    version: 9,
    name: 'audit packages built in the background',
    sql: `
alter table audit_packages add column failure jsonb;
create index audit_packages_state on audit_packages (state, created_at);
`,
  },
  {
    version: 10,
    name: 'security policy history',
    sql: `
create table security_policies (
  workspace_id text not null references workspaces(id), seq int not null, policy_digest text not null,
  settings jsonb not null, effective_from text, event_index int, primary key (workspace_id, seq));
`,
    run: backfillSecurityPolicies,
  },
]

/**
 * Migration 10: each existing workspace's current policy becomes its first history entry, with the latest
 * `security.changed` event of its chain that logged the same policy_digest; null event and time when none did.
 */
export async function backfillSecurityPolicies(trx: Kysely<unknown>): Promise<void> {
  const workspaces = await sql<{ id: string; security: unknown }>`select id, security from workspaces`.execute(trx)
  for (const w of workspaces.rows) {
    const settings = typeof w.security === 'string' ? parseStrictJson(w.security) : w.security
    const policyDigest = docDigest(settings)
    const leaves = await sql<{ idx: number; leaf: Uint8Array }>`
      select idx, leaf from log_leaves where chain = ${w.id} order by seq desc`.execute(trx)
    let event: { index: number; at: string } | null = null
    for (const row of leaves.rows) {
      const e = parseStrictJsonBytes(row.leaf) as { type?: string; at?: string; data?: { policy_digest?: unknown } }
      if (e.type === 'security.changed' && e.data?.policy_digest === policyDigest) {
        event = { index: row.idx, at: String(e.at) }
        break
      }
    }
    await sql`insert into security_policies (workspace_id, seq, policy_digest, settings, effective_from, event_index)
      values (${w.id}, 1, ${policyDigest}, ${JSON.stringify(settings)}::jsonb, ${event?.at ?? null}, ${event?.index ?? null})`.execute(
      trx,
    )
  }
}

/** Splits a migration at semicolons that end a line, except inside dollar-quoted function bodies. */
function statements(text: string): string[] {
  const out: string[] = []
  let current = ''
  for (const part of text.split(/(;\s*\n)/)) {
    current += part
    const insideBody = (current.match(/\$\$/g)?.length ?? 0) % 2 === 1
    if (/^;\s*\n$/.test(part) && !insideBody) {
      out.push(current.trim())
      current = ''
    }
  }
  out.push(current.trim())
  return out.filter((s) => s.replace(/--.*$/gm, '').trim() !== '')
}

export async function migrate(db: Kysely<unknown>): Promise<number[]> {
  return db.transaction().execute(async (trx) => {
    // One migrator at a time, even when several servers share a PostgreSQL database.
    await sql`select pg_advisory_xact_lock(7461023)`.execute(trx)
    await sql`create table if not exists schema_migrations (version int primary key, name text not null, applied_at text not null)`.execute(
      trx,
    )
    const done = await sql<{ version: number }>`select version from schema_migrations`.execute(trx)
    const applied = new Set(done.rows.map((r) => r.version))
    const ran: number[] = []
    for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue
      // Statement by statement: PGlite's extended protocol runs one command per query.
      for (const statement of statements(m.sql)) await sql.raw(statement).execute(trx)
      await m.run?.(trx)
      await sql`insert into schema_migrations (version, name, applied_at) values (${m.version}, ${m.name}, ${new Date().toISOString()})`.execute(
        trx,
      )
      ran.push(m.version)
    }
    return ran
  })
}

export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version))
