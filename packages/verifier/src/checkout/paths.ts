/** Normalises a path param to a project-relative POSIX path (ASSERTIONS.md §2.1 rules 1–3). */
export type PathCheck = { ok: true; rel: string } | { ok: false; message: string }

const CONTROL = /[\u0000-\u001f\u007f]/

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.startsWith('\\')
}

export function normalizePath(p: string, opts: { allowBackslash?: boolean } = {}): PathCheck {
  if (CONTROL.test(p)) return { ok: false, message: `path contains a control character: ${JSON.stringify(p)}` }
  if (isAbsolutePath(p)) return { ok: false, message: `absolute path not allowed: ${p}` }
  if (!opts.allowBackslash && p.includes('\\')) return { ok: false, message: `backslash in path not allowed: ${p}` }
  const out: string[] = []
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') {
      if (out.length === 0) return { ok: false, message: `path escapes project root: ${p}` }
      out.pop()
    } else out.push(seg)
  }
  if (out.length === 0) return { ok: true, rel: '.' }
  return { ok: true, rel: out.join('/') }
}

/** True when a project-relative path cannot be listed faithfully in details or an evidence manifest (§1.4, §2.2). */
export function isUnreportablePath(rel: string): boolean {
  return CONTROL.test(rel) || rel.includes('\\')
}
