import { z } from 'zod'
import { type EvaluationPrompt, fenced, renderEvaluation } from './evaluation.js'

/** The sufficiency template (PLATFORM.md §4.7, §9.3, `sufficiency@1`): do the assertions together prove the control? */
export const SUFFICIENCY_TEMPLATE = { id: 'sufficiency', version: 1 } as const

export interface SufficiencyPromptInput {
  control: { id: string; title: string; description: string }
  objectives: readonly { id: string; statement: string }[]
  assertions: readonly {
    id: string
    type: string
    params: Record<string, unknown>
    description: string
    repo: string | null
    coherence: string
  }[]
}

/** A sufficient answer names nothing missing; an insufficient one names at least one missing aspect. */
export const sufficiencyAnswer = z
  .object({
    verdict: z.enum(['sufficient', 'insufficient']),
    details: z.string().min(1).max(4096),
    missing_aspects: z.array(z.string().min(1).max(512)).max(20),
  })
  .refine((a) => (a.verdict === 'sufficient') === (a.missing_aspects.length === 0), {
    message: 'missing_aspects must be empty exactly when the verdict is sufficient',
    path: ['missing_aspects'],
  })
export type SufficiencyAnswer = z.infer<typeof sufficiencyAnswer>

export function renderSufficiencyPrompt(input: SufficiencyPromptInput, boundary: string): EvaluationPrompt {
  const { control, objectives, assertions } = input
  return renderEvaluation(
    SUFFICIENCY_TEMPLATE,
    'You review evidence plans for a security platform. You judge metadata only: no code is shown or needed.',
    'Answer with one JSON object and nothing else: {"verdict": "sufficient" | "insufficient", "details": "<why>", ' +
      '"missing_aspects": ["<an aspect of the control no assertion proves>", ...]}. missing_aspects is empty exactly ' +
      'when the verdict is "sufficient". Answer "sufficient" only when passing checks of all these assertions ' +
      'would together prove the whole control, not just part of it.',
    (b) => [
      'Decide whether the assertions below, taken together, prove the whole security control.',
      '',
      `## Security control ${control.id}`,
      fenced(b, `${control.title}\n${control.description}`),
      '',
      '## Objectives',
      ...(objectives.length ? objectives.flatMap((o) => [`- ${o.id}:`, fenced(b, o.statement)]) : ['- none linked']),
      '',
      '## Assertions',
      ...assertions.flatMap((a) => [
        `### ${a.id}: ${a.type}, repo ${a.repo ?? 'any'}, coherence ${a.coherence}`,
        'Parameters:',
        fenced(b, a.params),
        'What it is meant to prove:',
        fenced(b, a.description),
      ]),
      '',
    ],
    boundary,
  )
}
