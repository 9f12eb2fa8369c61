import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { InputError, parseBatch } from '../batch.js'
import { type Io, UsageError } from '../io.js'
import { type CheckOptions, runChecks } from './run-checks.js'

/** `warrant check FILE`: evaluates a batch or model file (§5.1). */
export async function check(file: string, opts: CheckOptions, io: Io): Promise<number> {
  let text: string
  try {
    text = file === '-' ? await io.readStdin() : await readFile(resolve(io.cwd, file), 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  let entries: ReturnType<typeof parseBatch>
  try {
    entries = parseBatch(text, { json: file.endsWith('.json'), name: file === '-' ? '<stdin>' : file })
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message)
    throw e
  }
  return runChecks(entries, opts, io, file === '-' ? undefined : file)
}
