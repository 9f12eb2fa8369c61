#!/usr/bin/env node
import { enableLinearRegexEngine } from '@warrant/verifier'

// Before any user pattern is compiled: the linear-time engine must be on (ASSERTIONS.md §2.7).
enableLinearRegexEngine()
// A reader that stops early (`warrant types | head`) is not an error of ours.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e
  process.exit(process.exitCode ?? 0)
})
const { main } = await import('./main.js')
const { processIo } = await import('./io.js')
process.exitCode = await main(process.argv.slice(2), processIo())
