import type { Location } from '@warrant/core'
import type { TextFile } from '../checkout/checkout.js'
import {
  combineAny,
  type FileVerdict,
  isScan,
  isSelection,
  type Scan,
  scanFiles,
  selectFiles,
  skippedNote,
  where,
} from '../engine/files.js'
import type { Evaluator, Outcome } from '../engine/outcome.js'
import { allMatches, compileUserRegex, type SafeRegex } from '../regex/safe-regex.js'

/** Matches kept per file; all are counted, but no more than this are located. */
const LOCATED_PER_FILE = 100

interface Patterns {
  pattern: SafeRegex
  scopeStart?: SafeRegex
  scopeEnd?: SafeRegex
  /** Identifies the search (sources and flags), so its result per file is computed once per run. */
  key: string
}

function compilePatterns(params: Record<string, unknown>): Patterns | Outcome {
  const flags = {
    ignoreCase: params.ignore_case === true,
    multiline: params.multiline === true,
    dotall: params.dotall === true,
  }
  const out: Partial<Patterns> = {
    key: JSON.stringify([params.pattern, params.scope_start, params.scope_end, flags]),
  }
  for (const [param, key] of [
    ['pattern', 'pattern'],
    ['scope_start', 'scopeStart'],
    ['scope_end', 'scopeEnd'],
  ] as const) {
    const source = params[param]
    if (typeof source !== 'string') continue
    const c = compileUserRegex(param, source, flags)
    if (!c.ok) return { status: 'error', details: c.message }
    out[key] = c.regex
  }
  return out as Patterns
}

/** The region of §3.14: after the first scope_start match, before the first scope_end match at or after its end. */
function regionOf(text: string, p: Patterns): { start: number; end: number } | undefined {
  if (!p.scopeStart) return { start: 0, end: text.length }
  const s = p.scopeStart.find(text)
  if (!s) return undefined
  const e = p.scopeEnd?.find(text, s.end)
  return { start: s.end, end: e ? e.index : text.length }
}

type FileMatches = { count: number; locations: Location[] } | 'out-of-scope'

function matchFile(file: TextFile, p: Patterns): FileMatches {
  const region = regionOf(file.text, p)
  if (!region) return 'out-of-scope'
  const slice = file.text.slice(region.start, region.end)
  const locations: Location[] = []
  let count = 0
  for (const m of allMatches(p.pattern, slice)) {
    count++
    if (locations.length < LOCATED_PER_FILE) {
      locations.push(file.index.location(file.rel, region.start + m.index, region.start + m.end))
    }
  }
  return { count, locations }
}

async function scanPattern(
  params: Record<string, unknown>,
  ctx: Parameters<Evaluator>[1],
): Promise<{ scan: Scan; counts: Map<string, number>; outOfScope: number } | Outcome> {
  const patterns = compilePatterns(params)
  if (!('pattern' in patterns)) return patterns
  const selection = await selectFiles(params, ctx)
  if (!isSelection(selection)) return selection
  const counts = new Map<string, number>()
  let outOfScope = 0
  const scan = await scanFiles(selection, ctx, async (file): Promise<FileVerdict> => {
    const m = await ctx.checkout.derive(`match:${patterns.key}:${file.rel}`, async () => matchFile(file, patterns))
    if (m === 'out-of-scope') {
      outOfScope++
      return { kind: 'miss' }
    }
    counts.set(file.rel, m.count)
    return m.count > 0 ? { kind: 'hit', details: '', locations: m.locations } : { kind: 'miss' }
  })
  if (!isScan(scan)) return scan
  return { scan, counts, outOfScope }
}

const times = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 'es'}`

/** When every examined file lacks scope_start, the claim fails on scope (§3.14). */
function scopeFailure(scan: Scan, outOfScope: number): Outcome | undefined {
  const judged = scan.verdicts.filter((v) => v.verdict.kind !== 'error').length
  if (outOfScope === 0 || outOfScope < judged || scan.verdicts.some((v) => v.verdict.kind === 'error')) return undefined
  const details =
    scan.selection.kind === 'file'
      ? `scope_start not found in ${scan.selection.files[0]}`
      : `scope_start not found in any of ${scan.selection.files.length} files`
  return { status: 'fail', details, examined: scan.examined }
}

export const patternMatches: Evaluator = async (params, ctx) => {
  const r = await scanPattern(params, ctx)
  if (!('scan' in r)) return r
  const { scan, counts, outOfScope } = r
  const scoped = scopeFailure(scan, outOfScope)
  if (scoped) return scoped
  const hits = scan.verdicts.filter((v) => v.verdict.kind === 'hit')
  if (hits.length > 0) {
    const first = hits[0]!.verdict as { locations: Location[] }
    const total = hits.reduce((n, h) => n + (counts.get(h.rel) ?? 0), 0)
    const loc = first.locations[0]!
    const details = `pattern found at ${loc.file}:${loc.line} (${times(total, 'match')} in ${hits.length} file${hits.length === 1 ? '' : 's'})${skippedNote(scan)}`
    return {
      status: 'pass',
      details,
      locations: hits.flatMap((h) => (h.verdict as { locations: Location[] }).locations),
      examined: scan.examined,
    }
  }
  return combineAny(scan, `pattern not found in ${where(scan.selection)}`)
}

export const patternAbsent: Evaluator = async (params, ctx) => {
  const r = await scanPattern(params, ctx)
  if (!('scan' in r)) return r
  const { scan, counts, outOfScope } = r
  const hits = scan.verdicts.filter((v) => v.verdict.kind === 'hit')
  if (hits.length > 0) {
    const locations = hits.flatMap((h) => (h.verdict as { locations: Location[] }).locations)
    const total = hits.reduce((n, h) => n + (counts.get(h.rel) ?? 0), 0)
    const shown = locations.slice(0, 5).map((l) => `${l.file}:${l.line}`)
    const more = total > shown.length ? `, …` : ''
    return {
      status: 'fail',
      details: `pattern found ${total} time${total === 1 ? '' : 's'}: ${shown.join(', ')}${more}`,
      locations,
      examined: scan.examined,
    }
  }
  const scoped = scopeFailure(scan, outOfScope)
  if (scoped) return scoped
  const errors = scan.verdicts.filter((v) => v.verdict.kind === 'error')
  if (errors.length > 0) {
    const first = errors[0]!.verdict as { message: string }
    return { status: 'error', details: first.message, examined: scan.examined }
  }
  const from = scan.selection.kind === 'file' ? scan.selection.files[0] : where(scan.selection)
  return { status: 'pass', details: `pattern absent from ${from}${skippedNote(scan)}`, examined: scan.examined }
}
