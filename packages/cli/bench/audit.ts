import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buildResultsStatement,
  docDigest,
  fingerprint,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  parseStrictJson,
  publicKeyPem,
  signBytes,
  signEnvelope,
  statementPayload,
} from '@warrant/core'
import { configFromEnv, createServer } from '@warrant/server'
import { exportJWK, generateKeyPair as joseKeyPair, SignJWT } from 'jose'
import { runCli } from './cli.js'

/**
 * `warrant audit` benchmark (issue: attested evidence, "Speed"): a package of 100 runs × 100 results (10,000 results),
 * every run signed with the workspace key, exported from a loopback platform and audited offline in-process. The
 * baseline, measured in the same run, is the floor any audit pays: reading the file, hashing it, and a strict parse.
 */
const RUNS = 100
const ASSERTIONS = 100
const REPEAT = 5

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const dir = mkdtempSync(join(tmpdir(), 'warrant-auditbench-'))
const server = await createServer(
  configFromEnv(
    {},
    {
      dataDir: dir,
      setupToken: 'bench',
      fastPasswordHashing: true,
      masterKey: randomBytes(32).toString('base64'),
      maxBodyBytes: 16 * 1024 * 1024,
      rateLimits: { results: 1e6, submit: 1e6, write: 1e6, read: 1e6, public: 1e6, login: 1e6 },
      allowLoopbackIssuers: true,
      attestationAudience: 'https://warrant.bench.example',
    },
  ),
)
// A loopback OIDC issuer (discovery + JWKS) for the raw-token form (EVIDENCE.md §6.7).
const issuerKeys = await joseKeyPair('ES256')
const issuerJwk = { ...(await exportJWK(issuerKeys.publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }
const issuer = createHttpServer((req, res) => {
  const base = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(
    JSON.stringify(
      req.url === '/.well-known/openid-configuration'
        ? { issuer: base, jwks_uri: `${base}/jwks`, id_token_signing_alg_values_supported: ['ES256'] }
        : { keys: [issuerJwk] },
    ),
  )
})
await new Promise<void>((r) => issuer.listen(0, '127.0.0.1', r))
const issuerUrl = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`
const mintToken = () =>
  new SignJWT({ repository: 'acme/app', ref: 'refs/heads/main' })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'JWT' })
    .setIssuer(issuerUrl)
    .setSubject('repo:acme/app:ref:refs/heads/main')
    .setAudience('https://warrant.bench.example')
    .setIssuedAt()
    .setExpirationTime('10m')
    .setJti(randomBytes(16).toString('hex'))
    .sign(issuerKeys.privateKey)
try {
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 })
  let session: Record<string, string> = {}
  const call = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(headers.authorization ? {} : session),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await res.text()
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`)
    return { body: (text ? JSON.parse(text) : null) as T, text, headers: res.headers }
  }
  const setup = await call<{ csrf_token: string; workspace: { id: string } }>('POST', '/api/setup', {
    setup_token: 'bench',
    email: 'o@example.com',
    display_name: 'O',
    password: 'a long owner passphrase',
    workspace_name: 'Bench',
  })
  session = { cookie: setup.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': setup.body.csrf_token }
  const workspaceId = setup.body.workspace.id
  const key = generateKeyPair('ecdsa-p256')
  await call('POST', `/api/workspaces/${workspaceId}/signing-keys`, {
    public_key_pem: publicKeyPem(key.publicKey),
    label: 'CI',
  })
  const secret = (
    await call<{ secret: string }>('POST', `/api/workspaces/${workspaceId}/api-keys`, {
      label: 'ci',
      scope: 'verifier',
    })
  ).body.secret
  const ci = { authorization: `Bearer ${secret}` }
  const importModel = async (title: string) => {
    const model = (
      await call<{ model: { id: string } }>(
        'POST',
        '/api/models/import',
        {
          format: 'warrant.model/v1',
          model: { title },
          control_objectives: [{ id: 'CO-01', statement: 'Configuration is in place.' }],
          controls: Array.from({ length: 10 }, (_, c) => ({
            id: `CTRL-${c + 1}`,
            title: `Set ${c + 1}`,
            description: `Configuration set ${c + 1} is present.`,
            objective_ids: ['CO-01'],
            assertions: Array.from({ length: ASSERTIONS / 10 }, (_, a) => ({
              type: 'file_exists',
              params: { file: `conf/${c}/${a}.yaml` },
              description: `file ${a} of set ${c}`,
            })),
          })),
        },
        ci,
      )
    ).body.model.id
    const pulled = (
      await call<{ assertions: { id: string; digest: string }[] }>(
        'GET',
        `/api/models/${model}/verification/assertions`,
        undefined,
        ci,
      )
    ).body.assertions
    return { id: model, pulled }
  }
  type Model = Awaited<ReturnType<typeof importModel>>
  const runBody = (model: Model, run: string, repo = '') => {
    const body = {
      pipeline: {
        provider: 'local',
        run_id: run,
        commit_sha: createHash('sha1').update(run).digest('hex'),
        ...(repo ? { repo } : {}),
      },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: model.pulled.map((a) => ({
        assertion_id: a.id,
        assertion_digest: a.digest,
        tier: 1,
        result: run.endsWith('9') ? 'fail' : 'pass',
        details: 'checked',
      })),
    }
    const statement = buildResultsStatement({
      workspace_id: workspaceId,
      model_id: model.id,
      repo,
      pipeline: body.pipeline,
      verifier: body.verifier,
      results: body.results,
      created_at: new Date().toISOString(),
    })
    return { body, payload: statementPayload(statement) }
  }
  const bundled = (model: Model, run: string) => {
    const { body, payload } = runBody(model, run)
    return {
      ...body,
      bundle: {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: { publicKey: { hint: fingerprint(key.publicKey) } },
        dsseEnvelope: signEnvelope(IN_TOTO_PAYLOAD_TYPE, payload, key.privateKey),
      },
    }
  }
  const legacy = (model: Model, run: string) => {
    const { body } = runBody(model, run)
    const signed_hash = docDigest(body.results)
    const signature = Buffer.from(signBytes(key.privateKey, new TextEncoder().encode(signed_hash))).toString('base64')
    return { ...body, signed_hash, signature }
  }
  const submit = (model: Model, body: unknown, headers: Record<string, string> = {}) =>
    call('POST', `/api/models/${model.id}/verification/results`, body, { ...ci, ...headers })
  // The workspace trusts the loopback issuer, pinned to the repository its tokens name.
  const security = (await call<{ trusted_issuers: unknown[] }>('GET', `/api/workspaces/${workspaceId}/security`)).body
  await call('PATCH', `/api/workspaces/${workspaceId}/security`, {
    trusted_issuers: [
      ...security.trusted_issuers,
      { issuer: issuerUrl, label: 'bench', enabled: true, repository_claims: ['repository'] },
    ],
    required_claims: [{ issuer: issuerUrl, claim: 'repository', values: ['acme/app'] }],
  })

  const formsModel = await importModel('Attestation forms')
  // Verification cost per attestation form, on the same model and results, interleaved so load affects all alike.
  const perForm = {
    none: [] as number[],
    workspace_bundle: [] as number[],
    workspace_signature: [] as number[],
    oidc_token: [] as number[],
  }
  for (let i = 0; i < 20; i++)
    for (const [form, make] of [
      ['none', (m: Model, r: string) => runBody(m, r).body],
      ['workspace_bundle', bundled],
      ['workspace_signature', legacy],
    ] as const) {
      const body = make(formsModel, `form-${form}-${i}`)
      const t = process.hrtime.bigint()
      await submit(formsModel, body)
      perForm[form].push(ms(t))
    }
  for (let i = 0; i < 20; i++) {
    const body = runBody(formsModel, `form-oidc-${i}`, 'acme/app').body
    const token = await mintToken()
    const t = process.hrtime.bigint()
    await submit(formsModel, body, { 'x-ci-attestation': token })
    perForm.oidc_token.push(ms(t))
  }
  // The package model: only signed runs.
  const auditModel = await importModel('Audit benchmark')
  let t0 = process.hrtime.bigint()
  for (let run = 0; run < RUNS; run++) await submit(auditModel, bundled(auditModel, `bench-${run}`))
  const submitMs = ms(t0)
  t0 = process.hrtime.bigint()
  const created = await call<{ id: string }>('POST', `/api/models/${auditModel.id}/audit-packages`, {})
  // The POST queues the package (202); the server's builder makes it ready (at most 10 minutes here).
  let state = 'queued'
  for (let i = 0; i < 30_000 && (state === 'queued' || state === 'building'); i++) {
    await new Promise((r) => setTimeout(r, 20))
    state = (await call<{ state: string }>('GET', `/api/audit-packages/${created.body.id}`)).body.state
  }
  const download = await call('GET', `/api/audit-packages/${created.body.id}/download`)
  const exportMs = ms(t0)
  const pkgPath = join(dir, 'package.json')
  writeFileSync(pkgPath, download.text)
  const keys = (
    await call<{
      instance_keys: { fingerprint: string; status: string }[]
      log_keys: { name: string; vkey: string }[]
    }>('GET', '/api/keys')
  ).body
  const pinsPath = join(dir, 'pins.json')
  writeFileSync(
    pinsPath,
    JSON.stringify({
      format: 'warrant.pins/v1',
      instance_keys: keys.instance_keys.filter((k) => k.status === 'active').map((k) => k.fingerprint),
      log: { origin: keys.log_keys[0]!.name, vkeys: [keys.log_keys[0]!.vkey] },
      workspace_id: workspaceId,
      model_ids: [auditModel.id],
      workspace_keys: [fingerprint(key.publicKey)],
    }),
  )

  const audits: number[] = []
  const floors: number[] = []
  let verdict = ''
  for (let i = 0; i < REPEAT; i++) {
    let t = process.hrtime.bigint()
    const bytes = readFileSync(pkgPath)
    createHash('sha256').update(bytes).digest()
    parseStrictJson(bytes.toString('utf8'))
    floors.push(ms(t))
    t = process.hrtime.bigint()
    const r = await runCli(dir, ['audit', pkgPath, '--pins', pinsPath, '--json'])
    audits.push(ms(t))
    verdict = `exit ${r.code}, ${(JSON.parse(r.stdout) as { verdict?: string }).verdict ?? '?'}`
  }
  const size = readFileSync(pkgPath).length
  console.log(`\nwarrant audit: ${RUNS} signed runs × ${ASSERTIONS} results (${(size / 1e6).toFixed(1)} MB package)`)
  console.log(
    `  submit ${RUNS} signed runs           ${submitMs.toFixed(0)} ms (${(submitMs / RUNS).toFixed(1)} ms per run)`,
  )
  for (const [form, times] of Object.entries(perForm))
    console.log(
      `  submission, ${form.padEnd(20)} median ${median(times).toFixed(1)} ms (${(median(times) / median(perForm.none)).toFixed(2)}× unsigned)`,
    )
  console.log(`  export the audit package           ${exportMs.toFixed(0)} ms`)
  console.log(
    `  warrant audit (offline)            median ${median(audits).toFixed(0)} ms of ${REPEAT} (target < 2,000 ms; ${verdict}) — ${(median(audits) / median(floors)).toFixed(1)}× reading, hashing and parsing the file (${median(floors).toFixed(0)} ms)`,
  )
} finally {
  await server.close()
  await new Promise<void>((r) => issuer.close(() => r()))
  rmSync(dir, { recursive: true, force: true })
}
