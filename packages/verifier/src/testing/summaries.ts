/**
 * Runner summaries recognised in the output of a `command` (ASSERTIONS.md §3.6): how many tests ran and how many
 * of them failed. The first recogniser that finds its summary decides.
 */
export interface Summary {
  runner: string
  passed: number
  failed: number
}

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g

const count = (text: string, re: RegExp): number => {
  const m = re.exec(text)
  return m ? Number(m[1]) : 0
}

const lines = (output: string, re: RegExp): string[] => output.split(/\r?\n/).filter((l) => re.test(l))

type Recogniser = (output: string) => Summary | undefined

const sum = (runner: string, parts: { passed: number; failed: number }[]): Summary | undefined =>
  parts.length === 0
    ? undefined
    : { runner, passed: parts.reduce((a, p) => a + p.passed, 0), failed: parts.reduce((a, p) => a + p.failed, 0) }

const cargo: Recogniser = (out) =>
  sum(
    'cargo',
    lines(out, /^test result: (?:ok|FAILED)\. \d+ passed; \d+ failed/).map((l) => ({
      passed: count(l, /(\d+) passed/),
      failed: count(l, /(\d+) failed/),
    })),
  )

const dotnet: Recogniser = (out) =>
  sum(
    'dotnet test',
    lines(out, /^\s*(?:Passed|Failed)!\s+-\s+Failed:\s+\d+, Passed:\s+\d+/).map((l) => ({
      passed: count(l, /Passed:\s+(\d+)/),
      failed: count(l, /Failed:\s+(\d+)/),
    })),
  )

const maven: Recogniser = (out) => {
  const all = lines(out, /Tests run: \d+, Failures: \d+, Errors: \d+/)
  const totals = all.filter((l) => !l.includes('Time elapsed'))
  return sum(
    'Maven Surefire',
    (totals.length > 0 ? totals : all).map((l) => {
      const failed = count(l, /Failures: (\d+)/) + count(l, /Errors: (\d+)/)
      return { passed: count(l, /Tests run: (\d+)/) - count(l, /Skipped: (\d+)/) - failed, failed }
    }),
  )
}

const rspec: Recogniser = (out) => {
  const summaries = lines(out, /^\d+ examples?, \d+ failures?/)
  const outside = /errors? occurred outside of examples/.test(out) ? 1 : 0
  return sum(
    'RSpec',
    summaries.map((l) => {
      const failed = count(l, /(\d+) failures?/)
      return { passed: count(l, /^(\d+) examples?/) - failed - count(l, /(\d+) pending/), failed: failed + outside }
    }),
  )
}

const phpunit: Recogniser = (out) => {
  const ok = lines(out, /^OK \(\d+ tests?, \d+ assertions?\)/).map((l) => ({
    passed: count(l, /\((\d+) tests?/),
    failed: 0,
  }))
  const counted = lines(out, /^Tests: \d+, Assertions: \d+/).map((l) => {
    const failed = count(l, /Failures: (\d+)/) + count(l, /Errors: (\d+)/)
    return {
      passed: count(l, /Tests: (\d+)/) - failed - count(l, /Skipped: (\d+)/) - count(l, /Incomplete: (\d+)/),
      failed,
    }
  })
  return sum('PHPUnit', [...ok, ...counted])
}

const jestOrVitest: Recogniser = (out) =>
  sum(
    'jest/vitest',
    lines(out, /^\s*Tests:?\s+(?:\d+ (?:passed|failed|skipped|todo|total)|no tests)/).map((l) => ({
      passed: count(l, /(\d+) passed/),
      failed: count(l, /(\d+) failed/),
    })),
  )

const nodeTest: Recogniser = (out) => {
  const pass = lines(out, /^[#ℹ] pass \d+$/)
  if (pass.length === 0) return undefined
  const failed = lines(out, /^[#ℹ] (?:fail|cancelled) \d+$/).reduce((a, l) => a + count(l, /(\d+)$/), 0)
  return { runner: 'node --test', passed: pass.reduce((a, l) => a + count(l, /(\d+)$/), 0), failed }
}

const pytest: Recogniser = (out) =>
  sum(
    'pytest',
    lines(
      out,
      /^(?:=+ )?(?:\d+ (?:passed|failed|errors?|skipped|deselected|xfailed|xpassed|warnings?)\b.* in [\d.]+s\b|no tests ran in [\d.]+s)/,
    ).map((l) => ({ passed: count(l, /(\d+) passed/), failed: count(l, /(\d+) failed/) + count(l, /(\d+) errors?/) })),
  )

const goTest: Recogniser = (out) => {
  const verbose = lines(out, /^\s*--- (?:PASS|FAIL): /)
  if (verbose.length > 0) {
    return {
      runner: 'go test',
      passed: verbose.filter((l) => l.includes('PASS')).length,
      failed: verbose.filter((l) => l.includes('FAIL')).length,
    }
  }
  const ok = lines(out, /^ok\s+\S+/)
  const failed = lines(out, /^FAIL\s+\S+/)
  if (ok.length + failed.length === 0) return undefined
  // a package line says its tests passed, not how many: count packages that ran any
  const ran = ok.filter((l) => !l.includes('[no tests to run]'))
  return { runner: 'go test', passed: ran.length, failed: failed.length }
}

const RECOGNISERS: readonly Recogniser[] = [
  cargo,
  dotnet,
  maven,
  rspec,
  phpunit,
  jestOrVitest,
  nodeTest,
  pytest,
  goTest,
]

/**
 * The runner summary of the output. A command may run several suites: when any recognised summary reports a failure,
 * that one is taken, so a failure cannot hide behind another suite's success; otherwise the first recognised.
 */
export function recogniseSummary(output: string): Summary | undefined {
  const clean = output.replace(ANSI, '')
  const found = RECOGNISERS.map((recognise) => recognise(clean)).filter((s): s is Summary => s !== undefined)
  return found.find((s) => s.failed > 0) ?? found[0]
}
