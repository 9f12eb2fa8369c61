/**
 * ECMAScript's non-Unicode case folding (Canonicalize without the `u` flag): a character's canonical value is its
 * upper case when that is a single code unit and does not map a non-ASCII character to ASCII.
 */
function canonicalize(ch: string): string {
  const u = ch.toUpperCase()
  if (u.length !== 1) return ch
  if (ch.charCodeAt(0) >= 128 && u.charCodeAt(0) < 128) return ch
  return u
}

let classes: Map<string, string[]> | undefined

function foldClasses(): Map<string, string[]> {
  if (!classes) {
    classes = new Map()
    for (let c = 0; c < 0x10000; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue
      const ch = String.fromCharCode(c)
      const canon = canonicalize(ch)
      const list = classes.get(canon)
      if (list) list.push(ch)
      else classes.set(canon, [ch])
    }
  }
  return classes
}

/** Every character that matches `ch` case-insensitively (itself included). */
export function caseVariants(ch: string): string[] {
  if (ch.length !== 1) return [ch]
  return foldClasses().get(canonicalize(ch)) ?? [ch]
}
