import { type Judged, judge, type Tier2Cache } from './judge.js'
import type { Excerpt } from './prompt.js'
import type { Tier2Provider } from './provider.js'

/** One Tier 2 question of a batch: the platform's prompt, the excerpt Tier 1 located, the assertion type. */
export interface Question {
  prompt: { text: string; hash: string }
  excerpt: Excerpt | undefined
  type?: string
}

/** Token totals of a batch; `calls` counts the questions sent to the provider (cached and pre-check answers are free). */
export interface Tier2Usage {
  input_tokens: number
  output_tokens: number
  calls: number
}

export const MAX_CONCURRENCY = 64

/** Applies `fn` to every item with at most `limit` calls in flight; the results keep the order of the items. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CONCURRENCY)
    throw new RangeError(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not ${limit}`)
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/**
 * Judges every question with at most `concurrency` provider calls in flight (default 4); verdicts come back in the
 * order of the questions, with the token totals of the calls made.
 */
export async function judgeAll(
  provider: Tier2Provider,
  questions: readonly Question[],
  options: { concurrency?: number; cache?: Tier2Cache } = {},
): Promise<{ verdicts: Judged[]; usage: Tier2Usage }> {
  const verdicts = await mapLimited(questions, options.concurrency ?? 4, (q) =>
    judge(provider, q.prompt, q.excerpt, options.cache, q.type),
  )
  const usage: Tier2Usage = { input_tokens: 0, output_tokens: 0, calls: 0 }
  for (const v of verdicts) {
    if (v.asked) usage.calls++
    usage.input_tokens += v.usage?.input_tokens ?? 0
    usage.output_tokens += v.usage?.output_tokens ?? 0
  }
  return { verdicts, usage }
}
