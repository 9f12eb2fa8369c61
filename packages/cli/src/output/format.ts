import type { Result } from '@warrant/core'

export const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'junit', 'github'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** Where an assertion stands in its batch file, for SARIF results without a location (§7.1). */
export interface AssertionSource {
  /** Project-relative path of the batch file, when it lies inside the project root. */
  file: string
  line: number
  column: number
}

export interface RenderInput {
  results: Result[]
  /** The params as given per assertion id (SARIF fingerprints hash them). */
  params: Map<string, Record<string, unknown>>
  sources: Map<string, AssertionSource>
  version: string
  color: boolean
}
