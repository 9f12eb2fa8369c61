/** Navigating the untrusted package: every value is checked before use. */

// biome-ignore lint/suspicious/noExplicitAny: the untrusted package is navigated defensively; values are checked before use
export type Json = Record<string, any>

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** An array member of untrusted input: its object elements, or none when it is not an array. */
export const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : [])
