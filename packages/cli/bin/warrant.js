#!/usr/bin/env node
// Launcher committed so that npm links the `warrant` binary at install time; `npm ci` compiles dist/ (prepare).
import '../dist/bin.js'
