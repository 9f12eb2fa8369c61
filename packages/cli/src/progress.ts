import type { Io } from './io.js'

/** A single progress line on a terminal's standard error, redrawn at most every 100 ms; silent otherwise. */
export function progressLine(io: Io, label: string): { update(done: number, total: number): void; end(): void } {
  if (!io.stderrIsTTY) return { update() {}, end() {} }
  let last = 0
  let shown = false
  return {
    update(done, total) {
      const now = Date.now()
      if (done !== total && now - last < 100) return
      last = now
      shown = true
      io.stderr(`\r${label} ${done}/${total}`)
    },
    end() {
      if (shown) io.stderr('\r\x1b[K')
    },
  }
}
