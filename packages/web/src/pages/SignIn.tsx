import { type FormEvent, useState } from 'react'
import { post } from '../api'
import { ErrorMessage } from '../ErrorMessage'
import type { Session } from '../types'

/** Email and password → a session cookie and its CSRF token (PLATFORM.md §5.2). */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    setBusy(true)
    setError(null)
    try {
      onSignedIn(await post<Session>('/api/auth/login', { email: form.get('email'), password: form.get('password') }))
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }

  return (
    <main className="sign-in">
      <h1>Sign in to Warrant</h1>
      <form onSubmit={submit}>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error !== null && <ErrorMessage error={error} />}
    </main>
  )
}
