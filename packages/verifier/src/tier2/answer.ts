/**
 * The Tier 2 answer format (PLATFORM.md §9.3): the first line is exactly `YES` or `NO`, then the reasoning. Anything
 * else — prose, an empty answer, a verdict buried in the reasoning — is an error, never a pass.
 */
export type Tier2Answer = { ok: true; verdict: 'pass' | 'fail'; rationale: string } | { ok: false; reason: string }

const MAX_RATIONALE = 4096

export function parseTier2Answer(text: string | null | undefined): Tier2Answer {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, reason: 'the model gave an empty answer' }
  const [first, ...rest] = text.replace(/\r\n/g, '\n').trim().split('\n')
  const verdict = first!.trim()
  if (verdict !== 'YES' && verdict !== 'NO')
    return {
      ok: false,
      reason: `the answer does not start with a line YES or NO: ${JSON.stringify(first!.slice(0, 80))}`,
    }
  const rationale = rest.join('\n').trim()
  if (rationale === '') return { ok: false, reason: 'the answer gives no reasoning after the verdict' }
  const bytes = Buffer.from(rationale)
  const cut =
    bytes.length <= MAX_RATIONALE
      ? rationale
      : `${bytes
          .subarray(0, MAX_RATIONALE - 3)
          .toString()
          .replace(/\uFFFD$/, '')}...`
  return { ok: true, verdict: verdict === 'YES' ? 'pass' : 'fail', rationale: cut }
}
