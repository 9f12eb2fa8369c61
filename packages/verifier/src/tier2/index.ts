export { parseTier2Answer, type Tier2Answer } from './answer.js'
export { excerptFor } from './excerpt.js'
export { judge, STATIC_MODEL, type Tier2Cache, type Tier2Verdict } from './judge.js'
export { staticPrecheck } from './precheck.js'
export { type Excerpt, tier2Messages } from './prompt.js'
export {
  anthropicProvider,
  ollamaProvider,
  openAiProvider,
  type ProviderConfig,
  type ProviderName,
  type Tier2Provider,
  tier2Provider,
} from './provider.js'
