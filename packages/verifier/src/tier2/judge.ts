import { createHash } from 'node:crypto'
import { parseTier2Answer } from './answer.js'
import { staticPrecheck } from './precheck.js'
import type { Excerpt } from './prompt.js'
import { tier2Messages } from './prompt.js'
import type { ProviderAnswer, Tier2Provider, TokenUsage } from './provider.js'

export interface Tier2Verdict {
  result: 'pass' | 'fail' | 'error'
  details: string
  rationale?: string
  model?: string
}

export interface Tier2Cache {
  get(key: string): Tier2Verdict | undefined
  set(key: string, verdict: Tier2Verdict): void
}

/**
 * One judged question: the verdict, where it came from (`asked` = the provider was called, whatever the outcome) and
 * the tokens the call consumed when the provider reported them.
 */
export type Judged = Tier2Verdict & { cached: boolean; static?: boolean; asked: boolean; usage?: TokenUsage }

/** The model id recorded for verdicts the static pre-check gave without asking a model. */
export const STATIC_MODEL = 'warrant-static-precheck'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

/**
 * Asks one Tier 2 question. Missing source is `error` without a call; an obvious stub (given the assertion type) is
 * `fail` without a call; an answer that does not parse, a refused or failed call, is `error`. Verdicts are cached by (prompt hash, excerpt hash), so an unchanged assertion is not
 * re-asked; errors are never cached.
 */
export async function judge(
  provider: Tier2Provider,
  prompt: { text: string; hash: string },
  excerpt: Excerpt | undefined,
  cache?: Tier2Cache,
  type?: string,
): Promise<Judged> {
  if (!excerpt)
    return {
      result: 'error',
      details: 'no source excerpt to judge: Tier 1 located nothing readable',
      cached: false,
      asked: false,
    }
  const stub = type ? staticPrecheck(type, excerpt) : undefined
  if (stub)
    return {
      result: 'fail',
      details: 'NO',
      rationale: `Static pre-check: ${stub} (${excerpt.path}:${excerpt.startLine}).`,
      model: STATIC_MODEL,
      cached: false,
      static: true,
      asked: false,
    }
  const key = `${prompt.hash}|${sha(`${excerpt.path}\n${excerpt.startLine}\n${excerpt.text}`)}`
  const hit = cache?.get(key)
  if (hit) return { ...hit, cached: true, asked: false }
  const { system, user } = tier2Messages(prompt.text, excerpt)
  let answer: ProviderAnswer
  try {
    answer = await provider.ask(system, user)
  } catch (e) {
    return {
      result: 'error',
      details: `the ${provider.name} call failed: ${(e as Error).message}`.slice(0, 2000),
      cached: false,
      asked: true,
    }
  }
  const usage = answer.usage ? { usage: answer.usage } : {}
  const parsed = parseTier2Answer(answer.text)
  if (!parsed.ok)
    return { result: 'error', details: parsed.reason, model: answer.model, cached: false, asked: true, ...usage }
  const verdict: Tier2Verdict = {
    result: parsed.verdict,
    details: parsed.verdict === 'pass' ? 'YES' : 'NO',
    rationale: parsed.rationale,
    model: answer.model,
  }
  cache?.set(key, verdict)
  return { ...verdict, cached: false, asked: true, ...usage }
}
