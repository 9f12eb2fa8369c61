/** The "never flagged" values of the built-in detectors (ASSERTIONS.md §3.19) and the entropy measure. */

const PLACEHOLDER_WORDS = /changeme|changethis|example|dummy/i
const PLACEHOLDER_PREFIX = /^(?:your-|your_|xxx)/i
const PASSWORD_HASH_PREFIXES = ['$argon2', '$2a$', '$2b$', '$2y$', '$pbkdf2']

/** True for values that are placeholders, templates or password hashes rather than secrets. */
export function isNeverFlagged(value: string): boolean {
  if (value === '') return true
  if (PLACEHOLDER_WORDS.test(value) || PLACEHOLDER_PREFIX.test(value)) return true
  if (/^\*+$/.test(value)) return true
  if (value.length >= 2 && value.startsWith('<') && value.endsWith('>')) return true
  if (containsDelimited(value, '${', '}') || containsDelimited(value, '{{', '}}')) return true
  return PASSWORD_HASH_PREFIXES.some((p) => value.startsWith(p))
}

function containsDelimited(value: string, open: string, close: string): boolean {
  const start = value.indexOf(open)
  return start >= 0 && value.indexOf(close, start + open.length) >= 0
}

/** Shannon entropy in bits per character (code points). */
export function shannonEntropy(value: string): number {
  const chars = [...value]
  if (chars.length === 0) return 0
  const counts = new Map<string, number>()
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1)
  let bits = 0
  for (const n of counts.values()) {
    const p = n / chars.length
    bits -= p * Math.log2(p)
  }
  return bits
}
