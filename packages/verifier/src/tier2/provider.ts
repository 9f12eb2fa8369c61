import OpenAI from 'openai'

/** A Tier 2 model behind one of the supported wire protocols. */
export interface Tier2Provider {
  name: 'openai' | 'openai_compatible'
  ask(system: string, user: string): Promise<{ text: string | null; model: string }>
}

export interface ProviderConfig {
  provider: 'openai' | 'openai_compatible'
  model: string
  baseUrl?: string
  apiKey?: string
  timeoutMs?: number
  maxRetries?: number
}

/**
 * The official OpenAI client (also any OpenAI-compatible server through its base URL). Temperature 0; the SDK retries
 * 429 and 5xx with backoff; the model id reported by the server is recorded, not the one asked for.
 */
export function openAiProvider(config: ProviderConfig): Tier2Provider {
  const client = new OpenAI({
    apiKey: config.apiKey ?? 'unused',
    ...(config.baseUrl ? { baseURL: config.baseUrl } : {}),
    timeout: config.timeoutMs ?? 60_000,
    maxRetries: config.maxRetries ?? 3,
  })
  return {
    name: config.provider,
    async ask(system, user) {
      const res = await client.chat.completions.create({
        model: config.model,
        temperature: 0,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
      })
      return {
        text: res.choices?.[0]?.message?.content ?? null,
        model: typeof res.model === 'string' && res.model ? res.model : config.model,
      }
    },
  }
}
