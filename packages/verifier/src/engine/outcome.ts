import type { Location, Status } from '@warrant/core'
import type { Checkout, ReadProblem } from '../checkout/checkout.js'

/** What an evaluator returns; the engine adds the id, type, evidence digest and formats details and locations. */
export interface Outcome {
  status: Status
  details: string
  locations?: Location[]
  /** Project-relative paths of every file whose bytes the evaluation read (ASSERTIONS.md §1.4). */
  examined?: string[]
  /** Overrides the digest (file_exists and file_hash hash the file streamed, without a cap). */
  evidenceDigest?: string
  /** Strip snippets from locations (no_plaintext_secret never carries them). */
  noSnippets?: boolean
}

export interface EngineOptions {
  maxFileSize: number
  /** False under --no-test-execution (and by default in conformance runs). */
  testExecution: boolean
  /** Extra environment variable names passed to test runs (--test-env). */
  testEnv: string[]
}

export interface EvalContext {
  checkout: Checkout
  options: EngineOptions
}

/** Evaluates validated params (defaults applied) of one type. Never throws for expected problems. */
export type Evaluator = (params: Record<string, unknown>, ctx: EvalContext) => Promise<Outcome>

export const fail = (details: string, extra: Partial<Outcome> = {}): Outcome => ({ status: 'fail', details, ...extra })
export const error = (details: string, extra: Partial<Outcome> = {}): Outcome => ({
  status: 'error',
  details,
  ...extra,
})
export const pass = (details: string, extra: Partial<Outcome> = {}): Outcome => ({ status: 'pass', details, ...extra })

/** The outcome for a file that could not be read: missing → fail, the rest → error. */
export const fromProblem = (p: ReadProblem): Outcome => ({ status: p.problem, details: p.message })
