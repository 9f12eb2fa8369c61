import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkResultsStatement, decodeBase64, publicKeyFromPem, verifyEnvelope } from '@warrant/core'
import { describe, expect, it } from 'vitest'
import { cli, project } from './helpers.js'

const body = {
  pipeline: { provider: 'local', run_id: '1', commit_sha: 'a'.repeat(40), repo: 'Acme/Payments' },
  verifier: { name: 'warrant', version: '0.1.0' },
  results: [
    { assertion_id: 'asr_1', assertion_digest: `sha256:${'b'.repeat(64)}`, tier: 1, result: 'pass', details: 'ok' },
  ],
}

/** `warrant keygen` and `warrant sign` (EVIDENCE.md §6.5). */
describe('keygen and sign', () => {
  it('writes a P-256 pair with a private mode, prints the fingerprint, and never overwrites', async () => {
    const dir = await project({})
    const r = await cli(dir, ['keygen', '--out', 'ci', '--output', 'json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(join(dir, 'ci.key.pem')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dir, 'ci.pub.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY')
    expect(r.stdout).not.toContain('PRIVATE KEY')
    const again = await cli(dir, ['keygen', '--out', 'ci'])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('exists')
  })

  it('signs a results body into a workspace-key bundle the platform checks accept', async () => {
    const dir = await project({ 'body.json': JSON.stringify(body) })
    await cli(dir, ['keygen', '--out', 'ci'])
    const r = await cli(dir, [
      'sign',
      'body.json',
      '--signing-key',
      'ci.key.pem',
      '--workspace',
      'ws_1',
      '--model',
      'mdl_1',
      '--out',
      'signed.json',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(
      /^results_hash sha256:[0-9a-f]{64}\nstatement_digest sha256:[0-9a-f]{64}\nkey [0-9a-f]{64}\n$/,
    )
    const signed = JSON.parse(readFileSync(join(dir, 'signed.json'), 'utf8'))
    const publicKey = publicKeyFromPem(readFileSync(join(dir, 'ci.pub.pem'), 'utf8'))
    const envelope = verifyEnvelope(signed.bundle.dsseEnvelope, publicKey, 'application/vnd.in-toto+json')
    expect(envelope.ok).toBe(true)
    if (!envelope.ok) return
    const check = checkResultsStatement(
      envelope.payload,
      {
        workspace_id: 'ws_1',
        model_id: 'mdl_1',
        repo: 'acme/payments',
        pipeline: body.pipeline,
        verifier: body.verifier,
        results: body.results,
      },
      { now: new Date(), maxAgeMinutes: 60 },
    )
    expect(check.ok).toBe(true)
    expect(new TextDecoder().decode(decodeBase64(signed.bundle.dsseEnvelope.payload))).toContain('"git:acme/payments"')
  })

  it('refuses a body that is not a submission, a duplicate key, and a key that is not P-256', async () => {
    const dir = await project({ 'bad.json': '{"results": []}', 'dup.json': '{"a": 1, "a": 2}' })
    await cli(dir, ['keygen', '--out', 'ci'])
    expect(
      (await cli(dir, ['sign', 'bad.json', '--signing-key', 'ci.key.pem', '--workspace', 'ws_1', '--model', 'mdl_1']))
        .code,
    ).toBe(2)
    const dup = await cli(dir, [
      'sign',
      'dup.json',
      '--signing-key',
      'ci.key.pem',
      '--workspace',
      'ws_1',
      '--model',
      'mdl_1',
    ])
    expect(dup.code).toBe(2)
    expect(dup.stderr).toContain('dup.json:1')
    writeFileSync(join(dir, 'body.json'), JSON.stringify(body))
    writeFileSync(
      join(dir, 'ed.pem'),
      (await import('node:crypto')).generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
    )
    const ed = await cli(dir, [
      'sign',
      'body.json',
      '--signing-key',
      'ed.pem',
      '--workspace',
      'ws_1',
      '--model',
      'mdl_1',
    ])
    expect(ed.code).toBe(2)
    expect(ed.stderr).toContain('P-256')
  })
})
