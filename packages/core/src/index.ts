export * from './catalogue/index.js'
export { canonicalJson } from './canonical-json.js'
export * from './result.js'
