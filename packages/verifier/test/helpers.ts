import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach } from 'vitest'
import { Checkout } from '../src/checkout/checkout.js'
import type { EvalContext } from '../src/engine/outcome.js'

const made: string[] = []
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

export interface Tree {
  files?: Record<string, string | Buffer>
  symlinks?: Record<string, string>
}

/** Writes a fresh project tree in a temporary directory and returns its path (removed after each test). */
export async function makeTree(tree: Tree): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'warrant-test-'))
  made.push(dir)
  const root = join(dir, 'project')
  await mkdir(root)
  for (const [rel, content] of Object.entries(tree.files ?? {})) {
    await mkdir(dirname(join(root, rel)), { recursive: true })
    await writeFile(join(root, rel), content)
  }
  for (const [rel, target] of Object.entries(tree.symlinks ?? {})) {
    await mkdir(dirname(join(root, rel)), { recursive: true })
    await symlink(target, join(root, rel))
  }
  return root
}

/** An evaluation context over a fresh tree, with test execution off by default. */
export async function makeContext(tree: Tree, options: Partial<EvalContext['options']> = {}): Promise<EvalContext> {
  const root = await makeTree(tree)
  return {
    checkout: await Checkout.open(root),
    options: { maxFileSize: 4 * 1024 * 1024, testExecution: false, testEnv: [], ...options },
  }
}
