import { generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend, Client, createKey, freshBackend, type Running, setupOwner, start } from './helpers.js'
import { settledPackage } from './support/audit-packages.js'

/**
 * The authorization matrix of PLATFORM.md §7 (with §1.1, §1.2 and the auth columns of §5), asserted over loopback
 * HTTP for every registered /api route × every kind of caller. A route registered without a row here fails the
 * coverage test, so a new route cannot ship without deciding who may call it.
 */

const MODEL_YAML = readFileSync(new URL('./fixtures/payments.yaml', import.meta.url))
const REPO = 'acme/payments-api'
const COMMIT = 'c'.repeat(40)
/** Rate limits are not under test here; the matrix sends a few hundred requests per caller class. */
const NO_RATE_LIMITS = {
  results: 100_000,
  submit: 100_000,
  write: 100_000,
  read: 100_000,
  public: 100_000,
  login: 100_000,
}

const CALLERS = [
  'anonymous',
  'auditor',
  'member',
  'reviewer',
  'owner',
  'developer_key',
  'verifier_key',
  'foreign_key',
  'foreign_owner',
] as const
type CallerName = (typeof CALLERS)[number]
const SESSION_CALLERS = ['auditor', 'member', 'reviewer', 'owner', 'foreign_owner'] as const
const FOREIGN: readonly CallerName[] = ['foreign_key', 'foreign_owner']

/** `ok`: authorization passed (2xx/3xx, or a 4xx other than 401/403/404); otherwise the exact refusal. */
type Expect = 'ok' | { status: 400 | 401 | 403 | 404 | 409 | 422; code: string }
type Matrix = Record<CallerName, Expect>

const unauthenticated: Expect = { status: 401, code: 'unauthenticated' }
const forbidden: Expect = { status: 403, code: 'forbidden' }
const notFound: Expect = { status: 404, code: 'not_found' }
const personRequired: Expect = { status: 403, code: 'person_required' }

const matrix = (sessions: Record<'auditor' | 'member' | 'reviewer' | 'owner', Expect>, keys: Expect): Matrix => ({
  anonymous: unauthenticated,
  ...sessions,
  developer_key: keys,
  verifier_key: keys,
  // §1.1: a workspace the caller cannot see answers 404, never 403, so existence does not leak.
  foreign_key: notFound,
  foreign_owner: notFound,
})

/** The rows of §7, as policies over the callers. */
const P = {
  /** health, version, config, setup, login, docs: everyone. */
  public: Object.fromEntries(CALLERS.map((c) => [c, 'ok'])) as Matrix,
  /** S aud, K. */
  read: matrix({ auditor: 'ok', member: 'ok', reviewer: 'ok', owner: 'ok' }, 'ok'),
  /** S aud only: run submission bytes, workspace members and events. */
  private: matrix({ auditor: 'ok', member: 'ok', reviewer: 'ok', owner: 'ok' }, forbidden),
  /** S mem, K: author and operate. */
  author: matrix({ auditor: forbidden, member: 'ok', reviewer: 'ok', owner: 'ok' }, 'ok'),
  /** S mem, no keys: API key management, drift acknowledgement. */
  personMember: matrix({ auditor: forbidden, member: 'ok', reviewer: 'ok', owner: 'ok' }, forbidden),
  /** S rev: human judgements; keys are refused as people are required. */
  judge: matrix({ auditor: forbidden, member: forbidden, reviewer: 'ok', owner: 'ok' }, personRequired),
  /** S aud: audit package export and download; keys are refused as people are required. */
  export: matrix({ auditor: 'ok', member: 'ok', reviewer: 'ok', owner: 'ok' }, personRequired),
  /** S own: workspace administration, archiving models. */
  owner: matrix({ auditor: forbidden, member: forbidden, reviewer: forbidden, owner: 'ok' }, forbidden),
  /** Kv only: results submission. */
  submit: {
    ...matrix(
      {
        auditor: { status: 403, code: 'verifier_required' },
        member: { status: 403, code: 'verifier_required' },
        reviewer: { status: 403, code: 'verifier_required' },
        owner: { status: 403, code: 'verifier_required' },
      },
      'ok',
    ),
    developer_key: { status: 403, code: 'developer_key_cannot_submit' },
  } as Matrix,
  /** S or K, not bound to a workspace (catalogue, workspace list): any authenticated caller, foreign ones included. */
  anyCaller: { ...(Object.fromEntries(CALLERS.map((c) => [c, 'ok'])) as Matrix), anonymous: unauthenticated },
  /**
   * Session self-service (logout, session, sessions, password change, own user): any signed-in person. An API key is
   * a valid credential of the wrong kind: `403 person_required`, never a 401 that would call the key bad.
   */
  sessionOnly: {
    ...(Object.fromEntries(CALLERS.map((c) => [c, 'ok'])) as Matrix),
    anonymous: unauthenticated,
    developer_key: personRequired,
    verifier_key: personRequired,
    foreign_key: personRequired,
  },
  /** §7 "create a workspace": any person; keys refused. */
  createWorkspace: {
    ...(Object.fromEntries(CALLERS.map((c) => [c, 'ok'])) as Matrix),
    anonymous: unauthenticated,
    developer_key: forbidden,
    verifier_key: forbidden,
    foreign_key: forbidden,
  },
  /** §7 "users, instance key and log key rotation, admin status": instance admins only; keys `—` (403). */
  instanceAdmin: {
    anonymous: unauthenticated,
    auditor: forbidden,
    member: forbidden,
    reviewer: forbidden,
    owner: 'ok',
    developer_key: personRequired,
    verifier_key: personRequired,
    foreign_key: personRequired,
    foreign_owner: forbidden,
  } as Matrix,
}
/**
 * Another user's account (§5.2 "S ia, or self"): users are instance-wide, so a non-admin gets the same 404 as for an
 * id that does not exist; nothing tells them which user ids are real.
 */
const otherUser: Matrix = {
  ...P.instanceAdmin,
  auditor: notFound,
  member: notFound,
  reviewer: notFound,
  foreign_owner: notFound,
}

interface Fixture {
  ws1: string
  ws2: string
  modelA: string
  modelB: string
  userIds: Record<string, string>
  passwords: Record<string, string>
  emails: Record<string, string>
  /** Assertion ids of model A by purpose. */
  asr: { fn: string; fnDigest: string; eval: string; del1: string; del2: string }
  runId: string
  driftId: string
  findingId: string
  links: Record<CallerName, string>
  ownerKeyId: string
  ownKeyIds: Record<CallerName, string>
  resetTokens: Record<CallerName, string>
  /** An extra session of each session caller, for DELETE /api/auth/sessions/{ses}. */
  extraSessions: Record<CallerName, string>
  /** A pending refinement proposed by each caller that may author (else the member's), on its own control. */
  ownRefinements: Record<CallerName, { control: string; id: string }>
  /** Pending refinements proposed by the member (for the decision) and by the reviewer (someone else's). */
  memberRefinement: { control: string; id: string }
  reviewerRefinement: { control: string; id: string }
  /** A workspace signing key that a newer upload superseded (so it may still be marked compromised). */
  supersededKey: string
  /** An audit package of model A, exported by the owner. */
  auditPackage: string
}

const newSigningKeyPem = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string

interface Case {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** The route as registered (Fastify pattern). */
  route: string
  label?: string
  path: (f: Fixture, c: CallerName) => string
  body?: (f: Fixture, c: CallerName) => unknown | Promise<unknown>
  contentType?: string
  expect: Matrix
  /** Session callers use a fresh session (the request ends it). */
  freshSession?: boolean
  /** No allowed caller is expected to get 2xx (e.g. setup after first run). */
  noSuccess?: boolean
}

/**
 * Routes that take the workspace from the query or body: without it, a key means its own workspace (foreign keys
 * included: they act in theirs) and a person must name one.
 */
const workspaceRequired: Expect = { status: 422, code: 'workspace_required' }
const noWorkspaceGiven: Matrix = {
  ...P.anyCaller,
  auditor: workspaceRequired,
  member: workspaceRequired,
  reviewer: workspaceRequired,
  owner: workspaceRequired,
  foreign_owner: workspaceRequired,
}

const m = (f: Fixture) => `/api/models/${f.modelA}`
const items = [
  ['assets', 'A-01', 'A-DEL', (c: string) => ({ name: `Asset of ${c}` }), { impact: 'high' }],
  ['attackers', 'T-01', 'T-DEL', (c: string) => ({ name: `Attacker of ${c}` }), { likelihood: 'high' }],
  ['assumptions', 'AS-01', 'AS-DEL', (c: string) => ({ description: `Assumption of ${c}` }), { owner: 'platform' }],
  ['control-objectives', 'CO-02', 'CO-DEL', (c: string) => ({ statement: `Objective of ${c}` }), { risk_tier: 'high' }],
] as const

const itemCases: Case[] = items.flatMap(([kind, existing, toDelete, create, patch]): Case[] => [
  { method: 'GET', route: `/api/models/:m/${kind}`, path: (f) => `${m(f)}/${kind}`, expect: P.read },
  {
    method: 'POST',
    route: `/api/models/:m/${kind}`,
    path: (f) => `${m(f)}/${kind}`,
    body: (_f, c) => create(c),
    expect: P.author,
  },
  { method: 'GET', route: `/api/models/:m/${kind}/:id`, path: (f) => `${m(f)}/${kind}/${existing}`, expect: P.read },
  {
    method: 'PATCH',
    route: `/api/models/:m/${kind}/:id`,
    path: (f) => `${m(f)}/${kind}/${existing}`,
    body: () => patch,
    expect: P.author,
  },
  {
    method: 'DELETE',
    route: `/api/models/:m/${kind}/:id`,
    // §5.8 defines no body for this DELETE.
    path: (f) => `${m(f)}/${kind}/${toDelete}`,
    expect: P.author,
  },
])

const resultsBody = (f: Fixture, c: CallerName) => ({
  pipeline: { provider: 'github_actions', run_id: `matrix-${c}`, commit_sha: COMMIT, repo: REPO },
  verifier: { name: 'warrant', version: '0.1.0' },
  results: [
    {
      assertion_id: f.asr.fn,
      assertion_digest: f.asr.fnDigest,
      tier: 1,
      result: 'pass',
      details: 'found',
      evidence_digest: `sha256:${'1'.repeat(64)}`,
    },
  ],
})

/** Every /api route with its §7 row. Order matters where a case changes state later cases read. */
const CASES: Case[] = [
  // §5.22 and §5.6 public routes.
  { method: 'GET', route: '/api/health', path: () => '/api/health', expect: P.public },
  { method: 'GET', route: '/api/version', path: () => '/api/version', expect: P.public },
  { method: 'GET', route: '/api/verification/config', path: () => '/api/verification/config', expect: P.public },
  { method: 'GET', route: '/api/openapi.json', path: () => '/api/openapi.json', expect: P.public },
  // §5.20: keys, checkpoints and proofs are public; a workspace's log entries are its own.
  { method: 'GET', route: '/api/keys', path: () => '/api/keys', expect: P.public },
  { method: 'GET', route: '/api/log/checkpoint', path: () => '/api/log/checkpoint', expect: P.public },
  { method: 'GET', route: '/api/log/checkpoints', path: () => '/api/log/checkpoints', expect: P.public },
  {
    method: 'GET',
    route: '/api/log/proof/inclusion',
    path: () => '/api/log/proof/inclusion?index=0&tree_size=3',
    expect: P.public,
  },
  {
    method: 'GET',
    route: '/api/log/proof/tlog/:index',
    path: () => '/api/log/proof/tlog/0?tree_size=3',
    expect: P.public,
  },
  {
    method: 'GET',
    route: '/api/log/proof/consistency',
    path: () => '/api/log/proof/consistency?first=3&second=3',
    expect: P.public,
  },
  {
    method: 'GET',
    route: '/api/log/entries/:index',
    label: 'instance entry',
    path: () => '/api/log/entries/0',
    expect: P.public,
  },
  {
    method: 'GET',
    route: '/api/log/entries/:index',
    label: 'workspace entry',
    // Entries 0–2 are the instance's first events and 3–4 the first owner's user.changed (created, admin_granted);
    // entries 5–7 are the workspace's creation: workspace.changed, the owner's member.changed, its initial policy.
    path: () => '/api/log/entries/5',
    expect: {
      ...P.read,
      foreign_key: { status: 404, code: 'entry_not_found' },
      foreign_owner: { status: 404, code: 'entry_not_found' },
    },
  },
  { method: 'GET', route: '/api/docs', path: () => '/api/docs', expect: P.public },
  { method: 'GET', route: '/api/docs/', path: () => '/api/docs/', expect: P.public },
  { method: 'GET', route: '/api/docs/json', path: () => '/api/docs/json', expect: P.public },
  { method: 'GET', route: '/api/docs/yaml', path: () => '/api/docs/yaml', expect: P.public },
  {
    method: 'GET',
    route: '/api/docs/static/index.html',
    path: () => '/api/docs/static/index.html',
    expect: P.public,
  },
  {
    method: 'GET',
    route: '/api/docs/static/swagger-initializer.js',
    path: () => '/api/docs/static/swagger-initializer.js',
    expect: P.public,
  },
  { method: 'GET', route: '/api/docs/*', path: () => '/api/docs/static/swagger-ui.css', expect: P.public },

  // §5.2 setup, authentication, users.
  { method: 'GET', route: '/api/setup', path: () => '/api/setup', expect: P.public },
  {
    method: 'POST',
    route: '/api/setup',
    label: 'after first run: 409 setup_already_completed for everyone',
    path: () => '/api/setup',
    body: () => ({
      setup_token: 'test-setup-token',
      email: 'intruder@example.com',
      display_name: 'Intruder',
      password: 'an intruder passphrase',
      workspace_name: 'Takeover',
    }),
    expect: Object.fromEntries(
      CALLERS.map((c) => [c, { status: 409, code: 'setup_already_completed' }]),
    ) as unknown as Matrix,
  },
  {
    method: 'POST',
    route: '/api/auth/login',
    path: () => '/api/auth/login',
    body: (f) => ({ email: f.emails.login, password: f.passwords.login }),
    expect: P.public,
  },
  {
    method: 'POST',
    route: '/api/auth/password-reset',
    path: () => '/api/auth/password-reset',
    body: (f, c) => ({ reset_token: f.resetTokens[c], new_password: 'a brand new passphrase 77' }),
    expect: P.public,
  },
  { method: 'GET', route: '/api/auth/session', path: () => '/api/auth/session', expect: P.sessionOnly },
  { method: 'GET', route: '/api/auth/sessions', path: () => '/api/auth/sessions', expect: P.sessionOnly },
  {
    method: 'DELETE',
    route: '/api/auth/sessions/:ses',
    label: "one of the caller's own sessions",
    path: (f, c) => `/api/auth/sessions/${f.extraSessions[c]}`,
    expect: P.sessionOnly,
  },
  {
    method: 'POST',
    route: '/api/auth/password',
    path: () => '/api/auth/password',
    // The same password again: allowed by the policy, and the caller keeps working.
    body: (f, c) => ({ current_password: f.passwords[c] ?? 'unused', new_password: f.passwords[c] ?? 'unused' }),
    expect: P.sessionOnly,
  },
  {
    method: 'POST',
    route: '/api/auth/logout',
    path: () => '/api/auth/logout',
    expect: P.sessionOnly,
    freshSession: true,
  },
  {
    method: 'POST',
    route: '/api/users',
    path: () => '/api/users',
    body: (_f, c) => ({
      email: `made-by-${c.replaceAll('_', '-')}@example.com`,
      display_name: 'Made in the matrix',
      password: 'a made up passphrase 31',
    }),
    expect: P.instanceAdmin,
  },
  { method: 'GET', route: '/api/users', path: () => '/api/users', expect: P.instanceAdmin },
  {
    method: 'GET',
    route: '/api/users/:usr',
    label: 'another user',
    path: (f) => `/api/users/${f.userIds.login}`,
    expect: otherUser,
  },
  {
    method: 'GET',
    route: '/api/users/:usr',
    label: 'self',
    path: (f, c) => `/api/users/${f.userIds[c] ?? f.userIds.owner}`,
    expect: P.sessionOnly,
  },
  {
    method: 'PATCH',
    route: '/api/users/:usr',
    label: 'another user',
    path: (f) => `/api/users/${f.userIds.login}`,
    body: () => ({ display_name: 'Renamed by an admin' }),
    expect: otherUser,
  },
  {
    method: 'PATCH',
    route: '/api/users/:usr',
    label: 'own display name',
    path: (f, c) => `/api/users/${f.userIds[c] ?? f.userIds.owner}`,
    body: (_f, c) => ({ display_name: `Caller ${c}` }),
    expect: P.sessionOnly,
  },
  {
    method: 'PATCH',
    route: '/api/users/:usr',
    label: 'making oneself instance admin',
    path: (f, c) => `/api/users/${f.userIds[c] ?? f.userIds.owner}`,
    body: () => ({ instance_admin: true }),
    // Only an admin may (it already is one); everyone else is refused on their own account.
    expect: { ...P.instanceAdmin, foreign_owner: forbidden },
  },
  {
    method: 'POST',
    route: '/api/users/:usr/password-reset',
    path: (f) => `/api/users/${f.userIds.login}/password-reset`,
    expect: P.instanceAdmin,
  },
  // §5.21 administration: instance admins only (the owner is the first user, an instance admin).
  { method: 'GET', route: '/api/admin/status', path: () => '/api/admin/status', expect: P.instanceAdmin },
  { method: 'GET', route: '/api/admin/instance-keys', path: () => '/api/admin/instance-keys', expect: P.instanceAdmin },
  {
    method: 'POST',
    route: '/api/admin/instance-keys/rotate',
    path: () => '/api/admin/instance-keys/rotate',
    body: () => ({ confirm: true }),
    expect: P.instanceAdmin,
  },
  {
    method: 'POST',
    route: '/api/admin/log-keys/rotate',
    path: () => '/api/admin/log-keys/rotate',
    body: () => ({ confirm: true }),
    expect: P.instanceAdmin,
  },

  // §5.3 workspaces and members.
  { method: 'GET', route: '/api/workspaces', path: () => '/api/workspaces', expect: P.anyCaller },
  {
    method: 'POST',
    route: '/api/workspaces',
    path: () => '/api/workspaces',
    body: (_f, c) => ({ name: `Workspace of ${c}`, slug: `matrix-${c.replaceAll('_', '-')}` }),
    expect: P.createWorkspace,
  },
  { method: 'GET', route: '/api/workspaces/:ws', path: (f) => `/api/workspaces/${f.ws1}`, expect: P.read },
  {
    method: 'PATCH',
    route: '/api/workspaces/:ws',
    path: (f) => `/api/workspaces/${f.ws1}`,
    body: () => ({ name: 'Acme Security' }),
    expect: P.owner,
  },
  {
    method: 'GET',
    route: '/api/workspaces/:ws/settings',
    path: (f) => `/api/workspaces/${f.ws1}/settings`,
    expect: P.read,
  },
  {
    method: 'PATCH',
    route: '/api/workspaces/:ws/settings',
    path: (f) => `/api/workspaces/${f.ws1}/settings`,
    body: () => ({ review_max_age_days: 90 }),
    expect: P.owner,
  },
  {
    method: 'GET',
    route: '/api/workspaces/:ws/security',
    path: (f) => `/api/workspaces/${f.ws1}/security`,
    expect: P.read,
  },
  {
    method: 'PATCH',
    route: '/api/workspaces/:ws/security',
    path: (f) => `/api/workspaces/${f.ws1}/security`,
    body: () => ({ attestation_max_age_minutes: 60 }),
    expect: P.owner,
  },
  {
    method: 'POST',
    route: '/api/workspaces/:ws/security/test-token',
    path: (f) => `/api/workspaces/${f.ws1}/security/test-token`,
    body: () => ({ token: 'not.a.token' }),
    expect: P.owner,
  },

  // §5.5 workspace signing keys.
  {
    method: 'GET',
    route: '/api/workspaces/:ws/signing-keys',
    path: (f) => `/api/workspaces/${f.ws1}/signing-keys`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/workspaces/:ws/signing-keys/:fp',
    path: (f) => `/api/workspaces/${f.ws1}/signing-keys/${f.supersededKey}`,
    expect: P.read,
  },
  {
    method: 'POST',
    route: '/api/workspaces/:ws/signing-keys',
    path: (f) => `/api/workspaces/${f.ws1}/signing-keys`,
    body: (_f, c) => ({ public_key_pem: newSigningKeyPem(), label: `CI key of ${c}` }),
    expect: P.owner,
  },
  {
    method: 'POST',
    route: '/api/workspaces/:ws/signing-keys/:fp/revoke',
    path: (f) => `/api/workspaces/${f.ws1}/signing-keys/${f.supersededKey}/revoke`,
    body: () => ({ reason: 'compromised', compromised_since: '2025-01-01T00:00:00.000Z' }),
    expect: P.owner,
  },
  {
    method: 'DELETE',
    route: '/api/workspaces/:ws',
    // A wrong confirmation: the owner gets past authorization to 422 confirmation_mismatch, nothing is archived.
    path: (f) => `/api/workspaces/${f.ws1}`,
    body: () => ({ confirm: 'not-the-slug' }),
    expect: P.owner,
    noSuccess: true,
  },
  {
    method: 'POST',
    route: '/api/workspaces/:ws/restore',
    path: (f) => `/api/workspaces/${f.ws1}/restore`,
    expect: P.owner,
  },
  {
    method: 'GET',
    route: '/api/workspaces/:ws/events',
    path: (f) => `/api/workspaces/${f.ws1}/events`,
    expect: P.private,
  },
  {
    method: 'GET',
    route: '/api/workspaces/:ws/members',
    path: (f) => `/api/workspaces/${f.ws1}/members`,
    expect: P.private,
  },
  {
    method: 'POST',
    route: '/api/workspaces/:ws/members',
    path: (f) => `/api/workspaces/${f.ws1}/members`,
    body: (f) => ({ email: f.emails.pending, role: 'auditor' }),
    expect: P.owner,
  },
  {
    method: 'PATCH',
    route: '/api/workspaces/:ws/members/:usr',
    path: (f) => `/api/workspaces/${f.ws1}/members/${f.userIds.patchme}`,
    body: () => ({ role: 'member' }),
    expect: P.owner,
  },
  {
    method: 'DELETE',
    route: '/api/workspaces/:ws/members/:usr',
    label: 'someone else',
    path: (f) => `/api/workspaces/${f.ws1}/members/${f.userIds.removeme}`,
    expect: P.owner,
  },

  // §5.4 API keys.
  {
    method: 'GET',
    route: '/api/workspaces/:ws/api-keys',
    path: (f) => `/api/workspaces/${f.ws1}/api-keys`,
    expect: P.personMember,
  },
  {
    method: 'POST',
    route: '/api/workspaces/:ws/api-keys',
    label: 'developer scope',
    path: (f) => `/api/workspaces/${f.ws1}/api-keys`,
    body: (_f, c) => ({ label: `dev key of ${c}`, scope: 'developer' }),
    expect: P.personMember,
  },
  {
    method: 'POST',
    route: '/api/workspaces/:ws/api-keys',
    label: 'verifier scope',
    path: (f) => `/api/workspaces/${f.ws1}/api-keys`,
    body: (_f, c) => ({ label: `verifier key of ${c}`, scope: 'verifier' }),
    expect: P.owner,
  },
  {
    method: 'DELETE',
    route: '/api/workspaces/:ws/api-keys/:key',
    label: "the caller's own key (own-key)",
    path: (f, c) => `/api/workspaces/${f.ws1}/api-keys/${f.ownKeyIds[c]}`,
    expect: P.personMember,
  },
  {
    method: 'DELETE',
    route: '/api/workspaces/:ws/api-keys/:key',
    label: "another person's key",
    path: (f) => `/api/workspaces/${f.ws1}/api-keys/${f.ownerKeyId}`,
    expect: P.owner,
  },

  // §5.18 review queue.
  {
    method: 'GET',
    route: '/api/workspaces/:ws/review-queue',
    path: (f) => `/api/workspaces/${f.ws1}/review-queue`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/review-queue',
    label: 'with workspace_id',
    path: (f) => `/api/review-queue?workspace_id=${f.ws1}`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/review-queue',
    label: 'without workspace_id (a key means its own workspace)',
    path: () => '/api/review-queue',
    expect: noWorkspaceGiven,
  },

  // §5.7 models, import, export.
  {
    method: 'GET',
    route: '/api/models',
    label: 'with workspace_id',
    path: (f) => `/api/models?workspace_id=${f.ws1}`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/models',
    label: 'without workspace_id',
    path: () => '/api/models',
    expect: { ...P.anyCaller },
  },
  {
    method: 'POST',
    route: '/api/models',
    label: 'with workspace_id',
    path: () => '/api/models',
    body: (f, c) => ({ workspace_id: f.ws1, title: `Model of ${c}` }),
    expect: P.author,
  },
  {
    method: 'POST',
    route: '/api/models',
    label: 'without workspace_id (a key means its own workspace)',
    path: () => '/api/models',
    body: (_f, c) => ({ title: `Model of ${c}` }),
    expect: noWorkspaceGiven,
  },
  {
    method: 'POST',
    route: '/api/models/import',
    path: (f) => `/api/models/import?workspace_id=${f.ws1}`,
    body: () => MODEL_YAML,
    contentType: 'application/yaml',
    expect: P.author,
  },
  {
    method: 'POST',
    route: '/api/models/:m/import',
    label: 'update, dry run',
    path: (f) => `${m(f)}/import?mode=merge&dry_run=true`,
    body: () => MODEL_YAML,
    contentType: 'application/yaml',
    expect: P.author,
  },
  { method: 'GET', route: '/api/models/:m', path: (f) => m(f), expect: P.read },
  {
    method: 'PATCH',
    route: '/api/models/:m',
    path: (f) => m(f),
    body: () => ({ title: 'Payments API' }),
    expect: P.author,
  },
  {
    method: 'DELETE',
    route: '/api/models/:m',
    path: (f) => `/api/models/${f.modelB}`,
    body: () => ({ reason: 'archived by the matrix' }),
    expect: P.owner,
  },
  {
    method: 'POST',
    route: '/api/models/:m/restore',
    path: (f) => `/api/models/${f.modelB}/restore`,
    expect: P.owner,
  },
  { method: 'GET', route: '/api/models/:m/export', path: (f) => `${m(f)}/export?format=json`, expect: P.read },
  { method: 'GET', route: '/api/models/:m/repos', path: (f) => `${m(f)}/repos`, expect: P.read },

  // §5.8–5.9 assets, attackers, assumptions, objectives.
  ...itemCases,

  // §5.10 controls.
  { method: 'GET', route: '/api/models/:m/controls', path: (f) => `${m(f)}/controls`, expect: P.read },
  {
    method: 'POST',
    route: '/api/models/:m/controls',
    path: (f) => `${m(f)}/controls`,
    body: (_f, c) => ({
      title: `Control of ${c}`,
      description: 'Every request is logged.',
      objective_ids: ['CO-01'],
    }),
    expect: P.author,
  },
  { method: 'GET', route: '/api/models/:m/controls/:c', path: (f) => `${m(f)}/controls/CTRL-02`, expect: P.read },
  {
    method: 'PATCH',
    route: '/api/models/:m/controls/:c',
    path: (f) => `${m(f)}/controls/CTRL-02`,
    body: (_f, c) => ({ implementation_notes: `looked at by ${c}` }),
    expect: P.author,
  },
  {
    method: 'DELETE',
    route: '/api/models/:m/controls/:c',
    path: (f) => `${m(f)}/controls/CTRL-DEL`,
    body: () => ({ reason: 'matrix' }),
    expect: P.author,
  },
  {
    method: 'PUT',
    route: '/api/models/:m/controls/:c/implementation',
    path: (f) => `${m(f)}/controls/CTRL-02/implementation`,
    body: () => ({ status: 'implemented' }),
    expect: P.author,
  },
  {
    method: 'GET',
    route: '/api/models/:m/controls/:c/evidence-links',
    path: (f) => `${m(f)}/controls/CTRL-02/evidence-links`,
    expect: P.read,
  },
  {
    method: 'POST',
    route: '/api/models/:m/controls/:c/evidence-links',
    path: (f) => `${m(f)}/controls/CTRL-02/evidence-links`,
    body: (_f, c) => ({ kind: 'url', label: `link of ${c}`, url: 'https://example.com/doc' }),
    expect: P.author,
  },
  {
    method: 'DELETE',
    route: '/api/models/:m/controls/:c/evidence-links/:lnk',
    path: (f, c) => `${m(f)}/controls/CTRL-02/evidence-links/${f.links[c]}`,
    expect: P.author,
  },
  {
    method: 'GET',
    route: '/api/models/:m/controls/:c/reviews',
    path: (f) => `${m(f)}/controls/CTRL-01/reviews`,
    expect: P.read,
  },
  {
    method: 'POST',
    route: '/api/models/:m/controls/:c/reviews',
    path: (f) => `${m(f)}/controls/CTRL-01/reviews`,
    body: () => ({ outcome: 'confirmed', note: 'Looks right.' }),
    expect: P.judge,
  },

  // §5.10 refinements.
  {
    method: 'GET',
    route: '/api/models/:m/controls/:c/refinements',
    path: (f) => `${m(f)}/controls/CTRL-02/refinements`,
    expect: P.read,
  },
  {
    method: 'POST',
    route: '/api/models/:m/controls/:c/refine',
    path: (f) => `${m(f)}/controls/CTRL-03/refine`,
    body: (_f, c) => ({
      description: `Every runtime dependency is pinned to an exact version (proposed by ${c}).`,
      justification: 'The current text does not say "runtime" and reviewers disagreed about dev tools.',
    }),
    expect: P.author,
  },
  {
    method: 'POST',
    route: '/api/models/:m/controls/:c/refinements/:ref/decision',
    label: "someone else's proposal",
    path: (f) => `${m(f)}/controls/${f.memberRefinement.control}/refinements/${f.memberRefinement.id}/decision`,
    body: () => ({ decision: 'reject', note: 'Keep the stricter text.' }),
    expect: P.judge,
  },
  {
    method: 'POST',
    route: '/api/models/:m/controls/:c/refinements/:ref/withdraw',
    label: "the caller's own proposal",
    path: (f, c) => `${m(f)}/controls/${f.ownRefinements[c].control}/refinements/${f.ownRefinements[c].id}/withdraw`,
    expect: P.author,
  },
  {
    method: 'POST',
    route: '/api/models/:m/controls/:c/refinements/:ref/withdraw',
    label: "someone else's proposal: only the proposer withdraws",
    path: (f) => `${m(f)}/controls/${f.reviewerRefinement.control}/refinements/${f.reviewerRefinement.id}/withdraw`,
    expect: {
      ...P.author,
      member: forbidden,
      owner: forbidden,
      developer_key: forbidden,
      verifier_key: forbidden,
    },
  },

  // §5.12 coherence and sufficiency.
  // §5.13 prompts: deterministic templates, readable like the model.
  {
    method: 'GET',
    route: '/api/models/:m/controls/scan-prompt',
    path: (f) => `${m(f)}/controls/scan-prompt`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/models/:m/assertions/:a/tier2-prompt',
    path: (f) => `${m(f)}/assertions/${f.asr.fn}/tier2-prompt`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/models/:m/assertions/:a/coherence',
    path: (f) => `${m(f)}/assertions/${f.asr.fn}/coherence`,
    expect: P.read,
  },
  {
    method: 'POST',
    route: '/api/models/:m/assertions/:a/coherence/evaluate',
    path: (f) => `${m(f)}/assertions/${f.asr.fn}/coherence/evaluate`,
    expect: P.author,
  },
  {
    method: 'POST',
    route: '/api/models/:m/assertions/:a/coherence/override',
    path: (f) => `${m(f)}/assertions/${f.asr.fn}/coherence/override`,
    body: () => ({ verdict: 'coherent', rationale: 'The middleware is exactly what the control names.' }),
    expect: P.judge,
  },
  {
    method: 'GET',
    route: '/api/models/:m/controls/:c/sufficiency',
    path: (f) => `${m(f)}/controls/CTRL-01/sufficiency`,
    expect: P.read,
  },
  {
    method: 'POST',
    route: '/api/models/:m/controls/:c/sufficiency/evaluate',
    // This instance has no AI provider: authorized callers get past authorization to 422 provider_required.
    path: (f) => `${m(f)}/controls/CTRL-01/sufficiency/evaluate`,
    expect: P.author,
    noSuccess: true,
  },
  {
    method: 'POST',
    route: '/api/models/:m/controls/:c/sufficiency/sign-off',
    path: (f) => `${m(f)}/controls/CTRL-01/sufficiency/sign-off`,
    body: async (f) => ({
      status: 'sufficient',
      details: 'The assertions cover the control.',
      assertion_set_digest: (await digestOf(f, 'CTRL-01')) as string,
    }),
    expect: P.judge,
  },

  // §5.11 assertions and the catalogue.
  {
    method: 'POST',
    route: '/api/models/:m/controls/:c/assertions',
    path: (f) => `${m(f)}/controls/CTRL-03/assertions`,
    body: (_f, c) => ({
      assertions: [
        { type: 'file_exists', params: { file: `locks/${c}.lock` }, description: `The lockfile kept by ${c} exists.` },
      ],
    }),
    expect: P.author,
  },
  {
    method: 'GET',
    route: '/api/models/:m/controls/:c/assertions',
    path: (f) => `${m(f)}/controls/CTRL-01/assertions`,
    expect: P.read,
  },
  {
    method: 'DELETE',
    route: '/api/models/:m/controls/:c/assertions/:a',
    path: (f) => `${m(f)}/controls/CTRL-03/assertions/${f.asr.del1}`,
    expect: P.author,
  },
  { method: 'GET', route: '/api/models/:m/assertions', path: (f) => `${m(f)}/assertions`, expect: P.read },
  {
    method: 'GET',
    route: '/api/models/:m/assertions/:a',
    path: (f) => `${m(f)}/assertions/${f.asr.fn}`,
    expect: P.read,
  },
  {
    method: 'DELETE',
    route: '/api/models/:m/assertions/:a',
    path: (f) => `${m(f)}/assertions/${f.asr.del2}`,
    body: () => ({ reason: 'matrix' }),
    expect: P.author,
  },
  {
    method: 'GET',
    route: '/api/models/:m/assertions/:a/results',
    path: (f) => `${m(f)}/assertions/${f.asr.fn}/results`,
    expect: P.read,
  },
  { method: 'GET', route: '/api/assertion-types', path: () => '/api/assertion-types', expect: P.anyCaller },
  {
    method: 'POST',
    route: '/api/assertion-types/validate',
    path: () => '/api/assertion-types/validate',
    body: () => ({ type: 'function_exists', params: { file: 'auth/middleware.py', name: 'require_auth' } }),
    expect: P.anyCaller,
  },

  // §5.14–5.15 verification, runs, drift.
  {
    method: 'GET',
    route: '/api/models/:m/verification/assertions',
    path: (f) => `${m(f)}/verification/assertions?repo=${REPO}`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/models/:m/verification/pending',
    path: (f) => `${m(f)}/verification/pending?tier=1&repo=${REPO}`,
    expect: P.read,
  },
  {
    method: 'POST',
    route: '/api/models/:m/verification/results',
    path: (f) => `${m(f)}/verification/results`,
    body: resultsBody,
    expect: P.submit,
  },
  {
    method: 'GET',
    route: '/api/models/:m/verification/report',
    path: (f) => `${m(f)}/verification/report`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/models/:m/verification/runs',
    path: (f) => `${m(f)}/verification/runs`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/models/:m/verification/runs/:run',
    path: (f) => `${m(f)}/verification/runs/${f.runId}`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/models/:m/verification/runs/:run/results',
    path: (f) => `${m(f)}/verification/runs/${f.runId}/results`,
    expect: P.read,
  },
  {
    method: 'GET',
    route: '/api/models/:m/verification/runs/:run/submission',
    path: (f) => `${m(f)}/verification/runs/${f.runId}/submission`,
    expect: P.private,
  },
  { method: 'GET', route: '/api/models/:m/drift', path: (f) => `${m(f)}/drift?status=all`, expect: P.read },

  // §5.16 Tier 2 reviews.
  {
    method: 'GET',
    route: '/api/models/:m/assertions/:a/tier2-reviews',
    path: (f) => `${m(f)}/assertions/${f.asr.fn}/tier2-reviews`,
    expect: P.read,
  },
  {
    method: 'POST',
    route: '/api/models/:m/assertions/:a/tier2-reviews',
    path: (f) => `${m(f)}/assertions/${f.asr.fn}/tier2-reviews`,
    body: async (f) => ({
      repo: REPO,
      verdict: 'pass',
      rationale: 'The middleware rejects bad tokens.',
      ...(await anchorOf(f)),
    }),
    expect: P.judge,
  },
  {
    method: 'POST',
    route: '/api/models/:m/drift/:dft/acknowledge',
    path: (f) => `${m(f)}/drift/${f.driftId}/acknowledge`,
    body: (_f, c) => ({ note: `seen by ${c}` }),
    expect: P.personMember,
  },

  // §5.17 findings.
  {
    method: 'POST',
    route: '/api/models/:m/findings',
    path: (f) => `${m(f)}/findings`,
    body: (_f, c) => ({
      findings: [{ control_id: 'CTRL-02', title: `Finding of ${c}`, description: 'eval() in the refund handler.' }],
    }),
    expect: P.author,
  },
  { method: 'GET', route: '/api/models/:m/findings', path: (f) => `${m(f)}/findings`, expect: P.read },
  {
    method: 'GET',
    route: '/api/models/:m/findings/:f',
    path: (f) => `${m(f)}/findings/${f.findingId}`,
    expect: P.read,
  },
  {
    method: 'PATCH',
    route: '/api/models/:m/findings/:f',
    path: (f) => `${m(f)}/findings/${f.findingId}`,
    body: (_f, c) => ({ notes: `noted by ${c}` }),
    expect: P.author,
  },
  {
    method: 'GET',
    route: '/api/models/:m/findings/:f/history',
    path: (f) => `${m(f)}/findings/${f.findingId}/history`,
    expect: P.read,
  },

  // §5.19 audit packages.
  {
    method: 'POST',
    route: '/api/models/:m/audit-packages',
    path: (f) => `${m(f)}/audit-packages`,
    body: () => ({}),
    expect: P.export,
  },
  { method: 'GET', route: '/api/models/:m/audit-packages', path: (f) => `${m(f)}/audit-packages`, expect: P.export },
  {
    method: 'GET',
    route: '/api/audit-packages/:exp',
    path: (f) => `/api/audit-packages/${f.auditPackage}`,
    expect: P.export,
  },
  {
    method: 'GET',
    route: '/api/audit-packages/:exp/download',
    path: (f) => `/api/audit-packages/${f.auditPackage}/download`,
    expect: P.export,
  },
]

/** Set by the running suite; the judgement bodies read the current evidence through them. */
let digestOf: (f: Fixture, control: string) => Promise<string>
let anchorOf: (f: Fixture) => Promise<{ anchor_result_id: string; prompt_hash: string }>

/**
 * Routes outside /api (§0: only `/.well-known/jwks` and `/mcp`, plus the orchestrators' probes and the web UI). Each
 * has its own suite; a new one must be added here deliberately.
 */
const OUTSIDE_API = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /mcp',
  'POST /mcp',
  'DELETE /mcp',
  'GET /.well-known/jwks',
  // The web UI (src/http/web.ts, its own suite: packages/server/test/web.test.ts): public files and index.html.
  'GET /',
  'GET /*',
])

/** `METHOD /pattern` of every registered route (HEAD is Fastify's automatic twin of GET). */
function registeredRoutes(app: FastifyInstance): string[] {
  const out: string[] = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!match) continue
    const depth = match[1]!.length / 4
    const path = (depth > 0 ? stack[depth - 1]! : '') + match[2]!
    stack[depth] = path
    stack.length = depth + 1
    for (const method of (match[3] ?? '').split(',').map((s) => s.trim()))
      if (method && method !== 'HEAD') out.push(`${method} ${path}`)
  }
  return [...new Set(out)].sort()
}

interface Caller {
  name: CallerName
  headers: Record<string, string>
  email?: string
  password?: string
}

interface Answer {
  status: number
  body: any
  headers: Headers
}

async function send(
  base: string,
  caller: { headers: Record<string, string> },
  method: string,
  path: string,
  body?: unknown,
  opts: { contentType?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...caller.headers, ...(opts.headers ?? {}) }
  if (method === 'GET' || method === 'HEAD') delete headers['x-csrf-token']
  let payload: string | Uint8Array | undefined
  if (body instanceof Uint8Array || typeof body === 'string') payload = body
  else if (body !== undefined) payload = JSON.stringify(body)
  if (payload !== undefined) headers['content-type'] = opts.contentType ?? 'application/json'
  const res = await fetch(base + path, {
    method,
    headers,
    body: payload as RequestInit['body'],
    redirect: 'manual',
  })
  const text = await res.text()
  let parsed: unknown = text
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text)
  return { status: res.status, body: parsed, headers: res.headers }
}

/** Every error body has the §5.1 shape, and every answer an X-Request-Id. */
function shapeProblems(res: Answer): string[] {
  const problems: string[] = []
  if (!/^req_[0-9A-Z]{26}$/.test(res.headers.get('x-request-id') ?? ''))
    problems.push(`X-Request-Id missing or malformed: ${res.headers.get('x-request-id')}`)
  if (res.status >= 400) {
    const e = res.body?.error
    if (
      !e ||
      typeof e.code !== 'string' ||
      e.status !== res.status ||
      typeof e.message !== 'string' ||
      e.request_id !== res.headers.get('x-request-id')
    )
      problems.push(`error body is not {error: {code, status, message, request_id}}: ${JSON.stringify(res.body)}`)
  }
  return problems
}

const allowed = (status: number) => status < 400 || (status < 500 && ![401, 403, 404].includes(status))

function judge(expect: Expect, res: Answer): string | null {
  if (expect === 'ok')
    return allowed(res.status) ? null : `expected to pass authorization, got ${res.status} ${JSON.stringify(res.body)}`
  if (res.status !== expect.status || res.body?.error?.code !== expect.code)
    return `expected ${expect.status} ${expect.code}, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`
  return null
}

describe.each(BACKENDS)('authorization matrix on %s', (kind) => {
  let backend: Backend
  let running: Running
  let base: string
  let owner: Client
  const f = {} as Fixture
  const callers = {} as Record<CallerName, Caller>

  const sessionHeaders = (client: Client): Record<string, string> => ({
    cookie: client.cookie!,
    'x-csrf-token': client.csrf!,
  })
  const login = async (email: string, password: string): Promise<Client> => {
    const client = new Client(base)
    const res = await client.post('/api/auth/login', { email, password })
    if (res.status !== 200) throw new Error(`login of ${email} failed: ${JSON.stringify(res.body)}`)
    return client
  }
  const ok = <T = any>(res: { status: number; body: T }, status: number, what: string): T => {
    if (res.status !== status)
      throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`)
    return res.body
  }

  beforeAll(async () => {
    backend = await freshBackend(kind)
    running = await start(backend, { rateLimits: NO_RATE_LIMITS })
    base = running.url
    let workspaceId: string
    ;({ owner, workspaceId } = await setupOwner(base))
    f.ws1 = workspaceId
    f.userIds = {}
    f.passwords = { owner: 'a long owner passphrase' }
    f.emails = { owner: 'owner@example.com' }

    // People: three members of the first workspace, the owner of a second one, and targets for member routes.
    const people = ['auditor', 'member', 'reviewer', 'foreign_owner', 'pending', 'patchme', 'removeme', 'login']
    for (const who of people) {
      const email = `${who.replaceAll('_', '-')}@example.com`
      const password = `the passphrase of ${who} 2025`
      const created = ok(
        await owner.post('/api/users', { email, display_name: who, password }),
        201,
        `create user ${who}`,
      )
      f.userIds[who] = created.user.id
      f.passwords[who] = password
      f.emails[who] = email
    }
    for (const [who, role] of [
      ['auditor', 'auditor'],
      ['member', 'member'],
      ['reviewer', 'reviewer'],
      ['patchme', 'auditor'],
      ['removeme', 'auditor'],
    ] as const)
      ok(
        await owner.post(`/api/workspaces/${f.ws1}/members`, { email: f.emails[who], role }),
        201,
        `add ${who} as ${role}`,
      )
    const sessions: Record<string, Client> = { owner }
    for (const who of ['auditor', 'member', 'reviewer', 'foreign_owner'])
      sessions[who] = await login(f.emails[who]!, f.passwords[who]!)
    const foreign = sessions.foreign_owner!
    f.ws2 = ok(
      await foreign.post('/api/workspaces', { name: 'Umbrella Corp', slug: 'umbrella' }),
      201,
      'second workspace',
    ).id

    callers.anonymous = { name: 'anonymous', headers: {} }
    for (const who of SESSION_CALLERS)
      callers[who] = {
        name: who,
        headers: sessionHeaders(sessions[who]!),
        email: f.emails[who]!,
        password: f.passwords[who]!,
      }
    const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` })
    callers.developer_key = { name: 'developer_key', headers: bearer(await createKey(owner, f.ws1, 'developer')) }
    callers.verifier_key = { name: 'verifier_key', headers: bearer(await createKey(owner, f.ws1, 'verifier')) }
    callers.foreign_key = { name: 'foreign_key', headers: bearer(await createKey(foreign, f.ws2, 'verifier')) }

    // Model A: imported by the member, so that the reviewer and the owner may judge its controls (§4.11).
    const member = sessions.member!
    const imported = ok(
      await member.post(`/api/models/import?workspace_id=${f.ws1}`, MODEL_YAML, {
        'content-type': 'application/yaml',
      }),
      201,
      'import model A',
    )
    f.modelA = imported.model.id
    f.modelB = ok(
      await owner.post(`/api/models/import?workspace_id=${f.ws1}`, MODEL_YAML, { 'content-type': 'application/yaml' }),
      201,
      'import model B',
    ).model.id
    const ma = `/api/models/${f.modelA}`
    for (const [kind, , toDelete, create] of items)
      ok(await member.post(`${ma}/${kind}`, { id: toDelete, ...create('setup') }), 201, `create ${toDelete}`)
    ok(await member.post(`${ma}/assumptions`, { id: 'AS-01', description: 'TLS ends at the balancer.' }), 201, 'AS-01')
    ok(
      await member.post(`${ma}/controls`, {
        id: 'CTRL-DEL',
        title: 'A control to delete',
        description: 'Deleted by the matrix.',
        objective_ids: ['CO-01'],
      }),
      201,
      'CTRL-DEL',
    )
    const del = ok(
      await member.post(`${ma}/controls/CTRL-03/assertions`, {
        assertions: [
          { type: 'file_exists', params: { file: 'requirements.lock' }, description: 'A lockfile exists.' },
          { type: 'file_exists', params: { file: 'poetry.lock' }, description: 'A lockfile exists.' },
        ],
      }),
      201,
      'assertions to delete',
    )
    f.asr = { del1: del.assertions[0].id, del2: del.assertions[1].id } as Fixture['asr']

    // Results: a passing run, then a failing one, so that a drift event exists.
    const verifier = new Client(base, callers.verifier_key.headers.authorization!.slice('Bearer '.length))
    const pulled = ok(await verifier.get(`${ma}/verification/assertions?repo=${REPO}`), 200, 'pull')
    const fn = pulled.assertions.find((a: any) => a.type === 'function_exists')
    const ev = pulled.assertions.find((a: any) => a.type === 'pattern_absent')
    f.asr.fn = fn.id
    f.asr.fnDigest = fn.digest
    f.asr.eval = ev.id
    const run = (runId: string, result: 'pass' | 'fail') =>
      verifier.post(`${ma}/verification/results`, {
        pipeline: { provider: 'github_actions', run_id: runId, commit_sha: COMMIT, repo: REPO },
        verifier: { name: 'warrant', version: '0.1.0' },
        results: [fn, ev].map((a: any) => ({
          assertion_id: a.id,
          assertion_digest: a.digest,
          tier: 1,
          result: a === ev ? result : 'pass',
          details: result,
        })),
      })
    f.runId = ok(await run('setup-1', 'pass'), 201, 'run 1').run_id
    const second = ok(await run('setup-2', 'fail'), 201, 'run 2')
    expect(second.drift).toHaveLength(1)
    f.driftId = second.drift[0].id

    f.findingId = ok(
      await member.post(`${ma}/findings`, {
        findings: [{ control_id: 'CTRL-02', title: 'eval in refunds', description: 'refund() evaluates input.' }],
      }),
      201,
      'finding',
    ).items[0].id

    // Per-caller targets for routes whose success is not repeatable.
    f.links = {} as Fixture['links']
    f.resetTokens = {} as Fixture['resetTokens']
    f.ownKeyIds = {} as Fixture['ownKeyIds']
    for (const c of CALLERS) {
      f.links[c] = ok(
        await member.post(`${ma}/controls/CTRL-02/evidence-links`, { kind: 'url', label: `for ${c}` }),
        201,
        'link',
      ).id
      f.resetTokens[c] = ok(
        await owner.post('/api/users', { email: `reset-${c.replaceAll('_', '-')}@example.com`, display_name: c }),
        201,
        'reset user',
      ).reset_token
    }
    const keyOf = async (client: Client) =>
      ok(
        await client.post(`/api/workspaces/${f.ws1}/api-keys`, { label: 'own key', scope: 'developer' }),
        201,
        'own key',
      ).api_key.id
    f.ownerKeyId = await keyOf(owner)
    for (const c of CALLERS)
      f.ownKeyIds[c] = ['member', 'reviewer', 'owner'].includes(c) ? await keyOf(sessions[c]!) : f.ownerKeyId
    f.ownKeyIds.foreign_owner = ok(
      await foreign.post(`/api/workspaces/${f.ws2}/api-keys`, { label: 'foreign own key', scope: 'developer' }),
      201,
      'foreign own key',
    ).api_key.id

    f.userIds.owner = ok(await owner.get('/api/auth/session'), 200, 'owner session').user.id
    const uploadKey = async () =>
      ok(
        await owner.post(`/api/workspaces/${f.ws1}/signing-keys`, { public_key_pem: newSigningKeyPem(), label: 'CI' }),
        201,
        'signing key',
      ).fingerprint as string
    f.supersededKey = await uploadKey()
    await uploadKey()
    f.auditPackage = ok(await owner.post(`${ma}/audit-packages`, {}), 202, 'audit package').id
    // Built before the rows run, so the download row has a package to serve.
    expect((await settledPackage(owner, f.auditPackage)).body.state).toBe('ready')

    // An extra session per person, which the DELETE /api/auth/sessions/{ses} row ends with the caller's main one.
    f.extraSessions = {} as Fixture['extraSessions']
    for (const who of SESSION_CALLERS) {
      const extra = await login(f.emails[who]!, f.passwords[who]!)
      const mine = ok(await extra.get('/api/auth/sessions'), 200, 'sessions').items
      f.extraSessions[who] = mine.find((x: any) => x.current).id
    }
    for (const c of CALLERS) f.extraSessions[c] ??= f.extraSessions.owner

    // Refinements: one pending proposal per caller that may author, each on its own control.
    const clientOf: Partial<Record<CallerName, Client>> = {
      member,
      reviewer: sessions.reviewer!,
      owner,
      developer_key: new Client(base, callers.developer_key.headers.authorization!.slice('Bearer '.length)),
      verifier_key: verifier,
    }
    let n = 0
    const propose = async (client: Client) => {
      const control = `CTRL-R${++n}`
      ok(
        await member.post(`${ma}/controls`, {
          id: control,
          title: `Refinable control ${n}`,
          description: 'Tokens are checked.',
          objective_ids: ['CO-01'],
        }),
        201,
        control,
      )
      const res = ok(
        await client.post(`${ma}/controls/${control}/refine`, {
          description: 'Signed tokens are checked for expiry and audience.',
          justification: 'The current text does not say which token properties are checked.',
        }),
        202,
        `refine ${control}`,
      )
      return { control, id: res.refinement.id as string }
    }
    f.ownRefinements = {} as Fixture['ownRefinements']
    for (const c of ['member', 'reviewer', 'owner', 'developer_key', 'verifier_key'] as const)
      f.ownRefinements[c] = await propose(clientOf[c]!)
    for (const c of CALLERS) f.ownRefinements[c] ??= f.ownRefinements.member
    f.memberRefinement = await propose(member)
    f.reviewerRefinement = await propose(sessions.reviewer!)

    anchorOf = async (fx) => {
      const pulledNow = ok(
        await owner.get(`/api/models/${fx.modelA}/verification/assertions?repo=${REPO}`),
        200,
        'pull',
      ).assertions.find((a: any) => a.id === fx.asr.fn)
      const results = ok(
        await owner.get(`/api/models/${fx.modelA}/assertions/${fx.asr.fn}/results?tier=1&repo=${REPO}`),
        200,
        'results',
      )
      return { anchor_result_id: results.items[0].id, prompt_hash: pulledNow.tier2_prompt_hash }
    }
    digestOf = async (fx, control) =>
      ok(await owner.get(`/api/models/${fx.modelA}/controls/${control}/sufficiency`), 200, 'sufficiency')
        .assertion_set_digest
  }, 120_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
  })

  it('has a row for every registered /api route, and every row names a registered route', () => {
    const app = running.server.app
    const all = registeredRoutes(app)
    expect(
      all.filter((r) => !r.split(' ')[1]!.startsWith('/api/') && !OUTSIDE_API.has(r)),
      'routes outside /api that nobody decided about',
    ).toEqual([])
    const registered = all.filter((r) => r.split(' ')[1]!.startsWith('/api'))
    // The parser of printRoutes is itself checked: everything it found must be a route Fastify knows.
    for (const r of registered) {
      const [method, url] = r.split(' ') as [string, string]
      // find-my-way's hasRoute does not match the swagger UI's wildcard route by its pattern.
      if (!url.includes('*')) expect(app.hasRoute({ method: method as 'GET', url }), r).toBe(true)
    }
    expect(registered.length).toBeGreaterThan(80)
    const covered = new Set(CASES.map((c) => `${c.method} ${c.route}`))
    expect(
      registered.filter((r) => !covered.has(r)),
      'routes without a row in the matrix',
    ).toEqual([])
    expect(
      [...covered].filter((r) => !registered.includes(r)),
      'rows for routes that are not registered',
    ).toEqual([])
  })

  for (const c of CASES) {
    it(`${c.method} ${c.route}${c.label ? ` (${c.label})` : ''}`, async () => {
      const problems: string[] = []
      let successes = 0
      for (const name of CALLERS) {
        let caller = callers[name]
        if (c.freshSession && caller.email)
          caller = { ...caller, headers: sessionHeaders(await login(caller.email, caller.password!)) }
        const path = c.path(f, name)
        const body = c.body ? await c.body(f, name) : undefined
        const res = await send(base, caller, c.method, path, body, c.contentType ? { contentType: c.contentType } : {})
        const verdict = judge(c.expect[name], res)
        if (verdict) problems.push(`${name}: ${verdict}`)
        for (const p of shapeProblems(res)) problems.push(`${name}: ${p}`)
        if (c.expect[name] === 'ok' && res.status < 400) successes++
        // HEAD is answered like GET: no leak through the automatic twin either.
        if (c.method === 'GET' && (name === 'anonymous' || FOREIGN.includes(name))) {
          const head = await send(base, caller, 'HEAD', path)
          if (head.status !== res.status) problems.push(`${name}: HEAD answered ${head.status}, GET ${res.status}`)
        }
      }
      expect(problems).toEqual([])
      if (!c.noSuccess && Object.values(c.expect).includes('ok'))
        expect(successes, 'at least one allowed caller succeeds with this body').toBeGreaterThan(0)
    })
  }

  describe('credentials', () => {
    it('a key restricted with model_ids gets 404 on every other model, and works on its own', async () => {
      const owner_ = new Client(base)
      owner_.cookie = owner.cookie
      owner_.csrf = owner.csrf
      const devSecret = await createKey(owner, f.ws1, 'developer', { model_ids: [f.modelA] })
      const verSecret = await createKey(owner, f.ws1, 'verifier', { model_ids: [f.modelA] })
      const dev = new Client(base, devSecret)
      const ver = new Client(base, verSecret)
      const mb = `/api/models/${f.modelB}`
      const ownModel = await dev.get(`/api/models/${f.modelA}`)
      expect(ownModel.status).toBe(200)
      const list = await dev.get('/api/models')
      expect(list.status).toBe(200)
      expect(list.body.items.map((x: any) => x.id)).toEqual([f.modelA])
      const refused = [
        await dev.get(mb),
        await dev.get(`${mb}/controls`),
        await dev.get(`${mb}/verification/report`),
        await dev.get(`${mb}/export`),
        await dev.patch(mb, { title: 'Taken over' }),
        await dev.post(`${mb}/controls`, { title: 'x', description: 'y', objective_ids: ['CO-01'] }),
        await dev.post(`${mb}/controls/CTRL-03/assertions`, {
          assertions: [{ type: 'file_exists', params: { file: 'x' }, description: 'x' }],
        }),
        await dev.post(`${mb}/findings`, {
          findings: [{ control_id: 'CTRL-01', title: 'x', description: 'y' }],
        }),
        await ver.get(`${mb}/verification/assertions`),
        await ver.post(`${mb}/verification/results`, {
          pipeline: { provider: 'local', run_id: 'restricted', commit_sha: COMMIT },
          verifier: { name: 'warrant', version: '0.1.0' },
          results: [
            {
              assertion_id: f.asr.fn,
              assertion_digest: f.asr.fnDigest,
              tier: 1,
              result: 'pass',
              details: 'x',
            },
          ],
        }),
      ]
      for (const r of refused) {
        expect(r.status, JSON.stringify(r.body)).toBe(404)
        expect(r.body.error.code).toBe('not_found')
      }
      const queue = await dev.get(`/api/workspaces/${f.ws1}/review-queue`)
      expect(queue.status).toBe(200)
      expect(queue.body.items.every((i: any) => i.model_id === f.modelA)).toBe(true)
    })

    it('a revoked key and an expired key get 401 api_key_invalid', async () => {
      const revokedSecret = await createKey(owner, f.ws1, 'verifier')
      const revoked = new Client(base, revokedSecret)
      expect((await revoked.get('/api/workspaces')).status).toBe(200)
      const keys = (await owner.get(`/api/workspaces/${f.ws1}/api-keys`)).body.items
      const id = `key_${revokedSecret.split('_')[1]}`
      expect(keys.some((k: any) => k.id === id)).toBe(true)
      expect((await owner.delete(`/api/workspaces/${f.ws1}/api-keys/${id}`)).status).toBe(204)

      const expiresAt = new Date(Date.now() + 1500).toISOString()
      const expiring = new Client(base, await createKey(owner, f.ws1, 'developer', { expires_at: expiresAt }))
      expect((await expiring.get('/api/workspaces')).status).toBe(200)
      await new Promise((r) => setTimeout(r, Date.parse(expiresAt) - Date.now() + 50))

      const wrongSecret = new Client(base, `${revokedSecret.slice(0, -4)}AAAA`)
      for (const client of [revoked, expiring, wrongSecret]) {
        for (const res of [
          await client.get('/api/workspaces'),
          await client.get(`/api/models/${f.modelA}`),
          await client.post(`/api/models/${f.modelA}/controls`, {
            title: 'x',
            description: 'y',
            objective_ids: ['CO-01'],
          }),
          await client.post(`/api/models/${f.modelA}/verification/results`, resultsBody(f, 'verifier_key')),
        ]) {
          expect(res.status, JSON.stringify(res.body)).toBe(401)
          expect(res.body.error.code).toBe('api_key_invalid')
        }
      }
      // Also through X-API-Key.
      const viaHeader = await send(base, { headers: { 'x-api-key': revokedSecret } }, 'GET', '/api/workspaces')
      expect(viaHeader.status).toBe(401)
      expect(viaHeader.body.error.code).toBe('api_key_invalid')
    })

    it('a session write without (or with a wrong) X-CSRF-Token gets 403 csrf_token_invalid and changes nothing', async () => {
      const member = callers.member
      const before = (await send(base, member, 'GET', `/api/models/${f.modelA}/controls`)).body.total
      const writes: [string, string, unknown][] = [
        ['POST', `/api/models/${f.modelA}/controls`, { title: 'csrf', description: 'csrf', objective_ids: ['CO-01'] }],
        ['PATCH', `/api/models/${f.modelA}`, { title: 'Hijacked' }],
        ['POST', `/api/workspaces`, { name: 'CSRF workspace' }],
        ['POST', '/api/auth/logout', undefined],
      ]
      for (const [method, path, body] of writes) {
        for (const token of [undefined, 'not-the-token']) {
          const headers = { cookie: member.headers.cookie! } as Record<string, string>
          if (token) headers['x-csrf-token'] = token
          const res = await send(base, { headers }, method, path, body)
          expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(403)
          expect(res.body.error.code).toBe('csrf_token_invalid')
        }
      }
      // Reads need no token, and the session still works.
      const after = await send(
        base,
        { headers: { cookie: member.headers.cookie! } },
        'GET',
        `/api/models/${f.modelA}/controls`,
      )
      expect(after.status).toBe(200)
      expect(after.body.total).toBe(before)
      expect((await send(base, member, 'GET', `/api/models/${f.modelA}`)).body.title).toBe('Payments API')
    })

    it('a cookie together with an API key (or two keys) gets 400 credential_ambiguous', async () => {
      const combos: Record<string, string>[] = [
        { ...callers.owner.headers, ...callers.developer_key.headers },
        { cookie: callers.auditor.headers.cookie!, ...callers.verifier_key.headers },
        { ...callers.developer_key.headers, 'x-api-key': callers.verifier_key.headers.authorization!.slice(7) },
        { cookie: callers.member.headers.cookie!, 'x-api-key': callers.developer_key.headers.authorization!.slice(7) },
      ]
      for (const headers of combos) {
        for (const [method, path, body] of [
          ['GET', `/api/models/${f.modelA}`, undefined],
          ['POST', `/api/models/${f.modelA}/verification/results`, resultsBody(f, 'verifier_key')],
          ['GET', '/api/health', undefined],
        ] as const) {
          const res = await send(base, { headers }, method, path, body)
          expect(res.status, `${method} ${path}`).toBe(400)
          expect(res.body.error.code).toBe('credential_ambiguous')
          expect(shapeProblems(res)).toEqual([])
        }
      }
    })

    it('a person may leave a workspace; keys may not remove members', async () => {
      const leaver = await login(f.emails.pending!, f.passwords.pending!)
      const ws = `/api/workspaces/${f.ws1}`
      const byKey = await send(base, callers.developer_key, 'DELETE', `${ws}/members/${f.userIds.pending}`)
      expect(byKey.status).toBe(403)
      expect(byKey.body.error.code).toBe('forbidden')
      const byForeign = await send(base, callers.foreign_owner, 'DELETE', `${ws}/members/${f.userIds.pending}`)
      expect(byForeign.status).toBe(404)
      expect((await leaver.delete(`${ws}/members/${f.userIds.pending}`)).status).toBe(204)
      const gone = await leaver.get(ws)
      expect(gone.status).toBe(404)
      expect(gone.body.error.code).toBe('not_found')
    })

    it('disabling a user ends its sessions and suspends its keys; re-enabling restores the keys', async () => {
      const email = 'temp@example.com'
      const password = 'a temporary passphrase 9'
      const id = ok(await owner.post('/api/users', { email, display_name: 'Temp', password }), 201, 'temp').user.id
      ok(await owner.post(`/api/workspaces/${f.ws1}/members`, { email, role: 'member' }), 201, 'temp member')
      const temp = await login(email, password)
      const key = new Client(base, await createKey(temp, f.ws1, 'developer'))
      expect((await key.get(`/api/models/${f.modelA}`)).status).toBe(200)
      // A person can end only their own sessions; anyone else's id is unknown to them.
      const others = await send(
        base,
        { headers: sessionHeaders(temp) },
        'DELETE',
        `/api/auth/sessions/${f.extraSessions.owner}`,
      )
      expect([others.status, others.body.error?.code]).toEqual([404, 'not_found'])
      // Only an instance admin disables, and not through a key.
      const byKey = await key.patch(`/api/users/${id}`, { disabled: true })
      expect([byKey.status, byKey.body.error?.code]).toEqual([403, 'person_required'])
      const byMember = await send(base, callers.member, 'PATCH', `/api/users/${id}`, { disabled: true })
      expect([byMember.status, byMember.body.error?.code]).toEqual([404, 'not_found'])
      const self = await temp.patch(`/api/users/${id}`, { disabled: false })
      expect([self.status, self.body.error?.code]).toEqual([403, 'forbidden'])

      expect((await owner.patch(`/api/users/${id}`, { disabled: true })).status).toBe(200)
      const ended = await temp.get(`/api/models/${f.modelA}`)
      expect([ended.status, ended.body.error.code]).toEqual([401, 'unauthenticated'])
      const suspended = await key.get(`/api/models/${f.modelA}`)
      expect([suspended.status, suspended.body.error.code]).toEqual([401, 'api_key_invalid'])
      const relogin = await new Client(base).post('/api/auth/login', { email, password })
      expect([relogin.status, relogin.body.error.code]).toEqual([403, 'account_disabled'])

      expect((await owner.patch(`/api/users/${id}`, { disabled: false })).status).toBe(200)
      expect((await key.get(`/api/models/${f.modelA}`)).status).toBe(200)
      expect((await temp.get(`/api/models/${f.modelA}`)).status).toBe(401)
    })

    it('keys of one workspace are 404 on every id of another, whatever the scope', async () => {
      const key = callers.foreign_key
      for (const path of [
        `/api/workspaces/${f.ws1}`,
        `/api/workspaces/${f.ws1}/api-keys`,
        `/api/models/${f.modelA}/verification/runs/${f.runId}/submission`,
        `/api/models/${f.modelA}/findings/${f.findingId}`,
        `/api/models?workspace_id=${f.ws1}`,
        `/api/review-queue?workspace_id=${f.ws1}`,
      ]) {
        const res = await send(base, key, 'GET', path)
        expect(res.status, path).toBe(404)
        expect(res.body.error.code).toBe('not_found')
      }
      // A made-up id answers exactly like a foreign one.
      const made = await send(base, callers.owner, 'GET', '/api/models/mdl_00000000000000000000000000')
      const foreign = await send(base, callers.foreign_owner, 'GET', `/api/models/${f.modelA}`)
      expect([made.status, made.body.error.code]).toEqual([foreign.status, foreign.body.error.code])
      expect(made.body.error.message).toBe(foreign.body.error.message)
    })
  })
})
