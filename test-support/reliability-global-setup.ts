/**
 * globalSetup of `npm run test:reliability`: a fresh directory where each test
 * file leaves its counts, read back by reliability-global-teardown.ts.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export default function globalSetup(): void {
  process.env.RELIABILITY_STATS_DIR = mkdtempSync(path.join(tmpdir(), 'debussy-reliability-'))
  process.env.RELIABILITY_STARTED_AT = String(Date.now())
}
