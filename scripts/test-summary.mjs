#!/usr/bin/env node
// Sums every package's vitest JSON report (written by the shared vitest config) into one line,
// so a CI log ends with the whole run's count: "Tests: N passed, N failed, N skipped".
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const dirs = []
for (const group of ['packages', 'apps', 'tools']) {
  const base = join(root, group)
  if (existsSync(base)) for (const d of readdirSync(base)) dirs.push(join(base, d))
}
dirs.push(join(root, 'bench'))

let passed = 0
let failed = 0
let skipped = 0
const rows = []
for (const dir of dirs) {
  const file = join(dir, 'test-results', 'vitest.json')
  if (!existsSync(file)) continue
  const r = JSON.parse(readFileSync(file, 'utf8'))
  passed += r.numPassedTests
  failed += r.numFailedTests
  skipped += r.numPendingTests + (r.numTodoTests ?? 0)
  rows.push(`  ${dir.slice(root.length).padEnd(32)} ${r.numPassedTests} passed, ${r.numFailedTests} failed`)
}
console.log(rows.join('\n'))
if (passed + failed === 0) {
  console.log('Tests: no test ran')
  process.exit(1)
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 ? 1 : 0)
