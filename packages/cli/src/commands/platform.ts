import type { Io } from '../io.js'
import { PlatformClient, PlatformError } from '../platform-client.js'

interface ControlItem {
  id: string
  title: string
  implementation_status: string
  verification_status: string
  assertion_count: number
}

interface Report {
  model_id: string
  rules_version: string
  controls_total: number
  controls_verified: number
  controls_partially_verified: number
  controls_pending: number
  controls_unverified: number
  drift: { open: number }
  repos: { repo: string; last_commit_sha: string; last_run_at: string }[]
  control_details: {
    control_id: string
    title: string
    verification_status: string
    status_reasons: string[]
    assertions?: {
      id: string
      type: string
      evaluation: string
      per_repo: { repo: string; tier1: string; tier2: string }[]
    }[]
  }[]
  next_cursor: string | null
}

/** Exit code of platform commands when the platform refuses or cannot be reached. */
export const PLATFORM_FAILURE = 3

async function guarded(io: Io, run: () => Promise<number>): Promise<number> {
  try {
    return await run()
  } catch (e) {
    if (!(e instanceof PlatformError)) throw e
    const hint =
      e.status === 401
        ? ' (check WARRANT_API_KEY)'
        : e.status === 404
          ? ' (check the model id and that the key may see it)'
          : ''
    io.stderr(`warrant: ${e.code}: ${e.message}${hint}\n`)
    return PLATFORM_FAILURE
  }
}

const modelPath = (model: string) => `/api/models/${encodeURIComponent(model)}`

/** `warrant list MODEL`: the model's controls with their statuses. */
export function list(model: string, opts: { url?: string; output: 'text' | 'json' }, io: Io): Promise<number> {
  return guarded(io, async () => {
    const client = PlatformClient.fromEnv(io, opts.url)
    const items: ControlItem[] = []
    let cursor: string | null = null
    do {
      const page: { items: ControlItem[]; next_cursor: string | null } = await client.get(
        `${modelPath(model)}/controls?summary_only=true&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )
      items.push(...page.items)
      cursor = page.next_cursor
    } while (cursor)
    if (opts.output === 'json') {
      io.stdout(`${JSON.stringify({ model_id: model, controls: items }, null, 2)}\n`)
      return 0
    }
    for (const c of items)
      io.stdout(
        `${c.id.padEnd(12)} ${c.verification_status.padEnd(18)} ${c.implementation_status.padEnd(15)} ${String(c.assertion_count).padStart(4)}  ${c.title}\n`,
      )
    io.stdout(`${items.length} controls\n`)
    return 0
  })
}

/** `warrant report MODEL`: the verification report; exit 1 when any control is partially verified. */
export function report(model: string, opts: { url?: string; output: 'text' | 'json' }, io: Io): Promise<number> {
  return guarded(io, async () => {
    const client = PlatformClient.fromEnv(io, opts.url)
    const first: Report = await client.get(`${modelPath(model)}/verification/report?limit=1000`)
    const details = [...first.control_details]
    let cursor = first.next_cursor
    while (cursor) {
      const page: Report = await client.get(
        `${modelPath(model)}/verification/report?limit=1000&cursor=${encodeURIComponent(cursor)}`,
      )
      details.push(...page.control_details)
      cursor = page.next_cursor
    }
    const full = { ...first, control_details: details, next_cursor: null }
    const code = full.controls_partially_verified > 0 ? 1 : 0
    if (opts.output === 'json') {
      io.stdout(`${JSON.stringify(full, null, 2)}\n`)
      return code
    }
    io.stdout(
      `${full.controls_verified}/${full.controls_total} controls verified, ${full.controls_partially_verified} partially verified, ${full.controls_pending} pending, ${full.controls_unverified} unverified; ${full.drift.open} open drift\n`,
    )
    for (const r of full.repos)
      io.stdout(`repo ${r.repo || '(default)'}: last run on ${r.last_commit_sha.slice(0, 12)} at ${r.last_run_at}\n`)
    for (const c of details) {
      const reasons = c.status_reasons.length ? ` (${c.status_reasons.join(', ')})` : ''
      io.stdout(`${c.control_id.padEnd(12)} ${c.verification_status.padEnd(18)} ${c.title}${reasons}\n`)
      for (const a of c.assertions ?? [])
        if (a.evaluation !== 'passing')
          io.stdout(
            `  ${a.id} ${a.type} ${a.evaluation}${a.per_repo.map((p) => ` [${p.repo || 'default'}: tier1 ${p.tier1}, tier2 ${p.tier2}]`).join('')}\n`,
          )
    }
    return code
  })
}
