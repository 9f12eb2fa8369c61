import { posix } from 'node:path'
import { isProblem, type TextFile } from '../../checkout/checkout.js'
import { factsFor } from '../../code/analysis.js'
import type { FileFacts, NamePath } from '../../code/facts.js'
import type { EvalContext } from '../../engine/outcome.js'

const MAX_DEPTH = 16

/** Whether class `className` in these facts derives from `BaseModel`, directly or through classes of the same file. */
function derivesFromBaseModel(facts: FileFacts, className: string, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false
  const cls = facts
    .definitions()
    .find((d) => d.kind === 'class' && d.qualified.length === 1 && d.qualified[0] === className)
  if (!cls) return false
  return (cls.bases ?? []).some((base) => {
    const last = base[base.length - 1]
    if (last === 'BaseModel') return true
    return base.length === 1 && last !== undefined && derivesFromBaseModel(facts, last, depth + 1)
  })
}

/** Candidate files for `from X import …` in `fromRel`: relative to the file's package, then to the project root. */
function moduleFiles(fromRel: string, module: string): string[] {
  const pkgDir = posix.dirname(fromRel)
  const dots = /^\.*/.exec(module)![0].length
  const rest = module.slice(dots).split('.').filter(Boolean).join('/')
  const bases: string[] = []
  if (dots > 0) {
    let dir = pkgDir
    for (let i = 1; i < dots; i++) dir = posix.dirname(dir)
    bases.push(posix.join(dir, rest))
  } else {
    bases.push(posix.join(pkgDir, rest), rest)
  }
  return bases.flatMap((b) => [`${b}.py`, `${b}/__init__.py`]).filter((p) => !p.startsWith('..'))
}

/**
 * Resolves a Python annotation to a Pydantic model (§3.5 form 3): a class deriving from BaseModel in the same file,
 * or in a project file imported with `from X import Name` (one level).
 */
export async function pydanticModel(
  ctx: EvalContext,
  file: TextFile,
  facts: FileFacts,
  annotation: NamePath,
): Promise<{ model: boolean; examined: string[] }> {
  // Every project file read to resolve the annotation is examined, whether or not it holds a model (§1.4).
  const examined: string[] = []
  if (annotation.length !== 1) return { model: false, examined }
  const local = annotation[0]!
  if (derivesFromBaseModel(facts, local)) return { model: true, examined }
  for (const imp of facts.imports()) {
    const bound = imp.names?.find((n) => n.local === local)
    if (!bound) continue
    for (const candidate of moduleFiles(file.rel, imp.module)) {
      const other = await ctx.checkout.openText(candidate)
      if (isProblem(other)) continue
      examined.push(other.rel)
      const otherFacts = await factsFor(ctx, other, 'python', ['definitions'])
      if (derivesFromBaseModel(otherFacts, bound.imported)) return { model: true, examined }
    }
  }
  return { model: false, examined }
}
