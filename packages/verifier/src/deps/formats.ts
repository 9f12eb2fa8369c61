import { dotnet, parseCsproj, parsePackagesConfig } from './dotnet.js'
import { go, parseGoMod } from './go.js'
import { parseGradle } from './gradle.js'
import { maven, parsePom } from './maven.js'
import { npm, parsePackageJson } from './npm.js'
import { parsePackageLock } from './npm-lock.js'
import { parseComposerJson, parseComposerLock, php } from './php.js'
import { parsePnpmLock } from './pnpm-lock.js'
import { python } from './python.js'
import { parsePipfile, parsePipfileLock, parsePoetryLock, parsePyproject } from './python-project.js'
import { parseRequirements } from './python-requirements.js'
import { parseGemfile, parseGemfileLock, ruby } from './ruby.js'
import { parseCargoLock, parseCargoToml, rust } from './rust.js'
import type { Ecosystem, ManifestParser } from './types.js'
import { parseYarnLock } from './yarn-lock.js'

export interface ManifestFormat {
  ecosystem: Ecosystem
  parse: ManifestParser
  /** A lockfile lists resolved versions; a manifest lists declarations. */
  isLockfile: boolean
  /** Lockfiles looked for next to this manifest, first found wins (ASSERTIONS.md §3.11). */
  lockfiles: readonly string[]
}

const manifest = (ecosystem: Ecosystem, parse: ManifestParser, lockfiles: string[] = []): ManifestFormat => ({
  ecosystem,
  parse,
  isLockfile: false,
  lockfiles,
})
const lockfile = (ecosystem: Ecosystem, parse: ManifestParser): ManifestFormat => ({
  ecosystem,
  parse,
  isLockfile: true,
  lockfiles: [],
})

const BY_NAME: Record<string, ManifestFormat> = {
  'package.json': manifest(npm, parsePackageJson, [
    'package-lock.json',
    'npm-shrinkwrap.json',
    'pnpm-lock.yaml',
    'yarn.lock',
  ]),
  'package-lock.json': lockfile(npm, parsePackageLock),
  'npm-shrinkwrap.json': lockfile(npm, parsePackageLock),
  'pnpm-lock.yaml': lockfile(npm, parsePnpmLock),
  'yarn.lock': lockfile(npm, parseYarnLock),
  'pyproject.toml': manifest(python, parsePyproject, ['poetry.lock']),
  Pipfile: manifest(python, parsePipfile, ['Pipfile.lock']),
  'Pipfile.lock': lockfile(python, parsePipfileLock),
  'poetry.lock': lockfile(python, parsePoetryLock),
  'go.mod': manifest(go, parseGoMod),
  'Cargo.toml': manifest(rust, parseCargoToml, ['Cargo.lock']),
  'Cargo.lock': lockfile(rust, parseCargoLock),
  'pom.xml': manifest(maven, parsePom),
  'build.gradle': manifest(maven, parseGradle),
  'build.gradle.kts': manifest(maven, parseGradle),
  Gemfile: manifest(ruby, parseGemfile, ['Gemfile.lock']),
  'Gemfile.lock': lockfile(ruby, parseGemfileLock),
  'composer.json': manifest(php, parseComposerJson, ['composer.lock']),
  'composer.lock': lockfile(php, parseComposerLock),
  'packages.config': manifest(dotnet, parsePackagesConfig),
}

const REQUIREMENTS = manifest(python, parseRequirements)
const CSPROJ = manifest(dotnet, parseCsproj)

/** The format of a manifest or lockfile, chosen by its file name (ASSERTIONS.md §3.10). */
export function formatOf(rel: string): ManifestFormat | undefined {
  const parts = rel.split('/')
  const name = parts[parts.length - 1]!
  const known = Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined
  if (known) return known
  if (/^requirements.*\.txt$/.test(name) || (name.endsWith('.txt') && parts[parts.length - 2] === 'requirements')) {
    return REQUIREMENTS
  }
  if (name.endsWith('.csproj')) return CSPROJ
  return undefined
}
