/**
 * The status comment and "respect what people did" through the action's
 * run(), against the simulator: what GitHub holds after each event, and how
 * many requests and writes each event takes.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { startSimulator, type GitHubSimulator } from '../test-support/github-simulator.js'
import { runAgainst, type InProcessResult } from '../test-support/run-in-process.js'
import { heldTiming } from '../test-support/held-clock.js'
import { cleanup, makeWorkspace } from '../test-support/run-action.js'
import { PLAN_PATH, REPO, dispatch, seedSample, type Sample } from '../test-support/sample-repo.js'

let sim: GitHubSimulator
let sample: Sample
let workspace: string

afterEach(async () => {
  await sim.close()
  cleanup()
})

const CONFIG = '.debussy/config.yaml'

async function setup(
  options: Parameters<typeof seedSample>[1] = {},
  config = 'github:\n  status_comment: true\n'
): Promise<void> {
  sim = await startSimulator()
  sample = seedSample(sim, options)
  workspace = makeWorkspace({ ...sample.files, [CONFIG]: config })
}

async function fire(payload: Record<string, unknown>, runId = '7001'): Promise<InProcessResult> {
  sim.resetLog()
  const result = await runAgainst(sim, {
    workspace,
    repository: REPO,
    eventName: 'repository_dispatch',
    eventPayload: dispatch({ plan: PLAN_PATH, run_id: 'run-a', ...payload }),
    env: { GITHUB_RUN_ID: runId },
    timing: heldTiming(sim)
  })
  expect(result.failed).toBe(false)
  return result
}

const statusComments = (n: number): string[] =>
  sim.issue(REPO, n).comments.filter((c) => c.includes('<!-- debussy-issue-sync:status'))

describe('status_comment: one living comment per linked issue', () => {
  it('is posted once, edited in place as phases move, and a redelivery writes nothing', async () => {
    await setup()
    await fire({ event: 'phase_started', phase: '1', sequence: 1 })
    for (const n of sample.issueNumbers) {
      const [body, ...more] = statusComments(n)
      expect(more).toEqual([])
      expect(body).toContain('| 1 | Phase 1 | 🔄 running |')
      expect(body).toContain('| 2 | Phase 2 | ⏳ pending |')
      expect(body).toContain('[workflow run](https://github.com/acme/payments/actions/runs/7001)')
    }

    await fire({ event: 'phase_completed', phase: '1', sequence: 2 })
    await fire({ event: 'phase_awaiting_human', phase: '2', sequence: 3 }, '7002')
    for (const n of sample.issueNumbers) {
      const [body, ...more] = sim.issue(REPO, n).comments
      expect(more).toEqual([])
      expect(body).toContain('| 1 | Phase 1 | ✅ completed |')
      expect(body).toContain('| 2 | Phase 2 | ✋ awaiting a person |')
      expect(body).toContain('Run: run-a')
      expect(body).toContain('actions/runs/7002')
    }

    // The same event again, from another workflow run: one read, no write.
    await fire({ event: 'phase_awaiting_human', phase: '2', sequence: 3 }, '7003')
    expect(sim.requests).toHaveLength(1)
    expect(sim.writes()).toEqual([])
    for (const n of sample.issueNumbers) expect(statusComments(n)[0]).toContain('actions/runs/7002')
  })

  it('edits ride in the label mutation: phase_completed for 3 issues is one read, one mutation and the milestone', async () => {
    await setup({ stateLabels: true })
    await fire({ event: 'phase_started', phase: '1', sequence: 1 })
    await fire({ event: 'phase_completed', phase: '1', sequence: 2 })
    // The read, the milestone's write, one mutation (labels and the three edits).
    expect(sim.requests.map((r) => r.operation ?? r.method)).toEqual(['query', 'PATCH', 'mutation'])
    expect(sim.requests[2]?.mutationFields).toBe(9)
  })

  it('budget: phase_completed for 100 issues takes at most 10 requests; its redelivery 1 and no write', async () => {
    await setup({ issues: 100, stateLabels: true })
    await fire({ event: 'phase_started', phase: '1', sequence: 1 })
    await fire({ event: 'phase_completed', phase: '1', sequence: 2 })
    // One read; the milestone's write; 300 label and edit fields, 100 a request.
    expect(sim.requests.length).toBeLessThanOrEqual(10)
    expect(statusComments(sample.issueNumbers[99] ?? 0)[0]).toContain(
      '| 1 | Phase 1 | ✅ completed |'
    )
    await fire({ event: 'phase_completed', phase: '1', sequence: 2 }, '7009')
    expect(sim.requests).toHaveLength(1)
    expect(sim.writes()).toEqual([])
  }, 60_000)

  it('without a milestone, the comments keep the order: a late older event changes nothing', async () => {
    await setup({ milestone: false })
    await fire({ event: 'phase_completed', phase: '1', sequence: 5 })
    const before = sample.issueNumbers.map((n) => sim.issue(REPO, n))
    const result = await fire({ event: 'phase_started', phase: '1', sequence: 4 })
    expect(result.stdout).toContain('Skipped as out of order')
    expect(sim.writes()).toEqual([])
    expect(sample.issueNumbers.map((n) => sim.issue(REPO, n))).toEqual(before)
  })

  it('says the run completed when auto-close closes: no second completion comment', async () => {
    await setup()
    await fire({ event: 'phase_started', phase: '1', sequence: 1 })
    await fire({ event: 'plan_completed', sequence: 9, auto_close: true })
    for (const n of sample.issueNumbers) {
      const issue = sim.issue(REPO, n)
      expect(issue.state).toBe('closed')
      expect(issue.comments).toHaveLength(1)
      expect(issue.comments[0]).toContain('The run completed.')
      expect(issue.comments[0]).toContain('closed as completed')
    }
    await fire({ event: 'plan_completed', sequence: 9, auto_close: true })
    expect(sim.writes()).toEqual([])
  })
})

describe('respect what people did', () => {
  it('an issue reopened by a person is not closed again by a redelivery of plan_completed', async () => {
    await setup({}, 'github:\n  auto_close: true\n')
    await fire({ event: 'plan_completed', sequence: 9 })
    const [reopened, other] = sample.issueNumbers as [number, number]
    sim.reopenIssue(REPO, reopened)
    const result = await fire({ event: 'plan_completed', sequence: 9 })
    expect(sim.issue(REPO, reopened).state).toBe('open')
    expect(sim.closesOf(REPO, reopened)).toBe(1)
    expect(sim.issue(REPO, reopened).comments).toHaveLength(1)
    expect(sim.issue(REPO, other).state).toBe('closed')
    expect(sim.writes()).toEqual([])
    expect(result.stdout).toContain(
      `${REPO}#${reopened} was reopened after debussy-issue-sync closed it for this plan: it is left open`
    )
  })

  it('the same with the status comment saying the plan completed', async () => {
    await setup({}, 'github:\n  auto_close: true\n  status_comment: true\n')
    await fire({ event: 'plan_completed', sequence: 9 })
    const [reopened] = sample.issueNumbers as [number]
    sim.reopenIssue(REPO, reopened)
    await fire({ event: 'plan_completed', sequence: 9 })
    expect(sim.issue(REPO, reopened).state).toBe('open')
    expect(sim.writes()).toEqual([])
  })

  it('an issue closed as not planned stays closed and gets no comment', async () => {
    await setup({}, 'github:\n  auto_close: true\n  status_comment: true\n')
    const [notPlanned] = sample.issueNumbers as [number]
    sim.closeIssue(REPO, notPlanned, 'not_planned')
    const started = await fire({ event: 'phase_started', phase: '1', sequence: 1 })
    await fire({ event: 'plan_completed', sequence: 9 })
    const issue = sim.issue(REPO, notPlanned)
    expect([issue.state, issue.stateReason, issue.comments]).toEqual(['closed', 'not_planned', []])
    expect(sim.closesOf(REPO, notPlanned)).toBe(1)
    expect(started.stdout).toContain(`${REPO}#${notPlanned} was closed as not planned`)
  })
})
