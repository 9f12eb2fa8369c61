import { type Checkout, isProblem } from '../checkout/checkout.js'
import type { Excerpt } from './prompt.js'

const MAX_LINES = 200

/**
 * The smallest relevant excerpt: the lines of the Tier 1 result's first location (the function, block or match it
 * found), at most 200 lines. No location, or a file that cannot be read, means there is nothing to judge.
 */
export async function excerptFor(
  checkout: Checkout,
  location: { file: string; line: number; end_line?: number } | undefined,
): Promise<Excerpt | undefined> {
  if (!location) return undefined
  const file = await checkout.openText(location.file)
  if (isProblem(file)) return undefined
  const lines = file.text.split('\n')
  const start = Math.max(1, location.line)
  const end = Math.min(lines.length, Math.max(start, location.end_line ?? start), start + MAX_LINES - 1)
  const text = lines.slice(start - 1, end).join('\n')
  return text.trim() === '' ? undefined : { path: location.file, startLine: start, endLine: end, text }
}
