export type Status = 'pass' | 'fail' | 'error' | 'skipped'

export interface Location {
  file: string
  line: number
  column?: number
  end_line?: number
  snippet?: string
}

export interface Assertion {
  id?: string
  type: string
  params?: Record<string, unknown>
  description?: string
  repo?: string
}

export interface Result {
  id: string
  type: string
  status: Status
  details: string
  locations: Location[]
  evidence_digest?: string
  control?: string
}

export type Summary = Record<Status, number>

export function summarize(results: readonly Result[]): Summary {
  const summary: Summary = { pass: 0, fail: 0, error: 0, skipped: 0 }
  for (const r of results) summary[r.status]++
  return summary
}
