/**
 * End to end through dist/index.js: GitHub Projects Status (github.project).
 * Each linked issue lands on the board with its Status from the state; a
 * redelivery writes nothing; an option the board does not have fails the
 * step before any write, naming the options it has and the key to fix.
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import { REPO, seedSample } from '../../test-support/sample-repo.js'
import * as e2e from '../../test-support/e2e-helpers.js'

let sim: GitHubSimulator

const PAT = 'github_pat_e2e_board_token'

/** The sample plan, and a config that maps three states onto the board's Status. */
function workspaceWithBoard(
  target: GitHubSimulator,
  issues: number,
  values = '      in-progress: In Progress\n      completed: Done\n      failed: Todo\n'
): { workspace: string; board: number; issueNumbers: readonly number[] } {
  const sample = seedSample(target, { issues, stateLabels: true })
  const board = target.addProject({ owner: 'acme', title: 'Payments board' })
  const workspace = makeWorkspace({
    ...sample.files,
    '.debussy/config.yaml': `github:\n  project:\n    url: https://github.com/orgs/acme/projects/${board}\n    field: Status\n    values:\n${values}`
  })
  return { workspace, board, issueNumbers: sample.issueNumbers }
}

describe('github.project with a separate project-token', () => {
  e2e.useSimulator((started) => (sim = started), { projectToken: PAT })

  it('puts each linked issue on the board with its Status; the redelivery writes nothing', async () => {
    const { workspace, board, issueNumbers } = workspaceWithBoard(sim, 3)
    const inputs = { 'project-token': PAT }

    const first = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' }), {
      inputs
    })
    e2e.expectExit(first, 0)
    const second = await e2e.fire(
      sim,
      workspace,
      e2e.planEvent('phase_completed', { phase: '1' }),
      {
        inputs
      }
    )
    e2e.expectExit(second, 0)
    expect(sim.projectItems('acme', board)).toEqual(
      issueNumbers.map((n) => ({ issue: e2e.ref(n), values: { Status: 'Done' }, updates: 2 }))
    )
    expect(e2e.operationsOf(second).filter((op) => op.op === 'set_project_field')).toEqual(
      issueNumbers.map((n) => ({
        op: 'set_project_field',
        issue: e2e.ref(n),
        project: `https://github.com/orgs/acme/projects/${board}`,
        field: 'Status',
        value: 'Done'
      }))
    )
    sim.resetLog()

    const again = await e2e.fire(sim, workspace, e2e.planEvent('phase_completed', { phase: '1' }), {
      inputs
    })
    e2e.expectExit(again, 0)
    expect(e2e.writesOf(sim)).toEqual([])
    // The issues with github-token, the board with project-token.
    expect(sim.requests).toHaveLength(2)
    expect(again.stdout).toContain('Nothing to change')
  })

  it('an option the board does not have fails the step before any write, naming its options and the key', async () => {
    const { workspace, board } = workspaceWithBoard(
      sim,
      3,
      '      in-progress: Doing\n      completed: Done\n'
    )
    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' }), {
      inputs: { 'project-token': PAT }
    })
    e2e.expectExit(result, 1)
    expect(e2e.annotations(result.stdout, 'error')).toEqual([
      '.debussy/config.yaml github.project.values.in-progress: "Doing" is not an option of the field "Status" in project "Payments board"; its options are "Todo", "In Progress", "Done". Write one of those options, or add "Doing" to the field in the project\'s settings'
    ])
    expect(e2e.writesOf(sim)).toEqual([])
    expect(sim.projectItems('acme', board)).toEqual([])
    expect(sim.issue(REPO, 1).labels).not.toContain('debussy:in-progress')
  })
})

describe('github.project with one token for everything (a PAT or app token as github-token)', () => {
  e2e.useSimulator((started) => (sim = started))

  it('phase_completed for 100 issues takes 5 requests (within 10); its redelivery is 1 request and 0 writes', async () => {
    const { workspace, board } = workspaceWithBoard(sim, 100)
    e2e.expectExit(
      await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' })),
      0
    )
    sim.resetLog()

    const done = await e2e.fire(sim, workspace, e2e.planEvent('phase_completed', { phase: '1' }))
    e2e.expectExit(done, 0)
    // The read, the milestone's write, 300 label and field mutations 100 a request.
    expect(sim.requests.map((r) => r.operation ?? r.method)).toEqual([
      'query',
      'PATCH',
      'mutation',
      'mutation',
      'mutation'
    ])
    const items = sim.projectItems('acme', board)
    expect(items).toHaveLength(100)
    expect(items.every((item) => item.values.Status === 'Done')).toBe(true)
    sim.resetLog()

    const again = await e2e.fire(sim, workspace, e2e.planEvent('phase_completed', { phase: '1' }))
    e2e.expectExit(again, 0)
    expect(sim.requests).toHaveLength(1)
    expect(e2e.writesOf(sim)).toEqual([])
  }, 60_000)
})
