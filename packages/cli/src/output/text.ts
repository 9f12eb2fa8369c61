import { summarize } from '@warrant/core'
import pc from 'picocolors'
import type { RenderInput } from './format.js'

const paint = { pass: pc.green, fail: pc.red, error: pc.magenta, skipped: pc.yellow }

export function summaryLine(r: RenderInput['results']): string {
  const s = summarize(r)
  return `${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.skipped} skipped`
}

/** One line per assertion, then the counts (§5.2). */
export function renderText(input: RenderInput): string {
  const colors = pc.createColors(input.color)
  const lines = input.results.map((r) => {
    const status = r.status.toUpperCase().padEnd(5)
    const painted = input.color ? paint[r.status](status) : status
    const control = r.control ? `  [${r.control}]` : ''
    return `${painted} ${r.id}  ${r.type}  ${r.details}${input.color ? colors.dim(control) : control}`
  })
  return `${[...lines, summaryLine(input.results)].join('\n')}\n`
}
