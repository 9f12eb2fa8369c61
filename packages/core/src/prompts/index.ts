export * from './scan.js'
