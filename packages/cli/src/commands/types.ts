import { CATALOGUE, catalogueData } from '@warrant/core'
import type { Io } from '../io.js'

/** `warrant types`: the catalogue, as a table or as data for the server, MCP and UI. */
export function types(output: 'text' | 'json', io: Io): number {
  if (output === 'json') {
    io.stdout(`${JSON.stringify({ types: catalogueData() }, null, 2)}\n`)
    return 0
  }
  const width = Math.max(...[...CATALOGUE.keys()].map((k) => k.length))
  for (const t of CATALOGUE.values()) {
    const params = Object.entries(t.params)
      .map(([k, p]) => (p.required ? k : `[${k}]`))
      .join(' ')
    io.stdout(`${t.name.padEnd(width)}  ${t.claim}\n${' '.repeat(width)}  params: ${params}\n`)
  }
  return 0
}
