/** Version of the §4 status rules; appears in reports and audit packages. */
export const RULES_VERSION = '2025-1'

/** Version of the §9.1 intent keywords and the §9.2 coherence heuristic. */
export const HEURISTIC_VERSION = 'h1'
