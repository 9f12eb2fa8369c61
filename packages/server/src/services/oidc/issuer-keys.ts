import { parseStrictJson } from '@warrant/core'
import { createLocalJWKSet, type JSONWebKeySet } from 'jose'
import { fetchableUrl } from './urls.js'

/** Caching rules of EVIDENCE.md §6.7 (checks 3 and 4). */
const DISCOVERY_TTL_MS = 60 * 60_000
const JWKS_TTL_MS = 10 * 60_000
const GRACE_MS = 24 * 60 * 60_000
const KID_REFETCH_MS = 60_000
const FETCH_TIMEOUT_MS = 5_000
const MAX_DOCUMENT_BYTES = 512 * 1024

export type KeyCheck = 'issuer_discovery' | 'issuer_unreachable' | 'token_key_unknown'
export type KeyFailure = { ok: false; check: KeyCheck; message: string }

export interface IssuerKeysDeps {
  fetch: typeof fetch
  /** Milliseconds since the epoch; injected so that tests move time without sleeping. */
  now: () => number
  allowLoopback: boolean
}

interface Fetched<T> {
  value: T
  /** Time of the last successful fetch. */
  at: number
}

type Attempt<T> = { ok: true; value: T } | KeyFailure

const fail = (check: KeyCheck, message: string): KeyFailure => ({ ok: false, check, message })

/**
 * Warrant's own discovery and JWK Set caches, one entry per issuer (not `jose.createRemoteJWKSet`): the last good
 * document or set stands in for a failed refresh for at most 24 h after its last successful fetch.
 */
export class IssuerKeys {
  private readonly discovery = new Map<string, Fetched<string>>()
  private readonly sets = new Map<string, Fetched<JSONWebKeySet> & { kidRefetchAt: number }>()

  constructor(private readonly deps: IssuerKeysDeps) {}

  /** Check 3: the issuer's `jwks_uri`, from its discovery document. */
  async jwksUri(issuer: string): Promise<Attempt<string>> {
    const now = this.deps.now()
    const cached = this.discovery.get(issuer)
    if (cached && now - cached.at < DISCOVERY_TTL_MS) return { ok: true, value: cached.value }
    const fresh = await this.fetchDiscovery(issuer)
    if (fresh.ok) {
      this.discovery.set(issuer, { value: fresh.value, at: now })
      return fresh
    }
    if (cached && now - cached.at < GRACE_MS) return { ok: true, value: cached.value }
    return cached ? fail('issuer_unreachable', `${fresh.message}; the last good document is older than 24 h`) : fresh
  }

  /** Check 4: the issuer's JWK Set holding `kid`, refreshed at most once a minute for an unknown kid. */
  async keySet(issuer: string, jwksUri: string, kid: string): Promise<Attempt<JSONWebKeySet>> {
    const now = this.deps.now()
    let entry = this.sets.get(issuer)
    let fetchedNow = false
    const refresh = async (): Promise<KeyFailure | undefined> => {
      fetchedNow = true
      const fresh = await this.fetchJwks(jwksUri)
      if (fresh.ok) {
        entry = { value: fresh.value, at: now, kidRefetchAt: entry?.kidRefetchAt ?? Number.NEGATIVE_INFINITY }
        this.sets.set(issuer, entry)
        return undefined
      }
      return fresh
    }
    if (!entry || now - entry.at >= JWKS_TTL_MS) {
      const failure = await refresh()
      if (failure && (!entry || now - entry.at >= GRACE_MS))
        return entry
          ? fail('issuer_unreachable', `${failure.message}; the last good key set is older than 24 h`)
          : failure
    }
    const has = () => entry!.value.keys.some((k) => k.kid === kid)
    if (!has() && !fetchedNow && now - entry!.kidRefetchAt >= KID_REFETCH_MS) {
      entry!.kidRefetchAt = now
      await refresh()
    }
    if (!has()) return fail('token_key_unknown', `the issuer's key set has no key ${JSON.stringify(kid)}`)
    return { ok: true, value: entry!.value }
  }

  private async fetchDiscovery(issuer: string): Promise<Attempt<string>> {
    // OpenID Connect Discovery §4: a trailing slash of the issuer is not doubled.
    const doc = await this.fetchJson(
      `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
      'discovery document',
    )
    if (!doc.ok) return doc
    const { issuer: named, jwks_uri } = doc.value as { issuer?: unknown; jwks_uri?: unknown }
    if (named !== issuer)
      return fail('issuer_discovery', `the discovery document names issuer ${JSON.stringify(named)}, not the token's`)
    let uri: URL | undefined
    try {
      uri = typeof jwks_uri === 'string' ? new URL(jwks_uri) : undefined
    } catch {
      uri = undefined
    }
    if (!uri || !fetchableUrl(uri, this.deps.allowLoopback))
      return fail('issuer_discovery', 'the discovery document has no https jwks_uri')
    return { ok: true, value: uri.href }
  }

  private async fetchJwks(uri: string): Promise<Attempt<JSONWebKeySet>> {
    const doc = await this.fetchJson(uri, 'JWK Set')
    if (!doc.ok) return doc
    const set = doc.value as unknown as JSONWebKeySet
    try {
      createLocalJWKSet(set)
    } catch {
      return fail('issuer_unreachable', 'the issuer returned no valid JWK Set')
    }
    return { ok: true, value: set }
  }

  /** GET over https (or allowed loopback http), 5 s timeout, no redirects, strict JSON object. */
  private async fetchJson(url: string, what: string): Promise<Attempt<Record<string, unknown>>> {
    let text: string
    try {
      const res = await this.deps.fetch(url, {
        redirect: 'error',
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        headers: { accept: 'application/json' },
      })
      if (!res.ok) return fail('issuer_unreachable', `fetching the ${what} answered HTTP ${res.status}`)
      text = await res.text()
    } catch (e) {
      return fail('issuer_unreachable', `fetching the ${what} failed: ${(e as Error).message}`)
    }
    if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES)
      return fail('issuer_unreachable', `the ${what} is larger than 512 KiB`)
    let value: unknown
    try {
      value = parseStrictJson(text)
    } catch {
      value = undefined
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return fail(what === 'JWK Set' ? 'issuer_unreachable' : 'issuer_discovery', `the ${what} is not a JSON object`)
    return { ok: true, value: value as Record<string, unknown> }
  }
}
