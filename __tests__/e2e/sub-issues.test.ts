/**
 * End to end, issue #14 part 4: the plan's issue with its sub-issues, through
 * dist/index.js. The linked issues go under the parent once (a redelivery
 * reads once and writes nothing), the parent gets the run's state label, and a
 * parent that cannot be one fails the step before any write.
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import { PLAN_PATH, REPO, seedSample } from '../../test-support/sample-repo.js'
import * as e2e from '../../test-support/e2e-helpers.js'

let sim: GitHubSimulator
e2e.useSimulator((started) => (sim = started))

const CONFIG = '.debussy/config.yaml'

describe('parent_issue: the plan issue with its sub-issues', () => {
  it('makes each linked issue a sub-issue of the parent once, labels the parent, and a redelivery writes nothing', async () => {
    const sample = seedSample(sim, { stateLabels: true })
    const parent = sim.addIssue(REPO, { title: 'Payments retry queue', labels: ['epic'] })
    const workspace = makeWorkspace({
      ...sample.files,
      [CONFIG]: `github:\n  parent_issue: ${parent}\n`
    })

    const first = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' }))

    e2e.expectExit(first, 0)
    expect(sim.subIssuesOf(REPO, parent)).toEqual(sample.issueNumbers.map((n) => e2e.ref(n)))
    expect(sim.issue(REPO, parent).labels).toEqual(['epic', 'debussy:in-progress'])
    expect(e2e.operationsOf(first).filter((op) => op.op === 'add_sub_issue')).toEqual(
      sample.issueNumbers.map((n) => ({
        op: 'add_sub_issue',
        issue: e2e.ref(n),
        parent: e2e.ref(parent)
      }))
    )
    expect(first.stdout).toContain(`Updated GitHub issue ${e2e.ref(parent)}: in-progress`)
    expect(e2e.summaryRow(first.summary, e2e.ref(parent))?.['labels after']).toBe(
      'epic, debussy:in-progress'
    )

    sim.resetLog()
    const again = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' }))

    e2e.expectExit(again, 0)
    expect(sim.requests).toHaveLength(1)
    expect(e2e.writesOf(sim)).toEqual([])
    expect(e2e.operationsOf(again)).toEqual([])
    expect(sim.subIssuesOf(REPO, parent)).toHaveLength(sample.issueNumbers.length)
  })

  it("github_parent in the plan: the dry run lists the addSubIssue writes and makes none; a person's parent is kept, with a notice", async () => {
    const sample = seedSample(sim, { stateLabels: true })
    const parent = sim.addIssue(REPO, { title: 'Payments retry queue' })
    const theirs = sim.addIssue(REPO, { title: 'Another epic' })
    const [kept, ...rest] = sample.issueNumbers as [number, ...number[]]
    sim.addSubIssue(REPO, theirs, REPO, kept)
    const workspace = makeWorkspace({
      [PLAN_PATH]: e2e.withFrontmatter(`github_parent: "#${parent}"`, sample.files[PLAN_PATH] ?? '')
    })

    const preview = await e2e.fire(
      sim,
      workspace,
      e2e.planEvent('phase_started', { phase: '1', dry_run: true })
    )

    e2e.expectExit(preview, 0)
    expect(e2e.writesOf(sim)).toEqual([])
    expect(preview.stdout).toContain(
      `[dry-run] Add ${e2e.ref(rest[0] ?? 0)} as a sub-issue of ${e2e.ref(parent)}`
    )
    const real = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' }))
    e2e.expectExit(real, 0)
    expect(sim.subIssuesOf(REPO, parent)).toEqual(rest.map((n) => e2e.ref(n)))
    expect(sim.parentOf(REPO, kept)).toBe(e2e.ref(theirs))
    expect(e2e.annotations(real.stdout, 'notice')).toContainEqual(
      expect.stringContaining(
        `Left under the parent a person chose: ${e2e.ref(kept)} (under ${e2e.ref(theirs)})`
      )
    )
  })
})

describe('a bad parent_issue fails the step with the key and the fix, before any write', () => {
  it.each<[string, string, RegExp]>([
    [
      'an issue that does not exist',
      'github:\n  parent_issue: 404\n',
      /^\.debussy\/config\.yaml github\.parent_issue: acme\/payments#404 could not be read .*Set it to an issue that exists/
    ],
    [
      'an unquoted "#5", which YAML reads as a comment',
      'github:\n  parent_issue: #5\n',
      /^\.debussy\/config\.yaml github\.parent_issue: got null, .* in quotes \(unquoted, YAML reads "#" as the start of a comment\)/
    ],
    [
      'a repository the action may not write to',
      'github:\n  parent_issue: acme/elsewhere#5\n',
      /^\.debussy\/config\.yaml github\.parent_issue: acme\/elsewhere#5 is in acme\/elsewhere, where the action may not write/
    ]
  ])('%s', async (_name, config, message) => {
    const sample = seedSample(sim, { stateLabels: true })
    const workspace = makeWorkspace({ ...sample.files, [CONFIG]: config })

    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' }))

    e2e.expectExit(result, 1)
    expect(e2e.annotations(result.stdout, 'error')).toEqual([expect.stringMatching(message)])
    expect(e2e.writesOf(sim)).toEqual([])
  })
})
