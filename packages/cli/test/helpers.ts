import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach } from 'vitest'
import type { Io } from '../src/io.js'
import { main } from '../src/main.js'

const made: string[] = []
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

export async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'warrant-cli-'))
  made.push(dir)
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true })
    await writeFile(join(dir, rel), content)
  }
  return dir
}

/** Runs the CLI in-process in `cwd`, capturing its output. */
export async function cli(cwd: string, args: string[], stdin = '', tty = false, env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  let stderr = ''
  const io: Io = {
    stdout: (t) => {
      stdout += t
    },
    stderr: (t) => {
      stderr += t
    },
    readStdin: async () => stdin,
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    cwd,
    env,
  }
  const code = await main(args, io)
  return { code, stdout, stderr }
}
