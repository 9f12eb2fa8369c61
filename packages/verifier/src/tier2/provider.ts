import Anthropic from '@anthropic-ai/sdk'
import { Ollama } from 'ollama'
import OpenAI from 'openai'

export type ProviderName = 'openai' | 'openai_compatible' | 'anthropic' | 'ollama'

/** Tokens one call consumed, as the server reported them; absent when it reported none. */
export interface TokenUsage {
  input_tokens: number
  output_tokens: number
}

/** A Tier 2 model's answer: its text, the model id the server reports, and the tokens the call consumed. */
export interface ProviderAnswer {
  text: string | null
  model: string
  usage?: TokenUsage
}

/** A Tier 2 model behind one of the supported wire protocols. */
export interface Tier2Provider {
  name: ProviderName
  ask(system: string, user: string, options?: AskOptions): Promise<ProviderAnswer>
}

/** `json`: ask for a JSON object through the protocol's structured-output switch, where it has one. */
export interface AskOptions {
  json?: boolean
}

const count = (n: unknown) => (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined)

/** Usage from the two counts a wire protocol reports; absent unless both are whole non-negative numbers. */
function usageOf(input: unknown, output: unknown): { usage?: TokenUsage } {
  const i = count(input)
  const o = count(output)
  return i === undefined || o === undefined ? {} : { usage: { input_tokens: i, output_tokens: o } }
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
    async ask(system, user, options) {
      const res = await client.chat.completions.create({
        model: config.model,
        temperature: 0,
        ...(options?.json ? { response_format: { type: 'json_object' as const } } : {}),
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
      })
      return {
        text: res.choices?.[0]?.message?.content ?? null,
        model: typeof res.model === 'string' && res.model ? res.model : config.model,
        ...usageOf(res.usage?.prompt_tokens, res.usage?.completion_tokens),
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
      return {
        text: text || null,
        model: typeof res.model === 'string' && res.model ? res.model : config.model,
        ...usageOf(res.usage?.input_tokens, res.usage?.output_tokens),
      }
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
  const once = async (system: string, user: string, options?: AskOptions) => {
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
          ...(options?.json ? { format: 'json' } : {}),
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
    async ask(system, user, options) {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await once(system, user, options)
          return {
            text: res.message?.content ?? null,
            model: res.model || config.model,
            ...usageOf(res.prompt_eval_count, res.eval_count),
          }
        } catch (e) {
          const status = (e as { status_code?: number }).status_code
          const retryable = status === 429 || (status !== undefined && status >= 500)
          // Named by status like the other clients' errors ("429 …"), which the Ollama client's message is not.
          if (!retryable || attempt >= retries)
            throw status === undefined ? e : new Error(`${status} ${(e as Error).message}`)
          await new Promise((r) => setTimeout(r, Math.min(8_000, 200 * 2 ** attempt)))
        }
      }
    },
  }
}
