import { INTENTS, type Intent } from './enums.js'

/** §9.1 keywords (`h1`), matched as case-insensitive substrings. */
export const INTENT_KEYWORDS: Readonly<Record<Intent, readonly string[]>> = {
  authentication: [
    'authenticat',
    'login',
    'log in',
    'sign in',
    'jwt',
    'token valid',
    'credential check',
    'mfa',
    'password verif',
  ],
  authorization: [
    'authoriz',
    'permission',
    'access control',
    'role',
    'rbac',
    'abac',
    'privilege',
    'tenant isolation',
    'ownership check',
  ],
  session_management: ['session', 'cookie', 'logout', 'log out', 'idle timeout', 'session fixation'],
  input_validation: [
    'validat',
    'sanitiz',
    'input',
    'injection',
    'deserializ',
    'allow-list',
    'allowlist',
    'parameteriz',
    'eval',
  ],
  output_encoding: ['escap', 'encod', 'xss', 'cross-site scripting', 'template render'],
  cryptography: [
    'encrypt',
    'decrypt',
    'cipher',
    'crypto',
    'hash',
    'hmac',
    'signature',
    'signing',
    'key management',
    'random',
  ],
  secret_management: ['secret', 'api key', 'credential', 'password storage', 'vault', 'hard-coded', 'hardcoded'],
  integrity: ['integrity', 'checksum', 'tamper', 'hash pin', 'digest', 'immutable'],
  supply_chain: ['dependenc', 'package', 'library', 'supply chain', 'lockfile', 'sbom', 'pinned version', 'vulnerab'],
  transport_security: ['tls', 'https', 'hsts', 'certificate', 'mtls', 'in transit'],
  security_headers: [
    'header',
    'content-security-policy',
    'csp',
    'x-frame-options',
    'x-content-type-options',
    'referrer-policy',
    'cors',
  ],
  logging_monitoring: ['log', 'audit trail', 'monitor', 'alert', 'siem', 'trace'],
  error_handling: ['error', 'exception', 'stack trace', 'fail closed', 'fail securely'],
  rate_limiting: ['rate limit', 'throttl', 'brute force', 'lockout', 'quota', 'denial of service'],
  configuration_hardening: ['config', 'debug mode', 'default setting', 'hardening', 'feature flag'],
  data_protection: ['personal data', 'pii', 'retention', 'mask', 'redact', 'anonymi', 'pseudonymi', 'at rest'],
}

/** §9.1: the intents whose keywords occur in the control's title or description, in §9.1 order. */
export function deriveIntents(title: string, description: string): Intent[] {
  // Matched separately so that a keyword never spans the end of the title and the start of the description.
  const texts = [title.toLowerCase(), description.toLowerCase()]
  return INTENTS.filter((intent) => INTENT_KEYWORDS[intent].some((k) => texts.some((t) => t.includes(k))))
}

/** §9.2: a control's intents for the coherence heuristic: the declared ones, else those derived from its text. */
export const controlIntents = (c: { title: string; description: string; intents: readonly Intent[] }): Intent[] =>
  c.intents.length > 0 ? [...c.intents] : deriveIntents(c.title, c.description)
