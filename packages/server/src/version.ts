import { createRequire } from 'node:module'

/** The package version, read from package.json (the same path from src/ under tests and dist/ when built). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version
