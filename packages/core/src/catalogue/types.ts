import type { Intent } from '../status/enums.js'
import type { ParamSpec } from './params.js'

/** How a type combines per-file outcomes over a glob (ASSERTIONS.md §2.4). */
export type GlobCombination = 'existential' | 'universal' | 'none'

/** Cross-field rules, checked after each param's own schema. */
export type CrossRule =
  | { rule: 'exactly_one'; keys: [string, string] }
  | { rule: 'requires'; key: string; requires: string }
  | { rule: 'exclusive'; keys: [string, string] }
  | { rule: 'only_with'; key: string; allowed: string[] }
  | { rule: 'one_of_with'; choices: [string, string]; requiredWith: string }

export interface TypeDefinition {
  name: string
  /** One-line claim, used in SARIF rules and listings. */
  claim: string
  /** A longer description for forms, docs and agents. */
  description: string
  params: Record<string, ParamSpec>
  rules: CrossRule[]
  glob: GlobCombination
  example: Record<string, unknown>
  /** The type's Tier 2 decision question and its template version (PLATFORM.md §9.3). */
  tier2: { version: number; question: string }
  /** Intents this type can prove (PLATFORM.md §9.2); '*' or absent = any. */
  proves?: readonly Intent[] | '*'
}

const fileOrGlob = (what: string): Record<string, ParamSpec> => ({
  file: { kind: 'path', description: `the file ${what}` },
  glob: { kind: 'glob', description: `a glob selecting the files ${what}` },
})

const regexFlags: Record<string, ParamSpec> = {
  scope_start: { kind: 'regex', description: 'the region starts right after the first match of this regex' },
  scope_end: {
    kind: 'regex',
    description: 'the region ends right before the first match of this regex after scope_start',
  },
  multiline: { kind: 'boolean', description: '^ and $ match at line boundaries', default: false },
  dotall: { kind: 'boolean', description: '. matches line terminators', default: false },
  ignore_case: { kind: 'boolean', description: 'case-insensitive matching', default: false },
}

const FILE_OR_GLOB: CrossRule = { rule: 'exactly_one', keys: ['file', 'glob'] }
const SCOPE: CrossRule = { rule: 'requires', key: 'scope_end', requires: 'scope_start' }

const CONFIG_PROVES: readonly Intent[] = [
  'configuration_hardening',
  'transport_security',
  'security_headers',
  'session_management',
  'cryptography',
  'rate_limiting',
  'logging_monitoring',
  'authentication',
  'data_protection',
]

const DEPENDENCY_PROVES: readonly Intent[] = [
  'supply_chain',
  'cryptography',
  'authentication',
  'input_validation',
  'output_encoding',
  'security_headers',
  'rate_limiting',
]

/** The type's Tier 2 decision question, rendered into the `tier2/<type>@<version>` template (prompts/tier2.ts). */
const tier2 = (question: string) => ({ version: 2, question })

const types: TypeDefinition[] = [
  {
    name: 'function_exists',
    claim: 'a function or method is defined',
    description:
      'A function or method with this name is defined (not merely called, imported or mentioned) in the file, or in at least one file the glob selects.',
    params: {
      ...fileOrGlob('where to look'),
      name: { kind: 'name', required: true, description: 'function name, optionally qualified: AuthService.login' },
    },
    rules: [FILE_OR_GLOB],
    glob: 'existential',
    example: { file: 'auth/middleware.py', name: 'require_auth' },
    tier2: tier2('Does this function really implement the control, rather than being a stub?'),
    proves: '*',
  },
  {
    name: 'class_exists',
    claim: 'a class-like type is defined',
    description: 'A class, interface, struct, enum, trait or similar type with this name is defined.',
    params: {
      ...fileOrGlob('where to look'),
      name: { kind: 'name', required: true, description: 'type name, optionally qualified for nested types' },
    },
    rules: [FILE_OR_GLOB],
    glob: 'existential',
    example: { glob: 'src/**/*.ts', name: 'RateLimiter' },
    tier2: tier2('Does this type really implement the control?'),
    proves: '*',
  },
  {
    name: 'decorator_present',
    claim: 'a function carries a decorator / annotation / attribute',
    description: 'The function or method carries the decorator, annotation or attribute among its own decorators.',
    params: {
      file: { kind: 'path', required: true, description: 'the file that defines the function' },
      function: { kind: 'name', required: true, description: 'the decorated function or method' },
      decorator: { kind: 'name', required: true, description: 'decorator name, with or without @ or [ ]' },
    },
    rules: [],
    glob: 'none',
    example: { file: 'app/views.py', function: 'ProfileView.get', decorator: '@login_required' },
    tier2: tier2('Does this decorator enforce the control for this function?'),
    proves: '*',
  },
  {
    name: 'function_calls',
    claim: 'a function calls another',
    description: 'The body of the caller (including nested closures) contains a call to the callee.',
    params: {
      file: { kind: 'path', required: true, description: 'the file that defines the caller' },
      caller: { kind: 'name', required: true, description: 'the calling function or method' },
      callee: { kind: 'name', required: true, description: 'the called function: full dotted path or last segment' },
    },
    rules: [],
    glob: 'none',
    example: { file: 'auth/views.py', caller: 'handle_login', callee: 'jwt.decode' },
    tier2: tier2('Is the call made on every path where the control requires it?'),
    proves: '*',
  },
  {
    name: 'parameter_validated',
    claim: 'a parameter is validated',
    description:
      'The function declares the parameter and validates it: a guard that exits, a validator call, or declarative validation.',
    params: {
      file: { kind: 'path', required: true, description: 'the file that defines the function' },
      function: { kind: 'name', required: true, description: 'the function or method' },
      parameter: { kind: 'string', required: true, description: 'the parameter name as declared' },
    },
    rules: [],
    glob: 'none',
    example: { file: 'api/users.py', function: 'update_user', parameter: 'user_id' },
    tier2: tier2('Is the validation sufficient for the control?'),
    proves: [
      'input_validation',
      'output_encoding',
      'authorization',
      'authentication',
      'rate_limiting',
      'data_protection',
    ],
  },
  {
    name: 'test_passes',
    claim: 'tests ran and passed',
    description:
      'Matching tests were executed and none failed: read from JUnit reports (junit) or by running the detected runner or a command.',
    params: {
      junit: { kind: 'path_or_glob', description: 'JUnit XML reports written earlier in the CI job (report mode)' },
      pattern: { kind: 'glob', description: 'test files to run' },
      file: { kind: 'path', description: 'one test file to run' },
      test_name: { kind: 'string', description: 'which tests count (name glob)' },
      command: { kind: 'command', description: 'the command to run instead of a detected runner' },
      timeout_s: { kind: 'integer', min: 1, max: 3600, default: 600, description: 'wall-clock limit of a test run' },
    },
    rules: [
      { rule: 'only_with', key: 'junit', allowed: ['test_name'] },
      { rule: 'only_with', key: 'command', allowed: ['timeout_s'] },
      { rule: 'exclusive', keys: ['pattern', 'file'] },
    ],
    glob: 'none',
    example: { junit: 'reports/junit-*.xml', test_name: 'test_require_auth_*' },
    tier2: tier2('Do these tests exercise the control?'),
    proves: '*',
  },
  {
    name: 'test_exists',
    claim: 'test files / named tests exist',
    description: 'The glob selects test files and, with test_name, one of them defines a matching test.',
    params: {
      pattern: { kind: 'glob', required: true, description: 'test files' },
      test_name: { kind: 'string', description: 'test names (name glob)' },
    },
    rules: [],
    glob: 'existential',
    example: { pattern: 'tests/**/test_*.py', test_name: 'test_require_auth_*' },
    tier2: tier2('Does this test verify the control?'),
    proves: '*',
  },
  {
    name: 'config_key_exists',
    claim: 'a configuration key is present',
    description: 'A configuration file (JSON, YAML, TOML, INI, dotenv, properties, XML) contains the key.',
    params: {
      file: { kind: 'path', required: true, description: 'the configuration file; its name decides the format' },
      key: { kind: 'key_path', required: true, description: 'dotted path with list indexes' },
    },
    rules: [],
    glob: 'none',
    example: { file: 'k8s/deploy.yaml', key: 'spec.template.spec.securityContext.runAsNonRoot' },
    tier2: tier2('Does this configuration key enforce the control?'),
    proves: CONFIG_PROVES,
  },
  {
    name: 'config_value_matches',
    claim: 'a configuration value is right',
    description: 'The value at the key matches a regex, or compares numerically with a number.',
    params: {
      file: { kind: 'path', required: true, description: 'the configuration file' },
      key: { kind: 'key_path', required: true, description: 'dotted path with list indexes' },
      pattern: { kind: 'regex', description: 'searched in the rendered value' },
      operator: { kind: 'enum', values: ['==', '!=', '>', '>=', '<', '<='], description: 'numeric comparison' },
      value: { kind: 'numeric', description: 'right-hand side of the comparison' },
      match: { kind: 'enum', values: ['any', 'all'], default: 'any', description: 'how a list of candidates combines' },
    },
    rules: [{ rule: 'one_of_with', choices: ['pattern', 'operator'], requiredWith: 'value' }],
    glob: 'none',
    example: { file: 'config/settings.yaml', key: 'session.max_age', operator: '<=', value: 3600 },
    tier2: tier2('Does this configured value satisfy the control?'),
    proves: CONFIG_PROVES,
  },
  {
    name: 'dependency_exists',
    claim: 'a dependency is declared',
    description: 'The manifest or lockfile declares the package.',
    params: {
      manifest: { kind: 'path', required: true, description: 'the manifest or lockfile' },
      package: { kind: 'string', required: true, description: 'the package name in the ecosystem spelling' },
    },
    rules: [],
    glob: 'none',
    example: { manifest: 'package.json', package: 'helmet' },
    tier2: tier2('Is this dependency used to implement the control?'),
    proves: DEPENDENCY_PROVES,
  },
  {
    name: 'dependency_version',
    claim: "a dependency's version is inside a constraint",
    description: 'Every version of the package the project can use lies inside the constraint.',
    params: {
      manifest: { kind: 'path', required: true, description: 'the manifest or lockfile' },
      package: { kind: 'string', required: true, description: 'the package name' },
      constraint: { kind: 'string', required: true, description: "the constraint in the ecosystem's syntax" },
    },
    rules: [],
    glob: 'none',
    example: { manifest: 'pyproject.toml', package: 'cryptography', constraint: '>=42.0.4' },
    tier2: tier2('Is this version constraint sufficient for the control?'),
    proves: DEPENDENCY_PROVES,
  },
  {
    name: 'file_exists',
    claim: 'a regular file exists',
    description: 'A regular file exists at the path (a symlink to a regular file inside the root counts).',
    params: { file: { kind: 'path', required: true, description: 'the file that must exist' } },
    rules: [],
    glob: 'none',
    example: { file: 'SECURITY.md' },
    tier2: tier2('Does this file implement the control?'),
    proves: ['configuration_hardening', 'logging_monitoring', 'supply_chain'],
  },
  {
    name: 'file_hash',
    claim: 'a file has exact content',
    description: 'The digest of the file bytes equals the expected hash.',
    params: {
      file: { kind: 'path', required: true, description: 'the file to hash' },
      expected_hash: { kind: 'string', required: true, description: 'hex digest, optionally prefixed (sha256:…)' },
      algorithm: {
        kind: 'string',
        description: 'sha256, sha384, sha512, sha3-256 or sha3-512 (default sha256, or the prefix)',
      },
    },
    rules: [],
    glob: 'none',
    example: { file: 'vendor/crypto.min.js', expected_hash: 'sha256:3b0c…' },
    tier2: tier2('Is pinning this file sufficient for the control?'),
    proves: ['integrity', 'supply_chain', 'configuration_hardening'],
  },
  {
    name: 'pattern_matches',
    claim: 'text matches a regex',
    description: 'The raw text of the file (comments included) matches the regex, optionally inside a scope.',
    params: {
      ...fileOrGlob('to search'),
      pattern: { kind: 'regex', required: true, description: 'the regex to find' },
      ...regexFlags,
    },
    rules: [FILE_OR_GLOB, SCOPE],
    glob: 'existential',
    example: { file: 'nginx/site.conf', pattern: 'ssl_protocols\\s+TLSv1\\.[23]' },
    tier2: tier2('Does this text show the control in place?'),
    proves: '*',
  },
  {
    name: 'pattern_absent',
    claim: 'text never matches a regex',
    description: 'The raw text never matches the regex; a missing file never proves absence.',
    params: {
      ...fileOrGlob('to search'),
      pattern: { kind: 'regex', required: true, description: 'the regex that must not match' },
      ...regexFlags,
    },
    rules: [FILE_OR_GLOB, SCOPE],
    glob: 'universal',
    example: { glob: 'src/handlers/**/*.js', pattern: '\\beval\\s*\\(' },
    tier2: tier2('Does the absence of this text show the control in place?'),
    proves: '*',
  },
  {
    name: 'import_present',
    claim: 'a module is imported',
    description: 'The file imports the module or one of its submodules.',
    params: {
      ...fileOrGlob('where to look'),
      module: { kind: 'string', required: true, description: "module path in the language's spelling" },
    },
    rules: [FILE_OR_GLOB],
    glob: 'existential',
    example: { file: 'auth/tokens.py', module: 'jwt' },
    tier2: tier2('Is this module used to implement the control?'),
    proves: '*',
  },
  {
    name: 'env_var_referenced',
    claim: 'an environment variable is read',
    description: 'The code reads the environment variable, named by a literal.',
    params: {
      ...fileOrGlob('where to look'),
      variable: { kind: 'env_name', required: true, description: "the variable's exact name" },
    },
    rules: [FILE_OR_GLOB],
    glob: 'existential',
    example: { glob: 'src/**/*.ts', variable: 'SESSION_SECRET' },
    tier2: tier2('Is this variable used the way the control requires?'),
    proves: ['secret_management', 'cryptography', 'configuration_hardening', 'authentication', 'data_protection'],
  },
  {
    name: 'error_handled',
    claim: 'a function handles errors',
    description: 'The function handles errors, or errors of the named type.',
    params: {
      file: { kind: 'path', required: true, description: 'the file that defines the function' },
      function: { kind: 'name', required: true, description: 'the function or method' },
      exception: { kind: 'name', description: 'an exception or error type' },
    },
    rules: [],
    glob: 'none',
    example: { file: 'svc/users.py', function: 'fetch_user', exception: 'Timeout' },
    tier2: tier2('Is the error handled safely (no fail-open)?'),
    proves: [
      'error_handling',
      'authentication',
      'authorization',
      'input_validation',
      'logging_monitoring',
      'cryptography',
      'data_protection',
    ],
  },
  {
    name: 'no_plaintext_secret',
    claim: 'no secret is written in the files',
    description: 'No secret is written in the raw text (built-in detectors, or the given patterns).',
    params: {
      ...fileOrGlob('to scan'),
      patterns: { kind: 'regex_list', description: 'custom detectors; when given, only they run' },
    },
    rules: [FILE_OR_GLOB],
    glob: 'universal',
    example: { glob: 'config/**' },
    tier2: tier2('Are these files free of secrets?'),
    proves: ['secret_management'],
  },
  {
    name: 'middleware_registered',
    claim: 'a middleware is registered',
    description:
      'The application registers the middleware (Express, Fastify, FastAPI, Django, ASP.NET, Spring, Rails, Go).',
    params: {
      ...fileOrGlob('where to look'),
      middleware: { kind: 'string', required: true, description: 'middleware name or package' },
    },
    rules: [FILE_OR_GLOB],
    glob: 'existential',
    example: { file: 'src/app.ts', middleware: 'helmet' },
    tier2: tier2('Does this middleware apply to every route the control covers?'),
    proves: '*',
  },
  {
    name: 'http_header_set',
    claim: 'a response header is set',
    description: 'Responses get the header (optionally with a literal value matching the regex).',
    params: {
      ...fileOrGlob('where to look'),
      header: { kind: 'string', required: true, description: 'header name, case-insensitive' },
      value: { kind: 'regex', description: 'searched in the literal header value' },
    },
    rules: [FILE_OR_GLOB],
    glob: 'existential',
    example: { glob: 'deploy/nginx/*.conf', header: 'Strict-Transport-Security', value: 'max-age=\\d{8,}' },
    tier2: tier2('Is the header set on every response the control covers?'),
    proves: ['security_headers', 'transport_security', 'session_management', 'output_encoding'],
  },
]

export const TYPE_DEFINITIONS: readonly TypeDefinition[] = types
