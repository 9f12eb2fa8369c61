import { z } from 'zod'
import { provesOf } from '../status/coherence.js'
import { type EvaluationPrompt, fenced, renderEvaluation } from './evaluation.js'

/** The coherence template (PLATFORM.md §4.6, §9.3, `coherence@1`): can this assertion serve as proof of its control? */
export const COHERENCE_TEMPLATE = { id: 'coherence', version: 1 } as const

export interface CoherencePromptInput {
  assertion: { type: string; params: Record<string, unknown>; description: string }
  control: { id: string; title: string; description: string }
  objectives: readonly { id: string; statement: string }[]
}

export const coherenceAnswer = z.object({
  verdict: z.enum(['coherent', 'incoherent']),
  reason: z.string().min(1).max(2048),
})
export type CoherenceAnswer = z.infer<typeof coherenceAnswer>

export function renderCoherencePrompt(input: CoherencePromptInput, boundary: string): EvaluationPrompt {
  const { assertion, control, objectives } = input
  const proves = provesOf(assertion.type)
  return renderEvaluation(
    COHERENCE_TEMPLATE,
    'You review evidence definitions for a security platform. You judge metadata only: no code is shown or needed.',
    'Answer with one JSON object and nothing else: {"verdict": "coherent" | "incoherent", "reason": "<one or two sentences>"}. ' +
      'Answer "coherent" only when a passing check of this type with these parameters would plausibly prove part of the control.',
    (b) => [
      'Decide whether the assertion below can plausibly serve as proof for its security control.',
      '',
      '## Assertion',
      `Type: ${assertion.type} (proves ${proves === '*' ? 'any intent' : proves.join(', ')})`,
      'Parameters:',
      fenced(b, assertion.params),
      'What it is meant to prove:',
      fenced(b, assertion.description),
      '',
      `## Security control ${control.id}`,
      fenced(b, `${control.title}\n${control.description}`),
      '',
      '## Objectives',
      ...(objectives.length ? objectives.flatMap((o) => [`- ${o.id}:`, fenced(b, o.statement)]) : ['- none linked']),
      '',
    ],
    boundary,
  )
}
