import { type FormEvent, useState } from 'react'
import { ApiError, post } from '../api'
import { ErrorMessage } from '../ErrorMessage'
import type { Control, Tier1Result, Tier2Review } from '../types'
import type { ReviewSubject } from './Tier2Review'

type Outcome =
  | { state: 'idle' | 'busy' }
  | { state: 'failed'; error: unknown }
  | { state: 'recorded'; review: Tier2Review; control: Control }

/** Records YES (pass) or NO (fail) with a rationale against the anchor and the prompt the reviewer read. */
export function ReviewForm(props: { subject: ReviewSubject; anchor: Tier1Result; onReload: () => void }) {
  const { subject, anchor, onReload } = props
  const [outcome, setOutcome] = useState<Outcome>({ state: 'idle' })

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    setOutcome({ state: 'busy' })
    try {
      const out = await post<{ review: Tier2Review; control: Control }>(
        `/api/models/${encodeURIComponent(subject.modelId)}/assertions/${encodeURIComponent(subject.assertion.id)}/tier2-reviews`,
        {
          repo: subject.repo,
          verdict: form.get('verdict'),
          rationale: form.get('rationale'),
          anchor_result_id: anchor.id,
          prompt_hash: subject.prompt.prompt_hash,
          ...(anchor.evidence_digest ? { evidence_digest: anchor.evidence_digest } : {}),
        },
      )
      setOutcome({ state: 'recorded', ...out })
    } catch (error) {
      setOutcome({ state: 'failed', error })
    }
  }

  if (outcome.state === 'recorded')
    return (
      <p role="status" className="recorded">
        Recorded {outcome.review.verdict === 'pass' ? 'YES' : 'NO'} as review <code>{outcome.review.id}</code> at commit{' '}
        <code>{outcome.review.commit_sha}</code>. Control {outcome.control.id} is now{' '}
        <strong>{outcome.control.verification_status}</strong>.
      </p>
    )
  const stale = outcome.state === 'failed' && outcome.error instanceof ApiError && outcome.error.status === 409
  return (
    <form onSubmit={submit} aria-labelledby="verdict">
      <h2 id="verdict">Your verdict</h2>
      <fieldset>
        <legend>Does the code at this commit implement the control as the prompt asks?</legend>
        <label>
          <input type="radio" name="verdict" value="pass" required /> YES
        </label>
        <label>
          <input type="radio" name="verdict" value="fail" /> NO
        </label>
      </fieldset>
      <label>
        Rationale (20 bytes to 4 KiB: what you read and why it does or does not implement the control)
        <textarea name="rationale" rows={6} required />
      </label>
      <button type="submit" disabled={outcome.state === 'busy'}>
        Record verdict
      </button>
      {outcome.state === 'failed' && <ErrorMessage error={outcome.error} />}
      {stale && (
        <button type="button" onClick={onReload}>
          Reload the evidence
        </button>
      )}
    </form>
  )
}
