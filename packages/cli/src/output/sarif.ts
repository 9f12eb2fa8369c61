import { createHash } from 'node:crypto'
import { CATALOGUE, canonicalJson, type Location } from '@warrant/core'
import type { RenderInput } from './format.js'

const region = (l: Location, withSnippet: boolean) => ({
  startLine: l.line,
  ...(l.column !== undefined ? { startColumn: l.column } : {}),
  ...(l.end_line !== undefined ? { endLine: l.end_line } : {}),
  ...(withSnippet && l.snippet !== undefined ? { snippet: { text: l.snippet } } : {}),
})

const physical = (file: string, r: ReturnType<typeof region>) => ({
  physicalLocation: {
    artifactLocation: { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' },
    region: r,
  },
})

/** The fingerprint stays stable while the assertion's type and params are unchanged (§7.1). */
export function assertionFingerprint(type: string, params: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson({ params, type }), 'utf8').digest('hex')
}

/** SARIF 2.1.0, one run, one result per non-pass assertion (§7.1). */
export function renderSarif(input: RenderInput): string {
  const types = [...new Set(input.results.map((r) => r.type))]
  const rules = types.map((type) => ({
    id: type,
    shortDescription: { text: CATALOGUE.get(type)?.claim ?? `unknown assertion type '${type}'` },
    defaultConfiguration: { level: 'error' },
  }))
  const results = input.results
    .filter((r) => r.status !== 'pass')
    .map((r) => {
      const withSnippet = r.type !== 'no_plaintext_secret'
      const [first, ...rest] = r.locations
      const source = input.sources.get(r.id)
      const locations = first
        ? [physical(first.file, region(first, withSnippet))]
        : source
          ? [physical(source.file, { startLine: source.line, startColumn: source.column })]
          : []
      return {
        ruleId: r.type,
        ruleIndex: types.indexOf(r.type),
        kind: r.status === 'skipped' ? 'notApplicable' : 'fail',
        level: r.status === 'skipped' ? 'none' : 'error',
        message: { text: r.status === 'error' ? `error: ${r.details}` : r.details },
        locations,
        ...(rest.length
          ? { relatedLocations: rest.map((l, i) => ({ id: i, ...physical(l.file, region(l, withSnippet)) })) }
          : {}),
        partialFingerprints: { 'warrantAssertion/v1': assertionFingerprint(r.type, input.params.get(r.id) ?? {}) },
        properties: {
          warrant_id: r.id,
          ...(r.control ? { control: r.control } : {}),
          status: r.status,
          ...(r.evidence_digest ? { evidence_digest: r.evidence_digest } : {}),
        },
      }
    })
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'warrant',
            version: input.version,
            semanticVersion: input.version,
            rules,
          },
        },
        invocations: [{ executionSuccessful: true }],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  }
  return `${JSON.stringify(sarif, null, 2)}\n`
}
