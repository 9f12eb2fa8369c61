import { isNeverFlagged } from './placeholders.js'

/** One possible secret: the rule that found it and where it starts (a UTF-16 offset into the text). */
export interface SecretHit {
  rule: string
  offset: number
  /** End of the flagged text; used only to avoid reporting one value twice. */
  end: number
  /** The variable name, for generic-assignment. */
  name?: string
}

interface TokenDetector {
  rule: string
  /** Fixed internal patterns (never user input), each a literal prefix and one quantified class: linear. */
  regex: RegExp
  /** private-key hits are reported even when they look like placeholders. */
  alwaysFlagged?: boolean
}

const TOKEN_DETECTORS: readonly TokenDetector[] = [
  {
    rule: 'private-key',
    regex: /-----BEGIN (?:[A-Z0-9 ]*PRIVATE KEY|PGP PRIVATE KEY BLOCK)-----/g,
    alwaysFlagged: true,
  },
  { rule: 'aws-access-key-id', regex: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { rule: 'github-token', regex: /gh[pos]_[A-Za-z0-9]{36}/g },
  { rule: 'github-token', regex: /github_pat_[A-Za-z0-9_]{22,}/g },
  { rule: 'slack-token', regex: /xox[abpr]-[A-Za-z0-9-]{10,}/g },
  { rule: 'stripe-live-key', regex: /[sr]k_live_[A-Za-z0-9]{24,}/g },
  { rule: 'google-api-key', regex: /AIza[0-9A-Za-z_-]{35}/g },
]

/** Hits of the fixed-format token detectors, placeholders excluded (except private keys). */
export function findTokens(text: string): SecretHit[] {
  const hits: SecretHit[] = []
  for (const d of TOKEN_DETECTORS) {
    for (const m of text.matchAll(d.regex)) {
      if (!d.alwaysFlagged && isNeverFlagged(m[0])) continue
      hits.push({ rule: d.rule, offset: m.index, end: m.index + m[0].length })
    }
  }
  return hits
}
