import { summarize } from '@warrant/core'
import type { RenderInput } from './format.js'

const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g

export function xmlEscape(s: string): string {
  return s
    .replace(INVALID_XML, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;')
}

/** JUnit XML: one testsuite, one testcase per assertion (§5.2), classed under its control when it has one. */
export function renderJunit(input: RenderInput): string {
  const s = summarize(input.results)
  const cases = input.results.map((r) => {
    const attrs = `classname="${xmlEscape(r.control ? `warrant.${r.control}.${r.type}` : `warrant.${r.type}`)}" name="${xmlEscape(r.id)}"`
    const message = `message="${xmlEscape(r.details)}"`
    const child =
      r.status === 'fail'
        ? `<failure ${message}/>`
        : r.status === 'error'
          ? `<error ${message}/>`
          : r.status === 'skipped'
            ? `<skipped ${message}/>`
            : ''
    const out = r.locations.map((l) => `${l.file}:${l.line}${l.column ? `:${l.column}` : ''}`).join('\n')
    const sysout = out ? `<system-out>${xmlEscape(out)}</system-out>` : ''
    return `    <testcase ${attrs}>${child}${sysout}</testcase>`
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${input.results.length}" failures="${s.fail}" errors="${s.error}" skipped="${s.skipped}">`,
    `  <testsuite name="warrant" tests="${input.results.length}" failures="${s.fail}" errors="${s.error}" skipped="${s.skipped}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}
