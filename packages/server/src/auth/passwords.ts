import { hash, verify } from '@node-rs/argon2'
import { dictionary } from '@zxcvbn-ts/language-common'
import { ApiError } from '../errors.js'
import { utf8Length } from '../schemas/fields.js'

/** argon2id with the contract's parameters (PLATFORM.md §1.3); they are encoded in the stored hash. */
// algorithm 2 = Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const PRODUCTION = { algorithm: 2, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1, outputLen: 32 }
/** Test-only cost: the same algorithm with minimal memory, so suites that create many users stay fast. */
const FAST = { ...PRODUCTION, memoryCost: 1024, timeCost: 1 }

/** The 10,000 most common passwords of a ranked public list, compared case-insensitively. */
const COMMON = new Set((dictionary['passwords-common'] as string[]).slice(0, 10_000).map((p) => p.toLowerCase()))

export function checkPasswordPolicy(password: string, email: string): void {
  const n = utf8Length(password)
  const problem =
    n < 12
      ? 'a password needs at least 12 bytes'
      : n > 256
        ? 'a password may have at most 256 bytes'
        : password.toLowerCase() === email.toLowerCase()
          ? 'the password must not equal the email address'
          : COMMON.has(password.toLowerCase())
            ? 'this password is among the 10,000 most common ones; choose another'
            : undefined
  if (problem) throw new ApiError(422, 'password_policy', problem)
}

export const hashPassword = (password: string, fast = false): Promise<string> =>
  hash(password, fast ? FAST : PRODUCTION)

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password)
  } catch {
    return false
  }
}

/** A stored hash made with weaker parameters than today's defaults is re-hashed at the next login. */
export const needsRehash = (stored: string, fast = false): boolean =>
  !stored.includes(fast ? 'm=1024,t=1,p=1' : `m=${PRODUCTION.memoryCost},t=${PRODUCTION.timeCost},p=1`)
