export { parseTier2Answer, type Tier2Answer } from './answer.js'
export { judgeAll, MAX_CONCURRENCY, mapLimited, type Question, type Tier2Usage } from './batch.js'
export { excerptFor } from './excerpt.js'
export { type Judged, judge, STATIC_MODEL, type Tier2Cache, type Tier2Verdict } from './judge.js'
export { staticPrecheck } from './precheck.js'
export { type Excerpt, tier2Messages } from './prompt.js'
export {
  type AskOptions,
  anthropicProvider,
  ollamaProvider,
  openAiProvider,
  type ProviderAnswer,
  type ProviderConfig,
  type ProviderName,
  type Tier2Provider,
  type TokenUsage,
  tier2Provider,
} from './provider.js'
