import { UsageError } from './io.js'

/** EVIDENCE.md §6.7: the server refuses larger tokens (and headers) anyway. */
const MAX_TOKEN_BYTES = 8192

/**
 * The raw CI OIDC token (EVIDENCE.md §6.7) to send as `X-CI-Attestation`, read from the environment variable that
 * `--oidc-token-env VAR` names (GitLab: the `id_tokens` variable; GitHub: a token requested with the platform's
 * attestation audience). Sent only when asked; a missing or malformed token is a usage error, so nothing is submitted
 * without the attestation that was asked for.
 */
export function oidcAttestationHeader(variable: string, env: NodeJS.ProcessEnv): { 'x-ci-attestation': string } {
  const token = env[variable]?.trim()
  if (!token) throw new UsageError(`--oidc-token-env: the environment variable ${variable} is not set or empty`)
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token))
    throw new UsageError(`--oidc-token-env: ${variable} does not hold a compact JWS (header.claims.signature)`)
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES)
    throw new UsageError(`--oidc-token-env: the token in ${variable} is larger than 8 KiB`)
  return { 'x-ci-attestation': token }
}
