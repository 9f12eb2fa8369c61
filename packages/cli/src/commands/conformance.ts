import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { type CaseOutcome, ConformanceFileError, parseConformanceFile, runCases } from '@warrant/verifier'
import { type Io, UsageError } from '../io.js'

export interface ConformanceOptions {
  testExecution: boolean
  maxFileSize?: number
  verbose: boolean
}

const line = (file: string, o: CaseOutcome, word: string) =>
  `${word} ${file}#${o.id} (${o.type}): expected ${o.expect}, got ${o.got}: ${o.details}`

/** `warrant conformance FILE…` (§6): the last line of output is exactly `N passed, M failed`. */
export async function conformance(files: string[], opts: ConformanceOptions, io: Io): Promise<number> {
  const suites: { file: string; cases: unknown[] }[] = []
  for (const file of files) {
    let text: string
    try {
      text = await readFile(resolve(io.cwd, file), 'utf8')
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    try {
      suites.push({ file, cases: parseConformanceFile(text) })
    } catch (e) {
      if (e instanceof ConformanceFileError) throw new UsageError(`${file}: ${e.message}`)
      throw e
    }
  }
  let passed = 0
  let failed = 0
  for (const { file, cases } of suites) {
    const outcomes = await runCases(cases, {
      testExecution: opts.testExecution,
      testEnv: [],
      ...(opts.maxFileSize ? { maxFileSize: opts.maxFileSize } : {}),
    })
    for (const o of outcomes) {
      if (o.matched) {
        passed++
        if (opts.verbose) io.stdout(`${line(file, o, 'MATCH')}\n`)
      } else {
        failed++
        io.stdout(`${line(file, o, 'MISMATCH')}\n  why: ${o.why}\n`)
      }
    }
  }
  io.stdout(`${passed} passed, ${failed} failed\n`)
  return failed === 0 && passed > 0 ? 0 : 1
}
