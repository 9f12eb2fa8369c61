import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'

/**
 * A local OIDC issuer on loopback (EVIDENCE.md §13.2): discovery and JWKS routes on 127.0.0.1 port 0, RS256 and
 * ES256 keys from `jose.generateKeyPair`, and switches to rotate keys, serve a stale or broken JWKS, or go down.
 */

type Alg = 'RS256' | 'ES256'
type Signer = { kid: string; alg: Alg; privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK }
export type EndpointState = 'ok' | 'down' | 'broken'

export interface MintOptions {
  alg?: Alg
  /** Sign with this kid in the header (a key the issuer may not publish). */
  kid?: string
  /** The issuer's clock; default now. */
  now?: Date
  /** Seconds from `now`; `iat` is `now`. */
  lifetime?: number
  /** Claims to leave out (e.g. `jti`). */
  omit?: string[]
}

export interface LocalIssuer {
  /** The issuer URL (`iss`), `http://127.0.0.1:<port>`. */
  url: string
  discovery: EndpointState
  jwks: EndpointState
  /** When set, JWKS requests keep answering with the keys published before the last rotation. */
  stale: boolean
  /** Overrides the `issuer` member of the discovery document. */
  discoveryIssuer: string | undefined
  /** Requests served per route. */
  hits: { discovery: number; jwks: number }
  githubClaims(extra?: Record<string, unknown>): Record<string, unknown>
  gitlabClaims(extra?: Record<string, unknown>): Record<string, unknown>
  mintToken(claims: Record<string, unknown>, options?: MintOptions): Promise<string>
  /** Replaces both keys; the old ones are no longer published (unless `stale`). */
  rotate(): Promise<void>
  /** A key pair of this issuer's kind that it never publishes (for unknown-kid cases). */
  unpublishedKid(): Promise<string>
  close(): Promise<void>
}

async function newSigner(alg: Alg): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const kid = randomBytes(8).toString('hex')
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

export async function startOidcIssuer(opts: { audience: string }): Promise<LocalIssuer> {
  let signers = [await newSigner('RS256'), await newSigner('ES256')]
  let published = signers
  const extra: Signer[] = []
  const server: Server = createServer((req, res) => {
    const route =
      req.url === '/.well-known/openid-configuration'
        ? 'discovery'
        : req.url === '/.well-known/jwks'
          ? 'jwks'
          : undefined
    if (!route) {
      res.writeHead(404).end()
      return
    }
    issuer.hits[route]++
    const state = issuer[route]
    if (state === 'down') {
      req.socket.destroy()
      return
    }
    const body =
      state === 'broken'
        ? '{"keys": [ not json'
        : route === 'discovery'
          ? JSON.stringify({
              issuer: issuer.discoveryIssuer ?? issuer.url,
              jwks_uri: `${issuer.url}/.well-known/jwks`,
              id_token_signing_alg_values_supported: ['RS256', 'ES256'],
            })
          : JSON.stringify({ keys: (issuer.stale ? published : signers).map((s) => s.jwk) })
    res.writeHead(200, { 'content-type': 'application/json' }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const baseClaims = (now: Date, lifetime: number) => ({
    iss: url,
    aud: opts.audience,
    iat: Math.floor(now.getTime() / 1000),
    exp: Math.floor(now.getTime() / 1000) + lifetime,
    jti: randomUUID(),
  })
  const issuer: LocalIssuer = {
    url,
    discovery: 'ok',
    jwks: 'ok',
    stale: false,
    discoveryIssuer: undefined,
    hits: { discovery: 0, jwks: 0 },
    githubClaims: (more = {}) => ({
      sub: 'repo:acme/payments-api:environment:attestation',
      repository: 'acme/payments-api',
      repository_id: '123456789',
      repository_owner: 'acme',
      repository_owner_id: '42',
      ref: 'refs/heads/main',
      sha: 'a'.repeat(40),
      environment: 'attestation',
      run_id: '9876543210',
      run_attempt: '1',
      workflow_ref: 'acme/payments-api/.github/workflows/warrant.yml@refs/heads/main',
      job_workflow_ref: 'acme/payments-api/.github/workflows/warrant.yml@refs/heads/main',
      runner_environment: 'github-hosted',
      event_name: 'push',
      ...more,
    }),
    gitlabClaims: (more = {}) => ({
      sub: 'project_path:acme/payments-api:ref_type:branch:ref:main',
      project_path: 'acme/payments-api',
      project_id: '4711',
      namespace_id: '99',
      ref: 'main',
      ref_type: 'branch',
      ref_protected: 'true',
      pipeline_id: '1234',
      ci_config_ref_uri: 'gitlab.com/acme/payments-api//.gitlab-ci.yml@refs/heads/main',
      sha: 'a'.repeat(40),
      ...more,
    }),
    async mintToken(claims, options = {}) {
      const alg = options.alg ?? 'RS256'
      const signer = [...signers, ...extra].find((s) => (options.kid ? s.kid === options.kid : s.alg === alg))!
      const all: Record<string, unknown> = {
        ...baseClaims(options.now ?? new Date(), options.lifetime ?? 300),
        ...claims,
      }
      for (const name of options.omit ?? []) delete all[name]
      return new SignJWT(all)
        .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'JWT' })
        .sign(signer.privateKey)
    },
    async rotate() {
      published = signers
      signers = [await newSigner('RS256'), await newSigner('ES256')]
    },
    async unpublishedKid() {
      const signer = await newSigner('RS256')
      extra.push(signer)
      return signer.kid
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
  return issuer
}
