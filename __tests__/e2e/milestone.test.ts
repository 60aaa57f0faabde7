/**
 * End to end, SPEC §6 "Milestone": the progress block in the milestone's
 * description (human text kept, Debussy's own legacy line replaced rather than
 * duplicated, replaced in place on the next event) and `github_milestone`.
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import { PLAN_PATH, REPO, debussyPlan, seedSample } from '../../test-support/sample-repo.js'
import * as e2e from '../../test-support/e2e-helpers.js'

const PROGRESS = '📊 **Debussy Progress:**'

let sim: GitHubSimulator
e2e.useSimulator((started) => (sim = started))

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1
}

describe('SPEC §6: the milestone progress block', () => {
  it("replaces Debussy's legacy progress line instead of adding a second one, keeps every other character (CRLF included), and updates in place", async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim, { stateLabels: true })
    const milestone = sample.milestone ?? 0
    const before = 'Retry queue for failed captures.\r\n\r\nOwner: payments team.\r\n\r\n'
    const after = '\r\n\r\nRisks: see the runbook.\r\n'
    sim.setMilestone(REPO, milestone, {
      description: `${before}${PROGRESS} 25% (1/4 phases)${after}`
    })
    /** Completes `phase`, the `count`-th done; the description after it, with one progress line. */
    const complete = async (phase: string, count: number): Promise<string> => {
      const event = e2e.planEvent('phase_completed', { phase, completed_phases: count })
      e2e.expectExit(await e2e.fire(sim, workspace, event), 0)
      const text = sim.milestone(REPO, milestone).description
      expect(occurrences(text, PROGRESS)).toBe(1)
      return text
    }

    const once = await complete('2', 2)
    expect(once).toContain(`${PROGRESS} 50% (2/4 phases)`)
    expect(once).not.toContain('25% (1/4 phases)')
    expect(once.startsWith(before)).toBe(true)
    expect(once.endsWith(after)).toBe(true)
    // What replaced the legacy line is the progress line between comment markers,
    // with the description's own line endings.
    const block = once.slice(before.length, once.length - after.length)
    expect(block.replace(/<!--[\s\S]*?-->/g, '')).toBe(`\r\n${PROGRESS} 50% (2/4 phases)\r\n`)
    expect(block.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)

    // The next event rewrites the same block; nothing else moves.
    const twice = await complete('2.5', 3)
    expect(twice).toContain(`${PROGRESS} 75% (3/4 phases)`)
    expect(twice).toBe(once.replace('50% (2/4 phases)', '75% (3/4 phases)'))
  })

  it('github_milestone given by title in the frontmatter takes the progress, over the milestone the issues are in', async () => {
    const sample = seedSample(sim, { stateLabels: true })
    const issuesMilestone = sample.milestone ?? 0
    const issuesText = sim.milestone(REPO, issuesMilestone).description
    // A near miss that a fuzzy search also returns, then the one the plan names.
    const nearMiss = sim.addMilestone(REPO, {
      title: 'Payments GA follow-up',
      description: 'Later.'
    })
    const named = sim.addMilestone(REPO, { title: 'Payments GA', description: 'Launch.' })
    const plan = e2e.withFrontmatter(
      'github_milestone: "Payments GA"',
      debussyPlan(sample.issueNumbers, ['1', '2', '2.5', '3'])
    )
    const workspace = makeWorkspace({ [PLAN_PATH]: plan })

    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_completed', { phase: '1' }))

    e2e.expectExit(result, 0)
    const description = sim.milestone(REPO, named).description
    expect(description.startsWith('Launch.')).toBe(true)
    expect(description).toContain(`${PROGRESS} 25% (1/4 phases)`)
    expect(sim.milestone(REPO, nearMiss).description).toBe('Later.')
    expect(sim.milestone(REPO, issuesMilestone).description).toBe(issuesText)
    expect(e2e.annotations(result.stdout, 'warning')).toEqual([])
  })

  it('github_milestone that does not exist: a warning, labels still synced', async () => {
    const sample = seedSample(sim, { stateLabels: true })
    const plan = e2e.withFrontmatter(
      'github_milestone: "No such milestone"',
      debussyPlan(sample.issueNumbers, ['1', '2', '2.5', '3'])
    )
    const workspace = makeWorkspace({ [PLAN_PATH]: plan })
    const text = sim.milestone(REPO, sample.milestone ?? 0).description

    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' }))

    e2e.expectExit(result, 0)
    expect(e2e.annotations(result.stdout, 'warning').join('\n')).toMatch(/No such milestone/)
    for (const n of sample.issueNumbers) {
      expect(sim.issue(REPO, n).labels).toContain('debussy:in-progress')
    }
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toBe(text)
    expect(sim.requests.filter((r) => r.method === 'PATCH')).toEqual([])
  })
})
