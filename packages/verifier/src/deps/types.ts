import type { Location } from '@warrant/core'
import type { Checkout, TextFile } from '../checkout/checkout.js'

/** Why a declaration names no version that can be tested. */
export type Source = 'git' | 'path' | 'url'

/** One declaration of a package in a manifest, or one resolved copy in a lockfile. */
export interface Declaration {
  /** The package name as the file spells it (for a renamed entry, the real package). */
  name: string
  /** The version or range as written; absent when the file gives none. */
  version?: string
  /** Set when the package comes from somewhere other than a registry. */
  source?: Source
  /** The section or lockfile path it was found under (`devDependencies`, `node_modules/a/node_modules/lodash`). */
  where?: string
  /** A Go `replace` target that stands in for the declared module (`../local`, `example.com/fork v1.3.0`). */
  replacement?: string
  location: Location
}

export interface ParsedManifest {
  declarations: Declaration[]
  /**
   * Entries that force a package's version regardless of its declarations (npm `overrides`, yarn `resolutions`,
   * `pnpm.overrides`). Without a lockfile that resolves the package, they make its version unprovable.
   */
  overrides?: Declaration[]
  /** Every file read to produce the declarations: the file itself, then any requirement includes. */
  examined: string[]
}

/** A file that could not be read or parsed; `examined` lists what was read before the problem. */
export interface ManifestProblem {
  problem: 'error'
  message: string
  examined: string[]
}

export type ParseOutcome = ParsedManifest | ManifestProblem

export const isManifestProblem = (x: ParseOutcome): x is ManifestProblem => 'problem' in x

export type ManifestParser = (file: TextFile, checkout: Checkout) => ParseOutcome | Promise<ParseOutcome>

/** A parsed `constraint` param. */
export interface Constraint {
  /** Whether a resolved version lies inside; undefined when the text is not a version of the ecosystem. */
  admits(version: string): boolean | undefined
  /** Whether every version a declared range admits lies inside; undefined when the range has no usable bound. */
  covers(declared: string): boolean | undefined
}

/** An ecosystem's version rules (ASSERTIONS.md §3.11). */
export interface VersionScheme {
  /** Parses a `constraint` param; undefined when it is not valid in the ecosystem's syntax. */
  parseConstraint(text: string): Constraint | undefined
  /** The exact version a declaration pins, when it pins one. */
  pinnedVersion(declared: string): string | undefined
}

export interface Ecosystem {
  /** The name used in messages: `invalid constraint '>>1' for npm`. */
  label: string
  /** Whether a declared name is the package the assertion names. */
  sameName(declared: string, wanted: string): boolean
  scheme: VersionScheme
}

/** Builds a declaration's location from the file's line index (the start of the declaration). */
export const locate = (file: TextFile, offset: number): Location => file.index.location(file.rel, offset)

export const parsed = (file: TextFile, declarations: Declaration[]): ParsedManifest => ({
  declarations,
  examined: [file.rel],
})

export const parseProblem = (file: TextFile, reason: string, line?: number): ManifestProblem => ({
  problem: 'error',
  message:
    line === undefined ? `cannot parse ${file.rel}: ${reason}` : `cannot parse ${file.rel} at line ${line}: ${reason}`,
  examined: [file.rel],
})
