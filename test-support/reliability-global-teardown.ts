/**
 * globalTeardown of `npm run test:reliability`: sums the counts each test file
 * left (see Tally in reliability-harness.ts) and prints the table. Every
 * figure is counted by the tests; nothing here is a constant.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'

interface FileCounts {
  readonly name: string
  readonly counts: Record<string, number>
  readonly notes: readonly string[]
}

/**
 * Every kind of write the action makes, which an applied-then-lost fault can
 * hit, with its name in the report: the report has a count for each. Here, not
 * in reliability-model.ts, because globalTeardown loads without jest's module
 * mapping (it can import no .ts file of the suite); the model re-exports it.
 */
export const WRITE_KINDS = {
  addComment: 'comment',
  closeIssue: 'close',
  addLabelsToLabelable: 'label add',
  removeLabelsFromLabelable: 'label remove',
  milestonePatch: 'milestone',
  createLabel: 'label creation',
  updateIssueComment: 'status comment edit'
} as const

export type WriteKind = keyof typeof WRITE_KINDS

/** The table's rows by area: [measure, the count's key (`a|b` shows a / b)]. */
const SECTIONS: Record<string, readonly (readonly [label: string, key: string])[]> = {
  'Fault injection': [
    ['trials (seeded)', 'campaign.trials'],
    ['faults injected (served by the simulator)', 'faults.injected'],
    ['faults survived (trial converged)', 'faults.survived'],
    ['trials converged', 'campaign.converged'],
    ['lost updates (trials not converged)', 'campaign.lostUpdates'],
    ['writes made, then answer lost (applied-then-lost)', 'lostAnswer.injected'],
    [
      `  hitting ${Object.values(WRITE_KINDS).join(' / ')}`,
      Object.keys(WRITE_KINDS)
        .map((kind) => `lostAnswer.${kind}`)
        .join('|')
    ],
    ['duplicate comments (a completion comment posted twice)', 'duplicates.comments'],
    ['duplicate closes (an issue closed twice)', 'duplicates.closes'],
    ['runs that failed and were re-run', 'campaign.reruns'],
    ['failed runs explained (::error::, no stack)', 'campaign.failuresExplained'],
    ['failed runs not explained', 'campaign.failuresUnexplained'],
    ['person interferences mid-run', 'campaign.interferences'],
    ['long primary limits: step failed saying when', 'campaign.longResetExplained'],
    ['rate-limit waits cut short', 'rateLimit.waitViolations'],
    ['requests sent into a budget exhausted for an hour', 'rateLimit.sentDuringLongLimit'],
    ['targeted fault checks passed / failed', 'targeted.passed|targeted.failed']
  ],
  'Bad input': [
    ['inputs tried', 'input.tried'],
    ['refused cleanly (field, fix, 0 requests, no stack)', 'input.refusedCleanly'],
    ['refused, but not cleanly', 'input.refusedBadly'],
    ['accepted as expected (and neutralised)', 'input.acceptedAsExpected'],
    ['not handled as expected', 'input.unexpected'],
    ['requests made on refused input', 'input.requestsOnRefused'],
    ['write requests made on refused input', 'input.writesOnRefused']
  ],
  Disorder: [
    ['trials (fast-check)', 'disorder.trials'],
    ['deliveries', 'disorder.deliveries'],
    ['trials ending as the in-order model says', 'disorder.converged'],
    ['trials differing from the model after some delivery', 'disorder.diverged']
  ],
  People: [
    ["lost labels (a person's label gone)", 'labels.lost'],
    ["resurrected labels (a person's removal undone)", 'labels.resurrected']
  ],
  Secrets: [
    ['runs scanned (stdout, summary, outputs)', 'secrets.runsScanned'],
    ['of which with RUNNER_DEBUG=1', 'secrets.debugRuns'],
    ['bundle runs (dist/index.js, stdout+stderr)', 'secrets.bundleRuns'],
    ['token leaks', 'secrets.leaks']
  ]
}

const ROWS = Object.entries(SECTIONS).flatMap(([area, rows]) =>
  rows.map(([label, key], i) => [i === 0 ? area : '', label, key] as const)
)

function read(dir: string): FileCounts[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as FileCounts)
}

export default function globalTeardown(): void {
  const dir = process.env.RELIABILITY_STATS_DIR
  if (dir === undefined) return
  const files = read(dir)
  const total: Record<string, number> = {}
  for (const file of files) {
    for (const [key, value] of Object.entries(file.counts)) total[key] = (total[key] ?? 0) + value
  }
  const value = (key: string): string =>
    key
      .split('|')
      .map((k) => String(total[k] ?? 0))
      .join(' / ')
  const width = Math.max(...ROWS.map(([, label]) => label.length))
  const sectionWidth = Math.max(...ROWS.map(([section]) => section.length))
  const lines = [
    '',
    `Reliability report — seed ${process.env.RELIABILITY_SEED ?? 20261125}, ${(
      (Date.now() - Number(process.env.RELIABILITY_STARTED_AT ?? Date.now())) /
      1000
    ).toFixed(1)} s, files reporting: ${
      files
        .map((f) => f.name)
        .sort()
        .join(', ') || 'none'
    }`,
    `| ${'area'.padEnd(sectionWidth)} | ${'measure'.padEnd(width)} | value |`,
    `| ${'-'.repeat(sectionWidth)} | ${'-'.repeat(width)} | ----: |`,
    ...ROWS.map(
      ([section, label, key]) =>
        `| ${section.padEnd(sectionWidth)} | ${label.padEnd(width)} | ${value(key).padStart(5)} |`
    )
  ]
  const notes = files.flatMap((file) => file.notes.map((note) => `- [${file.name}] ${note}`))
  if (notes.length > 0) lines.push('', 'Findings noted by the tests:', ...notes)
  console.log(lines.join('\n'))
  rmSync(dir, { recursive: true, force: true })
}
