import { summarize } from '@warrant/core'
import type { RenderInput } from './format.js'

export function renderJson(input: RenderInput): string {
  return `${JSON.stringify({ results: input.results, summary: summarize(input.results) }, null, 2)}\n`
}
