import { execFileSync, spawnSync } from 'node:child_process'
import { createPrivateKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { docDigest, IN_TOTO_PAYLOAD_TYPE, leafHash, signEnvelope } from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Backend,
  Client,
  createKey,
  freshBackend,
  type Running,
  setupOwner,
  start,
} from '../../server/test/helpers.js'
import { requestPackage } from '../../server/test/support/audit-packages.js'
import { type LocalIssuer, startOidcIssuer } from '../../server/test/support/oidc-issuer.js'
import {
  GITHUB_ISSUER,
  githubClaims,
  type SigstoreStack,
  startSigstoreStack,
} from '../../server/test/support/sigstore-stack.js'
import { statementOf } from '../src/attest.js'
import { sigstoreBundle } from '../src/attest-sigstore.js'
import { derSignature, shellPath } from '../src/audit/emit.js'
import { auditor } from './audit-support.js'
import { cli } from './helpers.js'

/**
 * `warrant audit --emit DIR` against the openssl binary (EVIDENCE.md §12.4, §13.5): a real package with a workspace
 * bundle run (with an ES256 token beside it), a legacy signature made by the §6.6 shell recipe, a raw RS256 token run
 * and a Sigstore run; every printed command runs with `sh` and succeeds with the package's own values, and a flipped
 * byte in a signed PAE makes its command fail. Skipped, with the reason printed, without an openssl binary.
 */

const REPO = 'acme/payments-api'
const COMMIT = 'a'.repeat(40)
const AUDIENCE = 'https://warrant.test'

const version = spawnSync('openssl', ['version'], { encoding: 'utf8' })
const opensslVersion = version.status === 0 ? version.stdout.trim() : null
const major = Number(/^OpenSSL (\d+)\./.exec(opensslVersion ?? '')?.[1] ?? 0)
if (!opensslVersion) console.warn('openssl interop cases skipped: no openssl binary on PATH')
else if (major < 3) console.warn(`checkpoint (-rawin) commands skipped: ${opensslVersion} is older than OpenSSL 3.0`)

const sh = (cwd: string, command: string) => spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8' })
/** Every file below `root`, as paths relative to it. */
const listFiles = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort()

describe.skipIf(!opensslVersion)('warrant audit --emit and openssl', () => {
  let backend: Backend
  let running: Running
  let stack: SigstoreStack
  let issuer: LocalIssuer
  let pkg: any
  let pins: any
  const dir = mkdtempSync(join(tmpdir(), 'warrant-audit-openssl-'))
  const { write, audit } = auditor(dir)

  beforeAll(async () => {
    stack = await startSigstoreStack(() => new Date())
    issuer = await startOidcIssuer({ audience: AUDIENCE })
    backend = await freshBackend('pglite')
    running = await start(backend, {
      allowLoopbackIssuers: true,
      attestationAudience: AUDIENCE,
      sigstoreTrust: stack.trustFile(),
    })
    const { owner, workspaceId } = await setupOwner(running.url)
    const trusted = await owner.patch(`/api/workspaces/${workspaceId}/security`, {
      trusted_issuers: [
        { issuer: GITHUB_ISSUER, label: 'GitHub', enabled: true, repository_claims: ['repository'] },
        { issuer: 'https://gitlab.com', label: 'GitLab', enabled: true, repository_claims: [] },
        { issuer: issuer.url, label: 'Local', enabled: true, repository_claims: ['repository'] },
      ],
    })
    expect(trusted.status, JSON.stringify(trusted.body)).toBe(200)
    // The workspace key as §13.5 makes it: with openssl.
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ws.pem'], { cwd: dir })
    const publicPem = execFileSync('openssl', ['ec', '-in', 'ws.pem', '-pubout'], { cwd: dir, stdio: 'pipe' })
    const privateKey = createPrivateKey(readFileSync(join(dir, 'ws.pem')))
    const uploaded = await owner.post(`/api/workspaces/${workspaceId}/signing-keys`, {
      public_key_pem: publicPem.toString(),
      label: 'CI',
    })
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201)
    const verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    const imported = await verifier.post('/api/models/import', {
      format: 'warrant.model/v1',
      model: { title: 'openssl' },
      controls: [
        {
          id: 'CTRL-01',
          title: 'Docs',
          description: 'The security policy exists.',
          objective_ids: [],
          assertions: [{ type: 'file_exists', params: { file: 'SECURITY.md' }, description: 'policy', repo: REPO }],
        },
      ],
    })
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    const modelId = imported.body.model.id
    const assertions = (await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)).body
      .assertions
    const body = (runId: string) => ({
      pipeline: { provider: 'github_actions', run_id: runId, commit_sha: COMMIT, repo: REPO },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: assertions.map((a: any) => ({
        assertion_id: a.id,
        assertion_digest: a.digest,
        tier: 1,
        result: 'pass',
        details: 'found',
      })),
    })
    const submit = async (payload: object, headers: Record<string, string> = {}) => {
      const res = await verifier.post(`/api/models/${modelId}/verification/results`, payload, headers)
      expect(res.status, JSON.stringify(res.body)).toBe(201)
    }
    // 1. A workspace bundle, with an ES256 raw token beside it (extra_oidc).
    const bundled = body('bundle')
    await submit(
      {
        ...bundled,
        bundle: {
          mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
          verificationMaterial: { publicKey: { hint: uploaded.body.fingerprint } },
          dsseEnvelope: signEnvelope(
            IN_TOTO_PAYLOAD_TYPE,
            statementOf(bundled, workspaceId, modelId, new Date()),
            privateKey,
          ),
        },
      },
      { 'x-ci-attestation': await issuer.mintToken(issuer.githubClaims(), { alg: 'ES256' }) },
    )
    // 2. A legacy signature made by the §6.6 recipe.
    const legacy = body('legacy')
    const signedHash = docDigest(legacy.results)
    writeFileSync(join(dir, 'signed_hash.txt'), signedHash)
    const signature = execFileSync('openssl', ['dgst', '-sha256', '-sign', 'ws.pem', 'signed_hash.txt'], { cwd: dir })
    await submit({ ...legacy, signed_hash: signedHash, signature: signature.toString('base64') })
    // 3. A raw RS256 token.
    await submit(body('token'), { 'x-ci-attestation': await issuer.mintToken(issuer.githubClaims()) })
    // 4. Keyless, through the loopback Fulcio and Rekor.
    const keyless = body('keyless')
    const token = () => stack.mintToken(githubClaims({ repository: REPO, sha: COMMIT }))
    await submit({
      ...keyless,
      bundle: await sigstoreBundle(statementOf(keyless, workspaceId, modelId, new Date()), token, {
        fulcioUrl: stack.fulcioUrl,
        rekorUrl: stack.rekorUrl,
      }),
    })

    const { download } = await requestPackage(owner, modelId)
    expect(download.status, JSON.stringify(download.body)).toBe(200)
    pkg = download.body
    const keys = (await owner.get('/api/keys')).body
    const trust = JSON.parse(readFileSync(stack.trustFile(), 'utf8')).roots[0]
    copyFileSync(join(dirname(stack.trustFile()), trust.trusted_root), join(dir, 'trusted-root.json'))
    pins = {
      format: 'warrant.pins/v1',
      instance_keys: keys.instance_keys.map((k: any) => k.fingerprint),
      log: { origin: keys.log_keys[0].name, vkeys: [keys.log_keys[0].vkey] },
      workspace_id: workspaceId,
      model_ids: [modelId],
      workspace_keys: [uploaded.body.fingerprint],
      sigstore_trusted_roots: [
        { path: 'trusted-root.json', sha256: trust.sha256, thresholds: { tlog: 1, ctlog: 0, timestamp: 1 } },
      ],
    }
  }, 120_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
    await stack?.close()
    await issuer?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Runs the audit with `--emit <prefix>out-<n>` (relative to `dir`, as the commands name it). */
  let emitted = 0
  const emit = async (pkgValue: unknown = pkg, prefix = '') => {
    const out = `${prefix}out-${++emitted}`
    const r = await audit(pkgValue, pins, ['--emit', out])
    return { ...r, out, root: join(dir, out) }
  }

  it('writes exactly the files its commands use, and every command succeeds with the package values', async () => {
    expect(pkg.sections.runs.map((r: any) => r.attestation.method)).toEqual([
      'workspace_bundle',
      'workspace_signature',
      'oidc_token',
      'sigstore',
    ])
    const plain = await audit(pkg, pins)
    // Every method's run verifies (nothing fails; what the pins do not establish is at most insufficient).
    expect(plain.report.checks.filter((c: any) => c.status === 'fail')).toEqual([])
    const r = await emit()
    expect(r.code, r.stderr).toBe(plain.code)
    expect(r.report.checks).toEqual(plain.report.checks)
    // Without --emit, the same commands name the placeholder DIR.
    expect(plain.report.openssl).toEqual(
      r.report.openssl.map((c: any) => ({ ...c, command: c.command.replaceAll(`${r.out}/`, 'DIR/') })),
    )
    const commands: { purpose: string; command: string }[] = r.report.openssl
    const named = new Set(commands.flatMap((c) => [...c.command.matchAll(/out-\d+\/([^\s)]+)/g)].map((m) => m[1]!)))
    const written = listFiles(r.root)
    const proofs = written.filter((f) => f.endsWith('.path.txt'))
    expect(written).toEqual(
      [...named]
        .filter((f) => !f.endsWith('leaf.pub'))
        .concat(proofs)
        .sort(),
    )

    const runs = pkg.sections.runs
    const manifest = JSON.parse(Buffer.from(pkg.manifest.payload, 'base64').toString('utf8'))
    const digestOf = (file: string): string | undefined => {
      const key = /^keys\/(?:instance|workspace)-([0-9a-f]{64})\.pem$/.exec(file)
      if (key) return key[1]
      const section = /^sections\/(\w+)\.jcs$/.exec(file)
      if (section) return manifest.sections[section[1]!].replace('sha256:', '')
      const results = /^runs\/([\w-]+)\/results\.jcs$/.exec(file)
      if (results) return runs.find((x: any) => x.run_id === results[1]).results_hash.replace('sha256:', '')
      const event = /^events\/(\d+)\.leaf$/.exec(file)
      const e = [...pkg.sections.events.chain, ...pkg.sections.events.referenced, ...pkg.sections.events.instance].find(
        (x: any) => x.index === Number(event?.[1]),
      )
      return e && Buffer.from(leafHash(Buffer.from(e.leaf, 'base64'))).toString('hex')
    }
    const outcomes: string[] = []
    for (const { purpose, command } of commands) {
      if (command.includes('-rawin') && major < 3) continue
      const ran = sh(dir, command)
      expect(ran.status, `${purpose}: ${command}\n${ran.stdout}${ran.stderr}`).toBe(0)
      const files = [...command.matchAll(/out-\d+\/([^\s)]+)/g)].map((m) => m[1]!)
      if (command.startsWith('openssl pkeyutl')) expect(ran.stdout, purpose).toBe('Signature Verified Successfully\n')
      else if (command.includes(' -verify ')) expect(ran.stdout, purpose).toBe('Verified OK\n')
      else if (command.startsWith('openssl verify')) expect(ran.stdout, purpose).toBe(`${r.out}/${files.at(-1)}: OK\n`)
      else if (command.includes('subjectAltName'))
        expect(ran.stdout, purpose).toContain(`URI:${runs[3].attestation.san}`)
      else {
        // A digest: of the file itself, or of what the pipeline makes of it (an SPKI, a leaf with its 0x00 prefix).
        const expected = digestOf(files[0]!)
        expect(expected, `${purpose}: no expected value for ${files[0]}`).toMatch(/^[0-9a-f]{64}$/)
        expect(ran.stdout, purpose).toBe(
          `SHA2-256(${command.includes('|') ? 'stdin' : `${r.out}/${files[0]}`})= ${expected}\n`,
        )
      }
      outcomes.push(purpose.replace(/ \(.*$/, '').replace(/^run run_\w+/, 'run'))
    }
    // Every key, section, event and run, by kind.
    const count = (p: string) => outcomes.filter((o) => o === p).length
    const events = new Set(
      [...pkg.sections.events.chain, ...pkg.sections.events.referenced, ...pkg.sections.events.instance].map(
        (e: any) => e.index,
      ),
    )
    expect(count('instance key fingerprint')).toBe(pkg.sections.keys.instance.length)
    expect(count('workspace key fingerprint')).toBe(1)
    expect(count('manifest signature')).toBe(1)
    expect(outcomes.filter((o) => o.startsWith('section '))).toHaveLength(13)
    expect(outcomes.filter((o) => / leaf hash$/.test(o))).toHaveLength(events.size)
    expect(count('checkpoint signature by log key ' + pkg.sections.keys.log[0].key_id)).toBe(major < 3 ? 0 : 1)
    expect(count('run: results hash')).toBe(4)
    expect(count('run: receipt signature')).toBe(4)
    for (const kind of [
      'run: workspace bundle',
      'run: legacy signature',
      'run: Sigstore certificate chain at the signing time ' + runs[3].attestation.signing_time,
      'run: Sigstore DSSE signature',
      'run: Sigstore identity',
      'run: OIDC token signature',
      'run: extra OIDC token signature',
    ])
      expect(count(kind), kind).toBe(1)
    expect(commands.filter((c) => c.purpose.endsWith('signature (ES256, converted to DER)'))).toHaveLength(1)
    // Each inclusion proof, step by step, reaches the checkpoint's root.
    for (const proof of proofs) {
      const text = readFileSync(join(r.root, proof), 'utf8')
      expect(text, proof).toContain(`\nleaf hash ${digestOf(proof.replace('.path.txt', '.leaf'))} = SHA-256(0x00 || `)
      expect(text, proof).toMatch(new RegExp(`\\nroot ${pkg.sections.log.root_hash}: equals the checkpoint root\\n$`))
    }
  })

  it('makes the matching command fail on one flipped byte in a PAE', async () => {
    const r = await emit()
    const signed = r.report.openssl.filter((c: any) => c.command.includes('.pae'))
    expect(signed.length).toBe(1 + 4 + 2)
    for (const { purpose, command } of signed) {
      const pae = join(dir, /(out-\d+\/\S+\.pae)/.exec(command)![1]!)
      const bytes = readFileSync(pae)
      bytes[bytes.length - 1]! ^= 1
      writeFileSync(pae, bytes)
      const ran = sh(dir, command)
      expect([ran.status, ran.stdout], purpose).toEqual([1, 'Verification failure\n'])
    }
  })

  it('refuses a DIR that exists and is not empty, and writes nothing', async () => {
    mkdirSync(join(dir, 'busy'))
    writeFileSync(join(dir, 'busy', 'notes.txt'), 'mine')
    const busy = await audit(pkg, pins, ['--emit', 'busy'])
    expect([busy.code, busy.report.verdict, busy.stderr]).toEqual([
      2,
      'USAGE',
      `warrant audit: usage: --emit ${join(dir, 'busy')} exists and is not empty\n`,
    ])
    expect(listFiles(join(dir, 'busy'))).toEqual(['notes.txt'])
    const file = await audit(pkg, pins, ['--emit', 'busy/notes.txt'])
    expect(file.code).toBe(2)
    expect(file.stderr).toContain('exists and is not a directory')
    // Malformed pins stop the audit before anything is written.
    const badPins = await audit(pkg, { ...pins, instance_keys: [] }, ['--emit', 'never'])
    expect(badPins.code).toBe(2)
    expect(readdirSync(dir)).not.toContain('never')
    // An empty directory is fine.
    mkdirSync(join(dir, 'empty'))
    expect((await audit(pkg, pins, ['--emit', 'empty'])).code).toBe((await audit(pkg, pins)).code)
    expect(listFiles(join(dir, 'empty'))).toContain('manifest.pae')
  })

  it('keeps a hostile package inside DIR, and still writes the files of a failing audit', async () => {
    const hostile = structuredClone(pkg)
    const fp = hostile.sections.keys.workspace[0].fingerprint
    hostile.sections.runs[0].run_id = '../../escaped-run'
    hostile.sections.keys.workspace[0].fingerprint = '../../../escaped-key'
    hostile.sections.runs[1].attestation.key_fingerprint = '../../../escaped-key'
    hostile.sections.keys.log[0].key_id = '/tmp/escaped-log'
    hostile.sections.events.chain[0].index = '../escaped-event'
    // DIR three levels down a jail: an escape by `../` would land in the jail, beside DIR.
    const r = await emit(hostile, 'jail/a/b/')
    expect(r.code).toBe(1)
    const written = listFiles(r.root)
    expect(listFiles(join(dir, 'jail'))).toEqual(written.map((f) => `a/b/${r.out.slice('jail/a/b/'.length)}/${f}`))
    expect(readdirSync('/tmp').filter((f) => f.includes('escaped'))).toEqual([])
    expect(written.filter((f) => f.includes('escaped'))).toEqual([])
    // The bundle run's key is no longer in the package: its receipt, results and token are written, its bundle is not.
    expect(written.filter((f) => f.startsWith('runs/_'))).toEqual([
      expect.stringMatching(/^runs\/_[0-9a-f]{32}\/extra-issuer-key\.pem$/),
      expect.stringMatching(/^runs\/_[0-9a-f]{32}\/extra-token\.sig$/),
      expect.stringMatching(/^runs\/_[0-9a-f]{32}\/extra-token\.signing-input$/),
      expect.stringMatching(/^runs\/_[0-9a-f]{32}\/receipt\.pae$/),
      expect.stringMatching(/^runs\/_[0-9a-f]{32}\/receipt\.sig$/),
      expect.stringMatching(/^runs\/_[0-9a-f]{32}\/results\.jcs$/),
    ])
    expect(written).toContain('manifest.pae')
    expect(written.some((f) => /^keys\/_[0-9a-f]{32}\.pem$/.test(f))).toBe(true)
    expect(written).not.toContain(`keys/workspace-${fp}.pem`)
    // The failing manifest check reproduces with openssl: the manifest no longer covers the edited sections.
    const section = r.report.openssl.find((c: any) => c.purpose.startsWith('section runs digest'))
    const ran = sh(dir, section.command)
    const listed = JSON.parse(Buffer.from(pkg.manifest.payload, 'base64').toString()).sections.runs
    expect([ran.status, ran.stdout]).toEqual([0, expect.not.stringContaining(listed.replace('sha256:', ''))])
    expect(ran.stdout).toMatch(/= [0-9a-f]{64}\n$/)
  })

  it('prints the commands with the placeholder DIR in the human report', async () => {
    const r = await cli(dir, ['audit', write('pkg.json', pkg), '--pins', write('pins.json', pins)])
    expect(r.stdout).toContain(
      '\nReproduce with openssl (DIR: the directory that --emit DIR fills with the files these commands use)\n',
    )
    expect(r.stdout).toContain('  manifest signature: openssl dgst -sha256 -verify DIR/keys/instance-')
  })
})

describe('emit helpers', () => {
  it('converts JWS ES256 signatures to DER: minimal integers, a zero byte before a set high bit', () => {
    const r = [0, 0, 0x7f, ...new Array(29).fill(1)]
    const s = [0x80, ...new Array(31).fill(2)]
    expect([...derSignature(new Uint8Array([...r, ...s]))]).toEqual([
      0x30,
      4 + 30 + 33,
      0x02,
      30,
      0x7f,
      ...new Array(29).fill(1),
      0x02,
      33,
      0,
      0x80,
      ...new Array(31).fill(2),
    ])
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    for (let i = 0; i < 50; i++) {
      const data = Buffer.from(`message ${i}`)
      const jws = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
      expect(verify('sha256', data, publicKey, derSignature(jws)), String(i)).toBe(true)
    }
  })

  it('quotes DIR for sh only when it needs it', () => {
    expect(shellPath('out/audit-1')).toBe('out/audit-1')
    expect(shellPath("my dir/it's")).toBe(`'my dir/it'\\''s'`)
    expect(shellPath('-x')).toBe('./-x')
  })
})
