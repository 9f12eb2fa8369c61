import type { Outcome } from '../src/engine/outcome.js'
import { dependencyExists, dependencyVersion } from '../src/evaluators/dependency.js'
import { makeContext, type Tree } from './helpers.js'

type Files = Record<string, string>

/** Runs dependency_exists over a fresh tree. */
export async function exists(
  files: Files,
  manifest: string,
  pkg: string,
  tree: Omit<Tree, 'files'> = {},
): Promise<Outcome> {
  const ctx = await makeContext({ files, ...tree })
  return dependencyExists({ manifest, package: pkg }, ctx)
}

/** Runs dependency_version over a fresh tree. */
export async function version(
  files: Files,
  manifest: string,
  pkg: string,
  constraint: string,
  tree: Omit<Tree, 'files'> = {},
): Promise<Outcome> {
  const ctx = await makeContext({ files, ...tree })
  return dependencyVersion({ manifest, package: pkg, constraint }, ctx)
}

/** Status and details only, for compact assertions. */
export const brief = (o: Outcome) => ({ status: o.status, details: o.details })
