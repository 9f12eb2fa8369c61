import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_ISSUERS } from '../../core/src/evidence/identity.js'
import { verifySigstoreBundle } from '../../server/src/services/sigstore/verify.js'
import { type SigstoreStack, startSigstoreStack } from '../../server/test/support/sigstore-stack.js'
import { ciTokenSource, sigstoreBundle, sigstoreEndpoints } from '../src/attest-sigstore.js'

/** The CLI side of keyless signing (EVIDENCE.md §6.1): where the token comes from, and the bundle it makes. */

const T0 = new Date('2026-03-04T10:15:30.000Z')
let stack: SigstoreStack
/** A loopback stand-in for GitHub's ACTIONS_ID_TOKEN_REQUEST_URL; records what it was asked. */
let github: { url: string; requests: { url: string; authorization?: string }[]; close(): void }

beforeAll(async () => {
  stack = await startSigstoreStack(() => T0)
  const requests: { url: string; authorization?: string }[] = []
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization })
    if (req.headers.authorization !== 'Bearer request-token') {
      res.writeHead(401).end()
      return
    }
    stack.mintToken().then((value) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ count: 1, value }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  github = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?api-version=2.0`,
    requests,
    close: () => server.close(),
  }
})
afterAll(async () => {
  github.close()
  await stack.close()
})

describe('ciTokenSource', () => {
  it('offers nothing outside a CI with OIDC', () => {
    expect(ciTokenSource({})).toBeUndefined()
    expect(ciTokenSource({ ACTIONS_ID_TOKEN_REQUEST_URL: github.url })).toBeUndefined()
  })

  it('takes SIGSTORE_ID_TOKEN as is (GitLab id_tokens)', async () => {
    expect(await ciTokenSource({ SIGSTORE_ID_TOKEN: 'a.b.c' })!()).toBe('a.b.c')
  })

  it('asks GitHub Actions for a token with audience sigstore', async () => {
    const source = ciTokenSource({
      ACTIONS_ID_TOKEN_REQUEST_URL: github.url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
    })
    const token = await source!()
    expect(token.split('.')).toHaveLength(3)
    const asked = new URL(github.requests.at(-1)!.url, 'http://x')
    expect(asked.searchParams.get('audience')).toBe('sigstore')
    expect(asked.searchParams.get('api-version')).toBe('2.0')
  })

  it('fails when GitHub refuses', async () => {
    const source = ciTokenSource({ ACTIONS_ID_TOKEN_REQUEST_URL: github.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' })
    await expect(source!()).rejects.toThrow(/HTTP 401/)
  })
})

describe('sigstoreEndpoints', () => {
  it('defaults to the public Sigstore instance', () => {
    expect(sigstoreEndpoints({})).toEqual({
      fulcioUrl: 'https://fulcio.sigstore.dev',
      rekorUrl: 'https://rekor.sigstore.dev',
    })
  })

  it('a TSA alone means no transparency log', () => {
    expect(
      sigstoreEndpoints({
        WARRANT_SIGSTORE_FULCIO_URL: 'https://fulcio.example',
        WARRANT_SIGSTORE_TSA_URL: 'https://tsa.example',
      }),
    ).toEqual({ fulcioUrl: 'https://fulcio.example', tsaUrl: 'https://tsa.example' })
  })
})

describe('sigstoreBundle', () => {
  it('signs with the GitHub Actions token into a v0.3 bundle the server verifies', async () => {
    const payload = new TextEncoder().encode('{"_type":"https://in-toto.io/Statement/v1"}')
    const source = ciTokenSource({
      ACTIONS_ID_TOKEN_REQUEST_URL: github.url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
    })
    const bundle = await sigstoreBundle(payload, source!, { fulcioUrl: stack.fulcioUrl, rekorUrl: stack.rekorUrl })
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json')
    expect(bundle.verificationMaterial.certificate).toBeDefined()
    const outcome = verifySigstoreBundle(JSON.parse(JSON.stringify(bundle)), {
      roots: stack.roots(),
      workspaceIssuers: BUILTIN_ISSUERS,
      now: T0,
      maxAgeMinutes: 60,
    })
    expect(outcome.ok && Buffer.from(outcome.bundle.payload).toString()).toBe(Buffer.from(payload).toString())
  })

  it('refuses to sign without a log or a timestamp authority', async () => {
    await expect(
      sigstoreBundle(new Uint8Array([1]), async () => 'a.b.c', { fulcioUrl: stack.fulcioUrl }),
    ).rejects.toThrow(/transparency log or a timestamp authority/)
  })
})
