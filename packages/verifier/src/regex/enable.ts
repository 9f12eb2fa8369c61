import v8 from 'node:v8'

/**
 * Turns on V8's non-backtracking engine (the `l` flag). Must run before any user pattern is compiled; the flag is
 * process-wide, so worker threads inherit it, and it is not allowed in NODE_OPTIONS.
 */
export function enableLinearRegexEngine(): void {
  v8.setFlagsFromString('--enable-experimental-regexp-engine')
}
