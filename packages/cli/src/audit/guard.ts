import dns from 'node:dns'
import net from 'node:net'

/** Raised by any socket or name lookup while `warrant audit` runs (EVIDENCE.md §12.1, §13.1). */
export class NetworkBlockedError extends Error {
  constructor(what: string) {
    super(`warrant audit makes no network connections (attempted ${what})`)
  }
}

/**
 * Runs `body` with every socket connection and DNS lookup of this process made to throw: `net.Socket#connect` (which
 * `net`, `tls`, `http`, `https` and `fetch` all reach) and the callback and promise forms of `dns.lookup`. The guard is
 * removed afterwards, also when `body` throws.
 */
export async function withNetworkGuard<T>(body: () => Promise<T> | T): Promise<T> {
  const connect = net.Socket.prototype.connect
  const lookup = dns.lookup
  const promiseLookup = dns.promises.lookup
  net.Socket.prototype.connect = function blocked(this: net.Socket): never {
    throw new NetworkBlockedError('a socket connection')
  } as typeof connect
  dns.lookup = ((host: string) => {
    throw new NetworkBlockedError(`a DNS lookup of ${host}`)
  }) as unknown as typeof dns.lookup
  dns.promises.lookup = ((host: string) =>
    Promise.reject(new NetworkBlockedError(`a DNS lookup of ${host}`))) as typeof dns.promises.lookup
  try {
    return await body()
  } finally {
    net.Socket.prototype.connect = connect
    dns.lookup = lookup
    dns.promises.lookup = promiseLookup
  }
}
