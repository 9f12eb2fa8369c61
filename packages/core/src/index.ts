export { canonicalJson } from './canonical-json.js'
export * from './catalogue/index.js'
export * from './result.js'
