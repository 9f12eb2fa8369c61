export * from './checkpoint.js'
export * from './dsse.js'
export * from './keys.js'
export * from './merkle.js'
