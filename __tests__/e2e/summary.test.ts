/**
 * End to end, SPEC §3 "The job summary": the event as named in the payload,
 * each issue as owner/repo#N with its labels before and after, the milestone's
 * progress, and what was closed or skipped, read from GITHUB_STEP_SUMMARY.
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import { PLAN_PATH, REPO, debussyPlan, seedSample } from '../../test-support/sample-repo.js'
import {
  expectExit,
  fire,
  labelCell,
  planEvent,
  ref,
  seedWorkspace,
  summaryRow,
  useSimulator
} from '../../test-support/e2e-helpers.js'

let sim: GitHubSimulator
useSimulator((started) => (sim = started))

/** The summary's lines outside its table. */
function prose(summary: string): string[] {
  return summary.split('\n').filter((line) => !line.trim().startsWith('|'))
}

describe('SPEC §3: the job summary', () => {
  it('phase_completed: names the event, shows each issue with its labels before and after, and the milestone progress', async () => {
    const { workspace, ...sample } = seedWorkspace(sim, { stateLabels: true })
    const [a, b, c] = sample.issueNumbers as [number, number, number]
    sim.addIssueLabel(REPO, a, 'debussy:in-progress')

    const result = await fire(sim, workspace, planEvent('phase_completed', { phase: '2' }))

    expectExit(result, 0)
    const summary = result.summary
    expect(summary).toContain('phase_completed')
    const rows = {
      a: summaryRow(summary, ref(a)),
      b: summaryRow(summary, ref(b)),
      c: summaryRow(summary, ref(c))
    }
    expect(labelCell(rows.a?.['labels before'])).toEqual(['bug', 'debussy:in-progress'])
    expect(labelCell(rows.a?.['labels after'])).toEqual(['bug', 'debussy:completed'])
    expect(labelCell(rows.b?.['labels before'])).toEqual(['team:payments', 'needs-review'])
    expect(labelCell(rows.b?.['labels after'])).toEqual([
      'team:payments',
      'needs-review',
      'debussy:completed'
    ])
    expect(labelCell(rows.c?.['labels before'])).toEqual([])
    expect(labelCell(rows.c?.['labels after'])).toEqual(['debussy:completed'])
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

    const result = await fire(sim, workspace, planEvent('plan_completed', { auto_close: true }))

    expectExit(result, 0)
    const summary = result.summary
    expect(summary).toContain('plan_completed')
    for (const n of [a, c]) {
      expect(sim.issue(REPO, n).state).toBe('closed')
      expect(summaryRow(summary, ref(n))?.result).toMatch(/\bclosed\b/)
      expect(summaryRow(summary, ref(n))?.result).not.toMatch(/already/)
    }
    expect(summaryRow(summary, ref(b))?.result).toMatch(/already closed/)
    expect(summaryRow(summary, ref(999))?.result).toMatch(/not (synced|found)/)
    // At a glance, outside the table too: what was closed, what was skipped.
    const closedLine = prose(summary).find((line) => /closed/i.test(line) && line.includes(ref(a)))
    expect(closedLine).toContain(ref(c))
    expect(closedLine).not.toContain(ref(b))
    const skippedLine = prose(summary).find((line) => /skipped/i.test(line))
    expect(skippedLine).toContain(ref(b))
    expect(skippedLine).toContain(ref(999))
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

    const result = await fire(sim, workspace, planEvent('plan_completed', { auto_close: true }))

    expectExit(result, 1)
    expect(sim.issue(REPO, a).state).toBe('open')
    expect(result.outputs.closed).toBe('[]')
    const claims = prose(result.summary).filter(
      (line) => /\bclosed\b/i.test(line) && (line.includes(ref(a)) || line.includes(ref(b)))
    )
    expect(claims).toEqual([])
  })
})
