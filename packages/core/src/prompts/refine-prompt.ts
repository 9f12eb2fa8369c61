import { z } from 'zod'
import { type EvaluationPrompt, fenced, renderEvaluation } from './evaluation.js'

/**
 * The refinement template (PLATFORM.md §5.10, §9.3, `refine@1`): does a proposed control description (or one drafted
 * from codebase findings) still satisfy every linked objective?
 */
export const REFINE_TEMPLATE = { id: 'refine', version: 1 } as const

export interface RefinePromptInput {
  control: { id: string; title: string; description: string }
  proposed_description: string | null
  codebase_findings: string
  justification: string
  objectives: readonly { id: string; statement: string; other_controls: readonly string[] }[]
}

export const refineAnswer = z.object({
  accepted: z.boolean(),
  reason: z.string().min(1).max(2048),
  per_objective: z
    .array(z.object({ objective_id: z.string().min(1), satisfied: z.boolean(), reasoning: z.string().max(2048) }))
    .max(200),
  proposed_description: z.string().min(1).max(2048).optional(),
})
export type RefineAnswer = z.infer<typeof refineAnswer>

export function renderRefinePrompt(input: RefinePromptInput, boundary: string): EvaluationPrompt {
  const { control, objectives } = input
  const drafting = input.proposed_description === null
  return renderEvaluation(
    REFINE_TEMPLATE,
    'You guard the security controls of a threat model. A control may be reworded to fit the code base, but it must ' +
      'never be weakened: every objective it serves must still be met.',
    'Answer with one JSON object and nothing else: {"accepted": true | false, "reason": "<why>", "per_objective": ' +
      '[{"objective_id": "<id>", "satisfied": true | false, "reasoning": "<why>"}, ...]' +
      (drafting ? ', "proposed_description": "<the description you drafted, at most 2 KiB>"' : '') +
      '}. List every objective below; "accepted" is true only if every objective is satisfied.',
    (b) => [
      drafting
        ? 'Draft a new description for the control from the codebase findings, then decide whether it still satisfies every objective.'
        : 'Decide whether the proposed description still satisfies every objective of the control.',
      '',
      `## Security control ${control.id}: current text`,
      fenced(b, `${control.title}\n${control.description}`),
      '',
      ...(drafting ? [] : ['## Proposed description', fenced(b, input.proposed_description), '']),
      ...(input.codebase_findings ? ['## Codebase findings', fenced(b, input.codebase_findings), ''] : []),
      '## Justification given',
      fenced(b, input.justification),
      '',
      '## Objectives',
      ...(objectives.length
        ? objectives.flatMap((o) => [
            `- ${o.id} (also covered by ${o.other_controls.length ? o.other_controls.join(', ') : 'no other control'}):`,
            fenced(b, o.statement),
          ])
        : ['- none linked']),
      '',
    ],
    boundary,
  )
}
