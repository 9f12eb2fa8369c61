import { get, query } from '../api'
import { ErrorMessage } from '../ErrorMessage'
import { Link, paths } from '../router'
import type { ModelSummary } from '../types'
import { useLoad } from '../useLoad'

/** The workspace's models (PLATFORM.md §5.7), each with a link to its audit packages. */
export function Models({ workspaceId }: { workspaceId: string }) {
  const [models] = useLoad(workspaceId, () =>
    get<{ items: ModelSummary[] }>(`/api/models?${query({ workspace_id: workspaceId, limit: 1000 })}`),
  )
  return (
    <section>
      <h1>Models</h1>
      {models.state === 'loading' && <p className="status">Loading…</p>}
      {models.state === 'failed' && <ErrorMessage error={models.error} />}
      {models.state === 'done' &&
        (models.value.items.length === 0 ? (
          <p className="status">This workspace has no models yet.</p>
        ) : (
          <ul>
            {models.value.items.map((m) => (
              <li key={m.id}>
                {m.title} — <Link to={paths.auditPackages(workspaceId, m.id)}>Audit packages of {m.title}</Link>
              </li>
            ))}
          </ul>
        ))}
    </section>
  )
}
