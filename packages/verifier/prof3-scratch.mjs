import { mkdtempSync } from 'node:fs'
import { enableLinearRegexEngine, evaluateAll } from '@warrant/verifier'
import { generateCorpus } from './dist-bench/corpus.js'

enableLinearRegexEngine()
const dir = mkdtempSync('/tmp/prof4-')
const c = await generateCorpus(dir, 500, 1250)
const cpu0 = process.cpuUsage()
const t0 = performance.now()
await evaluateAll(c.assertions, dir)
const cpu = process.cpuUsage(cpu0)
console.log('wall', (performance.now() - t0).toFixed(0), 'cpu', ((cpu.user + cpu.system) / 1000).toFixed(0))
