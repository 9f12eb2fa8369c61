/**
 * The environment of a test run (ASSERTIONS.md §3.6 Safety): an allow-list plus the `--test-env` names; Warrant's
 * own credentials and CI identity-token variables are never passed, even when named.
 */
const ALLOWED = new Set([
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'TZ',
  'TMPDIR',
  'TEMP',
  'TMP',
  'TERM',
  'CI',
  'JAVA_HOME',
  'MAVEN_HOME',
  'M2_HOME',
  'GRADLE_USER_HOME',
  'GOPATH',
  'GOCACHE',
  'GOMODCACHE',
  'GOROOT',
  'CARGO_HOME',
  'RUSTUP_HOME',
  'RUSTUP_TOOLCHAIN',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'PYENV_ROOT',
  'PYENV_VERSION',
  'DOTNET_ROOT',
  'NUGET_PACKAGES',
  'GEM_HOME',
  'GEM_PATH',
  'BUNDLE_PATH',
  'COMPOSER_HOME',
  'SYSTEMROOT',
])

const NEVER_PASSED = [
  /^WARRANT_/,
  /^ACTIONS_ID_TOKEN_REQUEST_/,
  /^ACTIONS_RUNTIME_TOKEN$/,
  /^SIGSTORE_ID_TOKEN$/,
  /^CI_JOB_JWT/,
  /ID_TOKEN/,
  /OIDC/,
]

export function childEnvironment(
  extraNames: readonly string[],
  source: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  const extra = new Set(extraNames)
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || NEVER_PASSED.some((re) => re.test(name))) continue
    if (ALLOWED.has(name) || name.startsWith('LC_') || extra.has(name)) env[name] = value
  }
  return env
}
