import { ApiError } from './api'

/** An API error as the contract states it: the stable code, the message, and each invalid field. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!(error instanceof ApiError))
    return (
      <div role="alert" className="error">
        {error instanceof Error ? error.message : String(error)}
      </div>
    )
  return (
    <div role="alert" className="error">
      <code>
        {error.status} {error.code}
      </code>{' '}
      {error.message}
      {error.fieldErrors.length > 0 && (
        <ul>
          {error.fieldErrors.map((f) => (
            <li key={f.path}>
              {f.path && <code>{f.path}</code>} {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
