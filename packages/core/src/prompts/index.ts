export * from './scan.js'
export * from './tier2.js'
