import { MAX_CONCURRENCY, type ProviderName } from '@warrant/verifier'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { SigningError } from './attest.js'
import { audit } from './commands/audit.js'
import { check } from './commands/check.js'
import { conformance } from './commands/conformance.js'
import { keygen } from './commands/keygen.js'
import { mcp } from './commands/mcp.js'
import { list, report } from './commands/platform.js'
import { type RunOptions, run } from './commands/run.js'
import type { CheckOptions } from './commands/run-checks.js'
import { serve } from './commands/serve.js'
import { sign } from './commands/sign.js'
import { signJwt } from './commands/sign-jwt.js'
import { types } from './commands/types.js'
import { verify } from './commands/verify.js'
import { type Io, UsageError } from './io.js'
import { OUTPUT_FORMATS } from './output/index.js'
import { VERSION } from './version.js'

const EXIT_CODES = `
Exit codes:
  0  every result is pass (or skipped because test execution is disabled)
  1  any fail or error, or an assertion of a type this verifier does not know
  2  usage or input error: nothing was evaluated`

const positiveInt = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('must be a positive whole number of bytes')
  return Number(value)
}
const collect = (value: string, previous: string[]) => [...previous, value]

function addCheckOptions(cmd: Command): Command {
  return cmd
    .option('--project-root <dir>', 'the checkout to verify (default: the working directory)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('text'))
    .option('--no-test-execution', 'never run tests: run-mode test_passes is skipped')
    .option('--test-env <name>', 'pass this environment variable to test runs (repeatable)', collect, [])
    .option('--max-file-size <bytes>', 'size cap per file (default 4194304)', positiveInt)
}

function checkOptions(o: Record<string, unknown>): CheckOptions {
  return {
    ...(o.projectRoot ? { projectRoot: o.projectRoot as string } : {}),
    output: o.output as CheckOptions['output'],
    testExecution: o.testExecution !== false,
    testEnv: (o.testEnv as string[]) ?? [],
    ...(o.maxFileSize ? { maxFileSize: o.maxFileSize as number } : {}),
  }
}

/** The Tier 2 provider of `warrant run`, or null without one; a provider needs a model. */
function tier2Option(o: { tier2Provider: string; tier2Model?: string; tier2BaseUrl?: string }) {
  if (o.tier2Provider === 'none') return null
  if (!o.tier2Model) throw new UsageError('--tier2-model is required with --tier2-provider')
  const provider: ProviderName =
    o.tier2Provider === 'openai-compatible'
      ? 'openai_compatible'
      : (o.tier2Provider as 'openai' | 'anthropic' | 'ollama')
  if (provider === 'openai_compatible' && !o.tier2BaseUrl)
    throw new UsageError('--tier2-base-url is required for an OpenAI-compatible server')
  return { provider, model: o.tier2Model, ...(o.tier2BaseUrl ? { baseUrl: o.tier2BaseUrl } : {}) }
}

/** MODEL or --all, exactly one of them. */
function runModels(model: string | undefined, all: boolean): RunOptions['models'] {
  if (model !== undefined && all) throw new UsageError('give a MODEL or --all, not both', 'model_conflict')
  if (model === undefined && !all) throw new UsageError('give a MODEL id or --all', 'model_missing')
  return all ? 'all' : { id: model! }
}

function concurrencyOption(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_CONCURRENCY)
    throw new UsageError(
      `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not ${JSON.stringify(value)}`,
      'concurrency_invalid',
    )
  return n
}

/**
 * `--component` is refused: neither the platform contract (PLATFORM.md) nor the assertions it hands to CI carry a
 * component, so there is nothing to filter on; guessing from titles or paths would drop assertions silently.
 */
function noComponent(component: string | undefined): Record<string, never> {
  if (component !== undefined)
    throw new UsageError(
      `--component ${JSON.stringify(component)}: controls and assertions have no component on this platform; select with --repo or --changed-files (docs/CI.md)`,
      'component_unsupported',
    )
  return {}
}

/** Builds the `warrant` program; each action stores its exit code. */
function program(io: Io, setExit: (code: number) => void): Command {
  const p = new Command('warrant')
    .description('Prove that security controls are implemented: check typed assertions against a checkout.')
    .version(VERSION, '-V, --version')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    // Options belong to the command they follow, so that `sign jwt` gets its own --signing-key.
    .enablePositionalOptions()

  addCheckOptions(
    p
      .command('check')
      .description('check every assertion of a batch file or model file (JSON or YAML; - reads standard input)')
      .argument('<file>', 'assertions file: {"assertions": [...]}, a list, or a warrant.model/v1 model file'),
  )
    .addHelpText('after', EXIT_CODES)
    .action(async (file: string, o) => setExit(await check(file, checkOptions(o), io)))

  addCheckOptions(
    p
      .command('verify')
      .description('check one assertion given on the command line')
      .argument('<type>', 'assertion type (see `warrant types`)')
      .option(
        '-p, --param <key=value>',
        'a parameter (repeatable); JSON arrays, numbers and booleans are parsed',
        collect,
        [],
      ),
  )
    .addHelpText(
      'after',
      `\nExample:\n  warrant verify function_exists -p file=auth/middleware.py -p name=require_auth\n${EXIT_CODES}`,
    )
    .action(async (type: string, o) => setExit(await verify(type, o.param as string[], checkOptions(o), io)))

  p.command('conformance')
    .description('run conformance suites (warrant-conformance/v1) against this verifier')
    .argument('<files...>', 'conformance files')
    .option('--test-execution', 'run the project tests of run-mode test_passes cases (off by default)')
    .option('--max-file-size <bytes>', 'size cap per file', positiveInt)
    .option('-v, --verbose', 'also print matching cases')
    .addHelpText(
      'after',
      '\nThe last line is "N passed, M failed".\nExit codes: 0 every case matched, 1 a mismatch or no case, 2 a file cannot be read or is not a conformance file',
    )
    .action(async (files: string[], o) =>
      setExit(
        await conformance(
          files,
          {
            testExecution: o.testExecution === true,
            verbose: o.verbose === true,
            ...(o.maxFileSize ? { maxFileSize: o.maxFileSize } : {}),
          },
          io,
        ),
      ),
    )

  const PLATFORM_HELP = `
The platform URL comes from --url or WARRANT_URL; the API key only from WARRANT_API_KEY.
Exit codes:
  0  success
  1  (report) some control is partially verified
  2  usage error (missing URL or key, bad arguments)
  3  the platform refused the request or could not be reached`
  const port = (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('must be a port number 0–65535')
    return Number(value)
  }

  p.command('serve')
    .description('start the platform (REST API, docs at /api/docs) on the embedded database or DATABASE_URL')
    .option('--port <port>', 'port to listen on', port, 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data <dir>', 'data directory (default: $WARRANT_DATA or ./.warrant)')
    .option('--rewrap-keys', 're-encrypt the stored instance and log keys under the current master key, then exit')
    .option('--old-master-key-file <file>', 'with --rewrap-keys: the file holding the previous master key')
    .addHelpText(
      'after',
      '\nStops cleanly on SIGINT or SIGTERM. Exit codes: 0 stopped cleanly (or keys re-wrapped), 2 usage error.',
    )
    .action(async (o) =>
      setExit(
        await serve(
          {
            port: o.port,
            host: o.host,
            ...(o.data ? { data: o.data } : {}),
            ...(o.rewrapKeys ? { rewrapKeys: true } : {}),
            ...(o.oldMasterKeyFile ? { oldMasterKeyFile: o.oldMasterKeyFile } : {}),
          },
          io,
        ),
      ),
    )

  p.command('list')
    .description("list a model's controls with their implementation and verification status")
    .argument('<model>', 'model id (mdl_…)')
    .option('--url <url>', 'platform URL (default: $WARRANT_URL)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', PLATFORM_HELP)
    .action(async (model: string, o) => setExit(await list(model, { url: o.url, output: o.output }, io)))

  p.command('report')
    .description("print a model's verification report")
    .argument('<model>', 'model id (mdl_…)')
    .option('--url <url>', 'platform URL (default: $WARRANT_URL)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', PLATFORM_HELP)
    .action(async (model: string, o) => setExit(await report(model, { url: o.url, output: o.output }, io)))

  p.command('mcp')
    .description("serve the platform's MCP tools over stdio, for AI coding agents that launch a process")
    .option('--url <url>', 'platform URL (default: $WARRANT_URL)')
    .addHelpText(
      'after',
      `
Speaks MCP (JSON-RPC) on standard input and output until standard input ends; each tool call is forwarded to
the platform's REST API with WARRANT_API_KEY (a wk_… developer key), with exactly that key's rights.
Clients that speak HTTP can use the platform's /mcp endpoint instead.

Example .mcp.json:
  {"mcpServers": {"warrant": {"command": "npx", "args": ["warrant", "mcp"],
    "env": {"WARRANT_URL": "http://127.0.0.1:8080", "WARRANT_API_KEY": "wk_…"}}}}

Exit codes: 0 standard input ended, 2 usage error (missing URL or key).`,
    )
    .action(async (o) => setExit(await mcp({ url: o.url }, io)))

  p.command('run')
    .description('verify the assertions of a model on this checkout and submit the run to the platform (CI)')
    .argument('[model]', 'model id (mdl_…); or --all')
    .option('--all', 'run every model the key can see, one submission each')
    .option('--url <url>', 'platform URL (default: $WARRANT_URL)')
    .option('--project-root <dir>', 'the checkout to verify (default: the working directory)')
    .option('--repo <owner/name>', 'the repo this checkout is (default: from the CI variables or the git remote)')
    .option('--changed-files <file>', 'only assertions touching these repo-relative paths (one a line; - = stdin)')
    .option('--component <name>', 'not available: the platform has no component on controls (see docs/CI.md)')
    .addOption(new Option('--concurrency <n>', 'Tier 2 questions in flight at once, 1–64').default('4', '4'))
    .option('--signing-key <file>', 'sign the results with the workspace ECDSA P-256 key (a workspace-key bundle)')
    .option(
      '--oidc-token-env <var>',
      "also send the CI's raw OIDC token from this variable as X-CI-Attestation (audience: the platform's)",
    )
    .option('--require-attestation', 'fail (exit 2) instead of submitting unattested results')
    .option('--dry-run', 'verify and report, submit nothing')
    .option(
      '--no-reverify',
      'only what the platform lists as pending: Tier 1 not passing or older than a day, Tier 2 still to judge',
    )
    .option('--no-test-execution', 'never run tests: run-mode test_passes is skipped')
    .addOption(
      new Option('--tier2-provider <name>', 'Tier 2 model provider')
        .choices(['openai', 'openai-compatible', 'anthropic', 'ollama', 'none'])
        .default('none'),
    )
    .option('--tier2-model <id>', 'the model Tier 2 asks (required with a provider)')
    .option('--tier2-base-url <url>', 'base URL of an OpenAI-compatible server')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('text'))
    .addHelpText(
      'after',
      `
Tier 2 asks the provider one question per assertion that passed Tier 1 (key from OPENAI_API_KEY or ANTHROPIC_API_KEY), with the
platform's prompt and the excerpt Tier 1 located, at most --concurrency at once; answers are cached in
PROJECT_ROOT/.warrant/tier2-cache.json, and the tokens used are reported. Without a Tier 2 provider every assertion
gets a skipped Tier 2 result, which never passes.
Attestation: --signing-key signs with the workspace key; without it, when the CI offers an OIDC token
(SIGSTORE_ID_TOKEN, or GitHub Actions with permissions id-token: write) the results are signed keylessly with
Sigstore (WARRANT_SIGSTORE_FULCIO_URL, WARRANT_SIGSTORE_REKOR_URL, WARRANT_SIGSTORE_TSA_URL; default the public
instance); otherwise they go out unsigned, unless --require-attestation. Signing happens only when submitting.
--changed-files keeps the assertions whose file or glob parameters, or Tier 1 locations, touch a listed path, and
every assertion whose scope cannot be decided (docs/CI.md). github, sarif and junit print the document on standard
output and the summary on standard error.
The key comes only from WARRANT_API_KEY: a verifier key (wv_) submits, a developer key (wk_) verifies and submits
nothing.
Exit codes:
  0  every assertion passed (and each run was submitted, unless --dry-run or a developer key)
  1  some assertion failed or could not be evaluated; each is listed with its control and file:line
  2  usage error, printed as "warrant: CODE: message" (no URL or key, MODEL and --all both or neither, a bad
     --concurrency or --changed-files, --component, --all with no model visible, not a git checkout, unreadable
     signing key, a bad --oidc-token-env token, attestation_unavailable: --require-attestation with nothing to
     attest); nothing submitted
  3  the platform refused a request or could not be reached, or keyless signing failed (keyless_signing_failed,
     naming the step: the CI's token, Fulcio, Rekor, the TSA); a run whose submission failed was not recorded`,
    )
    .action(async (model: string | undefined, o) =>
      setExit(
        await run(
          {
            models: runModels(model, o.all === true),
            ...(o.url ? { url: o.url } : {}),
            ...(o.projectRoot ? { projectRoot: o.projectRoot } : {}),
            ...(o.repo ? { repo: o.repo } : {}),
            ...(o.signingKey ? { signingKey: o.signingKey } : {}),
            ...(o.oidcTokenEnv !== undefined ? { oidcTokenEnv: o.oidcTokenEnv } : {}),
            requireAttestation: o.requireAttestation === true,
            ...(o.changedFiles !== undefined ? { changedFiles: o.changedFiles } : {}),
            dryRun: o.dryRun === true,
            reverify: o.reverify !== false,
            output: o.output,
            testExecution: o.testExecution !== false,
            tier2: tier2Option(o),
            concurrency: concurrencyOption(o.concurrency),
            ...noComponent(o.component),
          },
          io,
        ),
      ),
    )

  p.command('keygen')
    .description('write an ECDSA P-256 key pair for workspace-key attestation and print its fingerprint')
    .option('--out <path>', 'file prefix: writes PREFIX.key.pem (mode 0600) and PREFIX.pub.pem', 'warrant-signing')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nUpload PREFIX.pub.pem as the workspace signing key; keep PREFIX.key.pem in the CI secret store.\nExit codes: 0 written, 2 a file exists or cannot be written.',
    )
    .action((o) => setExit(keygen({ out: o.out, output: o.output }, io)))

  const signCommand = p
    .command('sign')
    .description('add a bundle (DSSE, in-toto statement) to a results submission body: workspace key or keyless')
    .argument('<body>', 'results submission body (JSON: pipeline, verifier, results)')
    // Required, but checked in the action: commander would also demand them of the `sign jwt` subcommand.
    .option('--signing-key <file>', 'the workspace ECDSA P-256 private key (PEM); without it, keyless (Sigstore)')
    .option('--workspace <id>', 'workspace id (ws_…) (required)')
    .option('--model <id>', 'model id (mdl_…) (required)')
    .option('--out <file>', 'write the signed body here instead of standard output')
    .addHelpText(
      'after',
      `
Without --signing-key the body is signed keylessly with Sigstore when the CI offers an OIDC token
(SIGSTORE_ID_TOKEN, or GitHub Actions with permissions id-token: write; endpoints as for warrant run).
Send a raw CI token yourself as the X-CI-Attestation header; this command only writes the body.
Prints results_hash, statement_digest and the signer (key fingerprint or sigstore) on standard error.
Exit codes: 0 signed, 2 unreadable body or key, or nothing to sign with (attestation_unavailable),
3 keyless signing failed (keyless_signing_failed, naming the step).`,
    )
    .action(async (body: string, o) => {
      for (const [flag, value] of [
        ['--workspace <id>', o.workspace],
        ['--model <id>', o.model],
      ])
        if (value === undefined) signCommand.error(`error: required option '${flag}' not specified`)
      setExit(
        await sign(
          body,
          {
            ...(o.signingKey ? { signingKey: o.signingKey } : {}),
            workspace: o.workspace,
            model: o.model,
            ...(o.out ? { out: o.out } : {}),
          },
          io,
        ),
      )
    })

  signCommand
    .enablePositionalOptions()
    .command('jwt')
    .description('print a workspace ES256 JWT (5 minutes) that authenticates one results submission')
    .requiredOption('--signing-key <file>', 'the workspace ECDSA P-256 private key (PEM)')
    .requiredOption('--workspace <id>', 'workspace id (ws_…)')
    .option('--audience <aud>', 'attestation_audience of GET /api/verification/config (default: WARRANT_URL)')
    .addHelpText(
      'after',
      '\nSend it as Authorization: Bearer <jwt>.\nExit codes: 0 printed, 2 unreadable key or no audience.',
    )
    .action((o) =>
      setExit(
        signJwt(
          { signingKey: o.signingKey, workspace: o.workspace, ...(o.audience ? { audience: o.audience } : {}) },
          io,
        ),
      ),
    )

  p.command('audit')
    .description('verify an audit package offline against your pins (EVIDENCE.md §12); makes no network connection')
    .argument('[package]', 'audit package (JSON) downloaded from /api/audit-packages/{exp}/download')
    .option('--pins <file>', 'pins file (warrant.pins/v1): the keys, log and scope you trust')
    .option('--json', 'print {verdict, exit_code, checks, runs, controls, openssl} as JSON')
    .option('--full', 'also list the passed checks')
    .option('--emit <dir>', 'write the files the printed openssl commands use into DIR (new or empty)')
    .option('--init-pins', 'print a pins skeleton from the package, to review before use, and exit')
    .addHelpText(
      'after',
      `
Checks not built in this version are listed as not_checked, never as passed.
Exit codes (precedence 2 > 1 > 3 > 0):
  0  VERIFIED      every check passed and the pins' policy is met
  1  INVALID       the package contradicts itself, a signature, digest or proof fails, or a signer is not trusted
  2  USAGE         bad arguments, unreadable files, malformed pins, an unsupported format or rules version
  3  INSUFFICIENT  everything present verifies, but it does not establish what the pins ask for`,
    )
    .action(async (pkg: string | undefined, o) =>
      setExit(
        await audit(
          pkg,
          {
            pins: o.pins,
            json: o.json === true,
            initPins: o.initPins === true,
            full: o.full === true,
            ...(o.emit !== undefined ? { emit: o.emit } : {}),
          },
          io,
        ),
      ),
    )

  p.command('types')
    .description('list the assertion catalogue')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((o) => setExit(types(o.output, io)))

  return p
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  let code = 0
  try {
    await program(io, (c) => {
      code = c
    }).parseAsync(argv, { from: 'user' })
    return code
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? 0 : 2
    }
    if (e instanceof UsageError) {
      io.stderr(`warrant: ${e.code ? `${e.code}: ` : ''}${e.message}\n`)
      return 2
    }
    if (e instanceof SigningError) {
      io.stderr(`warrant: ${e.code}: ${e.message}; nothing was written\n`)
      return 3
    }
    throw e
  }
}
