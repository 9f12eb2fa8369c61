import type { Evaluator } from '../engine/outcome.js'
import { errorHandled, functionCalls, parameterValidated } from './code/calls.js'
import { classExists, decoratorPresent, functionExists } from './code/definitions.js'
import { envVarReferenced, httpHeaderSet, importPresent, middlewareRegistered } from './code/references.js'
import { testExists } from './code/tests.js'
import { configKeyExists, configValueMatches } from './config.js'
import { dependencyExists, dependencyVersion } from './dependency.js'
import { fileExists, fileHash } from './file.js'
import { patternAbsent, patternMatches } from './pattern.js'
import { noPlaintextSecret } from './secrets.js'
import { testPasses } from './test-passes.js'

/** Every catalogue type's Tier 1 evaluator. */
export const EVALUATORS: Record<string, Evaluator> = {
  function_exists: functionExists,
  class_exists: classExists,
  decorator_present: decoratorPresent,
  function_calls: functionCalls,
  parameter_validated: parameterValidated,
  test_passes: testPasses,
  test_exists: testExists,
  config_key_exists: configKeyExists,
  config_value_matches: configValueMatches,
  dependency_exists: dependencyExists,
  dependency_version: dependencyVersion,
  file_exists: fileExists,
  file_hash: fileHash,
  pattern_matches: patternMatches,
  pattern_absent: patternAbsent,
  import_present: importPresent,
  env_var_referenced: envVarReferenced,
  error_handled: errorHandled,
  no_plaintext_secret: noPlaintextSecret,
  middleware_registered: middlewareRegistered,
  http_header_set: httpHeaderSet,
}
