import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseStrictJson, type Result } from '@warrant/core'
import {
  Checkout,
  DEFAULT_OPTIONS,
  evaluateWith,
  excerptFor,
  judge,
  type ProviderName,
  type Tier2Cache,
  type Tier2Verdict,
  tier2Provider,
} from '@warrant/verifier'
import { type Io, UsageError } from '../io.js'
import { detectPipeline } from '../pipeline.js'
import { PlatformClient, PlatformError } from '../platform-client.js'
import { progressLine } from '../progress.js'
import { VERSION } from '../version.js'
import { exitCodeFor } from './run-checks.js'
import { readSigningKey, signedBody } from './sign.js'

interface PendingAssertion {
  id: string
  control_id: string
  type: string
  params: Record<string, unknown>
  description: string
  repo: string | null
  digest: string
  control: { id: string; title: string }
  tier2_prompt: string
  tier2_prompt_hash: string
}

interface RunOptions {
  model: string
  url?: string
  projectRoot?: string
  repo?: string
  dryRun: boolean
  signingKey?: string
  output: 'text' | 'json'
  testExecution: boolean
  tier2: { provider: ProviderName; model: string; baseUrl?: string } | null
}

const MAX_DETAILS = 2048
const cut = (s: string) =>
  Buffer.byteLength(s) <= MAX_DETAILS
    ? s
    : Buffer.from(s)
        .subarray(0, MAX_DETAILS - 3)
        .toString()
        .replace(/\uFFFD$/, '') + '...'

/** Maps a verifier result onto a results-submission item (EVIDENCE.md §4). */
function resultItem(a: PendingAssertion, r: Result, durationMs: number) {
  return {
    assertion_id: a.id,
    assertion_digest: a.digest,
    tier: 1,
    result: r.status,
    details: cut(r.details),
    locations: r.locations
      .slice(0, 20)
      .map((l) => ({ path: l.file, start_line: l.line, end_line: Math.max(l.line, l.end_line ?? l.line) })),
    ...(r.evidence_digest ? { evidence_digest: r.evidence_digest } : {}),
    duration_ms: durationMs,
  }
}

/**
 * `warrant run MODEL`: pulls every assertion of the model for this repo, verifies Tier 1 on the checkout, and submits
 * one run (signed when a workspace key is given). Tier 2 is not configured in this version: each item gets a skipped
 * Tier 2 result with provider `none`, which never counts as a pass. A developer key runs everything and submits nothing.
 */
export async function run(opts: RunOptions, io: Io): Promise<number> {
  const client = PlatformClient.fromEnv(io, opts.url)
  const root = resolve(io.cwd, opts.projectRoot ?? '.')
  let checkout: Checkout
  try {
    checkout = await Checkout.open(root, DEFAULT_OPTIONS.maxFileSize)
  } catch {
    throw new UsageError(`project root is not a directory: ${opts.projectRoot ?? '.'}`)
  }
  let pipeline: ReturnType<typeof detectPipeline>
  try {
    pipeline = detectPipeline(io.env ?? process.env, root, opts.repo)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const key = opts.signingKey ? readSigningKey(opts.signingKey, io.cwd) : undefined
  try {
    const model = await client.get<{ id: string; workspace_id: string }>(
      `/api/models/${encodeURIComponent(opts.model)}`,
    )
    const pulled = await client.get<{ assertions: PendingAssertion[] }>(
      `/api/models/${encodeURIComponent(model.id)}/verification/assertions?repo=${encodeURIComponent(pipeline.repo ?? '')}`,
    )
    const progress = progressLine(io, 'warrant: verifying')
    const started = Date.now()
    const evaluated = await evaluateWith(
      pulled.assertions.map((a) => ({ id: a.id, type: a.type, params: a.params })),
      { checkout, options: { ...DEFAULT_OPTIONS, testExecution: opts.testExecution } },
      (d, t) => progress.update(d, t),
    )
    progress.end()
    const perItem = pulled.assertions.length ? Math.round((Date.now() - started) / pulled.assertions.length) : 0
    const tier2 = await tier2Results(pulled.assertions, evaluated, checkout, opts.tier2, io, root)
    const results = [...pulled.assertions.map((a, i) => resultItem(a, evaluated[i]!, perItem)), ...tier2.items].sort(
      (x, y) => (x.assertion_id < y.assertion_id ? -1 : x.assertion_id > y.assertion_id ? 1 : x.tier - y.tier),
    )
    const failing = [
      ...pulled.assertions.flatMap((a, i) => {
        const r = evaluated[i]!
        // Like `warrant check`: a skip is acceptable only for a type this verifier knows (test execution disabled).
        if (exitCodeFor([r]) === 0) return []
        const where = r.locations[0] ? ` ${r.locations[0].file}:${r.locations[0].line}` : ''
        return [`${r.status.toUpperCase()} ${a.control.id} ${a.id} ${a.type}${where}: ${r.details}`]
      }),
      ...tier2.failing,
    ]
    let body: Record<string, unknown> = { pipeline, verifier: { name: 'warrant', version: VERSION }, results }
    if (key) body = signedBody(body as never, key, model.workspace_id, model.id, new Date()).signed
    let submitted:
      | { run_id: string; counting: boolean; status_changes: { control_id: string; from: string; to: string }[] }
      | undefined
    let note: string
    if (pulled.assertions.length === 0) note = 'no assertion applies to this repo; nothing to submit'
    else if (opts.dryRun) note = 'dry run: nothing submitted'
    else if (client.keyScope !== 'verifier')
      note = 'developer key (wk_): results verified locally and not submitted; CI submits with a verifier key (wv_)'
    else {
      const answer: NonNullable<typeof submitted> = await client.post(
        `/api/models/${encodeURIComponent(model.id)}/verification/results`,
        body,
        { 'Idempotency-Key': randomUUID() },
      )
      submitted = answer
      note = `submitted as ${answer.run_id}${key ? ' (signed with the workspace key)' : ' (unsigned)'}`
    }
    const counts = { pass: 0, fail: 0, error: 0, skipped: 0 }
    for (const r of evaluated) counts[r.status]++
    if (opts.output === 'json')
      io.stdout(
        `${JSON.stringify({ model_id: model.id, pipeline, counts, tier2: { asked: tier2.asked, cached: tier2.cached, precheck: tier2.precheck }, failing, submitted: submitted ?? null, note }, null, 2)}\n`,
      )
    else {
      if (opts.tier2)
        io.stdout(
          `Tier 2 (${opts.tier2.provider} ${opts.tier2.model}): ${tier2.asked} asked, ${tier2.cached} from the cache, ${tier2.precheck} stubs found without a model\n`,
        )
      io.stdout(
        `${pulled.assertions.length} assertions on ${pipeline.commit_sha.slice(0, 12)}${pipeline.repo ? ` (${pipeline.repo})` : ''}: ${counts.pass} pass, ${counts.fail} fail, ${counts.error} error, ${counts.skipped} skipped\n`,
      )
      for (const f of failing) io.stdout(`${f}\n`)
      for (const c of submitted?.status_changes ?? []) io.stdout(`${c.control_id}: ${c.from} -> ${c.to}\n`)
      io.stdout(`${note}\n`)
    }
    return failing.length > 0 ? 1 : 0
  } catch (e) {
    if (!(e instanceof PlatformError)) throw e
    io.stderr(`warrant: ${e.code}: ${e.message}\n`)
    return 3
  }
}

/**
 * Tier 2 for the assertions that pass Tier 1: one question each, with the platform's prompt and the excerpt Tier 1
 * located, cached on disk by (prompt hash, excerpt hash). Without a provider every assertion gets a skipped Tier 2
 * result (provider `none`), which never passes.
 */
async function tier2Results(
  assertions: PendingAssertion[],
  evaluated: Result[],
  checkout: Checkout,
  config: RunOptions['tier2'],
  io: Io,
  root: string,
) {
  const failing: string[] = []
  if (!config) {
    const items = assertions.map((a) => ({
      assertion_id: a.id,
      assertion_digest: a.digest,
      tier: 2,
      result: 'skipped',
      details: 'Tier 2 is not configured',
      provider: 'none',
    }))
    return { items, failing, asked: 0, cached: 0, precheck: 0 }
  }
  const env = io.env ?? process.env
  const apiKey = config.provider === 'anthropic' ? env.ANTHROPIC_API_KEY : env.OPENAI_API_KEY
  const provider = tier2Provider({ ...config, ...(apiKey ? { apiKey } : {}) })
  const cache = fileCache(join(root, '.warrant', 'tier2-cache.json'))
  let asked = 0
  let cached = 0
  let precheck = 0
  const items = []
  for (const [i, a] of assertions.entries()) {
    const t1 = evaluated[i]!
    if (t1.status !== 'pass') continue
    const verdict = await judge(
      provider,
      { text: a.tier2_prompt, hash: a.tier2_prompt_hash },
      await excerptFor(checkout, t1.locations[0]),
      cache,
      a.type,
    )
    if (verdict.cached) cached++
    else if (verdict.static) precheck++
    else asked++
    if (verdict.result !== 'pass')
      failing.push(
        `TIER2 ${verdict.result.toUpperCase()} ${a.control.id} ${a.id} ${a.type}: ${verdict.rationale ?? verdict.details}`,
      )
    items.push({
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
  cache.save()
  return { items, failing, asked, cached, precheck }
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
