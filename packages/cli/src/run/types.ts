import type { Result } from '@warrant/core'
import type { Tier2Usage } from '@warrant/verifier'

/** An assertion as the platform hands it to CI (PLATFORM.md §5.14, PendingAssertion), the fields `warrant run` uses. */
export interface PendingAssertion {
  id: string
  control_id: string
  type: string
  params: Record<string, unknown>
  description: string
  repo: string | null
  digest: string
  control: { id: string; title: string }
  tier2_prompt: string
  tier2_prompt_hash: string
}

export interface Submitted {
  run_id: string
  counting: boolean
  status_changes: { control_id: string; from: string; to: string }[]
}

/** What one model's run verified, rendered and submitted. */
export interface ModelRun {
  model_id: string
  pulled: number
  assertions: PendingAssertion[]
  counts: Record<Result['status'], number>
  tier2: { asked: number; cached: number; precheck: number; usage: Tier2Usage }
  failing: string[]
  rendered: Result[]
  submitted: Submitted | null
  note: string
  /** Wall time per phase, in milliseconds (pull includes the model lookup; submit is 0 when nothing was sent). */
  timings: { pull_ms: number; tier1_ms: number; tier2_ms: number; submit_ms: number }
}
