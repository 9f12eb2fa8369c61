import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../../server/src/server.js'
import { type Backend, Client, createKey, freshBackend, setupOwner, testConfig } from '../../server/test/helpers.js'
import { requestPackage } from '../../server/test/support/audit-packages.js'
import { type FakeOpenAi, fakeOpenAi } from '../../server/test/support/openai-chat.js'
import { GITHUB_ISSUER, type SigstoreStack, startSigstoreStack } from '../../server/test/support/sigstore-stack.js'
import { auditor, failed, tamper } from './audit-support.js'
import { cli } from './helpers.js'

/**
 * The attested-evidence issue's "Done when" (EVIDENCE.md §13.4): a CI job's OIDC token (GitHub Actions' token
 * request, served on loopback) → `warrant run` signs keylessly through the loopback Fulcio and Rekor → the platform
 * verifies, notarizes and logs the run → the audit package exported over REST verifies offline with `warrant audit`
 * against pins of the instance key, the log key, the trusted root and the CI identity; each tampering fails with its
 * check id and exit code.
 */

const REPO = 'acme/payments'
const SAN_PATTERN = 'https://github\\.com/acme/payments/\\.github/workflows/ci\\.yml@refs/heads/main'
/** Real time: `warrant run` stamps its statement with the wall clock; the stack and the server share it. */
const clock = () => new Date()

let stack: SigstoreStack
let judge: FakeOpenAi
let actions: Server
let actionsUrl: string
let backend: Backend
let closeServer: () => Promise<void>
let owner: Client
let verifier: Client
let modelId: string
let repoDir: string
let pkg: any
let pins: any
let trustedRoot: { path: string; sha256: string }
const dir = mkdtempSync(join(tmpdir(), 'warrant-evidence-'))
const { audit, write } = auditor(dir)
const copy = (): any => structuredClone(pkg)

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e',
    },
  })

beforeAll(async () => {
  stack = await startSigstoreStack(clock)
  // GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL on loopback: a token from the stack's GitHub-shaped issuer.
  actions = createHttpServer((req, res) => {
    const audience = new URL(req.url ?? '', 'http://x').searchParams.get('audience')
    if (req.headers.authorization !== 'Bearer request-token' || audience !== 'sigstore') {
      res.writeHead(401).end()
      return
    }
    stack
      .mintToken()
      .then((value) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value })))
  })
  await new Promise<void>((r) => actions.listen(0, '127.0.0.1', r))
  actionsUrl = `http://127.0.0.1:${(actions.address() as AddressInfo).port}/token`
  judge = await fakeOpenAi()
  judge.answer = () => ({ content: 'YES\nThe excerpt implements the claim for this control.' })

  const trustFile = stack.trustFile()
  backend = await freshBackend('pglite')
  const server = await createServer(testConfig(backend, { sigstoreTrust: trustFile }), { attestation: { now: clock } })
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 })
  closeServer = () => server.close()
  let workspaceId: string
  ;({ owner, workspaceId } = await setupOwner(url))
  const security = await owner.patch(`/api/workspaces/${workspaceId}/security`, {
    require_attestation: true,
    required_claims: [{ issuer: GITHUB_ISSUER, claim: 'repository_id', values: ['123456'] }],
    sigstore_san_patterns: [{ issuer: GITHUB_ISSUER, pattern: SAN_PATTERN }],
  })
  expect(security.status, JSON.stringify(security.body)).toBe(200)
  verifier = new Client(url, await createKey(owner, workspaceId, 'verifier'))
  const imported = await verifier.post('/api/models/import', {
    format: 'warrant.model/v1',
    model: { title: 'Payments' },
    control_objectives: [{ id: 'CO-01', statement: 'Vulnerabilities reach the team.', risk_tier: 'high' }],
    controls: [
      {
        id: 'CTRL-01',
        title: 'Security policy',
        description: 'A security policy tells how to report vulnerabilities.',
        objective_ids: ['CO-01'],
        intents: ['configuration_hardening'],
        implementation_status: 'implemented',
        assertions: [{ type: 'file_exists', params: { file: 'SECURITY.md' }, description: 'The policy exists.' }],
      },
    ],
  })
  expect(imported.status, JSON.stringify(imported.body)).toBe(201)
  modelId = imported.body.model.id
  // A reviewer who wrote none of the evidence signs off sufficiency.
  await owner.post('/api/users', { email: 'r@example.com', display_name: 'R', password: 'a long reviewer passphrase' })
  await owner.post(`/api/workspaces/${workspaceId}/members`, { email: 'r@example.com', role: 'reviewer' })
  const reviewer = new Client(url)
  await reviewer.post('/api/auth/login', { email: 'r@example.com', password: 'a long reviewer passphrase' })
  const { assertion_set_digest } = (await reviewer.get(`/api/models/${modelId}/controls/CTRL-01/sufficiency`)).body
  const signOff = await reviewer.post(`/api/models/${modelId}/controls/CTRL-01/sufficiency/sign-off`, {
    status: 'sufficient',
    details: 'Covers the control.',
    assertion_set_digest,
  })
  expect(signOff.status, JSON.stringify(signOff.body)).toBe(201)

  repoDir = mkdtempSync(join(tmpdir(), 'warrant-evidence-repo-'))
  writeFileSync(join(repoDir, 'SECURITY.md'), 'Report vulnerabilities to security@example.com.\n')
  git(repoDir, 'init', '-q')
  git(repoDir, 'add', '.')
  git(repoDir, 'commit', '-qm', 'first')

  // The pinned trusted root: the file the server trusts, copied beside the pins (paths are relative to the pins).
  const trust = JSON.parse(readFileSync(trustFile, 'utf8')).roots[0]
  copyFileSync(join(dirname(trustFile), trust.trusted_root), join(dir, 'trusted-root.json'))
  trustedRoot = { path: 'trusted-root.json', sha256: trust.sha256 }
}, 120_000)

afterAll(async () => {
  await closeServer?.()
  await backend?.drop()
  await stack?.close()
  await judge?.close()
  await new Promise<void>((r) => (actions ? actions.close(() => r()) : r()))
  rmSync(dir, { recursive: true, force: true })
  if (repoDir) rmSync(repoDir, { recursive: true, force: true })
})

describe('attested evidence end to end', () => {
  it('warrant run signs keylessly; the platform verifies, notarizes and logs the run', async () => {
    const r = await cli(
      repoDir,
      [
        'run',
        modelId,
        '--repo',
        REPO,
        '--require-attestation',
        '--tier2-provider',
        'openai-compatible',
        '--tier2-model',
        'judge',
        '--tier2-base-url',
        judge.url,
      ],
      '',
      false,
      {
        WARRANT_URL: verifier.base,
        WARRANT_API_KEY: verifier.key!,
        ACTIONS_ID_TOKEN_REQUEST_URL: actionsUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
        WARRANT_SIGSTORE_FULCIO_URL: stack.fulcioUrl,
        WARRANT_SIGSTORE_REKOR_URL: stack.rekorUrl,
      },
    )
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/submitted as run_\w+ \(signed keylessly with Sigstore\)/)
    const [run] = (await verifier.get(`/api/models/${modelId}/verification/runs`)).body.items
    expect(run.attestation).toMatchObject({ method: 'sigstore', binding: 'payload', identity: 'pinned' })
    expect(run.log_index).toEqual(expect.any(Number))
    const controls = (await verifier.get(`/api/models/${modelId}/controls?summary_only=true`)).body.items
    expect(controls.map((c: any) => [c.id, c.verification_status])).toEqual([['CTRL-01', 'verified']])

    const { record, download } = await requestPackage(owner, modelId)
    expect(record.body.state, JSON.stringify(record.body)).toBe('ready')
    pkg = download.body
    expect(pkg.sections.runs.map((x: any) => x.attestation.method)).toEqual(['sigstore'])
    const keys = (await owner.get('/api/keys')).body
    pins = {
      format: 'warrant.pins/v1',
      instance_keys: keys.instance_keys.filter((k: any) => k.status === 'active').map((k: any) => k.fingerprint),
      log: { origin: keys.log_keys[0].name, vkeys: [keys.log_keys[0].vkey] },
      workspace_id: pkg.sections.scope.workspace_id,
      model_ids: [modelId],
      ci_identities: [{ issuer: GITHUB_ISSUER, san: SAN_PATTERN, claims: { repository_id: '123456' } }],
      sigstore_trusted_roots: [{ ...trustedRoot, thresholds: { tlog: 1, ctlog: 0, timestamp: 1 } }],
    }
  })

  it('warrant audit verifies the exported package offline against the pins (exit 0)', async () => {
    const r = await audit(pkg, pins)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.report.verdict).toBe('VERIFIED')
    const status = Object.fromEntries(r.report.checks.map((c: any) => [c.id, c.status]))
    for (const id of ['M3', 'M5', 'K1', 'K2', 'L2', 'L6', 'R1', 'R2', 'R3', 'R4', 'I1', 'V1', 'V2', 'V3'])
      expect(status[id], id).toBe('pass')
    expect(r.report.runs).toMatchObject([{ method: 'sigstore', binding: 'payload', identity: 'pinned', status: 'ok' }])
  })

  it.each([
    ['a changed result', tamper.changeResult, ['R1']],
    ['a removed run', tamper.removeRun, ['M5']],
    ['a swapped instance key', tamper.swapInstanceKey, ['K1', 'M2']],
    ['a shortened inclusion proof', tamper.shortenProof, ['L6']],
  ] as const)('rejects %s (exit 1)', async (_, change, checks) => {
    const p = copy()
    change(p)
    const r = await audit(p, pins)
    expect(r.code).toBe(1)
    expect(failed(r.report)).toEqual(expect.arrayContaining([...checks]))
  })

  it('--init-pins proposes the CI identity of the run and a slot for a trusted root of the auditor', async () => {
    const r = await cli(dir, ['audit', '--init-pins', write('pkg-init.json', pkg)])
    expect(r.code).toBe(0)
    const skeleton = JSON.parse(r.stdout)
    const san = pkg.sections.runs[0].attestation.san as string
    expect(skeleton.ci_identities).toEqual([{ issuer: GITHUB_ISSUER, san: expect.any(String) }])
    expect(new RegExp(`^(?:${skeleton.ci_identities[0].san})$`).test(san)).toBe(true)
    expect(new RegExp(`^(?:${skeleton.ci_identities[0].san})$`).test(`${san}x`)).toBe(false)
    expect(skeleton.sigstore_trusted_roots).toEqual([])
    // As printed, the keyless run is insufficient until the auditor adds their own copy of the trusted root.
    const asPrinted = await audit(pkg, skeleton)
    expect([asPrinted.code, failed(asPrinted.report, 'insufficient')]).toEqual([3, expect.arrayContaining(['R4'])])
    const reviewed = await audit(pkg, { ...skeleton, sigstore_trusted_roots: pins.sigstore_trusted_roots })
    expect(reviewed.code, JSON.stringify(reviewed.report.checks.filter((c: any) => c.status !== 'pass'))).toBe(0)
  })

  it('rejects a bundle whose payload was edited (R4, exit 1)', async () => {
    const p = copy()
    const envelope = p.sections.runs[0].attestation.material.bundle.dsseEnvelope
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'))
    statement.predicate.commit_sha = 'b'.repeat(40)
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64')
    const r = await audit(p, pins)
    expect(r.code).toBe(1)
    // The log entry no longer matches the envelope (R4); the receipt's statement digest no longer either (R2).
    expect(failed(r.report)).toEqual(['M5', 'R2', 'R4'])
    expect(r.report.checks.find((c: any) => c.id === 'R4').message).toBe(
      `run ${p.sections.runs[0].run_id}: Sigstore verification failed: TLOG_BODY_ERROR`,
    )
  })

  it('is insufficient without a pinned trusted root (R4, exit 3)', async () => {
    const { sigstore_trusted_roots: _, ...unrooted } = pins
    const r = await audit(pkg, unrooted)
    expect(r.code).toBe(3)
    expect([failed(r.report), failed(r.report, 'insufficient')]).toEqual([[], ['R4']])
    expect(r.report.checks.find((c: any) => c.id === 'R4').message).toBe(
      `run ${pkg.sections.runs[0].run_id}: no trusted root pinned for its Sigstore bundle`,
    )
  })

  it('fails on a root that does not verify the bundle, and refuses a root file whose SHA-256 differs (P2, exit 2)', async () => {
    const foreign = await startSigstoreStack(clock)
    try {
      const otherFile = foreign.trustFile()
      const other = JSON.parse(readFileSync(otherFile, 'utf8')).roots[0]
      copyFileSync(join(dirname(otherFile), other.trusted_root), join(dir, 'other-root.json'))
      const otherPin = {
        path: 'other-root.json',
        sha256: other.sha256,
        thresholds: { tlog: 1, ctlog: 0, timestamp: 1 },
      }
      const r = await audit(pkg, { ...pins, sigstore_trusted_roots: [otherPin] })
      expect(r.code).toBe(1)
      expect(failed(r.report)).toEqual(['R4'])
    } finally {
      await foreign.close()
    }
    const wrong = await audit(pkg, { ...pins, sigstore_trusted_roots: [{ ...trustedRoot, sha256: '0'.repeat(64) }] })
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(
      /^warrant audit: pins: sigstore_trusted_roots\[0\]: .* has SHA-256 [0-9a-f]{64}, but 0{64} is pinned\n$/,
    )
  })

  it('fails a run whose CI identity matches no pinned one (I1, exit 1)', async () => {
    const foreign = [{ issuer: GITHUB_ISSUER, san: 'https://github\\.com/evil/payments/.*' }]
    const r = await audit(pkg, { ...pins, ci_identities: foreign })
    expect(r.code).toBe(1)
    expect(failed(r.report)).toEqual(['I1'])
    expect(r.report.checks.find((c: any) => c.id === 'I1').message).toBe(
      `run ${pkg.sections.runs[0].run_id}: signer ${GITHUB_ISSUER} https://github.com/acme/payments/.github/workflows/ci.yml@refs/heads/main is not pinned`,
    )
    // Each member of an entry must hold: the right SAN with another repository_id does not pin the run either.
    const otherClaims = await audit(pkg, {
      ...pins,
      ci_identities: [{ issuer: GITHUB_ISSUER, san: SAN_PATTERN, claims: { repository_id: '999' } }],
    })
    expect([otherClaims.code, failed(otherClaims.report)]).toEqual([1, ['I1']])
    const badPattern = await audit(pkg, { ...pins, ci_identities: [{ issuer: GITHUB_ISSUER, san: '(' }] })
    expect(badPattern.code).toBe(2)
    expect(badPattern.stderr).toMatch(/^warrant audit: pins: ci_identities\[0\]\.san: /)
  })
})
