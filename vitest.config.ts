import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    alias: { '@warrant/core': src('core'), '@warrant/verifier': src('verifier'), '@warrant/server': src('server') },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    setupFiles: ['packages/verifier/test/setup.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
})
