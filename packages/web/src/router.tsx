import { type MouseEvent, type ReactNode, useEffect, useState } from 'react'

/** Client-side routes on the History API; the server answers index.html for every non-API path. */

export function navigate(to: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  window.dispatchEvent(new PopStateEvent('popstate'))
}

export function useLocation(): URL {
  const [href, setHref] = useState(window.location.href)
  useEffect(() => {
    const update = () => setHref(window.location.href)
    window.addEventListener('popstate', update)
    return () => window.removeEventListener('popstate', update)
  }, [])
  return new URL(href)
}

export function Link({ to, children }: { to: string; children: ReactNode }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(to)
  }
  return (
    <a href={to} onClick={onClick}>
      {children}
    </a>
  )
}

/** Paths of the UI's pages. */
export const paths = {
  signIn: '/sign-in',
  queue: (ws: string) => `/workspaces/${encodeURIComponent(ws)}/reviews`,
  models: (ws: string) => `/workspaces/${encodeURIComponent(ws)}/models`,
  auditPackages: (ws: string, model: string) =>
    `/workspaces/${encodeURIComponent(ws)}/models/${encodeURIComponent(model)}/audit-packages`,
  tier2Review: (ws: string, model: string, assertion: string, repo: string) =>
    `/workspaces/${encodeURIComponent(ws)}/models/${encodeURIComponent(model)}/assertions/${encodeURIComponent(assertion)}/tier2-review?repo=${encodeURIComponent(repo)}`,
}
