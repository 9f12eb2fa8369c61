const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

/** EVIDENCE.md §6.7: https, or plain http to a loopback host when `WARRANT_ALLOW_LOOPBACK_ISSUERS=1`. */
export function fetchableUrl(url: URL, allowLoopback: boolean): boolean {
  if (url.protocol === 'https:') return true
  return allowLoopback && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)
}

/** Why `issuer` cannot be a trusted issuer (PLATFORM.md §5.5 `issuer_invalid`), or undefined when it can. */
export function issuerUrlProblem(issuer: string, allowLoopback: boolean): string | undefined {
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    return 'not a URL'
  }
  if (!fetchableUrl(url, allowLoopback))
    return allowLoopback ? 'must be https (or http on a loopback host)' : 'must be an https URL'
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#'))
    return 'must not have a query or fragment'
  if (url.username !== '' || url.password !== '') return 'must not carry credentials'
  return undefined
}
