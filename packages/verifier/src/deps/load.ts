import { type Checkout, isProblem } from '../checkout/checkout.js'
import { normalizePath } from '../checkout/paths.js'
import { error, fromProblem, type Outcome } from '../engine/outcome.js'
import { formatOf, type ManifestFormat } from './formats.js'
import { isManifestProblem, type ParsedManifest } from './types.js'

export interface ManifestRef {
  rel: string
  format: ManifestFormat
}

export const isOutcome = (x: object): x is Outcome => 'status' in x

/** Checks the `manifest` param and chooses its format by file name, before anything is read. */
export function manifestRef(path: string): ManifestRef | Outcome {
  const n = normalizePath(path)
  if (!n.ok) return error(n.message)
  const format = formatOf(n.rel)
  if (!format) return error(`unsupported manifest: ${n.rel}`)
  return { rel: n.rel, format }
}

/** Reads and parses a manifest or lockfile, once per run. */
export async function readManifest(checkout: Checkout, ref: ManifestRef): Promise<ParsedManifest | Outcome> {
  const file = await checkout.openText(ref.rel)
  if (isProblem(file)) return fromProblem(file)
  const result = await checkout.derive(`deps:${ref.rel}`, async () => ref.format.parse(file, checkout))
  if (isManifestProblem(result)) return error(result.message, { examined: result.examined })
  return result
}

export interface Lockfile {
  rel: string
  parsed: ParsedManifest
}

/** The first of the format's lockfiles that lies next to the manifest, parsed; undefined when there is none. */
export async function readLockfile(checkout: Checkout, manifest: ManifestRef): Promise<Lockfile | Outcome | undefined> {
  const dir = manifest.rel.includes('/') ? manifest.rel.slice(0, manifest.rel.lastIndexOf('/') + 1) : ''
  for (const name of manifest.format.lockfiles) {
    const rel = `${dir}${name}`
    const found = await checkout.locate(rel)
    if (isProblem(found)) {
      if (found.problem === 'fail') continue
      return fromProblem(found)
    }
    const format = formatOf(rel)
    if (!format) continue
    const parsed = await readManifest(checkout, { rel, format })
    return isOutcome(parsed) ? parsed : { rel, parsed }
  }
  return undefined
}
