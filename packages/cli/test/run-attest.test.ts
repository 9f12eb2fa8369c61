import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkResultsStatement, decodeBase64 } from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_ISSUERS } from '../../core/src/evidence/identity.js'
import { createServer } from '../../server/src/server.js'
import { verifySigstoreBundle } from '../../server/src/services/sigstore/verify.js'
import { type Backend, Client, createKey, freshBackend, setupOwner, testConfig } from '../../server/test/helpers.js'
import { type LocalIssuer, startOidcIssuer } from '../../server/test/support/oidc-issuer.js'
import {
  GITHUB_ISSUER,
  githubClaims,
  type SigstoreStack,
  startSigstoreStack,
} from '../../server/test/support/sigstore-stack.js'
import { cli, project } from './helpers.js'

/**
 * EVIDENCE.md §6.1 "CLI side": `warrant run` and `warrant sign` sign with the workspace key, else keylessly when the CI
 * offers an OIDC token (loopback Fulcio and Rekor), send the raw token only when asked, and never submit unattested
 * results under --require-attestation or after a failed signing step.
 */

const AUDIENCE = 'https://warrant.test'
const REPO = 'acme/payments'
/** Real time: the CLI stamps its statement with the wall clock, and the stack and the server must agree with it. */
const clock = () => new Date()

let stack: SigstoreStack
let issuer: LocalIssuer
let backend: Backend
let closeServer: () => Promise<void>
let url: string
let verifier: Client
let modelId: string
let repoDir: string
let head: string
/** A port nothing listens on: a Sigstore service that is down. */
let deadUrl: string

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
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
  issuer = await startOidcIssuer({ audience: AUDIENCE })
  backend = await freshBackend('pglite')
  const server = await createServer(
    testConfig(backend, {
      sigstoreTrust: stack.trustFile(),
      allowLoopbackIssuers: true,
      attestationAudience: AUDIENCE,
    }),
    { attestation: { now: clock } },
  )
  url = await server.app.listen({ host: '127.0.0.1', port: 0 })
  closeServer = () => server.close()
  const { owner, workspaceId } = await setupOwner(url)
  const security = await owner.patch(`/api/workspaces/${workspaceId}/security`, {
    trusted_issuers: [
      ...BUILTIN_ISSUERS.map((i) => ({ issuer: i.issuer, label: i.label, enabled: true, repository_claims: [] })),
      { issuer: issuer.url, label: 'Local', enabled: true, repository_claims: ['repository', 'repository_id'] },
    ],
    required_claims: [
      { issuer: GITHUB_ISSUER, claim: 'repository_id', values: ['123456'] },
      { issuer: issuer.url, claim: 'repository_id', values: ['123456789'] },
    ],
  })
  expect(security.status, JSON.stringify(security.body)).toBe(200)
  verifier = new Client(url, await createKey(owner, workspaceId, 'verifier'))
  modelId = (
    await verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'Attest' },
      controls: [
        {
          id: 'CTRL-01',
          title: 'Policy',
          description: 'The security policy exists.',
          objective_ids: [],
          assertions: [{ type: 'file_exists', params: { file: 'SECURITY.md' }, description: 'policy' }],
        },
      ],
    })
  ).body.model.id
  repoDir = mkdtempSync(join(tmpdir(), 'warrant-attest-repo-'))
  writeFileSync(join(repoDir, 'SECURITY.md'), 'Report to security@example.com.\n')
  git(repoDir, 'init', '-q')
  git(repoDir, 'add', '.')
  git(repoDir, 'commit', '-qm', 'first')
  head = git(repoDir, 'rev-parse', 'HEAD').trim()
  const dead: Server = createHttpServer()
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r))
  deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`
  await new Promise<void>((r) => dead.close(() => r()))
}, 60_000)

afterAll(async () => {
  await closeServer?.()
  await backend?.drop()
  await stack?.close()
  await issuer?.close()
  if (repoDir) rmSync(repoDir, { recursive: true, force: true })
})

const runs = async () => (await verifier.get(`/api/models/${modelId}/verification/runs`)).body.items as any[]
const env = (more: Record<string, string> = {}) => ({
  WARRANT_URL: url,
  WARRANT_API_KEY: verifier.key!,
  WARRANT_SIGSTORE_FULCIO_URL: stack.fulcioUrl,
  WARRANT_SIGSTORE_REKOR_URL: stack.rekorUrl,
  ...more,
})
const run = (args: string[], environment: Record<string, string>) =>
  cli(repoDir, ['run', modelId, '--repo', REPO, ...args], '', false, environment)

describe('warrant run', () => {
  it('documents the attestation flags and exit codes in --help', async () => {
    const run = (await cli(repoDir, ['run', '--help'])).stdout
    for (const text of [
      '--oidc-token-env <var>',
      '--require-attestation',
      'SIGSTORE_ID_TOKEN',
      'keyless_signing_failed',
    ])
      expect(run).toContain(text)
    const sign = (await cli(repoDir, ['sign', '--help'])).stdout
    for (const text of ['keylessly with Sigstore', 'attestation_unavailable', 'keyless_signing_failed'])
      expect(sign).toContain(text)
  })

  it('signs keylessly with the CI token (SIGSTORE_ID_TOKEN) and the platform records a pinned sigstore run', async () => {
    const r = await run([], env({ SIGSTORE_ID_TOKEN: await stack.mintToken() }))
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/submitted as run_\w+ \(signed keylessly with Sigstore\)/)
    const [stored] = await runs()
    expect(stored.attestation).toMatchObject({
      method: 'sigstore',
      binding: 'payload',
      identity: 'pinned',
      satisfies_requirement: true,
      issuer: GITHUB_ISSUER,
      san: 'https://github.com/acme/payments/.github/workflows/ci.yml@refs/heads/main',
    })
  })

  it('adds the raw token from --oidc-token-env next to the keyless bundle', async () => {
    const raw = await issuer.mintToken(issuer.githubClaims({ repository: REPO, sha: head }))
    const before = (await runs()).length
    const r = await run(
      ['--oidc-token-env', 'WARRANT_ID_TOKEN'],
      env({ SIGSTORE_ID_TOKEN: await stack.mintToken(), WARRANT_ID_TOKEN: raw }),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\(signed keylessly with Sigstore, with the CI's OIDC token\)/)
    const all = await runs()
    expect(all).toHaveLength(before + 1)
    expect(all[0].attestation).toMatchObject({
      method: 'sigstore',
      extra_oidc: { method: 'oidc_token', identity: 'pinned', issuer: issuer.url },
    })
  })

  it('sends the raw token alone when no key and no CI token: method oidc_token', async () => {
    const raw = await issuer.mintToken(issuer.githubClaims({ repository: REPO, sha: head }))
    const r = await run(
      ['--oidc-token-env', 'WARRANT_ID_TOKEN', '--require-attestation'],
      env({ WARRANT_ID_TOKEN: raw }),
    )
    expect(r.code, r.stderr).toBe(0)
    expect((await runs())[0].attestation).toMatchObject({
      method: 'oidc_token',
      binding: 'provenance',
      identity: 'pinned',
    })
  })

  it('checks the --oidc-token-env token before verifying anything', async () => {
    const before = (await runs()).length
    const missing = await run(['--oidc-token-env', 'WARRANT_ID_TOKEN'], env())
    expect([missing.code, missing.stderr]).toEqual([
      2,
      'warrant: --oidc-token-env: the environment variable WARRANT_ID_TOKEN is not set or empty\n',
    ])
    expect(missing.stdout).toBe('')
    const garbled = await run(['--oidc-token-env', 'WARRANT_ID_TOKEN'], env({ WARRANT_ID_TOKEN: 'not a jwt' }))
    expect(garbled.code).toBe(2)
    expect(garbled.stderr).toContain('does not hold a compact JWS')
    expect(await runs()).toHaveLength(before)
  })

  it('--require-attestation with nothing to attest: exit 2, attestation_unavailable, nothing verified or submitted', async () => {
    const before = (await runs()).length
    const r = await run(['--require-attestation'], env())
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^warrant: attestation_unavailable: nothing can attest the results: /)
    expect(r.stdout).toBe('')
    expect(await runs()).toHaveLength(before)
    // Without the flag the same run goes out unsigned.
    const unsigned = await run([], env())
    expect(unsigned.code, unsigned.stderr).toBe(0)
    expect(unsigned.stdout).toMatch(/\(unsigned\)/)
    expect((await runs())[0].attestation.method).toBe('none')
  })

  it.each([
    [
      'the CI token endpoint is down',
      async () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: `${deadUrl}/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request' }),
      /\(the CI's OIDC token\): error retrieving identity token: fetch failed$/,
    ],
    [
      'Fulcio refuses the token',
      async () => ({ SIGSTORE_ID_TOKEN: await issuer.mintToken(issuer.githubClaims()) }),
      /\(Fulcio, signing certificate\): error creating signing certificate - \(401\) untrusted issuer$/,
    ],
    [
      'Fulcio is down',
      async () => ({ SIGSTORE_ID_TOKEN: await stack.mintToken(), WARRANT_SIGSTORE_FULCIO_URL: deadUrl }),
      /\(Fulcio, signing certificate\): .*ECONNREFUSED/,
    ],
    [
      'Rekor is down',
      async () => ({ SIGSTORE_ID_TOKEN: await stack.mintToken(), WARRANT_SIGSTORE_REKOR_URL: deadUrl }),
      /\(Rekor, transparency log entry\): .*ECONNREFUSED/,
    ],
  ] as const)('a failed keyless step (%s) exits 3, names the step, and submits nothing', async (_, more, step) => {
    const before = (await runs()).length
    const r = await run(['--require-attestation'], env(await more()))
    expect(r.code, r.stderr).toBe(3)
    expect(r.stderr).toMatch(new RegExp(`^warrant: keyless_signing_failed: keyless signing failed ${step.source}`, 'm'))
    expect(r.stderr).toContain('warrant: the run stopped before submitting: nothing was submitted')
    expect(await runs()).toHaveLength(before)
  })
})

describe('warrant sign', () => {
  const body = {
    pipeline: { provider: 'local', run_id: '1', commit_sha: 'a'.repeat(40), repo: 'Acme/Payments' },
    verifier: { name: 'warrant', version: '0.1.0' },
    results: [{ assertion_id: 'asr_1', assertion_digest: `sha256:${'b'.repeat(64)}`, tier: 1, result: 'pass' }],
  }
  const sign = (dir: string, environment: NodeJS.ProcessEnv) =>
    cli(
      dir,
      ['sign', 'body.json', '--workspace', 'ws_1', '--model', 'mdl_1', '--out', 'signed.json'],
      '',
      false,
      environment,
    )

  it('signs keylessly through GitHub Actions’ token endpoint; the bundle verifies and its statement covers the body', async () => {
    const actions = createHttpServer((req, res) => {
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
    try {
      const dir = await project({ 'body.json': JSON.stringify(body) })
      const r = await sign(dir, {
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${(actions.address() as AddressInfo).port}/token`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
        WARRANT_SIGSTORE_FULCIO_URL: stack.fulcioUrl,
        WARRANT_SIGSTORE_REKOR_URL: stack.rekorUrl,
      })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toMatch(
        /^results_hash sha256:[0-9a-f]{64}\nstatement_digest sha256:[0-9a-f]{64}\nsigstore \(keyless\)\n$/,
      )
      const signed = JSON.parse(readFileSync(join(dir, 'signed.json'), 'utf8'))
      const outcome = verifySigstoreBundle(signed.bundle, {
        roots: stack.roots(),
        workspaceIssuers: BUILTIN_ISSUERS,
        now: clock(),
        maxAgeMinutes: 5,
      })
      if (!outcome.ok) throw new Error(`${outcome.check}: ${outcome.message}`)
      const statement = checkResultsStatement(
        outcome.bundle.payload,
        { workspace_id: 'ws_1', model_id: 'mdl_1', repo: 'acme/payments', ...body },
        { now: clock(), maxAgeMinutes: 5 },
      )
      expect(statement.ok).toBe(true)
      expect(outcome.bundle.claims.repository).toBe('acme/payments')
      expect(
        Buffer.from(outcome.bundle.payload).equals(Buffer.from(decodeBase64(signed.bundle.dsseEnvelope.payload)!)),
      ).toBe(true)
    } finally {
      await new Promise<void>((r) => actions.close(() => r()))
    }
  })

  it('with neither a key nor a CI token: exit 2, attestation_unavailable, nothing written', async () => {
    const dir = await project({ 'body.json': JSON.stringify(body) })
    const r = await sign(dir, {})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^warrant: attestation_unavailable: /)
    expect(() => readFileSync(join(dir, 'signed.json'))).toThrow(/ENOENT/)
  })

  it('a keyless failure exits 3 naming the step, and writes nothing', async () => {
    const dir = await project({ 'body.json': JSON.stringify(body) })
    const r = await sign(dir, {
      SIGSTORE_ID_TOKEN: await stack.mintToken(githubClaims()),
      WARRANT_SIGSTORE_FULCIO_URL: stack.fulcioUrl,
      WARRANT_SIGSTORE_REKOR_URL: deadUrl,
    })
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(
      /^warrant: keyless_signing_failed: keyless signing failed \(Rekor, transparency log entry\): /,
    )
    expect(() => readFileSync(join(dir, 'signed.json'))).toThrow(/ENOENT/)
  })
})
