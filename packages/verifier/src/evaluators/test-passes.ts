import { type Evaluator, error } from '../engine/outcome.js'
import { runCommand } from '../testing/command-mode.js'
import { evaluateReports } from '../testing/report-mode.js'
import { runDetectedRunner } from '../testing/run-mode.js'

/**
 * test_passes (ASSERTIONS.md §3.6): report mode reads JUnit reports; run mode runs a `command` or the detected
 * runner — never under --no-test-execution.
 */
export const testPasses: Evaluator = async (params, ctx) => {
  const testName = params.test_name as string | undefined
  if (typeof params.junit === 'string') return evaluateReports(ctx.checkout, params.junit, testName)
  if (!ctx.options.testExecution) return { status: 'skipped', details: 'test execution disabled' }
  const timeoutS = params.timeout_s as number
  if (params.command !== undefined) return runCommand(params.command as string | string[], timeoutS, ctx)
  for (const key of ['pattern', 'file', 'test_name'] as const) {
    const value = params[key]
    if (typeof value === 'string' && value.startsWith('-')) return error(`'${key}' must not start with '-'`)
  }
  return runDetectedRunner(
    { pattern: params.pattern as string | undefined, file: params.file as string | undefined, testName, timeoutS },
    ctx,
  )
}
