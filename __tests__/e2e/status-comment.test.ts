/**
 * End to end through dist/index.js, issue 14 part 1: the living status
 * comment (`status_comment: true`), its redelivery (no write) and its bad
 * configuration (refused before any request); and a person's reopen respected.
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import { REPO, seedSample } from '../../test-support/sample-repo.js'
import * as e2e from '../../test-support/e2e-helpers.js'

let sim: GitHubSimulator
e2e.useSimulator((started) => (sim = started))

const CONFIG = '.debussy/config.yaml'

describe('status_comment: one living comment per linked issue', () => {
  it('is posted, edited in place, says the run completed on close; a redelivery writes nothing', async () => {
    const sample = seedSample(sim)
    const workspace = makeWorkspace({
      ...sample.files,
      [CONFIG]: 'github:\n  status_comment: true\n  auto_close: true\n'
    })
    /** Delivers an event of run `r` from workflow run `workflowRun`; the step must succeed. */
    const deliver = async (event: string, fields: Record<string, unknown>, workflowRun: string) => {
      const result = await e2e.fire(
        sim,
        workspace,
        e2e.planEvent(event, { run_id: 'r', ...fields }),
        {
          env: { GITHUB_RUN_ID: workflowRun }
        }
      )
      e2e.expectExit(result, 0)
      return result
    }

    await deliver('phase_started', { phase: '1', sequence: 1 }, '11')
    await deliver('phase_validating', { phase: '1', sequence: 2 }, '12')
    for (const n of sample.issueNumbers) {
      const comments = sim.issue(REPO, n).comments
      expect(comments).toHaveLength(1)
      expect(comments[0]).toContain('| 1 | Phase 1 | 🔍 validating |')
      expect(comments[0]).toContain('https://github.com/acme/payments/actions/runs/12')
    }

    // Redelivered by another workflow run: one read, no write.
    sim.resetLog()
    await deliver('phase_validating', { phase: '1', sequence: 2 }, '13')
    expect(sim.requests).toHaveLength(1)
    expect(e2e.writesOf(sim)).toEqual([])

    await deliver('plan_completed', { sequence: 9 }, '14')
    for (const n of sample.issueNumbers) {
      const issue = sim.issue(REPO, n)
      expect(issue.state).toBe('closed')
      expect(issue.comments).toHaveLength(1)
      expect(issue.comments[0]).toContain('The run completed.')
    }

    // A person reopens one; the same plan_completed delivered again leaves it open.
    const [reopened] = sample.issueNumbers as [number]
    sim.reopenIssue(REPO, reopened)
    sim.resetLog()
    const redelivered = await deliver('plan_completed', { sequence: 9 }, '15')
    expect(e2e.writesOf(sim)).toEqual([])
    expect(sim.issue(REPO, reopened).state).toBe('open')
    expect(e2e.annotations(redelivered.stdout, 'notice').join('\n')).toContain(
      `${REPO}#${reopened} was reopened after debussy-issue-sync closed it`
    )
  })

  it('bad config: status_comment that is not true or false fails naming the key and the fix, with no request', async () => {
    const error = await e2e.refusedConfig(sim, 'github:\n  status_comment: always\n')
    expect(error).toContain('github.status_comment')
    expect(error).toContain('status_comment: true')
  })
})
