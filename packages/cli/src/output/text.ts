import { summarize } from '@warrant/core'
import pc from 'picocolors'
import type { RenderInput } from './format.js'

export function summaryLine(r: RenderInput['results']): string {
  const s = summarize(r)
  return `${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.skipped} skipped`
}

/** One line per assertion, then the counts (§5.2). */
export function renderText(input: RenderInput): string {
  const c = pc.createColors(input.color)
  const paint = { pass: c.green, fail: c.red, error: c.magenta, skipped: c.yellow }
  const lines = input.results.map((r) => {
    const control = r.control ? c.dim(`  [${r.control}]`) : ''
    return `${paint[r.status](r.status.toUpperCase().padEnd(5))} ${r.id}  ${r.type}  ${r.details}${control}`
  })
  return `${[...lines, summaryLine(input.results)].join('\n')}\n`
}
