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
import { STATUS_PAGES_BACK } from '../src/github/observe.js'
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

describe('status_comment on an issue with more comments than one read holds', () => {
  /** Comments by people on issue `n`, after whatever is there. */
  const discuss = (n: number, count: number): void => {
    for (let i = 0; i < count; i++) sim.addComment(REPO, n, `Comment ${i + 1}`, 'octocat')
  }
  const requestKinds = (): string[] => sim.requests.map((r) => r.operation ?? r.method)

  it('finds its status comment behind 150 other comments: edited, never posted again; the other issues cost nothing more', async () => {
    await setup({ milestone: false, stateLabels: true })
    await fire({ event: 'phase_started', phase: '1', sequence: 1 })
    const [busy = 0, ...quiet] = sample.issueNumbers
    discuss(busy, 150)

    await fire({ event: 'phase_completed', phase: '1', sequence: 2 })
    expect(statusComments(busy)).toHaveLength(1)
    expect(statusComments(busy)[0]).toContain('| 1 | Phase 1 | ✅ completed |')
    expect(sim.issue(REPO, busy).comments).toHaveLength(151)
    for (const n of quiet) expect(statusComments(n)).toHaveLength(1)
    // The read, one page further back for the busy issue only, the mutation (labels and edits).
    expect(requestKinds()).toEqual(['query', 'query', 'mutation'])
    const pageBack = sim.requests[1]?.body as { variables?: Record<string, unknown> }
    expect(Object.keys(pageBack.variables ?? {})).toEqual(['c0', 'b0'])

    // Its guard is found too (no milestone here): an older event is still out of order.
    const late = await fire({ event: 'phase_started', phase: '1', sequence: 1 })
    expect(late.stdout).toContain('Skipped as out of order')
    expect(sim.writes()).toEqual([])

    // A redelivery: the read and the page back, no write.
    await fire({ event: 'phase_completed', phase: '1', sequence: 2 }, '7010')
    expect(requestKinds()).toEqual(['query', 'query'])
    expect(sim.writes()).toEqual([])
  })

  it('pages back as far as it must: behind 250 comments, found after two pages back', async () => {
    await setup({ stateLabels: true })
    await fire({ event: 'phase_started', phase: '1', sequence: 1 })
    const [busy = 0] = sample.issueNumbers
    discuss(busy, 250)
    await fire({ event: 'phase_completed', phase: '1', sequence: 2 })
    expect(statusComments(busy)).toHaveLength(1)
    expect(statusComments(busy)[0]).toContain('| 1 | Phase 1 | ✅ completed |')
    // The read, then two pages back.
    expect(requestKinds().filter((kind) => kind === 'query')).toHaveLength(3)
  })

  it(`beyond ${STATUS_PAGES_BACK} pages back, posts none rather than a second one, and says so`, async () => {
    await setup({ stateLabels: true })
    await fire({ event: 'phase_started', phase: '1', sequence: 1 })
    const [busy = 0] = sample.issueNumbers
    discuss(busy, (STATUS_PAGES_BACK + 1) * 100 + 50)
    const result = await fire({ event: 'phase_completed', phase: '1', sequence: 2 })
    expect(statusComments(busy)).toHaveLength(1)
    expect(statusComments(busy)[0]).toContain('| 1 | Phase 1 | 🔄 running |')
    expect(sim.issue(REPO, busy).labels).toContain('debussy:completed')
    expect(result.stdout).toContain(
      `::warning::${REPO}#${busy}: its status comment is not among its newest ${(STATUS_PAGES_BACK + 1) * 100} comments, and it has older ones; no status comment is posted, so that it is not there twice.`
    )
    // The read, then one page back a request, bounded.
    expect(requestKinds().filter((kind) => kind === 'query')).toHaveLength(1 + STATUS_PAGES_BACK)
  })

  it('pages back as far as it must before posting a first one on a long discussion', async () => {
    await setup()
    const [busy = 0] = sample.issueNumbers
    discuss(busy, 250)
    await fire({ event: 'phase_started', phase: '1', sequence: 1 })
    expect(statusComments(busy)).toHaveLength(1)
    // The read (last 100), then 100 and 50 more, before the one post.
    expect(requestKinds().slice(0, 3)).toEqual(['query', 'query', 'query'])
    await fire({ event: 'phase_started', phase: '1', sequence: 1 }, '7011')
    expect(sim.writes()).toEqual([])
    expect(statusComments(busy)).toHaveLength(1)
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
