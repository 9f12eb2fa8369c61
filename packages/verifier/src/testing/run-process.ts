import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** How a child process ended. `output` is stdout and stderr interleaved; `stdout` alone is kept for runners that report on it. */
export type ProcessResult =
  | { kind: 'exited'; exitCode: number | null; signal: string | null; stdout: string; output: string }
  | { kind: 'timed-out' }
  | { kind: 'not-started'; message: string }

export interface ProcessOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  timeoutMs: number
}

/** Keeps memory bounded when a test run prints without end. */
const MAX_CAPTURE = 64 * 1024 * 1024
/** After the main process exits, how long leftover children may hold the pipes open. */
const DRAIN_MS = 2000

/**
 * Runs argv without a shell in its own process group; on timeout the whole group is killed. A process that exits
 * is followed by killing what it left behind in its group, so no test server outlives the run.
 */
export function runProcess(argv: readonly string[], opts: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const [program, ...args] = argv
    const child = spawn(program!, args, {
      cwd: opts.cwd,
      env: opts.env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    })
    const stdout: Buffer[] = []
    const output: Buffer[] = []
    let captured = 0
    const capture = (sink: Buffer[]) => (chunk: Buffer) => {
      if (captured >= MAX_CAPTURE) return
      captured += chunk.length
      sink.push(chunk)
      if (sink !== output) output.push(chunk)
    }
    child.stdout.on('data', capture(stdout))
    child.stderr.on('data', capture(output))

    let settled = false
    const finish = (result: ProcessResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      killGroup(child.pid)
      resolve(result)
    }
    const timer = setTimeout(() => finish({ kind: 'timed-out' }), opts.timeoutMs)
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? 'not found' : e.message
      finish({ kind: 'not-started', message: `cannot run ${program}: ${why}` })
    })
    child.on('exit', (exitCode, signal) => {
      clearTimeout(timer)
      const done = () =>
        finish({
          kind: 'exited',
          exitCode,
          signal,
          stdout: Buffer.concat(stdout).toString('utf8'),
          output: Buffer.concat(output).toString('utf8'),
        })
      const drain = setTimeout(done, DRAIN_MS)
      child.on('close', () => {
        clearTimeout(drain)
        done()
      })
    })
  })
}

/**
 * Kills the child's process group and every descendant still attached to it, also those that started a group or
 * session of their own (found through /proc on Linux). A process whose parent already exited is re-parented and
 * cannot be traced here.
 */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  for (const target of [...descendants(pid), pid]) {
    try {
      process.kill(target === pid ? -pid : target, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

function descendants(pid: number): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e))
  } catch {
    return []
  }
  const children = new Map<number, number[]>()
  for (const e of entries) {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = children.get(ppid) ?? []
      list.push(Number(e))
      children.set(ppid, list)
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c)
      queue.push(c)
    }
  }
  return out
}
