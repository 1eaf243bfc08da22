/**
 * `pnpm --filter @kp/release-check check:changesets`: the changeset check of the test run, on
 * its own. Exits 1 when a changed package has no changeset.
 */
import { checkChangesets, formatReport } from './changeset-check.js'

const report = await checkChangesets()
console.log(formatReport(report))
process.exit(report.missing.length > 0 || report.problems.length > 0 ? 1 : 0)
