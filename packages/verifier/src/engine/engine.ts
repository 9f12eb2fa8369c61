import { type Assertion, CATALOGUE, type Result, validateParams } from '@warrant/core'
import { Checkout, isProblem } from '../checkout/checkout.js'
import { releaseRun } from '../code/analysis.js'
import { EVALUATORS } from '../evaluators/index.js'
import { finalize } from './finalize.js'
import type { EngineOptions, EvalContext, Outcome } from './outcome.js'

export const DEFAULT_OPTIONS: EngineOptions = { maxFileSize: 4 * 1024 * 1024, testExecution: true, testEnv: [] }

/** An assertion with its final id (given, or generated from its position by the caller). */
export interface IdentifiedAssertion extends Assertion {
  id: string
}

/**
 * Evaluates one assertion. Never throws: invalid params are `error` naming the param, an unknown type is
 * `skipped`, and an exception inside an evaluator is `error` with `internal error: <message>` (§1.3).
 */
export async function evaluateAssertion(assertion: IdentifiedAssertion, ctx: EvalContext): Promise<Result> {
  const { id, type } = assertion
  const entry = CATALOGUE.get(type)
  if (!entry) return finalize(id, type, { status: 'skipped', details: `unknown assertion type '${type}'` }, new Map())
  const validation = validateParams(entry, assertion.params ?? {})
  if (!validation.ok) {
    return finalize(
      id,
      type,
      { status: 'error', details: `invalid params: ${validation.problems.join('; ')}` },
      new Map(),
    )
  }
  const evaluator = EVALUATORS[type]
  if (!evaluator) {
    return finalize(
      id,
      type,
      { status: 'skipped', details: `assertion type '${type}' is not evaluated by this verifier` },
      new Map(),
    )
  }
  let outcome: Outcome
  try {
    outcome = await evaluator(validation.params, ctx)
  } catch (e) {
    outcome = { status: 'error', details: `internal error: ${(e as Error)?.message ?? String(e)}` }
  }
  // Details name project-relative paths only (§1.5): a message from a runner or the system may hold the root's path.
  const root = ctx.checkout.root
  outcome = { ...outcome, details: outcome.details.split(`${root}/`).join('').split(root).join('.') }
  return finalize(id, type, outcome, await examinedHashes(ctx.checkout, outcome.examined ?? []))
}

async function examinedHashes(checkout: Checkout, paths: string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>()
  for (const rel of new Set(paths)) {
    const c = await checkout.read(rel)
    // A file that could not be read was not examined; large files read for their digest are hashed streamed.
    if (!isProblem(c)) hashes.set(rel, c.sha256)
    else if (c.message.startsWith('file too large')) hashes.set(rel, await checkout.hashStream(rel, 'sha256'))
  }
  return hashes
}

/**
 * Evaluates a batch over one checkout, in parallel over the shared read-once cache; results come back in input
 * order. `onResult` reports progress.
 */
export async function evaluateAll(
  assertions: readonly IdentifiedAssertion[],
  root: string,
  options: Partial<EngineOptions> = {},
  onResult?: (done: number, total: number) => void,
): Promise<Result[]> {
  const opts = { ...DEFAULT_OPTIONS, ...options }
  const ctx: EvalContext = { checkout: await Checkout.open(root, opts.maxFileSize), options: opts }
  return evaluateWith(assertions, ctx, onResult)
}

export async function evaluateWith(
  assertions: readonly IdentifiedAssertion[],
  ctx: EvalContext,
  onResult?: (done: number, total: number) => void,
): Promise<Result[]> {
  const results: Result[] = new Array(assertions.length)
  let next = 0
  let done = 0
  // A bounded pool: files are parsed on libuv's threads while evaluators wait, so a modest width keeps cores busy.
  const width = Math.min(64, assertions.length)
  const worker = async () => {
    while (next < assertions.length) {
      const i = next++
      results[i] = await evaluateAssertion(assertions[i]!, ctx)
      onResult?.(++done, assertions.length)
    }
  }
  try {
    await Promise.all(Array.from({ length: width }, worker))
  } finally {
    releaseRun(ctx.checkout.id)
  }
  return results
}
