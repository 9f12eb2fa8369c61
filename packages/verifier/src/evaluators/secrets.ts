import type { Location } from '@warrant/core'
import type { TextFile } from '../checkout/checkout.js'
import { isProblem } from '../checkout/checkout.js'
import { type Evaluator, error, fail, fromProblem, type Outcome, pass } from '../engine/outcome.js'
import { builtInScanner, customScanner, type SecretScanner } from '../secrets/scanner.js'
import type { SecretHit } from '../secrets/token-detectors.js'

/**
 * no_plaintext_secret (ASSERTIONS.md §3.19): built-in detectors or custom patterns over the raw text of a file or
 * of every text file a glob selects; universal combination (§2.4). Never reports a secret or a snippet.
 */
export const noPlaintextSecret: Evaluator = async (params, ctx) => {
  const patterns = params.patterns as string[] | undefined
  const compiled = patterns ? customScanner(patterns) : builtInScanner
  if ('error' in compiled) return secretOutcome(error(compiled.error))
  const scanner = compiled

  if (typeof params.file === 'string') {
    const file = await ctx.checkout.openText(params.file)
    if (isProblem(file)) return secretOutcome(fromProblem(file))
    return secretOutcome(combine(scanner, [scanFile(scanner, file)], [], 0))
  }

  const glob = params.glob as string
  const selection = await ctx.checkout.glob(glob)
  if (isProblem(selection)) return secretOutcome(fromProblem(selection))
  if (selection.files.length === 0) return secretOutcome(fail(`glob matched no files: ${glob}`))
  const scanned: FileHits[] = []
  const problems: FileProblem[] = []
  let binary = 0
  for (const rel of selection.files) {
    const content = await ctx.checkout.read(rel)
    if (isProblem(content)) problems.push({ rel, message: content.message })
    else if (content.binary) binary++
    else scanned.push(scanFile(scanner, ctx.checkout.decoded(content)))
  }
  if (binary === selection.files.length) {
    return secretOutcome(error(`no text files among ${binary} selected by ${glob}`))
  }
  return secretOutcome(combine(scanner, scanned, problems, binary))
}

interface FileHits {
  file: TextFile
  hits: SecretHit[]
}

interface FileProblem {
  rel: string
  message: string
}

const scanFile = (scanner: SecretScanner, file: TextFile): FileHits => ({
  file,
  hits: scanner.scan(file.text, file.rel),
})

/** As many hits as the result keeps locations (§1.5); the rest are counted. */
const MAX_LISTED = 20

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** Universal combination: any hit fails; else any unreadable file is an error; else pass. */
function combine(scanner: SecretScanner, scanned: FileHits[], problems: FileProblem[], binary: number): Outcome {
  const examined = scanned.map((s) => s.file.rel)
  const skipped = binary > 0 ? `; ${plural(binary, 'binary file')} skipped` : ''
  const found = scanned.flatMap(({ file, hits }) => hits.map((hit) => ({ hit, location: hitLocation(file, hit) })))
  if (found.length > 0) {
    // Variable names are file content: at most 200 characters of them in the details (§1.5).
    let nameBudget = 200
    const listed = found.slice(0, MAX_LISTED).map(({ hit, location }) => {
      const name = hit.name !== undefined && hit.name.length <= nameBudget ? hit.name : undefined
      if (name !== undefined) nameBudget -= name.length
      return `${describeHit({ ...hit, name })} at ${location.file}:${location.line}`
    })
    const more = found.length > MAX_LISTED ? ` (+${found.length - MAX_LISTED} more)` : ''
    return fail(`${plural(found.length, 'possible secret')}: ${listed.join('; ')}${more}`, {
      examined,
      locations: found.map((f) => f.location),
    })
  }
  if (problems.length > 0) {
    const details =
      problems.length === 1
        ? problems[0]!.message
        : `${problems.length} files could not be scanned: ${problems.map((p) => p.message).join('; ')}`
    return error(details, { examined, locations: problems.map((p) => ({ file: p.rel, line: 1 })) })
  }
  return pass(`no secrets found in ${plural(scanned.length, 'file')} (${scanner.label})${skipped}`, { examined })
}

const describeHit = (hit: SecretHit) => (hit.name === undefined ? hit.rule : `${hit.rule} '${hit.name}'`)

const hitLocation = (file: TextFile, hit: SecretHit): Location =>
  file.index.location(file.rel, hit.offset, undefined, false)

const secretOutcome = (outcome: Outcome): Outcome => ({ ...outcome, noSnippets: true })
