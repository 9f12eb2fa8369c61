/** What a check made in its own module reports: a failure (exit 1) or an insufficiency (exit 3), EVIDENCE.md §12.2. */
export interface Outcome {
  status: 'fail' | 'insufficient'
  message: string
  subject: string | null
}
