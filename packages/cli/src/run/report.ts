import type { Tier2Usage } from '@warrant/verifier'
import type { RunOptions } from '../commands/run.js'
import type { Io } from '../io.js'
import { render } from '../output/index.js'
import type { Pipeline } from '../pipeline.js'
import { VERSION } from '../version.js'
import { tier2Id } from './tier2.js'
import type { ModelRun } from './types.js'

/** Prints the runs: text and json summaries of their own; github, sarif and junit through the shared renderers. */
export function report(
  runs: ModelRun[],
  opts: Pick<RunOptions, 'models' | 'output' | 'tier2'>,
  pipeline: Pipeline,
  changed: Set<string> | undefined,
  io: Io,
) {
  const usageLine = (u: Tier2Usage) =>
    `${u.input_tokens} input and ${u.output_tokens} output tokens in ${u.calls} calls`
  const summary = (m: ModelRun) => {
    const lines: string[] = []
    if (opts.models === 'all') lines.push(`model ${m.model_id}:`)
    if (opts.tier2)
      lines.push(
        `Tier 2 (${opts.tier2.provider} ${opts.tier2.model}): ${m.tier2.asked} asked, ${m.tier2.cached} from the cache, ${m.tier2.precheck} stubs found without a model; ${usageLine(m.tier2.usage)}`,
      )
    if (changed) lines.push(`${m.assertions.length} of ${m.pulled} assertions touch the ${changed.size} changed files`)
    lines.push(
      `${m.assertions.length} assertions on ${pipeline.commit_sha.slice(0, 12)}${pipeline.repo ? ` (${pipeline.repo})` : ''}: ${m.counts.pass} pass, ${m.counts.fail} fail, ${m.counts.error} error, ${m.counts.skipped} skipped`,
      ...m.failing,
      ...(m.submitted?.status_changes ?? []).map((c) => `${c.control_id}: ${c.from} -> ${c.to}`),
      m.note,
    )
    return lines.map((l) => `${l}\n`).join('')
  }
  if (opts.output === 'text') {
    for (const m of runs) io.stdout(summary(m))
    return
  }
  if (opts.output === 'json') {
    const json = (m: ModelRun) => ({
      model_id: m.model_id,
      pipeline,
      selection: { pulled: m.pulled, selected: m.assertions.length, changed_files: changed ? changed.size : null },
      counts: m.counts,
      tier2: m.tier2,
      failing: m.failing,
      submitted: m.submitted,
      note: m.note,
      timings: m.timings,
    })
    const out = opts.models === 'all' ? { models: runs.map(json) } : json(runs[0]!)
    io.stdout(`${JSON.stringify(out, null, 2)}\n`)
    return
  }
  const params = new Map<string, Record<string, unknown>>()
  for (const m of runs)
    for (const a of m.assertions) {
      params.set(a.id, a.params)
      // A distinct SARIF fingerprint for the Tier 2 result of the same assertion.
      params.set(tier2Id(a.id), { ...a.params, '#tier': 2 })
    }
  io.stdout(
    render(opts.output, {
      results: runs.flatMap((m) => m.rendered),
      params,
      sources: new Map(),
      version: VERSION,
      color: false,
    }),
  )
  // The documents own standard output; the summary naming each failure goes to standard error.
  for (const m of runs) io.stderr(summary(m))
}
