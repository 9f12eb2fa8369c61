import { useCallback, useEffect, useState } from 'react'
import { ApiError, get, post, setCsrfToken } from './api'
import { ErrorMessage } from './ErrorMessage'
import { AuditPackages } from './pages/AuditPackages'
import { Models } from './pages/Models'
import { ReviewQueue } from './pages/ReviewQueue'
import { SignIn } from './pages/SignIn'
import { Tier2ReviewPage } from './pages/Tier2Review'
import { navigate, paths, useLocation } from './router'
import type { Session } from './types'

const TIER2_REVIEW = /^\/workspaces\/([^/]+)\/models\/([^/]+)\/assertions\/([^/]+)\/tier2-review$/
const QUEUE = /^\/workspaces\/([^/]+)\/reviews$/
const MODELS = /^\/workspaces\/([^/]+)\/models$/
const AUDIT_PACKAGES = /^\/workspaces\/[^/]+\/models\/([^/]+)\/audit-packages$/

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  const [failure, setFailure] = useState<unknown>(null)
  const location = useLocation()

  const signedIn = useCallback((s: Session) => {
    setCsrfToken(s.csrf_token)
    setSession(s)
  }, [])

  useEffect(() => {
    get<Session>('/api/auth/session')
      .then(signedIn)
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) setSession(null)
        else setFailure(e)
      })
  }, [signedIn])

  async function signOut() {
    try {
      await post('/api/auth/logout')
    } finally {
      setCsrfToken(undefined)
      setSession(null)
      navigate(paths.signIn)
    }
  }

  if (failure) return <ErrorMessage error={failure} />
  if (session === undefined) return <p className="status">Loading…</p>
  if (session === null) return <SignIn onSignedIn={signedIn} />
  return (
    <>
      <header className="bar">
        <strong>Warrant</strong>
        <span>
          Signed in as {session.user.display_name} ({session.user.email})
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        <Page session={session} location={location} />
      </main>
    </>
  )
}

function Page({ session, location }: { session: Session; location: URL }) {
  const d = decodeURIComponent
  const review = TIER2_REVIEW.exec(location.pathname)
  if (review)
    return (
      <Tier2ReviewPage
        workspaceId={d(review[1]!)}
        modelId={d(review[2]!)}
        assertionId={d(review[3]!)}
        repo={location.searchParams.get('repo') ?? ''}
      />
    )
  const queue = QUEUE.exec(location.pathname)
  if (queue) return <ReviewQueue workspaceId={d(queue[1]!)} memberships={session.memberships} />
  const models = MODELS.exec(location.pathname)
  if (models) return <Models workspaceId={d(models[1]!)} />
  const packages = AUDIT_PACKAGES.exec(location.pathname)
  if (packages) return <AuditPackages key={packages[1]} modelId={d(packages[1]!)} />
  if (location.pathname === '/' || location.pathname === paths.signIn) {
    const first = session.memberships[0]
    if (!first) return <p className="status">You are not a member of any workspace yet; ask a workspace owner.</p>
    return <Redirect to={paths.queue(first.workspace_id)} />
  }
  return <p className="status">No page at {location.pathname}.</p>
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to])
  return null
}
