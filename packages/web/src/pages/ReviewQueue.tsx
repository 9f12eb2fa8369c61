import { get, query } from '../api'
import { ErrorMessage } from '../ErrorMessage'
import { Link, paths } from '../router'
import type { ReviewItem, Session } from '../types'
import { useLoad } from '../useLoad'

interface Queue {
  items: ReviewItem[]
  counts_by_kind: Record<string, number>
  next_cursor: string | null
}

/** The workspace's Tier 2 review items (PLATFORM.md §4.12, §5.18): Tier 1 passes whose Tier 2 verdict needs a person. */
export function ReviewQueue({
  workspaceId,
  memberships,
}: {
  workspaceId: string
  memberships: Session['memberships']
}) {
  const [queue] = useLoad(workspaceId, () =>
    get<Queue>(
      `/api/workspaces/${encodeURIComponent(workspaceId)}/review-queue?${query({ kind: 'tier2_verdict', limit: 1000 })}`,
    ),
  )
  const workspace = memberships.find((m) => m.workspace_id === workspaceId)
  return (
    <section>
      <h1>Tier 2 reviews{workspace ? ` — ${workspace.name}` : ''}</h1>
      <p>
        <Link to={paths.models(workspaceId)}>Models and audit packages</Link>
      </p>
      {memberships.length > 1 && (
        <nav aria-label="Workspaces">
          {memberships.map((m) => (
            <Link key={m.workspace_id} to={paths.queue(m.workspace_id)}>
              {m.name}
            </Link>
          ))}
        </nav>
      )}
      {queue.state === 'loading' && <p className="status">Loading…</p>}
      {queue.state === 'failed' && <ErrorMessage error={queue.error} />}
      {queue.state === 'done' && <QueueTable workspaceId={workspaceId} queue={queue.value} />}
    </section>
  )
}

function QueueTable({ workspaceId, queue }: { workspaceId: string; queue: Queue }) {
  const items = queue.items.filter((i) => i.kind === 'tier2_verdict' && i.assertion_id !== undefined)
  if (items.length === 0) return <p className="status">Nothing waits for a Tier 2 review.</p>
  return (
    <>
      <p>
        {items.length} of {queue.counts_by_kind.tier2_verdict ?? items.length} assertions wait for a person's Tier 2
        verdict, oldest first.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Control</th>
            <th scope="col">Model</th>
            <th scope="col">Repository</th>
            <th scope="col">Waiting since</th>
            <th scope="col">Assertion</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={`${i.assertion_id}/${i.repo}`}>
              <td>
                {i.control_id} — {i.control_title}
              </td>
              <td>{i.model_title}</td>
              <td>{i.repo || '(default codebase)'}</td>
              <td>
                <time dateTime={i.since}>{new Date(i.since).toLocaleString()}</time>
              </td>
              <td>
                <Link to={paths.tier2Review(workspaceId, i.model_id, i.assertion_id!, i.repo ?? '')}>
                  Review {i.assertion_id}
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
