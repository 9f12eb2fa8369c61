import { type Io, main } from '@warrant/cli'

/** Runs the CLI in-process without a terminal, capturing what it prints: the benches time the command, not a spawn. */
export async function runCli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  let stderr = ''
  const io: Io = {
    stdout: (t) => {
      stdout += t
    },
    stderr: (t) => {
      stderr += t
    },
    readStdin: async () => '',
    stdoutIsTTY: false,
    stderrIsTTY: false,
    cwd,
    env,
  }
  const code = await main(args, io)
  return { code, stdout, stderr }
}
