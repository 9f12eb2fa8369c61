import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isProblem } from '../checkout/checkout.js'
import { type EvalContext, error, fail, fromProblem, type Outcome } from '../engine/outcome.js'
import { childEnvironment } from './child-env.js'
import { collectReports } from './collect-reports.js'
import { reportsDigest } from './evidence.js'
import { Project } from './project.js'
import { runProcess } from './run-process.js'
import { detectRunner, type Language, languageOf } from './runners.js'
import type { TestCase } from './test-case.js'
import { testVerdict } from './verdict.js'

export interface RunParams {
  pattern?: string
  file?: string
  testName?: string
  timeoutS: number
}

/** Run mode without `command`: detects the project's runner, runs it and judges its report. */
export async function runDetectedRunner(params: RunParams, ctx: EvalContext): Promise<Outcome> {
  const selected = await selectTestFiles(params, ctx)
  if ('status' in selected) return selected
  const files = selected.files
  const languages = files ? new Set(files.map(languageOf).filter((l): l is Language => l !== undefined)) : undefined
  if (languages && languages.size > 1) {
    return error(
      `'pattern' selects test files of several languages (${[...languages].join(', ')}); use one assertion per language`,
    )
  }
  const project = new Project(ctx.checkout)
  const runner = await detectRunner(project, languages)
  if (!runner) return error('no test runner detected')

  const reportDir = await mkdtemp(join(tmpdir(), 'warrant-report-'))
  try {
    const runnerFiles = files?.filter((f) => languageOf(f) === runner.language)
    const plan = await runner.plan(project, { files: runnerFiles, testName: params.testName, reportDir })
    if ('error' in plan) return error(plan.error)
    const startedAt = Date.now()
    const result = await runProcess(plan.argv, {
      cwd: ctx.checkout.root,
      env: childEnvironment(ctx.options.testEnv),
      timeoutMs: params.timeoutS * 1000,
    })
    if (result.kind === 'timed-out') return error(`test run timed out after ${params.timeoutS} s`)
    if (result.kind === 'not-started') return error(result.message)
    const status = result.exitCode ?? result.signal
    const noReport = error(`runner produced no report (exit status ${status})`)
    const reports = await collectReports(plan.report, { root: ctx.checkout.root, stdout: result.stdout, startedAt })
    if (reports.length === 0) return noReport
    const cases: TestCase[] = []
    const root = `${ctx.checkout.root}/`
    for (const report of reports) {
      const read = plan.read(report.bytes.toString('utf8'))
      if (!read) return noReport
      // names that are paths of this machine are given relative to the project (§1.5)
      cases.push(
        ...read.map((c) => ({ ...c, name: c.name.split(root).join(''), fullName: c.fullName.split(root).join('') })),
      )
    }
    const verdict = testVerdict(cases, params.testName, { label: plan.runner, evidenceDigest: reportsDigest(reports) })
    // A runner that reports failure through its exit status while its report names no failed test cannot be trusted.
    const reportedFailure = cases.some((c) => c.outcome === 'failed' || c.outcome === 'errored')
    if (verdict.status === 'pass' && result.exitCode !== 0 && !reportedFailure) {
      return error(`runner exited with status ${status} but its report names no failed test; cannot tell what failed`)
    }
    return verdict
  } finally {
    await rm(reportDir, { recursive: true, force: true })
  }
}

/** The test files named by `file` or selected by `pattern`; undefined when the whole suite runs. */
async function selectTestFiles(
  params: RunParams,
  ctx: EvalContext,
): Promise<{ files: string[] | undefined } | Outcome> {
  if (params.file !== undefined) {
    const located = await ctx.checkout.locate(params.file)
    return isProblem(located) ? fromProblem(located) : { files: [located.rel] }
  }
  if (params.pattern !== undefined) {
    const selection = await ctx.checkout.glob(params.pattern)
    if (isProblem(selection)) return fromProblem(selection)
    if (selection.files.length === 0) return fail(`no test files matched ${params.pattern}`)
    // §2.2: a selected symlink whose target lies outside the root is an error; never run such a file
    for (const rel of selection.files) {
      if (!(await ctx.checkout.realPathInside(rel))) return error(`symlink resolves outside project root: ${rel}`)
    }
    return { files: selection.files }
  }
  return { files: undefined }
}
