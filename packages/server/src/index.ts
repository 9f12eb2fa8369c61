export { configFromEnv, type ServerConfig } from './config.js'
export { openMemoryStore, openStore, type Store } from './db/open.js'
export type { HttpAnswer, HttpCall, Send } from './mcp/rest.js'
export { serveMcpStdio } from './mcp/stdio.js'
export { createServer, defaultLogger, rewrapStoredKeys, type WarrantServer } from './server.js'
export { signNextCheckpoint } from './services/checkpoints.js'
export { MasterKeyError } from './services/instance-keys.js'
export { appendEvents, type EventInput } from './services/log.js'
export { cachedTree, extendNodes } from './services/log-tree.js'
export { compileSanPattern, sanMatches } from './services/security-settings.js'
export {
  loadTrustedRoot,
  parseThresholds,
  type SigstoreRoot,
  type SigstoreThresholds,
  SigstoreTrustError,
} from './services/sigstore/trust.js'
export { type SigstoreOutcome, verifySigstoreBundle } from './services/sigstore/verify.js'
export { VERSION } from './version.js'
