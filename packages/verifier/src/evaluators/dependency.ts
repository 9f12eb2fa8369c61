import type { Location } from '@warrant/core'
import { compareUtf8 } from '../checkout/checkout.js'
import { clip } from '../checkout/text.js'
import { isOutcome, manifestRef, readLockfile, readManifest } from '../deps/load.js'
import type { Constraint, Declaration, Ecosystem, ParsedManifest } from '../deps/types.js'
import { type Evaluator, error, fail, type Outcome, pass } from '../engine/outcome.js'

/** Quoted file content in details stays short (ASSERTIONS.md §1.5). */
const quote = (s: string) => `'${clip(s, 100)}'`

function declarationsOf(parsed: ParsedManifest, ecosystem: Ecosystem, pkg: string): Declaration[] {
  const fileOrder = (d: Declaration) => parsed.examined.indexOf(d.location.file)
  return parsed.declarations
    .filter((d) => ecosystem.sameName(d.name, pkg))
    .sort(
      (a, b) =>
        fileOrder(a) - fileOrder(b) ||
        compareUtf8(a.location.file, b.location.file) ||
        a.location.line - b.location.line ||
        (a.location.column ?? 0) - (b.location.column ?? 0),
    )
}

/** §3.10: the manifest or lockfile declares the package. */
export const dependencyExists: Evaluator = async (params, ctx) => {
  const pkg = String(params.package)
  const ref = manifestRef(String(params.manifest))
  if (isOutcome(ref)) return ref
  const parsed = await readManifest(ctx.checkout, ref)
  if (isOutcome(parsed)) return parsed
  const examined = parsed.examined
  const found = declarationsOf(parsed, ref.format.ecosystem, pkg)
  const first = found[0]
  if (!first) return fail(`'${pkg}' not declared in ${ref.rel}`, { examined })
  const where = first.where ? `${first.where}, ` : ''
  return pass(`'${pkg}' declared in ${first.location.file} (${where}line ${first.location.line})`, {
    examined,
    locations: found.map((d) => d.location),
  })
}

/** §3.11: every version of the package the project can use lies inside the constraint. */
export const dependencyVersion: Evaluator = async (params, ctx) => {
  const pkg = String(params.package)
  const constraintText = String(params.constraint)
  const ref = manifestRef(String(params.manifest))
  if (isOutcome(ref)) return ref
  const { ecosystem } = ref.format
  const constraint = ecosystem.scheme.parseConstraint(constraintText)
  if (!constraint) return error(`invalid constraint '${constraintText}' for ${ecosystem.label}`)
  const parsed = await readManifest(ctx.checkout, ref)
  if (isOutcome(parsed)) return parsed
  const examined = [...parsed.examined]
  const declared = declarationsOf(parsed, ecosystem, pkg)
  if (declared.length === 0) return fail(`'${pkg}' not declared in ${ref.rel}`, { examined })

  if (ref.format.isLockfile) return checkResolved({ pkg, constraint, constraintText, examined }, declared, declared)

  const lock = await readLockfile(ctx.checkout, ref)
  if (lock && isOutcome(lock)) return { ...lock, examined: [...examined, ...(lock.examined ?? [])] }
  if (lock) examined.push(...lock.parsed.examined)
  const claim: Claim = { pkg, constraint, constraintText, examined }
  const inLock = lock ? declarationsOf(lock.parsed, ecosystem, pkg) : []
  if (inLock.length > 0) return checkResolved(claim, inLock, [...inLock, ...declared])
  // An override forces a version that no declaration shows; only a lockfile could tell which.
  const override = parsed.overrides?.find((d) => ecosystem.sameName(d.name, pkg))
  if (override) {
    return fail(
      `'${pkg}' is overridden in ${override.location.file} (${override.where}, line ${override.location.line}); cannot prove`,
      {
        examined,
        locations: [override.location],
      },
    )
  }
  // Without a lockfile entry, a package taken from git, a path or a URL has no version that can be tested.
  const sourced = declared.find((d) => d.source)
  if (sourced) return fail(unprovableSource(claim, sourced), { examined, locations: [sourced.location] })
  const pinned = declared.flatMap((d) => {
    const version = d.version === undefined ? undefined : ecosystem.scheme.pinnedVersion(d.version)
    return version === undefined ? [] : [{ ...d, version }]
  })
  if (pinned.length === 0) return checkRanges(claim, declared)
  const byPin = checkResolved(claim, pinned, declared, false)
  // A pin proves nothing about another declaration of the package that is not pinned (§3.11 step 3: every one).
  const unpinned = declared.filter((d) => !pinned.some((p) => p.location === d.location))
  if (byPin.status !== 'pass' || unpinned.length === 0) return byPin
  const byRange = checkRanges(claim, unpinned)
  return byRange.status === 'pass' ? byPin : byRange
}

interface Claim {
  pkg: string
  constraint: Constraint
  constraintText: string
  examined: string[]
}

function resolvedLabel(d: Declaration, fromLockfile: boolean): string {
  if (d.replacement) return `${d.location.file}, replaced by ${d.replacement}`
  return fromLockfile && d.where ? `${d.location.file}: ${d.where}` : d.location.file
}

function unprovableSource(claim: Claim, d: Declaration): string {
  if (d.replacement && d.source === 'path') {
    return `'${claim.pkg}' is replaced by local path ${quote(d.replacement)} in ${d.location.file}; cannot prove`
  }
  const declared = d.version === undefined ? '' : ` ${quote(d.version)}`
  return `'${claim.pkg}' declared${declared} in ${d.location.file} is a ${d.source} source; cannot prove`
}

/** Step 3: every resolved version must satisfy the constraint. */
function checkResolved(claim: Claim, resolved: Declaration[], evidence: Declaration[], fromLockfile = true): Outcome {
  const { pkg, constraint, constraintText, examined } = claim
  const ok: string[] = []
  const outside: string[] = []
  const unprovable: string[] = []
  const problems: Location[] = []
  for (const d of resolved) {
    const label = resolvedLabel(d, fromLockfile)
    if (d.source || d.version === undefined) {
      unprovable.push(
        d.source
          ? `'${pkg}' in ${label} is a ${d.source} source; cannot prove`
          : `'${pkg}' has no version in ${label}; cannot prove`,
      )
      problems.push(d.location)
      continue
    }
    const admitted = constraint.admits(d.version)
    if (admitted === true) ok.push(`${d.version} (${label})`)
    else {
      problems.push(d.location)
      if (admitted === false) outside.push(`'${pkg}' ${d.version} (${label}) does not satisfy ${constraintText}`)
      else unprovable.push(`'${pkg}' version ${quote(d.version)} (${label}) is not a version; cannot prove`)
    }
  }
  const problem = outside[0] ?? unprovable[0]
  if (problem) return fail(problem, { examined, locations: problems })
  const listed = ok.slice(0, 3)
  const more = ok.length > 3 ? ` and ${ok.length - 3} more` : ''
  const verb = ok.length === 1 ? 'satisfies' : 'satisfy'
  return pass(`'${pkg}' ${listed.join(', ')}${more} ${verb} ${constraintText}`, {
    examined,
    locations: evidence.map((d) => d.location),
  })
}

/** Step 4: every declared range must lie entirely inside the constraint. */
function checkRanges(claim: Claim, declared: Declaration[]): Outcome {
  const { pkg, constraint, constraintText, examined } = claim
  for (const d of declared) {
    const file = d.location.file
    const locations = [d.location]
    if (d.version === undefined) {
      return fail(`'${pkg}' declared without a version in ${file}; cannot prove`, { examined, locations })
    }
    const inside = constraint.covers(d.version)
    if (inside === undefined) {
      return fail(`'${pkg}' declared ${quote(d.version)} in ${file} does not bound the version; cannot prove`, {
        examined,
        locations,
      })
    }
    if (!inside) {
      return fail(`'${pkg}' declared ${quote(d.version)} in ${file} is not inside '${constraintText}'; cannot prove`, {
        examined,
        locations,
      })
    }
  }
  const first = declared[0]!
  const others = declared.length > 1 ? ` (as are ${declared.length - 1} more declarations)` : ''
  return pass(
    `'${pkg}' declared ${quote(first.version ?? '')} in ${first.location.file} is inside '${constraintText}'${others}`,
    {
      examined,
      locations: declared.map((d) => d.location),
    },
  )
}
