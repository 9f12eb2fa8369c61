export { configFromEnv, type ServerConfig } from './config.js'
export { openMemoryStore, openStore, type Store } from './db/open.js'
export { createServer, defaultLogger, type WarrantServer } from './server.js'
export { VERSION } from './version.js'
