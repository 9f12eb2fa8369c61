import { type EvalContext, error, fail, type Outcome, pass } from '../engine/outcome.js'
import { childEnvironment } from './child-env.js'
import { splitCommand } from './command-words.js'
import { runProcess } from './run-process.js'
import { recogniseSummary } from './summaries.js'

/**
 * `command` mode: runs the given command in the project root and trusts only a recognised runner summary — at
 * least one test ran and none failed — together with exit status 0.
 */
export async function runCommand(command: string | string[], timeoutS: number, ctx: EvalContext): Promise<Outcome> {
  let argv: string[]
  if (Array.isArray(command)) argv = command
  else {
    const words = splitCommand(command)
    if (!words.ok) return error(words.message)
    argv = words.words
  }
  const result = await runProcess(argv, {
    cwd: ctx.checkout.root,
    env: childEnvironment(ctx.options.testEnv),
    timeoutMs: timeoutS * 1000,
  })
  if (result.kind === 'timed-out') return error(`test run timed out after ${timeoutS} s`)
  if (result.kind === 'not-started') return error(result.message)
  const summary = recogniseSummary(result.output)
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was killed by ${result.signal}` : `exited with status ${result.exitCode}`
    const counts = summary ? ` (${summary.runner} summary: ${summary.passed} passed, ${summary.failed} failed)` : ''
    return fail(`command ${how}${counts}`)
  }
  if (!summary) return error("cannot tell how many tests ran; use 'junit'")
  const ran = summary.passed + summary.failed
  if (ran === 0) return fail(`0 tests executed (${summary.runner} summary)`)
  if (summary.failed > 0) return fail(`${summary.failed} of ${ran} tests failed (${summary.runner} summary)`)
  return pass(`${ran} ${ran === 1 ? 'test' : 'tests'} passed (${summary.runner} summary)`)
}
