/** The process's streams, injectable so commands can be tested in-process. */
export interface Io {
  stdout(text: string): void
  stderr(text: string): void
  readStdin(): Promise<string>
  /** Whether standard output is a terminal (colour) and standard error is one (progress). */
  stdoutIsTTY: boolean
  stderrIsTTY: boolean
  cwd: string
  /** Environment for platform commands (WARRANT_URL, WARRANT_API_KEY); defaults to the process's. */
  env?: NodeJS.ProcessEnv
}

export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = []
      for await (const c of process.stdin) chunks.push(c as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
    stdoutIsTTY: process.stdout.isTTY === true && !process.env.NO_COLOR,
    stderrIsTTY: process.stderr.isTTY === true,
    cwd: process.cwd(),
    env: process.env,
  }
}

/** A usage or input error: exit code 2, nothing evaluated (§5.3); `code` is printed before the message for machines. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message)
  }
}
