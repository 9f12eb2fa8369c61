import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle'
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign'
import { IN_TOTO_PAYLOAD_TYPE } from '@warrant/core'

/**
 * Keyless signing in CI (EVIDENCE.md §6.1 "CLI side", §6.4): the CI's OIDC token (audience `sigstore`) goes to
 * Fulcio for a short-lived certificate over an ephemeral key, the statement is signed as a DSSE envelope, and a
 * transparency log (Rekor v1 `dsse` entry) and/or a timestamp authority witnesses the signature. The result is a v0.3
 * bundle for the body's `bundle` member. The token never goes to the platform.
 */

export const SIGSTORE_AUDIENCE = 'sigstore'
const PUBLIC_GOOD_FULCIO = 'https://fulcio.sigstore.dev'
const PUBLIC_GOOD_REKOR = 'https://rekor.sigstore.dev'
const TIMEOUT_MS = 30_000

export interface SigstoreEndpoints {
  fulcioUrl: string
  /** A Rekor v1 log; at least one of `rekorUrl`, `tsaUrl`. */
  rekorUrl?: string
  tsaUrl?: string
}

/** An OIDC token source: returns the token when asked, so it is fetched only when a bundle is actually made. */
export type TokenSource = () => Promise<string>

/**
 * The OIDC token the CI offers for Sigstore, or undefined when it offers none: `SIGSTORE_ID_TOKEN` (GitLab
 * `id_tokens: {SIGSTORE_ID_TOKEN: {aud: sigstore}}`, or any CI that sets it), else GitHub Actions'
 * `ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (the job needs `permissions: id-token: write`).
 */
export function ciTokenSource(env: NodeJS.ProcessEnv, fetchFn: typeof fetch = fetch): TokenSource | undefined {
  const explicit = env.SIGSTORE_ID_TOKEN
  if (explicit) return async () => explicit
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  if (!requestUrl || !requestToken) return undefined
  return async () => {
    const url = new URL(requestUrl)
    url.searchParams.set('audience', SIGSTORE_AUDIENCE)
    const response = await fetchFn(url, {
      headers: { accept: 'application/json', authorization: `Bearer ${requestToken}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    if (!response.ok) throw new Error(`GitHub Actions refused an OIDC token: HTTP ${response.status}`)
    const value = ((await response.json()) as { value?: unknown }).value
    if (typeof value !== 'string' || value === '') throw new Error('GitHub Actions returned no OIDC token')
    return value
  }
}

/**
 * Endpoints from `WARRANT_SIGSTORE_FULCIO_URL`, `WARRANT_SIGSTORE_REKOR_URL`, `WARRANT_SIGSTORE_TSA_URL`; the public
 * Sigstore instance (Fulcio + Rekor) for what is not set. Setting only a TSA means no transparency log.
 */
export function sigstoreEndpoints(env: NodeJS.ProcessEnv): SigstoreEndpoints {
  const tsaUrl = env.WARRANT_SIGSTORE_TSA_URL || undefined
  const rekorUrl = env.WARRANT_SIGSTORE_REKOR_URL || (tsaUrl ? undefined : PUBLIC_GOOD_REKOR)
  return {
    fulcioUrl: env.WARRANT_SIGSTORE_FULCIO_URL || PUBLIC_GOOD_FULCIO,
    ...(rekorUrl ? { rekorUrl } : {}),
    ...(tsaUrl ? { tsaUrl } : {}),
  }
}

/** Signs the statement payload (§5.2) keylessly; returns the v0.3 bundle as JSON. */
export async function sigstoreBundle(
  payload: Uint8Array,
  token: TokenSource,
  endpoints: SigstoreEndpoints,
): Promise<SerializedBundle> {
  const witnesses: Witness[] = []
  if (endpoints.rekorUrl)
    witnesses.push(
      new RekorWitness({
        rekorBaseURL: endpoints.rekorUrl,
        entryType: 'dsse',
        majorApiVersion: 1,
        timeout: TIMEOUT_MS,
      }),
    )
  if (endpoints.tsaUrl) witnesses.push(new TSAWitness({ tsaBaseURL: endpoints.tsaUrl, timeout: TIMEOUT_MS }))
  if (witnesses.length === 0) throw new Error('keyless signing needs a transparency log or a timestamp authority')
  const builder = new DSSEBundleBuilder({
    signer: new FulcioSigner({
      identityProvider: { getToken: token },
      fulcioBaseURL: endpoints.fulcioUrl,
      timeout: TIMEOUT_MS,
    }),
    witnesses,
  })
  const bundle = await builder.create({ data: Buffer.from(payload), type: IN_TOTO_PAYLOAD_TYPE })
  return bundleToJSON(bundle)
}
