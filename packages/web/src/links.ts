/** A code location of a Tier 1 result at one commit (PLATFORM.md §5.16, `source_link_template` of §2.1). */
export interface CodeRef {
  repo: string
  commit: string
  path: string
  start: number
  end: number
}

/**
 * The link to the code a reviewer reads: `{repo}`, `{commit}`, `{path}`, `{start}` and `{end}` substituted, each path
 * segment URL-encoded. No link without a template, or when the result is not an absolute http(s) URL.
 */
export function sourceLink(template: string | null, ref: CodeRef): string | null {
  if (!template) return null
  const values: Record<string, string> = {
    repo: ref.repo.split('/').map(encodeURIComponent).join('/'),
    commit: encodeURIComponent(ref.commit),
    path: ref.path.split('/').map(encodeURIComponent).join('/'),
    start: String(ref.start),
    end: String(ref.end),
  }
  const href = template.replace(/\{(repo|commit|path|start|end)\}/g, (_, name: string) => values[name]!)
  let url: URL
  try {
    url = new URL(href)
  } catch {
    return null
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? href : null
}
