export { Checkout, DEFAULT_MAX_FILE_SIZE } from './checkout/checkout.js'
export { compileGlob } from './checkout/glob.js'
export {
  type CaseOutcome,
  ConformanceFileError,
  parseConformanceFile,
  runCases,
} from './conformance.js'
export { JsonSyntaxError, parseJsonTree } from './deps/json-tree.js'
export {
  DEFAULT_OPTIONS,
  evaluateAll,
  evaluateAssertion,
  evaluateWith,
  type IdentifiedAssertion,
} from './engine/engine.js'
export type { EngineOptions, EvalContext, Outcome } from './engine/outcome.js'
export { enableLinearRegexEngine } from './regex/enable.js'
export { compileUserRegex } from './regex/safe-regex.js'
export * from './tier2/index.js'
