import { isSelection, selectFiles, where } from '../../engine/files.js'
import type { Evaluator } from '../../engine/outcome.js'
import { compileTestNameGlob } from '../../testing/name-glob.js'
import { ALL_TREES, existentialCodeClaim, locationOf } from './common.js'

const PATTERN_KEYS = { glob: 'pattern' }

export const testExists: Evaluator = async (params, ctx) => {
  const testName = params.test_name as string | undefined
  if (testName === undefined) {
    // Without a name, the claim is about files only: no content is read (§3.7).
    const selection = await selectFiles(params, ctx, PATTERN_KEYS)
    if (!isSelection(selection)) return selection
    return {
      status: 'pass',
      details: `${where(selection)}`,
      locations: selection.files.map((file) => ({ file, line: 1 })),
    }
  }
  const matches = compileTestNameGlob(testName)
  return existentialCodeClaim(
    'test_exists',
    params,
    ctx,
    ALL_TREES,
    ['definitions', 'testBlocks'],
    (facts, file) => {
      const fromFunctions = facts
        .definitions()
        .filter((d) => d.kind === 'function' && d.hasBody)
        .map((d) => ({ name: d.qualified[d.qualified.length - 1]!, fullName: d.qualified.join('.'), at: d.at }))
      const test = [...fromFunctions, ...facts.testBlocks()].find((t) => matches(t.name) || matches(t.fullName))
      return (
        test && {
          details: `test '${test.fullName}' defined at ${file.rel}:${test.at.line}`,
          locations: [locationOf(file, test.at)],
        }
      )
    },
    (w) => `no test matching '${testName}' in ${w}`,
    PATTERN_KEYS,
  )
}
