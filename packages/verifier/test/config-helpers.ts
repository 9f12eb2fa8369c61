import type { Evaluator, Outcome } from '../src/engine/outcome.js'
import { configKeyExists, configValueMatches } from '../src/evaluators/config.js'
import { makeContext } from './helpers.js'

/** Evaluates one config assertion over a fresh tree. */
export async function evaluate(
  evaluator: Evaluator,
  files: Record<string, string | Buffer>,
  params: Record<string, unknown>,
): Promise<Outcome> {
  const ctx = await makeContext({ files })
  return evaluator(params, ctx)
}

export const keyExists = (files: Record<string, string | Buffer>, file: string, key: string) =>
  evaluate(configKeyExists, files, { file, key })

export const valueMatches = (files: Record<string, string | Buffer>, params: Record<string, unknown>) =>
  evaluate(configValueMatches, files, { match: 'any', ...params })

/** Status and details, the two things every case pins. */
export const verdict = (o: Outcome) => [o.status, o.details]
