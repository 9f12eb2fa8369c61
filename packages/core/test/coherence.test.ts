import { describe, expect, it } from 'vitest'
import { CATALOGUE, catalogueData, coherenceHeuristic, deriveIntents, type Intent, provesOf } from '../src/index.js'

// PLATFORM.md §9.1, copied verbatim: the implementation must match the contract, not itself.
const KEYWORDS: Record<Intent, string> = {
  authentication: 'authenticat, login, log in, sign in, jwt, token valid, credential check, mfa, password verif',
  authorization: 'authoriz, permission, access control, role, rbac, abac, privilege, tenant isolation, ownership check',
  session_management: 'session, cookie, logout, log out, idle timeout, session fixation',
  input_validation: 'validat, sanitiz, input, injection, deserializ, allow-list, allowlist, parameteriz, eval',
  output_encoding: 'escap, encod, xss, cross-site scripting, template render',
  cryptography: 'encrypt, decrypt, cipher, crypto, hash, hmac, signature, signing, key management, random',
  secret_management: 'secret, api key, credential, password storage, vault, hard-coded, hardcoded',
  integrity: 'integrity, checksum, tamper, hash pin, digest, immutable',
  supply_chain: 'dependenc, package, library, supply chain, lockfile, sbom, pinned version, vulnerab',
  transport_security: 'tls, https, hsts, certificate, mtls, in transit',
  security_headers:
    'header, content-security-policy, csp, x-frame-options, x-content-type-options, referrer-policy, cors',
  logging_monitoring: 'log, audit trail, monitor, alert, siem, trace',
  error_handling: 'error, exception, stack trace, fail closed, fail securely',
  rate_limiting: 'rate limit, throttl, brute force, lockout, quota, denial of service',
  configuration_hardening: 'config, debug mode, default setting, hardening, feature flag',
  data_protection: 'personal data, pii, retention, mask, redact, anonymi, pseudonymi, at rest',
}

// PLATFORM.md §9.2, copied verbatim.
const ANY = [
  'function_exists',
  'class_exists',
  'function_calls',
  'decorator_present',
  'middleware_registered',
  'pattern_matches',
  'pattern_absent',
  'import_present',
  'test_exists',
  'test_passes',
]
const CONFIG: Intent[] = [
  'configuration_hardening',
  'transport_security',
  'security_headers',
  'session_management',
  'cryptography',
  'rate_limiting',
  'logging_monitoring',
  'authentication',
  'data_protection',
]
const DEPENDENCY: Intent[] = [
  'supply_chain',
  'cryptography',
  'authentication',
  'input_validation',
  'output_encoding',
  'security_headers',
  'rate_limiting',
]
const PROVES: Record<string, Intent[] | '*'> = {
  ...Object.fromEntries(ANY.map((t) => [t, '*'])),
  parameter_validated: [
    'input_validation',
    'output_encoding',
    'authorization',
    'authentication',
    'rate_limiting',
    'data_protection',
  ],
  error_handled: [
    'error_handling',
    'authentication',
    'authorization',
    'input_validation',
    'logging_monitoring',
    'cryptography',
    'data_protection',
  ],
  config_key_exists: CONFIG,
  config_value_matches: CONFIG,
  env_var_referenced: [
    'secret_management',
    'cryptography',
    'configuration_hardening',
    'authentication',
    'data_protection',
  ],
  dependency_exists: DEPENDENCY,
  dependency_version: DEPENDENCY,
  http_header_set: ['security_headers', 'transport_security', 'session_management', 'output_encoding'],
  file_exists: ['configuration_hardening', 'logging_monitoring', 'supply_chain'],
  file_hash: ['integrity', 'supply_chain', 'configuration_hardening'],
  no_plaintext_secret: ['secret_management'],
}

describe('intent derivation (§9.1)', () => {
  const cases = Object.entries(KEYWORDS).flatMap(([intent, list]) =>
    list.split(', ').map((keyword) => [intent as Intent, keyword] as const),
  )

  it.each(cases)('%s is derived from the keyword "%s", in any case, in the title or the description', (intent, k) => {
    expect(deriveIntents(k.toUpperCase(), '')).toContain(intent)
    expect(deriveIntents('', `We ${k} here`)).toContain(intent)
  })

  it('derives nothing from unrelated text', () => {
    expect(deriveIntents('Quarterly budget', 'Spend less on snacks.')).toEqual([])
  })

  it('derives several intents, in §9.1 order, de-duplicated', () => {
    // "login" also contains "log": the keywords are plain substrings.
    expect(deriveIntents('Rate limit the Sign In form', 'Throttle login attempts; store secrets in the vault')).toEqual(
      ['authentication', 'secret_management', 'logging_monitoring', 'rate_limiting'],
    )
  })

  it('matches substrings inside words', () => {
    expect(deriveIntents('Requests are AUTHENTICATED', '')).toEqual(['authentication'])
  })

  it('does not match a keyword across the title and the description', () => {
    expect(deriveIntents('xx mf', 'a yy')).toEqual([])
  })
})

describe('proves sets (§9.2)', () => {
  it('every catalogue type carries exactly the §9.2 set', () => {
    expect(Object.fromEntries([...CATALOGUE.values()].map((t) => [t.name, t.proves]))).toEqual(PROVES)
    expect(Object.fromEntries(catalogueData().map((t) => [t.name, t.proves]))).toEqual(PROVES)
  })

  it('a type the table does not list proves any intent', () => {
    expect(provesOf('some_future_type')).toBe('*')
  })
})

describe('coherence heuristic h1 (§9.2)', () => {
  it.each(ANY)('%s proves any intent, even when the control intents are unknown', (type) => {
    expect(coherenceHeuristic(type, [])).toEqual({ verdict: 'coherent', reason: `type ${type} proves any intent` })
    expect(coherenceHeuristic(type, ['integrity'])).toEqual({
      verdict: 'coherent',
      reason: `type ${type} proves any intent`,
    })
  })

  it.each(Object.entries(PROVES).filter((e): e is [string, Intent[]] => e[1] !== '*'))(
    '%s is coherent exactly with the controls whose intents meet its set',
    (type, proves) => {
      for (const intent of Object.keys(KEYWORDS) as Intent[]) {
        expect(coherenceHeuristic(type, [intent]).verdict).toBe(proves.includes(intent) ? 'coherent' : 'incoherent')
      }
    },
  )

  it('states both sets in the reason, control intents de-duplicated in §9.1 order', () => {
    expect(coherenceHeuristic('file_hash', ['session_management', 'authentication', 'session_management'])).toEqual({
      verdict: 'incoherent',
      reason:
        'type file_hash proves integrity, supply_chain, configuration_hardening; control intents are authentication, session_management',
    })
  })

  it('one shared intent is enough', () => {
    expect(coherenceHeuristic('no_plaintext_secret', ['authentication', 'secret_management'])).toEqual({
      verdict: 'coherent',
      reason:
        'type no_plaintext_secret proves secret_management; control intents are authentication, secret_management',
    })
  })

  it('is incoherent with "control intents unknown" when no intent is known', () => {
    expect(coherenceHeuristic('http_header_set', [])).toEqual({
      verdict: 'incoherent',
      reason:
        'type http_header_set proves security_headers, transport_security, session_management, output_encoding; control intents unknown',
    })
  })

  it('works on derived intents', () => {
    const intents = deriveIntents('Pin the vendored crypto bundle', 'The checksum of vendor/crypto.min.js is fixed')
    expect(intents).toEqual(['cryptography', 'integrity'])
    expect(coherenceHeuristic('file_hash', intents).verdict).toBe('coherent')
    expect(coherenceHeuristic('no_plaintext_secret', intents).verdict).toBe('incoherent')
  })
})
