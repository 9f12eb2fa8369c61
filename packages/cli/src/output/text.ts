import { summarize } from '@warrant/core'
import pc from 'picocolors'
import type { RenderInput } from './format.js'

/** A type name from a batch file may hold anything: control characters are shown escaped, one line per result. */
const printable = (s: string) =>
  s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

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
    return `${paint[r.status](r.status.toUpperCase().padEnd(5))} ${r.id}  ${printable(r.type)}  ${r.details}${control}`
  })
  return `${[...lines, summaryLine(input.results)].join('\n')}\n`
}
