import type { ProviderName } from '@warrant/verifier'

export const AI_PROVIDERS = ['openai', 'openai_compatible', 'anthropic', 'ollama', 'none'] as const

/**
 * The instance's AI provider for coherence, sufficiency and refinement (PLATFORM.md §5.21): environment only, the
 * secret stays in memory and never reaches the database.
 */
export type AiConfig =
  | { provider: 'none'; syncBudgetMs: number }
  | {
      provider: ProviderName
      model: string
      baseUrl: string | undefined
      apiKey: string | undefined
      syncBudgetMs: number
      /** §9.3: 60 s per call; tests shorten it. */
      timeoutMs: number
    }

const KEY_VARIABLE: Partial<Record<ProviderName, string>> = {
  openai: 'OPENAI_API_KEY',
  openai_compatible: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
}

/** Reads and checks the AI variables; a bad value refuses to start with a message naming the variable. */
export function aiConfigFromEnv(env: NodeJS.ProcessEnv): AiConfig {
  const budget = env.WARRANT_AI_SYNC_BUDGET_MS ?? ''
  if (budget !== '' && !/^\d+$/.test(budget))
    throw new Error(`WARRANT_AI_SYNC_BUDGET_MS must be a whole number of milliseconds, got ${JSON.stringify(budget)}`)
  const syncBudgetMs = budget === '' ? 20_000 : Number(budget)
  const provider = env.WARRANT_AI_PROVIDER || 'none'
  if (!(AI_PROVIDERS as readonly string[]).includes(provider))
    throw new Error(`WARRANT_AI_PROVIDER must be one of ${AI_PROVIDERS.join(', ')}; got ${JSON.stringify(provider)}`)
  if (provider === 'none') return { provider: 'none', syncBudgetMs }
  const name = provider as ProviderName
  const model = env.WARRANT_AI_MODEL
  if (!model) throw new Error(`WARRANT_AI_PROVIDER=${name} needs WARRANT_AI_MODEL (the model id to ask)`)
  const baseUrl = env.WARRANT_AI_BASE_URL || undefined
  if (name === 'openai_compatible' && !baseUrl)
    throw new Error('WARRANT_AI_PROVIDER=openai_compatible needs WARRANT_AI_BASE_URL (the server to call)')
  if (baseUrl !== undefined && !/^https?:\/\/[^/]/.test(baseUrl))
    throw new Error(`WARRANT_AI_BASE_URL must be an http(s) URL, got ${JSON.stringify(baseUrl)}`)
  const keyVariable = KEY_VARIABLE[name]
  const apiKey = keyVariable ? env[keyVariable] || undefined : undefined
  if ((name === 'openai' || name === 'anthropic') && !apiKey)
    throw new Error(`WARRANT_AI_PROVIDER=${name} needs ${keyVariable}`)
  return { provider: name, model, baseUrl, apiKey, syncBudgetMs, timeoutMs: 60_000 }
}
