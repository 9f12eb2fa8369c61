import type { Location } from '@warrant/core'
import { isProblem, type TextFile } from '../checkout/checkout.js'
import { type EvalContext, fail, fromProblem, type Outcome } from './outcome.js'

/** The files an assertion looks at: one `file`, or every file a `glob` selects (§2.2). */
export type Selection = { kind: 'file'; files: [string] } | { kind: 'glob'; glob: string; files: string[] }

export async function selectFiles(
  params: Record<string, unknown>,
  ctx: EvalContext,
  keys: { file?: string; glob?: string } = { file: 'file', glob: 'glob' },
): Promise<Selection | Outcome> {
  const file = keys.file ? (params[keys.file] as string | undefined) : undefined
  if (file !== undefined) {
    const loc = await ctx.checkout.locate(file)
    if (isProblem(loc)) return fromProblem(loc)
    return { kind: 'file', files: [loc.rel] }
  }
  const glob = params[keys.glob ?? 'glob'] as string
  const sel = await ctx.checkout.glob(glob)
  if (isProblem(sel)) return fromProblem(sel)
  if (sel.files.length === 0) return fail(`glob matched no files: ${glob}`)
  return { kind: 'glob', glob, files: sel.files }
}

export const isSelection = (x: Selection | Outcome): x is Selection => 'files' in x

/** The verdict on one file of a selection (§2.4). */
export type FileVerdict =
  | { kind: 'hit'; details: string; locations: Location[] }
  | { kind: 'miss'; locations?: Location[] }
  | { kind: 'error'; message: string }
  | { kind: 'unsupported' }

export interface Scan {
  selection: Selection
  verdicts: { rel: string; verdict: FileVerdict }[]
  /** Files read and examined (binary files a glob skipped are not). */
  examined: string[]
  binarySkipped: number
  unsupportedSkipped: number
}

/**
 * Reads every selected file as text and judges it. Binary files selected by a glob are skipped and counted; named
 * by `file` they are an error. Every selected text file is read (the evidence digest covers them all), but `judge`
 * learns whether a file already satisfied the claim, so an existential type need not analyse the rest.
 */
export async function scanFiles(
  selection: Selection,
  ctx: EvalContext,
  judge: (file: TextFile, hasHit: boolean) => Promise<FileVerdict>,
): Promise<Scan | Outcome> {
  const scan: Scan = { selection, verdicts: [], examined: [], binarySkipped: 0, unsupportedSkipped: 0 }
  for (const rel of selection.files) {
    const content = await ctx.checkout.read(rel)
    if (isProblem(content)) {
      if (selection.kind === 'file') return fromProblem(content)
      scan.verdicts.push({ rel, verdict: { kind: 'error', message: content.message } })
      continue
    }
    if (content.binary) {
      if (selection.kind === 'file') return { status: 'error', details: `binary file where text is needed: ${rel}` }
      scan.binarySkipped++
      continue
    }
    // Every text file a glob selected was read, so it is examined (§1.4), also one of a type the claim skips.
    scan.examined.push(rel)
    const verdict = await judge(
      ctx.checkout.decoded(content),
      scan.verdicts.some((v) => v.verdict.kind === 'hit'),
    )
    if (verdict.kind === 'unsupported') {
      scan.unsupportedSkipped++
      continue
    }
    scan.verdicts.push({ rel, verdict })
  }
  if (selection.kind === 'glob') {
    const n = selection.files.length
    if (scan.binarySkipped === n)
      return { status: 'error', details: `no text files among ${n} selected by ${selection.glob}` }
    if (scan.verdicts.length === 0) {
      return {
        status: 'error',
        details: `no analysable files among ${n} selected by ${selection.glob}`,
        examined: scan.examined,
      }
    }
  }
  return scan
}

export const isScan = (x: Scan | Outcome): x is Scan => 'verdicts' in x

/** `in <file>` or `in <n> files selected by <glob>`, for details. */
export function where(selection: Selection): string {
  return selection.kind === 'file'
    ? selection.files[0]
    : `${selection.files.length} file${selection.files.length === 1 ? '' : 's'} selected by ${selection.glob}`
}

/** Counts of skipped files, appended to details: `; 2 binary files skipped`. */
export function skippedNote(scan: Scan, what = 'unsupported type'): string {
  const notes: string[] = []
  if (scan.binarySkipped) notes.push(`${scan.binarySkipped} binary file${scan.binarySkipped === 1 ? '' : 's'} skipped`)
  if (scan.unsupportedSkipped) {
    notes.push(`${scan.unsupportedSkipped} file${scan.unsupportedSkipped === 1 ? '' : 's'} of ${what} skipped`)
  }
  return notes.length ? ` (${notes.join(', ')})` : ''
}

function firstError(scan: Scan): Outcome | undefined {
  const errors = scan.verdicts.filter((v) => v.verdict.kind === 'error')
  if (errors.length === 0) return undefined
  const first = errors[0]!.verdict as { message: string }
  const more = errors.length > 1 ? ` (+${errors.length - 1} more file errors)` : ''
  return { status: 'error', details: `${first.message}${more}`, examined: scan.examined }
}

/** Existential combination (§2.4): pass if any file satisfies; else error if any errored; else fail. */
export function combineAny(scan: Scan, failDetails: string): Outcome {
  const hit = scan.verdicts.find((v) => v.verdict.kind === 'hit')
  if (hit && hit.verdict.kind === 'hit') {
    return {
      status: 'pass',
      details: hit.verdict.details + skippedNote(scan),
      locations: hit.verdict.locations,
      examined: scan.examined,
    }
  }
  const err = firstError(scan)
  if (err) return err
  const locations = scan.verdicts.flatMap((v) => (v.verdict.kind === 'miss' ? (v.verdict.locations ?? []) : []))
  return { status: 'fail', details: failDetails + skippedNote(scan), locations, examined: scan.examined }
}

/**
 * Universal combination (§2.4): fail if any file violates (every violation reported); else error if any errored;
 * else pass. Here a `hit` is a violation.
 */
export function combineNone(scan: Scan, passDetails: string, violation: (hits: Scan['verdicts']) => string): Outcome {
  const hits = scan.verdicts.filter((v) => v.verdict.kind === 'hit')
  if (hits.length > 0) {
    const locations = hits.flatMap((h) => (h.verdict.kind === 'hit' ? h.verdict.locations : []))
    return { status: 'fail', details: violation(hits), locations, examined: scan.examined }
  }
  const err = firstError(scan)
  if (err) return err
  return { status: 'pass', details: passDetails + skippedNote(scan), examined: scan.examined }
}

/** Reads a `file` param as text in one step, or returns the outcome for why it cannot be. */
export async function textOf(ctx: EvalContext, path: string): Promise<TextFile | Outcome> {
  const t = await ctx.checkout.openText(path)
  return isProblem(t) ? fromProblem(t) : t
}

export const isText = (x: TextFile | Outcome): x is TextFile => 'text' in x
