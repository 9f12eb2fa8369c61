import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  checkpointText,
  decodeBase64,
  ecPublicJwk,
  fingerprint,
  generateKeyPair,
  KeyError,
  normalizeFingerprint,
  pae,
  parseVerifierKey,
  privateKeyFromPem,
  publicKeyFromPem,
  publicKeyPem,
  signCheckpoint,
  signEnvelope,
  verifierKey,
  verifyCheckpoint,
  verifyEnvelope,
} from '../src/evidence/index.js'

const dir = mkdtempSync(join(tmpdir(), 'warrant-crypto-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir })
const enc = (s: string) => new TextEncoder().encode(s)

describe('DSSE', () => {
  it('encodes PAE exactly as the contract example', () => {
    const bytes = pae('application/vnd.in-toto+json', enc('{}'))
    expect(Buffer.from(bytes).toString()).toBe('DSSEv1 28 application/vnd.in-toto+json 2 {}')
    expect(bytes.length).toBe(43)
    expect(Buffer.from(pae('t', enc('é'))).toString()).toBe('DSSEv1 1 t 2 é')
  })

  it('signs and verifies, returning the exact payload bytes, and refuses every alteration', () => {
    const { privateKey, publicKey } = generateKeyPair('ecdsa-p256')
    const payload = enc('{"a":1}')
    const env = signEnvelope('application/vnd.in-toto+json', payload, privateKey, fingerprint(publicKey))
    const ok = verifyEnvelope(env, publicKey, 'application/vnd.in-toto+json')
    expect(ok).toEqual({ ok: true, payload })
    const other = generateKeyPair('ecdsa-p256').publicKey
    expect(verifyEnvelope(env, other)).toEqual({
      ok: false,
      reason: 'the signature does not verify with the trusted key',
    })
    expect(verifyEnvelope({ ...env, payload: Buffer.from('{"a":2}').toString('base64') }, publicKey).ok).toBe(false)
    expect(verifyEnvelope({ ...env, payloadType: 'text/plain' }, publicKey).ok).toBe(false)
    expect(verifyEnvelope(env, publicKey, 'text/plain')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('payloadType'),
    })
    expect(verifyEnvelope({ ...env, signatures: [...env.signatures, ...env.signatures] }, publicKey)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('exactly one'),
    })
    expect(verifyEnvelope({ ...env, signatures: [] }, publicKey).ok).toBe(false)
    const urlSafe = {
      ...env,
      signatures: [{ sig: env.signatures[0]!.sig.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') }],
    }
    expect(verifyEnvelope(urlSafe, publicKey).ok).toBe(true)
  })

  it('decodes only canonical base64', () => {
    expect(Buffer.from(decodeBase64('aGk=')!).toString()).toBe('hi')
    expect(decodeBase64('aGl=')).toBeUndefined()
    expect(decodeBase64('a')).toBeUndefined()
    expect(decodeBase64('a b')).toBeUndefined()
  })

  it('interoperates with openssl: its signature verifies here, and ours verifies there', () => {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ec.pem')
    openssl('pkey', '-in', 'ec.pem', '-pubout', '-out', 'ec.pub.pem')
    const payload = enc('{"_type":"https://in-toto.io/Statement/v1"}')
    writeFileSync(join(dir, 'pae.bin'), pae('application/vnd.in-toto+json', payload))
    openssl('dgst', '-sha256', '-sign', 'ec.pem', '-out', 'sig.der', 'pae.bin')
    const pub = publicKeyFromPem(readFileSync(join(dir, 'ec.pub.pem'), 'utf8'))
    const envelope = {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from(payload).toString('base64'),
      signatures: [{ sig: readFileSync(join(dir, 'sig.der')).toString('base64') }],
    }
    expect(verifyEnvelope(envelope, pub).ok).toBe(true)
    const ours = signEnvelope(
      'application/vnd.in-toto+json',
      payload,
      privateKeyFromPem(readFileSync(join(dir, 'ec.pem'), 'utf8')),
    )
    writeFileSync(join(dir, 'ours.der'), Buffer.from(ours.signatures[0]!.sig, 'base64'))
    expect(
      openssl('dgst', '-sha256', '-verify', 'ec.pub.pem', '-signature', 'ours.der', 'pae.bin').toString(),
    ).toContain('Verified OK')
    const der = openssl('pkey', '-pubin', '-in', 'ec.pub.pem', '-outform', 'DER')
    writeFileSync(join(dir, 'ec.pub.der'), der)
    const expected = openssl('dgst', '-sha256', '-r', 'ec.pub.der').toString().split(' ')[0]
    expect(fingerprint(pub)).toBe(expected)
  })
})

describe('keys', () => {
  it('accepts only the allowed kinds and normalises fingerprints', () => {
    const rsa = execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'])
    const rsaPub = execFileSync('openssl', ['pkey', '-pubout'], { input: rsa }).toString()
    expect(() => publicKeyFromPem(rsaPub)).toThrow(KeyError)
    expect(() => publicKeyFromPem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow(
      'not a PEM public key',
    )
    const ed = generateKeyPair('ed25519').publicKey
    expect(() => publicKeyFromPem(publicKeyPem(ed), ['ecdsa-p256'])).toThrow('ecdsa-p256')
    const fp = fingerprint(ed)
    expect(normalizeFingerprint(`sha256:${fp}`)).toBe(fp)
    expect(normalizeFingerprint(fp.toUpperCase())).toBeUndefined()
  })

  it('publishes ES256 JWKs with the fingerprint as kid', () => {
    const { publicKey } = generateKeyPair('ecdsa-p256')
    const jwk = ecPublicJwk(publicKey)
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: fingerprint(publicKey) })
    expect(Buffer.from(jwk.x, 'base64url')).toHaveLength(32)
  })
})

describe('C2SP checkpoints', () => {
  const { privateKey, publicKey } = generateKeyPair('ed25519')
  const origin = 'warrant.example.com/log'
  const vkey = verifierKey(origin, publicKey)
  const trusted = [parseVerifierKey(vkey)!]
  const root = new Uint8Array(32).fill(7)

  it('signs a note whose text and signature line follow the format', () => {
    const note = signCheckpoint({ origin, size: 48214, root }, origin, privateKey)
    const [text, sigLine] = note.split('\n\n')
    expect(`${text}\n`).toBe(checkpointText({ origin, size: 48214, root }))
    expect(sigLine).toMatch(/^\u2014 warrant\.example\.com\/log [A-Za-z0-9+/]{91}=\n$/)
    expect(vkey).toMatch(/^warrant\.example\.com\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/)
    expect(verifyCheckpoint(note, trusted, origin)).toEqual({
      ok: true,
      checkpoint: { origin, size: 48214, root },
      signedBy: [origin],
    })
  })

  it('rejects forged, altered and unsigned checkpoints; ignores unknown signers', () => {
    const note = signCheckpoint({ origin, size: 10, root }, origin, privateKey)
    expect(verifyCheckpoint(note.replace('\n10\n', '\n11\n'), trusted)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not verify'),
    })
    const forger = generateKeyPair('ed25519').privateKey
    const forged = signCheckpoint({ origin, size: 10, root }, origin, forger)
    expect(verifyCheckpoint(forged, trusted)).toEqual({ ok: false, reason: 'no signature from a trusted key' })
    const witness = signCheckpoint({ origin, size: 10, root }, 'witness.example', forger).split('\n\n')[1]!
    expect(verifyCheckpoint(`${note}${witness}`, trusted).ok).toBe(true)
    expect(verifyCheckpoint(note, trusted, 'other.example/log').ok).toBe(false)
    expect(parseVerifierKey(vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).toBeUndefined()
  })

  it('verifies with openssl-made Ed25519 signatures over the note text', () => {
    openssl('genpkey', '-algorithm', 'ed25519', '-out', 'ed.pem')
    const priv = privateKeyFromPem(readFileSync(join(dir, 'ed.pem'), 'utf8'))
    const text = checkpointText({ origin, size: 3, root })
    writeFileSync(join(dir, 'note.txt'), text)
    const sig = openssl('pkeyutl', '-sign', '-rawin', '-inkey', 'ed.pem', '-in', 'note.txt')
    const ours = signCheckpoint({ origin, size: 3, root }, origin, priv)
    const blob = Buffer.from(ours.split('\n\n')[1]!.split(' ')[2]!.trim(), 'base64')
    expect(blob.subarray(4).equals(sig)).toBe(true)
  })
})
