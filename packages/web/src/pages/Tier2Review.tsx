import { get, query } from '../api'
import { ErrorMessage } from '../ErrorMessage'
import { sourceLink } from '../links'
import { Link, paths } from '../router'
import type { Assertion, Control, Tier1Result, Tier2Prompt, WorkspaceSettings } from '../types'
import { useLoad } from '../useLoad'
import { ReviewForm } from './ReviewForm'

export interface ReviewSubject {
  modelId: string
  repo: string
  assertion: Assertion
  control: Control
  prompt: Tier2Prompt
  /** The anchor A1(a, repo): the current Tier 1 result the verdict is about; null when there is none. */
  anchor: Tier1Result | null
  sourceLinkTemplate: string | null
}

const enc = encodeURIComponent

/** The anchor is listed among the assertion's Tier 1 results for the repo (newest first, with the run's commit). */
async function findResult(base: string, repo: string, id: string): Promise<Tier1Result | null> {
  let cursor: string | undefined
  do {
    const page = await get<{ items: Tier1Result[]; next_cursor: string | null }>(
      `${base}/results?${query({ repo, tier: 1, limit: 1000, cursor })}`,
    )
    const found = page.items.find((r) => r.id === id)
    if (found) return found
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  return null
}

async function loadSubject(workspaceId: string, modelId: string, assertionId: string, repo: string) {
  const base = `/api/models/${enc(modelId)}/assertions/${enc(assertionId)}`
  const [assertion, prompt, settings] = await Promise.all([
    get<Assertion>(base),
    get<Tier2Prompt>(`${base}/tier2-prompt`),
    get<WorkspaceSettings>(`/api/workspaces/${enc(workspaceId)}/settings`),
  ])
  const anchorId = assertion.per_repo.find((p) => p.repo === repo)?.tier1.result_id
  const [control, anchor] = await Promise.all([
    get<Control>(`/api/models/${enc(modelId)}/controls/${enc(assertion.control_id)}`),
    anchorId ? findResult(base, repo, anchorId) : null,
  ])
  return { modelId, repo, assertion, control, prompt, anchor, sourceLinkTemplate: settings.source_link_template }
}

/** A person's Tier 2 verdict on one assertion in one repo (PLATFORM.md §5.16). */
export function Tier2ReviewPage(props: { workspaceId: string; modelId: string; assertionId: string; repo: string }) {
  const { workspaceId, modelId, assertionId, repo } = props
  const [subject, reload] = useLoad(`${workspaceId}/${modelId}/${assertionId}/${repo}`, () =>
    loadSubject(workspaceId, modelId, assertionId, repo),
  )
  return (
    <section>
      <p>
        <Link to={paths.queue(workspaceId)}>← Review queue</Link>
      </p>
      <h1>Tier 2 review of {assertionId}</h1>
      {subject.state === 'loading' && <p className="status">Loading…</p>}
      {subject.state === 'failed' && <ErrorMessage error={subject.error} />}
      {subject.state === 'done' && (
        <>
          <ControlSection control={subject.value.control} />
          <AssertionSection assertion={subject.value.assertion} repo={repo} />
          <AnchorSection subject={subject.value} />
          <section aria-labelledby="prompt">
            <h2 id="prompt">Tier 2 prompt</h2>
            <pre className="prompt">{subject.value.prompt.prompt}</pre>
            <p className="hash">
              Prompt hash <code>{subject.value.prompt.prompt_hash}</code>
            </p>
          </section>
          {subject.value.anchor?.result === 'pass' ? (
            <ReviewForm subject={subject.value} anchor={subject.value.anchor} onReload={reload} />
          ) : (
            <p className="status">Tier 1 does not pass in this repository: there is nothing to judge at Tier 2.</p>
          )}
        </>
      )}
    </section>
  )
}

function ControlSection({ control }: { control: Control }) {
  return (
    <section aria-labelledby="control">
      <h2 id="control">
        Control {control.id}: {control.title}
      </h2>
      <p className="description">{control.description}</p>
      <p className="meta">
        Revision {control.revision} · status <span data-testid="control-status">{control.verification_status}</span>
      </p>
    </section>
  )
}

function AssertionSection({ assertion, repo }: { assertion: Assertion; repo: string }) {
  const tier2 = assertion.per_repo.find((p) => p.repo === repo)?.tier2
  return (
    <section aria-labelledby="assertion">
      <h2 id="assertion">Assertion</h2>
      <dl>
        <dt>Type</dt>
        <dd>
          <code>{assertion.type}</code>
        </dd>
        <dt>Description</dt>
        <dd>{assertion.description}</dd>
        <dt>Repository</dt>
        <dd>{repo || '(default codebase)'}</dd>
        <dt>Tier 2 now</dt>
        <dd>
          {tier2 ? tier2.result : 'pending'}
          {tier2?.source && ` (${tier2.source === 'human' ? 'a person' : 'CI'})`}
          {tier2?.stale_reason && `, stale: ${tier2.stale_reason}`}
        </dd>
        <dt>Parameters</dt>
        <dd>
          <pre>{JSON.stringify(assertion.params, null, 2)}</pre>
        </dd>
      </dl>
    </section>
  )
}

function AnchorSection({ subject }: { subject: ReviewSubject }) {
  const { anchor, repo, sourceLinkTemplate } = subject
  if (!anchor)
    return (
      <section aria-labelledby="anchor">
        <h2 id="anchor">Tier 1 evidence</h2>
        <p className="status">No Tier 1 result in this repository yet.</p>
      </section>
    )
  const commit = anchor.run.commit_sha
  return (
    <section aria-labelledby="anchor">
      <h2 id="anchor">Tier 1 evidence</h2>
      <dl>
        <dt>Result</dt>
        <dd>{anchor.result}</dd>
        <dt>Details</dt>
        <dd className="details">{anchor.details}</dd>
        <dt>Commit</dt>
        <dd>
          <code>{commit}</code> (run {anchor.run.id}, accepted{' '}
          <time dateTime={anchor.run.accepted_at}>{new Date(anchor.run.accepted_at).toLocaleString()}</time>)
        </dd>
      </dl>
      <h3>Locations</h3>
      {anchor.locations.length === 0 ? (
        <p className="status">The result names no location.</p>
      ) : (
        <ul aria-label="Locations">
          {anchor.locations.map((l) => {
            const label = `${l.path}:${l.start_line}-${l.end_line}`
            const href = sourceLink(sourceLinkTemplate, {
              repo,
              commit,
              path: l.path,
              start: l.start_line,
              end: l.end_line,
            })
            return (
              <li key={label}>
                {href ? (
                  <a href={href} target="_blank" rel="noopener noreferrer">
                    {label}
                  </a>
                ) : (
                  <code>{label}</code>
                )}
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}
