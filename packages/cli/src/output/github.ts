import type { RenderInput } from './format.js'
import { summaryLine } from './text.js'

/** Workflow-command data escaping: `%` first, then CR and LF (§7.2). */
export const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
/** Property escaping: data escaping plus `:` and `,`. */
export const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C')

/** One annotation per non-pass result (titled with its control when it has one), then the plain summary line. */
export function renderGithub(input: RenderInput): string {
  const lines: string[] = []
  for (const r of input.results) {
    if (r.status === 'pass') continue
    const command = r.status === 'skipped' ? 'warning' : 'error'
    const props: string[] = []
    const loc = r.locations[0]
    if (loc) {
      props.push(`file=${escapeProperty(loc.file)}`, `line=${loc.line}`)
      if (loc.column !== undefined) props.push(`col=${loc.column}`)
      if (loc.end_line !== undefined) props.push(`endLine=${loc.end_line}`)
    }
    const control = r.control ? `${r.control} ` : ''
    props.push(`title=${escapeProperty(`warrant ${r.status}: ${control}${r.type} ${r.id}`)}`)
    lines.push(`::${command} ${props.join(',')}::${escapeData(r.details)}`)
  }
  lines.push(`warrant: ${summaryLine(input.results)}`)
  return `${lines.join('\n')}\n`
}
