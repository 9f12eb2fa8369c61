/** Splitting directive and instruction arguments into words, quotes removed and offsets kept. */

export interface Word {
  value: string
  start: number
}

/** Splits an instruction's arguments into words (quotes removed, backslash escapes read), with their offsets. */
export function splitWords(chars: { c: string; at: number }[]): Word[] {
  const words: Word[] = []
  let current: Word | undefined
  let quote: string | undefined
  for (let k = 0; k < chars.length; k++) {
    const { c, at } = chars[k]!
    if (!quote && /\s/.test(c)) {
      if (current) words.push(current)
      current = undefined
      continue
    }
    current ??= { value: '', start: at }
    if (c === '\\' && quote !== "'" && k + 1 < chars.length) {
      current.value += chars[++k]!.c
    } else if (quote && c === quote) quote = undefined
    else if (!quote && (c === '"' || c === "'")) quote = c
    else current.value += c
  }
  if (current) words.push(current)
  return words
}
