/**
 * End to end, SPEC §3 "The job summary": the event as named in the payload,
 * each issue as owner/repo#N with its labels before and after, the milestone's
 * progress, and what was closed or skipped, read from GITHUB_STEP_SUMMARY.
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import { PLAN_PATH, REPO, debussyPlan, seedSample } from '../../test-support/sample-repo.js'
import * as e2e from '../../test-support/e2e-helpers.js'

let sim: GitHubSimulator
e2e.useSimulator((started) => (sim = started))

/** The summary's lines outside its table. */
function prose(summary: string): string[] {
  return summary.split('\n').filter((line) => !line.trim().startsWith('|'))
}

describe('SPEC §3: the job summary', () => {
  it('phase_completed: names the event, shows each issue with its labels before and after, and the milestone progress', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim, { stateLabels: true })
    const [a, b, c] = sample.issueNumbers as [number, number, number]
    sim.addIssueLabel(REPO, a, 'debussy:in-progress')

    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_completed', { phase: '2' }))

    e2e.expectExit(result, 0)
    const summary = result.summary
    expect(summary).toContain('phase_completed')
    const rows = {
      a: e2e.summaryRow(summary, e2e.ref(a)),
      b: e2e.summaryRow(summary, e2e.ref(b)),
      c: e2e.summaryRow(summary, e2e.ref(c))
    }
    expect(e2e.labelCell(rows.a?.['labels before'])).toEqual(['bug', 'debussy:in-progress'])
    expect(e2e.labelCell(rows.a?.['labels after'])).toEqual(['bug', 'debussy:completed'])
    expect(e2e.labelCell(rows.b?.['labels before'])).toEqual(['team:payments', 'needs-review'])
    expect(e2e.labelCell(rows.b?.['labels after'])).toEqual([
      'team:payments',
      'needs-review',
      'debussy:completed'
    ])
    expect(e2e.labelCell(rows.c?.['labels before'])).toEqual([])
    expect(e2e.labelCell(rows.c?.['labels after'])).toEqual(['debussy:completed'])
    // The milestone's progress, as the milestone now reads.
    const milestoneLine = prose(summary).find((line) => /milestone/i.test(line))
    expect(milestoneLine).toMatch(/Q4 reliability/)
    expect(milestoneLine).toMatch(/25% \(1\/4 phases\)/)
  })

  it('plan_completed with auto-close: shows what was closed and what was skipped (already closed, not found)', async () => {
    const sample = seedSample(sim, { stateLabels: true })
    const [a, b, c] = sample.issueNumbers as [number, number, number]
    sim.closeIssue(REPO, b, 'not_planned')
    const workspace = makeWorkspace({
      [PLAN_PATH]: debussyPlan([a, b, c, 999], ['1', '2'])
    })

    const result = await e2e.fire(
      sim,
      workspace,
      e2e.planEvent('plan_completed', { auto_close: true })
    )

    e2e.expectExit(result, 0)
    const summary = result.summary
    expect(summary).toContain('plan_completed')
    for (const n of [a, c]) {
      expect(sim.issue(REPO, n).state).toBe('closed')
      expect(e2e.summaryRow(summary, e2e.ref(n))?.result).toMatch(/\bclosed\b/)
      expect(e2e.summaryRow(summary, e2e.ref(n))?.result).not.toMatch(/already/)
    }
    expect(e2e.summaryRow(summary, e2e.ref(b))?.result).toMatch(/already closed/)
    expect(e2e.summaryRow(summary, e2e.ref(999))?.result).toMatch(/not (synced|found)/)
    // At a glance, outside the table too: what was closed, what was skipped.
    const closedLine = prose(summary).find(
      (line) => /closed/i.test(line) && line.includes(e2e.ref(a))
    )
    expect(closedLine).toContain(e2e.ref(c))
    expect(closedLine).not.toContain(e2e.ref(b))
    const skippedLine = prose(summary).find((line) => /skipped/i.test(line))
    expect(skippedLine).toContain(e2e.ref(b))
    expect(skippedLine).toContain(e2e.ref(999))
    expect(prose(summary).join('\n')).toMatch(/100% \(2\/2 phases\)/)
  })

  it('does not report as closed an issue whose close failed', async () => {
    const sample = seedSample(sim, { stateLabels: true, milestone: false })
    const [a, b] = sample.issueNumbers as [number, number]
    const workspace = makeWorkspace({ [PLAN_PATH]: debussyPlan([a, b], ['1', '2']) })
    // The token may label but not close: the close mutation is refused.
    sim.onRequest((request) => {
      const query = (request.body as { query?: unknown } | undefined)?.query
      if (typeof query === 'string' && query.includes('closeIssue')) {
        sim.injectFault({ kind: 'server-error', status: 403 })
      }
    })

    const result = await e2e.fire(
      sim,
      workspace,
      e2e.planEvent('plan_completed', { auto_close: true })
    )

    e2e.expectExit(result, 1)
    expect(sim.issue(REPO, a).state).toBe('open')
    expect(result.outputs.closed).toBe('[]')
    const claims = prose(result.summary).filter(
      (line) => /\bclosed\b/i.test(line) && (line.includes(e2e.ref(a)) || line.includes(e2e.ref(b)))
    )
    expect(claims).toEqual([])
  })
})
