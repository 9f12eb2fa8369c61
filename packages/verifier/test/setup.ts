import { enableLinearRegexEngine } from '../src/regex/enable.js'

enableLinearRegexEngine()
