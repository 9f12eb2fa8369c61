import { type FormEvent, useCallback, useEffect, useState } from 'react'
import { get, post } from '../api'
import { ErrorMessage } from '../ErrorMessage'
import type { AuditPackage, ModelSummary } from '../types'
import { type Loaded, useLoad } from '../useLoad'

/** How often the list is read again while a package is queued or building. */
const REFRESH_MS = 1_000

const pending = (p: AuditPackage) => p.state === 'queued' || p.state === 'building'
const day = (iso: string) => iso.slice(0, 10)

/**
 * A model's audit packages (PLATFORM.md §5.19): request an export for a window and repositories, follow the queued
 * packages until they are ready, download them. Every refusal is shown with its code and message.
 */
export function AuditPackages({ modelId }: { modelId: string }) {
  const base = `/api/models/${encodeURIComponent(modelId)}`
  const [model] = useLoad(modelId, () => get<ModelSummary>(base))
  const [packages, setPackages] = useState<Loaded<AuditPackage[]>>({ state: 'loading' })
  const refresh = useCallback(
    () =>
      get<{ items: AuditPackage[] }>(`${base}/audit-packages`).then(
        (v) => setPackages({ state: 'done', value: v.items }),
        (error: unknown) => setPackages({ state: 'failed', error }),
      ),
    [base],
  )
  useEffect(() => {
    void refresh()
  }, [refresh])
  const waiting = packages.state === 'done' && packages.value.some(pending)
  // biome-ignore lint/correctness/useExhaustiveDependencies: each answer that still has pending packages schedules the next read
  useEffect(() => {
    if (!waiting) return
    const timer = setTimeout(refresh, REFRESH_MS)
    return () => clearTimeout(timer)
  }, [packages, waiting, refresh])

  if (model.state === 'loading') return <p className="status">Loading…</p>
  if (model.state === 'failed') return <ErrorMessage error={model.error} />
  return (
    <section>
      <h1>Audit packages — {model.value.title}</h1>
      <RequestForm path={`${base}/audit-packages`} onRequested={refresh} />
      {packages.state === 'loading' && <p className="status">Loading…</p>}
      {packages.state === 'failed' && <ErrorMessage error={packages.error} />}
      {packages.state === 'done' && <PackageTable packages={packages.value} />}
    </section>
  )
}

function RequestForm({ path, onRequested }: { path: string; onRequested: () => Promise<void> }) {
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [repos, setRepos] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  async function submit(e: FormEvent) {
    e.preventDefault()
    const list = repos
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r)
    setBusy(true)
    setError(null)
    try {
      await post(path, {
        ...(from ? { from: `${from}T00:00:00.000Z` } : {}),
        ...(to ? { to: `${to}T23:59:59.999Z` } : {}),
        ...(list.length ? { repos: list } : {}),
      })
      await onRequested()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form onSubmit={submit} aria-label="Request an audit package">
      <p>
        The window defaults to the 90 days before now; the package always holds the runs behind the current results.
      </p>
      <label>
        From (UTC day, optional) <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label>
        To (UTC day, optional) <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
      </label>
      <label>
        Repositories (comma-separated, optional){' '}
        <input type="text" value={repos} onChange={(e) => setRepos(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Request export
      </button>
      {error !== null && <ErrorMessage error={error} />}
    </form>
  )
}

function PackageTable({ packages }: { packages: AuditPackage[] }) {
  if (packages.length === 0) return <p className="status">No audit package was requested yet.</p>
  return (
    <table aria-label="Audit packages">
      <thead>
        <tr>
          <th scope="col">Requested</th>
          <th scope="col">Window</th>
          <th scope="col">Repositories</th>
          <th scope="col">State</th>
          <th scope="col">Package</th>
        </tr>
      </thead>
      <tbody>
        {packages.map((p) => (
          <tr key={p.id}>
            <td>
              <time dateTime={p.created_at}>{new Date(p.created_at).toLocaleString()}</time>
            </td>
            <td>
              {day(p.params.from)} – {day(p.params.to)}
            </td>
            <td>{p.params.repos ? p.params.repos.join(', ') : 'all'}</td>
            <td>{p.state}</td>
            <td>
              {p.state === 'ready' && (
                <>
                  <a href={`/api/audit-packages/${encodeURIComponent(p.id)}/download`} download>
                    Download {p.id}
                  </a>{' '}
                  ({p.size_bytes} bytes, until {p.expires_at && new Date(p.expires_at).toLocaleString()})
                </>
              )}
              {p.failure && (
                <>
                  <code>{p.failure.code}</code> {p.failure.message}
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
