/**
 * Splits a `command` string into words: whitespace separates, single and double quotes group (no escapes,
 * variables, globbing, pipes or redirections — the words go to the program as they are).
 */
export type Words = { ok: true; words: string[] } | { ok: false; message: string }

export function splitCommand(command: string): Words {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: string | undefined
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = undefined
      else word += c
    } else if (c === '"' || c === "'") {
      quote = c
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quote) return { ok: false, message: `unclosed ${quote === '"' ? 'double' : 'single'} quote in 'command'` }
  if (inWord) words.push(word)
  if (words.length === 0) return { ok: false, message: "'command' has no words" }
  return { ok: true, words }
}
