import Anthropic from '@anthropic-ai/sdk'
import { Ollama } from 'ollama'
import OpenAI from 'openai'

export type ProviderName = 'openai' | 'openai_compatible' | 'anthropic' | 'ollama'

/** A Tier 2 model behind one of the supported wire protocols. */
export interface Tier2Provider {
  name: ProviderName
  ask(system: string, user: string): Promise<{ text: string | null; model: string }>
}

export interface ProviderConfig {
  provider: ProviderName
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
export function tier2Provider(config: ProviderConfig): Tier2Provider {
  if (config.provider === 'anthropic') return anthropicProvider(config)
  if (config.provider === 'ollama') return ollamaProvider(config)
  return openAiProvider(config)
}

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

/**
 * The official Anthropic client with the SDK's own retries of 429/5xx and timeout. This API version takes no
 * temperature; the strict answer format and the cache keep verdicts stable.
 */
export function anthropicProvider(config: ProviderConfig): Tier2Provider {
  const client = new Anthropic({
    apiKey: config.apiKey ?? 'unused',
    ...(config.baseUrl ? { baseURL: config.baseUrl } : {}),
    timeout: config.timeoutMs ?? 60_000,
    maxRetries: config.maxRetries ?? 3,
  })
  return {
    name: 'anthropic',
    async ask(system, user) {
      const res = await client.messages.create({
        model: config.model,
        max_tokens: 1024,
        system,
        messages: [{ role: 'user', content: user }],
      })
      const text = (res.content ?? [])
        .filter((b): b is Extract<typeof b, { type: 'text' }> => b.type === 'text')
        .map((b) => b.text)
        .join('')
      return { text: text || null, model: typeof res.model === 'string' && res.model ? res.model : config.model }
    },
  }
}

/**
 * The official Ollama client. It has no retries or timeout of its own, so 429 and 5xx are retried here with
 * exponential backoff and every call is bounded by the timeout.
 */
export function ollamaProvider(config: ProviderConfig): Tier2Provider {
  const client = new Ollama({ host: config.baseUrl ?? 'http://127.0.0.1:11434' })
  const timeoutMs = config.timeoutMs ?? 60_000
  const retries = config.maxRetries ?? 3
  const once = async (system: string, user: string) => {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        client.abort()
        reject(new Error(`no answer within ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([
        client.chat({
          model: config.model,
          stream: false,
          options: { temperature: 0 },
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: user },
          ],
        }),
        timeout,
      ])
    } finally {
      clearTimeout(timer)
    }
  }
  return {
    name: 'ollama',
    async ask(system, user) {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await once(system, user)
          return { text: res.message?.content ?? null, model: res.model || config.model }
        } catch (e) {
          const status = (e as { status_code?: number }).status_code
          const retryable = status === 429 || (status !== undefined && status >= 500)
          if (!retryable || attempt >= retries) throw e
          await new Promise((r) => setTimeout(r, Math.min(8_000, 200 * 2 ** attempt)))
        }
      }
    },
  }
}
