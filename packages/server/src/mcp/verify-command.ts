const SHELL_SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/

const shellWord = (s: string) => (SHELL_SAFE.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`)

/**
 * The `warrant verify` command line that checks one assertion against the local checkout: string params as they are,
 * every other value as JSON (how `-p key=value` reads them), each word quoted for a POSIX shell.
 */
export function verifyCommand(type: string, params: Record<string, unknown>): string {
  const words = ['warrant', 'verify', type]
  for (const [key, value] of Object.entries(params))
    words.push('-p', `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
  return words.map(shellWord).join(' ')
}
