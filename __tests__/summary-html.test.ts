/**
 * The job summary as people see it: GitHub renders the markdown, so render it
 * to HTML (marked, GitHub-flavoured) and check what a reader gets: one table
 * per event, a row per issue with links, the milestone, and no markup that a
 * label name or the plan's text smuggled in.
 */
import { describe, expect, it } from '@jest/globals'
import { marked } from 'marked'
import type { ObservedIssue, PhaseEvent, Snapshot } from '../src/domain.js'
import { DEFAULT_CONFIG } from '../src/config.js'
import { reconcile } from '../src/reconcile.js'
import { renderSummary } from '../src/report.js'
import { openIssue } from '../test-support/domain-builders.js'

const milestone = {
  repo: { owner: 'acme', repo: 'payments' },
  number: 4,
  title: 'Q4 <b>reliability</b>',
  description: 'Human text.',
  url: 'https://github.com/acme/payments/milestone/4'
}

const issue = (
  number: number,
  labels: string[],
  extra: Partial<Extract<ObservedIssue, { found: true }>> = {}
): ObservedIssue =>
  openIssue(
    { owner: 'acme', repo: 'payments', number },
    labels.map((name, i) => ({ id: `L${number}_${i}`, name })),
    milestone,
    extra
  )

const snapshot: Snapshot = {
  issues: [
    issue(41, ['bug', 'debussy:in-progress']),
    issue(42, ['<img src=x onerror=alert(1)>', 'a|b']),
    issue(43, [], { kind: 'pull_request' }),
    { ref: { owner: 'acme', repo: 'payments', number: 99 }, found: false, reason: 'not found' }
  ],
  labels: new Map([
    ['acme/payments', new Map([['debussy:completed', { id: 'LC', name: 'debussy:completed' }]])]
  ]),
  namedMilestone: undefined
}

const event: PhaseEvent = {
  kind: 'plan_completed',
  plan: 'docs/plan.md',
  phase: undefined,
  completedPhases: undefined,
  totalPhases: 4,
  autoClose: true,
  dryRun: undefined,
  runId: undefined,
  sequence: undefined
}

const plan = {
  path: 'docs/MASTER_PLAN.md',
  title: 'Retry queue @payments-team <script>alert(1)</script>',
  issues: snapshot.issues.map((i) => i.ref),
  repo: { owner: 'acme', repo: 'payments' },
  milestone: undefined,
  phases: []
}

function render(dryRun: boolean): string {
  const sync = reconcile({ event, config: DEFAULT_CONFIG, plan, snapshot, autoClose: true })
  const markdown = renderSummary({
    event,
    plan,
    report: { changeset: sync, results: [], dryRun },
    findings: sync.findings
  })
  return marked.parse(markdown, { gfm: true, async: false })
}

describe('job summary rendered as GitHub would', () => {
  const html = render(false)
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1] ?? '')

  it('is one table with a header and a row per linked issue', () => {
    expect(html.match(/<table>/g)).toHaveLength(1)
    expect(rows[0]).toMatch(
      /<th>Issue<\/th>\s*<th>Labels before<\/th>\s*<th>Labels after<\/th>\s*<th>Result<\/th>/
    )
    expect(rows).toHaveLength(1 + snapshot.issues.length)
  })

  it('links each issue and the milestone, and names the event', () => {
    expect(rows[1]).toContain(
      '<a href="https://github.com/acme/payments/issues/41">acme/payments#41</a>'
    )
    expect(html).toContain('<code>plan_completed</code>')
    expect(html).toContain('Plan <code>docs/MASTER_PLAN.md</code>')
    expect(html).toContain('href="https://github.com/acme/payments/milestone/4"')
    expect(html).toContain('100% (4/4 phases)')
  })

  it('shows labels before and after, the added one in bold, and what was closed or skipped', () => {
    expect(rows[1]).toContain('<td>bug, <strong>debussy:in-progress</strong></td>')
    expect(rows[1]).toContain('<td>bug, <strong>debussy:completed</strong></td>')
    expect(rows[1]).toContain('<td>updated; closed</td>')
    expect(rows[3]).toContain('pull request: labelled, never closed')
    expect(rows[4]).toContain('not synced: not found')
    expect(html).toMatch(/<strong>Closed<\/strong>: acme\/payments#41, acme\/payments#42/)
  })

  it('lets no label name or plan text inject markup or break the table', () => {
    expect(html).not.toMatch(/<img|<script|<b>/)
    expect(rows[2]).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(rows[2]?.match(/<td>/g)).toHaveLength(4)
  })

  it('says what a dry run would do', () => {
    const dry = render(true)
    expect(dry).toContain('would be updated; would be closed')
    expect(dry).toMatch(/<strong>Would close<\/strong>/)
  })
})
