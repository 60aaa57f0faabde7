/**
 * Issue 14's budget with all four features on at once (status comment, the
 * parent issue, the board's Status, Debussy's states): phase_completed for
 * 100 linked issues takes at most 10 requests, and its redelivery one read
 * and no write. Each feature alone has its own budget test; this one holds
 * them together, where their mutation fields add up.
 */
import { afterEach, expect, it } from '@jest/globals'
import { addBoard, allOnConfig, BOARD_VALUES, OWNER } from '../test-support/all-on.js'
import { startSimulator, type GitHubSimulator } from '../test-support/github-simulator.js'
import { PATIENT_TIMING, runAgainst } from '../test-support/run-in-process.js'
import { cleanup, makeWorkspace } from '../test-support/run-action.js'
import { PLAN_PATH, REPO, dispatch, seedSample } from '../test-support/sample-repo.js'

let sim: GitHubSimulator

afterEach(async () => {
  await sim.close()
  cleanup()
})

it('all four on: phase_completed for 100 issues takes at most 10 requests; its redelivery 1 request and 0 writes', async () => {
  sim = await startSimulator()
  // No state label exists yet: phase_completed also creates debussy:completed.
  const sample = seedSample(sim, { issues: 100 })
  const board = addBoard(sim)
  const parent = sim.addIssue(REPO, { title: 'Payments retry queue' })
  const workspace = makeWorkspace({
    ...sample.files,
    '.debussy/config.yaml': allOnConfig(board, parent)
  })
  const fire = async (event: string, sequence: number): Promise<void> => {
    sim.resetLog()
    const result = await runAgainst(sim, {
      workspace,
      repository: REPO,
      eventName: 'repository_dispatch',
      eventPayload: dispatch({ event, plan: PLAN_PATH, phase: '1', run_id: 'run-a', sequence }),
      timing: PATIENT_TIMING
    })
    expect(result.failed).toBe(false)
  }

  await fire('phase_started', 1)
  await fire('phase_validating', 2)
  await fire('phase_completed', 3)
  // The read, the milestone's write, debussy:completed created, 404 mutation
  // fields in batches of 100 (per issue and the parent: a label added and one
  // removed, the status comment edited, the board's Status set).
  expect(sim.requests.length).toBeLessThanOrEqual(10)
  const shown = [...sample.issueNumbers, parent]
  for (const n of shown) {
    const issue = sim.issue(REPO, n)
    expect(issue.labels).toContain('debussy:completed')
    expect(issue.labels).not.toContain('debussy:validating')
    expect(issue.comments.filter((c) => c.includes('debussy-issue-sync:status'))).toHaveLength(1)
  }
  const items = sim.projectItems(OWNER, board)
  expect(items).toHaveLength(shown.length)
  expect(items.every((item) => item.values.Status === BOARD_VALUES.completed)).toBe(true)
  expect(sim.subIssuesOf(REPO, parent)).toHaveLength(100)

  await fire('phase_completed', 3)
  expect(sim.requests).toHaveLength(1)
  expect(sim.writes()).toEqual([])
}, 60_000)
