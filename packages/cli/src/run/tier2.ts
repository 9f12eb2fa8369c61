import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseStrictJson, type Result } from '@warrant/core'
import {
  type Checkout,
  excerptFor,
  judgeAll,
  type ProviderName,
  type Question,
  type Tier2Cache,
  type Tier2Usage,
  type Tier2Verdict,
  tier2Provider,
} from '@warrant/verifier'
import type { PendingAssertion } from './types.js'

export interface Tier2Config {
  provider: ProviderName
  model: string
  baseUrl?: string
}

/** A Tier 2 item of the results submission (EVIDENCE.md §4). */
export interface Tier2Item {
  assertion_id: string
  assertion_digest: string
  tier: 2
  result: string
  details: string
  [field: string]: unknown
}

/** The Tier 2 part of a run: submission items, one rendered result per assertion, failure lines and counts. */
export interface Tier2Outcome {
  items: Tier2Item[]
  rendered: Result[]
  failing: string[]
  asked: number
  cached: number
  precheck: number
  usage: Tier2Usage
}

/** The id under which an assertion's Tier 2 result is rendered (SARIF, JUnit, annotations); Tier 1 uses the bare id. */
export const tier2Id = (assertionId: string) => `${assertionId}#tier2`

const skipped = (a: PendingAssertion, details: string): Result => ({
  id: tier2Id(a.id),
  type: a.type,
  status: 'skipped',
  details,
  locations: [],
  control: a.control.id,
})

/**
 * Tier 2 for the assertions that pass Tier 1: one question each, with the platform's prompt and the excerpt Tier 1
 * located, at most `concurrency` in flight, cached on disk by (prompt hash, excerpt hash). Without a provider every
 * assertion gets a skipped Tier 2 result (provider `none`), which never passes.
 */
export async function tier2Results(
  assertions: PendingAssertion[],
  evaluated: Result[],
  checkout: Checkout,
  config: Tier2Config | null,
  options: { concurrency: number; env: NodeJS.ProcessEnv; root: string },
): Promise<Tier2Outcome> {
  const usage = { input_tokens: 0, output_tokens: 0, calls: 0 }
  if (!config) {
    const items = assertions.map(
      (a): Tier2Item => ({
        assertion_id: a.id,
        assertion_digest: a.digest,
        tier: 2,
        result: 'skipped',
        details: 'Tier 2 is not configured',
        provider: 'none',
      }),
    )
    const rendered = assertions.map((a) => skipped(a, 'Tier 2 is not configured'))
    return { items, rendered, failing: [], asked: 0, cached: 0, precheck: 0, usage }
  }
  const apiKey = config.provider === 'anthropic' ? options.env.ANTHROPIC_API_KEY : options.env.OPENAI_API_KEY
  const provider = tier2Provider({ ...config, ...(apiKey ? { apiKey } : {}) })
  const cache = fileCache(join(options.root, '.warrant', 'tier2-cache.json'))
  const asking = assertions.flatMap((a, i) => (evaluated[i]!.status === 'pass' ? [{ a, t1: evaluated[i]! }] : []))
  const questions: Question[] = []
  for (const { a, t1 } of asking)
    questions.push({
      prompt: { text: a.tier2_prompt, hash: a.tier2_prompt_hash },
      excerpt: await excerptFor(checkout, t1.locations[0]),
      type: a.type,
    })
  const judged = await judgeAll(provider, questions, { concurrency: options.concurrency, cache })
  cache.save()
  const out: Tier2Outcome = {
    items: [],
    rendered: [],
    failing: [],
    asked: 0,
    cached: 0,
    precheck: 0,
    usage: judged.usage,
  }
  const byId = new Map(
    asking.map(({ a, t1 }, i) => [a.id, { t1, verdict: judged.verdicts[i]!, excerpt: questions[i]!.excerpt }]),
  )
  for (const [i, a] of assertions.entries()) {
    const asked = byId.get(a.id)
    if (!asked) {
      out.rendered.push(skipped(a, `Tier 2 not asked: Tier 1 is ${evaluated[i]!.status}`))
      continue
    }
    const { t1, verdict, excerpt } = asked
    if (verdict.cached) out.cached++
    else if (verdict.static) out.precheck++
    else out.asked++
    const where = excerpt ? ` ${excerpt.path}:${excerpt.startLine}` : ''
    if (verdict.result !== 'pass')
      out.failing.push(
        `TIER2 ${verdict.result.toUpperCase()} ${a.control.id} ${a.id} ${a.type}${where}: ${verdict.rationale ?? verdict.details}`,
      )
    out.rendered.push({
      id: tier2Id(a.id),
      type: a.type,
      status: verdict.result,
      details: verdict.rationale ?? verdict.details,
      locations: excerpt ? [{ file: excerpt.path, line: excerpt.startLine, end_line: excerpt.endLine }] : [],
      control: a.control.id,
    })
    out.items.push({
      assertion_id: a.id,
      assertion_digest: a.digest,
      tier: 2,
      result: verdict.result,
      details: verdict.details.slice(0, 2000),
      ...(t1.evidence_digest ? { evidence_digest: t1.evidence_digest } : {}),
      provider: config.provider,
      ...(verdict.model ? { model: verdict.model.slice(0, 128) } : {}),
      prompt_hash: a.tier2_prompt_hash,
      ...(verdict.rationale ? { rationale: verdict.rationale } : {}),
    })
  }
  return out
}

/** The Tier 2 cache as one JSON file; a missing or unreadable file is an empty cache. */
function fileCache(path: string): Tier2Cache & { save(): void } {
  let entries: Record<string, Tier2Verdict> = {}
  try {
    entries = parseStrictJson(readFileSync(path, 'utf8'), { integersOnly: false }) as Record<string, Tier2Verdict>
  } catch {
    entries = {}
  }
  return {
    get: (key) => entries[key],
    set: (key, verdict) => {
      entries[key] = verdict
    },
    save: () => {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, JSON.stringify(entries))
    },
  }
}
