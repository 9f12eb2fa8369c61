import { splitName } from '@warrant/core'
import type { TextFile } from '../../checkout/checkout.js'
import { clip } from '../../checkout/text.js'
import { factsFor } from '../../code/analysis.js'
import type { FileFacts, HeaderSite, Import, LanguageId } from '../../code/facts.js'
import { languageOf } from '../../code/languages.js'
import { matchesReference } from '../../code/names.js'
import { isScan, isSelection, scanFiles, selectFiles, skippedNote, where } from '../../engine/files.js'
import type { Evaluator } from '../../engine/outcome.js'
import { compileUserRegex } from '../../regex/safe-regex.js'
import { ALL_TREES, existentialCodeClaim, locationOf, syntaxErrorIn } from './common.js'

const LEXICAL: LanguageId[] = ['c-family', 'shell', 'dockerfile', 'dotenv', 'yaml', 'server-config']

/** The separators after which a longer module is a submodule (§3.16). */
function separators(language: LanguageId): string[] {
  switch (language) {
    case 'python':
    case 'java':
    case 'kotlin':
    case 'csharp':
      return ['.']
    case 'rust':
      return ['::']
    case 'php':
      return ['\\']
    case 'c-family':
      return ['/', '.']
    default:
      return ['/']
  }
}

const stripNode = (m: string) => (m.startsWith('node:') ? m.slice(5) : m)

function importMatches(language: LanguageId, wanted: string, imp: Import): boolean {
  const js = language === 'javascript' || language === 'typescript' || language === 'tsx'
  const module = js ? stripNode(imp.module) : imp.module
  const target = js ? stripNode(wanted) : wanted
  if (module === target) return true
  const seps = separators(language)
  if (seps.some((s) => module.startsWith(target + s))) return true
  // `import a.b.*` imports a.b and everything under it
  return imp.wildcard === true && seps.some((s) => target.startsWith(module + s))
}

export const importPresent: Evaluator = (params, ctx) => {
  const module = params.module as string
  return existentialCodeClaim(
    'import_present',
    params,
    ctx,
    [...ALL_TREES, 'c-family'],
    ['imports'],
    (facts, file) => {
      const imp = facts.imports().find((i) => importMatches(facts.language, module, i))
      return (
        imp && {
          details: `'${module}' imported at ${file.rel}:${imp.at.line} (${clip(imp.text.trim(), 120)})`,
          locations: [locationOf(file, imp.at)],
        }
      )
    },
    (w) => `'${module}' not imported in ${w}`,
  )
}

export const envVarReferenced: Evaluator = (params, ctx) => {
  const variable = params.variable as string
  return existentialCodeClaim(
    'env_var_referenced',
    params,
    ctx,
    [...ALL_TREES, ...LEXICAL],
    ['envReads'],
    (facts, file) => {
      const read = facts.envReads().find((e) => e.name === variable)
      return (
        read && {
          details: `'${variable}' read at ${file.rel}:${read.at.line} (${clip(read.text.trim(), 120)})`,
          locations: [locationOf(file, read.at)],
        }
      )
    },
    (w) => `'${variable}' not read in ${w}`,
  )
}

const MIDDLEWARE_LANGUAGES: LanguageId[] = [
  'python',
  'javascript',
  'typescript',
  'tsx',
  'java',
  'kotlin',
  'csharp',
  'ruby',
  'go',
]

export const middlewareRegistered: Evaluator = (params, ctx) => {
  const middleware = params.middleware as string
  const asPath = splitName(middleware)
  return existentialCodeClaim(
    'middleware_registered',
    params,
    ctx,
    MIDDLEWARE_LANGUAGES,
    ['middleware'],
    (facts, file) => {
      const reg = facts.middleware().find((m) => {
        if (m.packageName !== undefined) return m.packageName === middleware
        if (m.dottedString !== undefined)
          return m.dottedString === middleware || m.dottedString.endsWith(`.${middleware}`)
        return asPath !== undefined && m.path !== undefined && matchesReference(facts.language, asPath, m.path)
      })
      return (
        reg && {
          details: `'${middleware}' registered at ${file.rel}:${reg.at.line} (${reg.via})`,
          locations: [locationOf(file, reg.at)],
        }
      )
    },
    (w) => `'${middleware}' not registered in ${w}`,
  )
}

const describeValue = (site: HeaderSite) =>
  site.value.kind === 'literal' ? ` with ${JSON.stringify(clip(site.value.text, 200))}` : ''

export const httpHeaderSet: Evaluator = async (params, ctx) => {
  const header = params.header as string
  const lower = header.toLowerCase()
  let valueRegex: ReturnType<typeof compileUserRegex> | undefined
  if (typeof params.value === 'string') {
    valueRegex = compileUserRegex('value', params.value)
    if (!valueRegex.ok) return { status: 'error', details: valueRegex.message }
  }
  const regex = valueRegex?.ok ? valueRegex.regex : undefined
  const selection = await selectFiles(params, ctx)
  if (!isSelection(selection)) return selection
  let mismatch: string | undefined
  const missed: { file: TextFile; facts: FileFacts }[] = []
  const scan = await scanFiles(selection, ctx, async (file, hasHit) => {
    const language = languageOf(file.rel)
    if (!language || !(ALL_TREES.includes(language) || language === 'server-config')) {
      return selection.kind === 'file'
        ? { kind: 'error', message: `unsupported file type for http_header_set: ${file.rel}` }
        : { kind: 'unsupported' }
    }
    if (hasHit) return { kind: 'miss' }
    const facts = await factsFor(ctx, file, language, ['headers'])
    const sites = facts.headers().filter((s) => s.name.toLowerCase() === lower)
    const at = (s: HeaderSite) => `'${header}' set at ${file.rel}:${s.at.line}`
    const decided = sites.filter((s) => s.value.kind !== 'undecidable')
    if (!regex) {
      const site = decided[0]
      if (site) {
        return { kind: 'hit', details: `${at(site)} (${site.via})`, locations: [locationOf(file, site.at)] }
      }
    } else {
      for (const s of sites) {
        if (s.value.kind === 'literal' && regex.find(s.value.text)) {
          return { kind: 'hit', details: `${at(s)} (${s.via})${describeValue(s)}`, locations: [locationOf(file, s.at)] }
        }
      }
      const unjudgeable = sites.find((s) => s.value.kind !== 'literal')
      if (unjudgeable) {
        const why =
          unjudgeable.value.kind === 'middleware'
            ? `set by ${unjudgeable.value.via}`
            : unjudgeable.value.kind === 'undecidable'
              ? unjudgeable.value.reason
              : 'not a literal'
        return { kind: 'error', message: `value not checkable: ${why} (${file.rel}:${unjudgeable.at.line})` }
      }
      const literal = sites[0]
      if (literal) {
        mismatch ??= `${at(literal)}${describeValue(literal)}, which does not match ${params.value as string}`
        return { kind: 'miss', locations: [locationOf(file, literal.at)] }
      }
    }
    const undecidable = sites.find((s) => s.value.kind === 'undecidable')
    if (undecidable?.value.kind === 'undecidable') {
      return {
        kind: 'error',
        message: `'${header}' cannot be judged at ${file.rel}:${undecidable.at.line}: ${undecidable.value.reason}`,
      }
    }
    missed.push({ file, facts })
    return { kind: 'miss' }
  })
  if (!isScan(scan)) return scan
  const hit = scan.verdicts.find((v) => v.verdict.kind === 'hit')
  if (hit?.verdict.kind === 'hit') {
    return { status: 'pass', details: hit.verdict.details, locations: hit.verdict.locations, examined: scan.examined }
  }
  for (const m of missed) {
    const message = await syntaxErrorIn(ctx, m.file, m.facts)
    if (message) return { status: 'error', details: message, examined: scan.examined }
  }
  const err = scan.verdicts.find((v) => v.verdict.kind === 'error')
  if (err?.verdict.kind === 'error') return { status: 'error', details: err.verdict.message, examined: scan.examined }
  const locations = scan.verdicts.flatMap((v) => (v.verdict.kind === 'miss' ? (v.verdict.locations ?? []) : []))
  return {
    status: 'fail',
    details: mismatch ?? `'${header}' not set in ${where(selection)}${skippedNote(scan)}`,
    locations,
    examined: scan.examined,
  }
}
