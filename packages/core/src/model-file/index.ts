export { parseModelFile } from './parse.js'
export {
  MAX_MODEL_ASSERTIONS,
  MAX_MODEL_CONTROLS,
  MAX_MODEL_ID_LENGTH,
  MAX_MODEL_REPOS,
  MODEL_ID_PATTERN,
} from './schema.js'
export { serializeModelFile } from './serialize.js'
export * from './types.js'
