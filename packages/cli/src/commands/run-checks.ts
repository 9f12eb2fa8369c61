import { realpathSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { CATALOGUE, type Result } from '@warrant/core'
import { Checkout, type EngineOptions, evaluateWith } from '@warrant/verifier'
import type { BatchEntry } from '../batch.js'
import { type Io, UsageError } from '../io.js'
import { type AssertionSource, type OutputFormat, render } from '../output/index.js'
import { progressLine } from '../progress.js'
import { VERSION } from '../version.js'

/** Options shared by `check` and `verify` (§5). */
export interface CheckOptions {
  projectRoot?: string
  output: OutputFormat
  testExecution: boolean
  testEnv: string[]
  maxFileSize?: number
}

/**
 * Exit code of §5.3: 0 when every result passes or was skipped because test execution is disabled — the only skip a
 * known type can give; a type this verifier does not know is skipped too, and must not pass a gate.
 */
export function exitCodeFor(results: Result[]): 0 | 1 {
  const ok = results.every((r) => r.status === 'pass' || (r.status === 'skipped' && CATALOGUE.has(r.type)))
  return ok ? 0 : 1
}

export async function runChecks(
  entries: BatchEntry[],
  opts: CheckOptions,
  io: Io,
  batchFile?: string,
): Promise<number> {
  const root = resolve(io.cwd, opts.projectRoot ?? '.')
  const engine: EngineOptions = {
    maxFileSize: opts.maxFileSize ?? 4 * 1024 * 1024,
    testExecution: opts.testExecution,
    testEnv: opts.testEnv,
  }
  let checkout: Checkout
  try {
    checkout = await Checkout.open(root, engine.maxFileSize)
  } catch {
    throw new UsageError(`project root is not a directory: ${opts.projectRoot ?? '.'}`)
  }
  const progress = progressLine(io, 'warrant: checking')
  const evaluated = await evaluateWith(entries, { checkout, options: engine }, (d, t) => progress.update(d, t))
  progress.end()
  const results = evaluated.map((r, i) => (entries[i]!.control ? { ...r, control: entries[i]!.control } : r))
  const sources = new Map<string, AssertionSource>()
  if (batchFile) {
    const rel = relative(checkout.root, realpathSync(resolve(io.cwd, batchFile)))
    if (rel && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) {
      for (const e of entries) sources.set(e.id, { file: rel.split(sep).join('/'), line: e.line, column: e.column })
    }
  }
  io.stdout(
    render(opts.output, {
      results,
      params: new Map(entries.map((e) => [e.id, e.params])),
      sources,
      version: VERSION,
      color: io.stdoutIsTTY,
    }),
  )
  return exitCodeFor(results)
}
