/**
 * The plan's issue with its sub-issues (#14 part 4), in process against the
 * simulator: what GitHub ends up holding, and the request log as the witness
 * of "once" (a redelivery reads once and writes nothing).
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import {
  startSimulator,
  type GitHubSimulator,
  type LostAnswer
} from '../test-support/github-simulator.js'
import { heldTiming } from '../test-support/held-clock.js'
import { cleanup, makeWorkspace } from '../test-support/run-action.js'
import { runAgainst, type InProcessResult } from '../test-support/run-in-process.js'
import { PLAN_PATH, REPO, dispatch, seedSample, type Sample } from '../test-support/sample-repo.js'

let sim: GitHubSimulator
let sample: Sample
let workspace: string
let parent: number

const CONFIG = '.debussy/config.yaml'

async function setup(
  config: (parent: number) => string = (n) => `github:\n  parent_issue: ${n}\n`,
  options: { readonly planParent?: (parent: number) => string } = {}
): Promise<void> {
  sim = await startSimulator()
  sample = seedSample(sim, { stateLabels: true })
  parent = sim.addIssue(REPO, { title: 'Payments retry queue', labels: ['epic'] })
  const plan = sample.files[PLAN_PATH] ?? ''
  const front = options.planParent === undefined ? '' : `---\n${options.planParent(parent)}\n---\n`
  workspace = makeWorkspace({ [PLAN_PATH]: `${front}${plan}`, [CONFIG]: config(parent) })
}

function fire(payload: Record<string, unknown>): Promise<InProcessResult> {
  return runAgainst(sim, {
    workspace,
    repository: REPO,
    eventName: 'repository_dispatch',
    eventPayload: dispatch(payload),
    timing: heldTiming(sim)
  })
}

const ref = (n: number): string => `${REPO}#${n}`
const queryOf = (request: { readonly body?: unknown }): string => {
  const query = (request.body as { query?: unknown } | undefined)?.query
  return typeof query === 'string' ? query : ''
}
const started = { event: 'phase_started', plan: PLAN_PATH, phase: '1' }

afterEach(async () => {
  await sim.close()
})
afterAll(() => cleanup())

describe('parent_issue: the linked issues become sub-issues of the plan issue, once', () => {
  it('each linked issue goes under the parent in the label batch; the parent gets the state label and keeps its own', async () => {
    await setup()
    const result = await fire(started)
    expect(result.failed).toBe(false)
    expect(sim.subIssuesOf(REPO, parent)).toEqual(sample.issueNumbers.map(ref))
    for (const n of sample.issueNumbers) expect(sim.parentOf(REPO, n)).toBe(ref(parent))
    expect(sim.issue(REPO, parent).labels).toEqual(['epic', 'debussy:in-progress'])
    // One read, one mutation request for labels and sub-issues together, the milestone's read and write.
    const mutations = sim.requests.filter((r) => r.operation === 'mutation')
    expect(mutations).toHaveLength(1)
    expect(queryOf(mutations[0] ?? {})).toMatch(/addLabelsToLabelable\(.*addSubIssue\(/)
    expect(sim.requests.filter((r) => r.kind === 'graphql')).toHaveLength(2)
    expect(JSON.parse(result.outputs.operations ?? '[]')).toEqual(
      expect.arrayContaining(
        sample.issueNumbers.map((n) => ({
          op: 'add_sub_issue',
          issue: ref(n),
          parent: ref(parent)
        }))
      )
    )
    expect(JSON.parse(result.outputs.issues ?? '[]')).toEqual([
      ...sample.issueNumbers.map(ref),
      ref(parent)
    ])
    // One log line per sub-issue made; the summary's result cell says it too.
    for (const n of sample.issueNumbers) {
      expect(result.stdout).toContain(
        `Added GitHub issue ${ref(n)} as a sub-issue of ${ref(parent)}`
      )
    }
    expect(result.summary).toContain(`updated; added under ${ref(parent)}`)

    // The redelivery: one read, which sees each issue's parent, and no write.
    sim.resetLog()
    const again = await fire(started)
    expect(again.failed).toBe(false)
    expect(sim.requests).toHaveLength(1)
    expect(sim.writes()).toEqual([])
    expect(queryOf(sim.requests[0] ?? {})).toContain('parent { id number repository')
  })

  it('github_parent in the plan wins over the config; the parent also linked is labelled once and never its own sub-issue', async () => {
    await setup((n) => `github:\n  parent_issue: ${n + 100}\n`, {
      planParent: (n) => `github_parent: "#${n}"`
    })
    // The plan also links its own issue.
    const text = (sample.files[PLAN_PATH] ?? '').replace(
      /\*\*GitHub Issues:\*\* (.*)/,
      (_line, list: string) => `**GitHub Issues:** ${list}, #${parent}`
    )
    workspace = makeWorkspace({
      [PLAN_PATH]: `---\ngithub_parent: "#${parent}"\n---\n${text}`,
      [CONFIG]: `github:\n  parent_issue: ${parent + 100}\n`
    })
    const result = await fire(started)
    expect(result.failed).toBe(false)
    expect(sim.subIssuesOf(REPO, parent)).toEqual(sample.issueNumbers.map(ref))
    expect(sim.parentOf(REPO, parent)).toBeUndefined()
    expect(JSON.parse(result.outputs.issues ?? '[]')).toEqual([
      ...sample.issueNumbers.map(ref),
      ref(parent)
    ])
  })

  it('a parent in another repository listed in github.repositories: read in the same query, its state label created there', async () => {
    await setup(() => 'github:\n  repositories: [acme/roadmap]\n  parent_issue: acme/roadmap#1\n')
    sim.addRepo('acme/roadmap')
    sim.addIssue('acme/roadmap', { number: 1, title: 'Payments retry queue' })
    const result = await fire(started)
    expect(result.failed).toBe(false)
    expect(sim.subIssuesOf('acme/roadmap', 1)).toEqual(sample.issueNumbers.map(ref))
    expect(sim.issue('acme/roadmap', 1).labels).toEqual(['debussy:in-progress'])
    expect(sim.label('acme/roadmap', 'debussy:in-progress')?.color.toUpperCase()).toBe('1D76DB')
    // One read for both repositories.
    expect(sim.requests.filter((r) => r.operation === 'query')).toHaveLength(1)
    sim.resetLog()
    expect((await fire(started)).failed).toBe(false)
    expect(sim.requests).toHaveLength(1)
    expect(sim.writes()).toEqual([])
  })

  it('an issue a person put under another parent stays there, with a notice; the others are added', async () => {
    await setup()
    const [first] = sample.issueNumbers as [number]
    const theirs = sim.addIssue(REPO, { title: 'Another epic' })
    sim.addSubIssue(REPO, theirs, REPO, first)
    const result = await fire(started)
    expect(result.failed).toBe(false)
    expect(sim.parentOf(REPO, first)).toBe(ref(theirs))
    expect(sim.subIssuesOf(REPO, parent)).toEqual(sample.issueNumbers.slice(1).map(ref))
    expect(result.stdout).toContain(
      `Left under the parent a person chose: ${ref(first)} (under ${ref(theirs)}); not moved under ${ref(parent)}.`
    )
  })

  it('plan_completed with auto-close closes the parent with the linked issues, after them, with its completion comment', async () => {
    await setup((n) => `github:\n  auto_close: true\n  parent_issue: ${n}\n`)
    const result = await fire({ event: 'plan_completed', plan: PLAN_PATH })
    expect(result.failed).toBe(false)
    for (const n of [...sample.issueNumbers, parent]) {
      expect(sim.issue(REPO, n)).toMatchObject({ state: 'closed', stateReason: 'completed' })
      expect(sim.issue(REPO, n).comments).toHaveLength(1)
    }
    expect(JSON.parse(result.outputs.closed ?? '[]')).toEqual([
      ...sample.issueNumbers.map(ref),
      ref(parent)
    ])
    sim.resetLog()
    expect((await fire({ event: 'plan_completed', plan: PLAN_PATH })).failed).toBe(false)
    expect(sim.writes()).toEqual([])
  })

  it('GitHub holds at most 100 sub-issues per parent: the ones beyond are named in a warning, labels still synced', async () => {
    await setup()
    for (let i = 0; i < 98; i++) {
      sim.addSubIssue(REPO, parent, REPO, sim.addIssue(REPO, { title: `Older ${i}` }))
    }
    const last = sample.issueNumbers.at(-1) ?? 0
    const result = await fire(started)
    expect(result.failed).toBe(false)
    expect(sim.subIssuesOf(REPO, parent)).toHaveLength(100)
    expect(sim.parentOf(REPO, last)).toBeUndefined()
    expect(sim.issue(REPO, last).labels).toContain('debussy:in-progress')
    expect(result.stdout).toMatch(
      new RegExp(
        `::warning::.*has 98 sub-issue\\(s\\) and GitHub allows at most 100.*${ref(last)} not added`
      )
    )
  })
})

describe('the budget with parent_issue on (issue #14: phase_completed for 100 issues ≤ 10 requests, a redelivery 1 and 0 writes)', () => {
  it('100 linked issues: phase_started adds them all, phase_completed stays within the budget, its redelivery reads once', async () => {
    sim = await startSimulator()
    sample = seedSample(sim, { issues: 100, stateLabels: true })
    parent = sim.addIssue(REPO, { title: 'Payments retry queue' })
    workspace = makeWorkspace({ ...sample.files, [CONFIG]: `github:\n  parent_issue: ${parent}\n` })
    const first = await fire(started)
    expect(first.failed).toBe(false)
    expect(sim.subIssuesOf(REPO, parent)).toHaveLength(100)
    // One read, the milestone's write, 201 mutation fields in batches of 100.
    expect(sim.requests).toHaveLength(5)

    sim.resetLog()
    const completed = { event: 'phase_completed', plan: PLAN_PATH, phase: '1' }
    expect((await fire(completed)).failed).toBe(false)
    expect(sim.requests.length).toBeLessThanOrEqual(10)
    expect(sim.requests.filter((r) => queryOf(r).includes('addSubIssue('))).toEqual([])

    sim.resetLog()
    expect((await fire(completed)).failed).toBe(false)
    expect(sim.requests).toHaveLength(1)
    expect(sim.writes()).toEqual([])
  })
})

describe('a parent that cannot be one fails the step naming the key and the fix, before any write', () => {
  it.each<[string, (sim: GitHubSimulator, parent: number) => string, RegExp]>([
    [
      'an issue that does not exist',
      () => 'github:\n  parent_issue: 999\n',
      /::error::\.debussy\/config\.yaml github\.parent_issue: acme\/payments#999 could not be read \(not found.*\)\. Set it to an issue that exists/
    ],
    [
      'a pull request',
      (s) => `github:\n  parent_issue: ${s.addIssue(REPO, { pullRequest: true })}\n`,
      /::error::\.debussy\/config\.yaml github\.parent_issue: acme\/payments#\d+ is a pull request; only an issue can have sub-issues/
    ],
    [
      'an issue in a repository the action may not write to',
      () => 'github:\n  parent_issue: acme/other#5\n',
      /::error::\.debussy\/config\.yaml github\.parent_issue: acme\/other#5 is in acme\/other, where the action may not write .* add acme\/other to github\.repositories/
    ]
  ])('%s', async (_name, config, message) => {
    sim = await startSimulator()
    sample = seedSample(sim, { stateLabels: true })
    workspace = makeWorkspace({ ...sample.files, [CONFIG]: config(sim, 0) })
    const result = await fire(started)
    expect(result.failed).toBe(true)
    expect(result.stdout).toMatch(message)
    expect(sim.writes()).toEqual([])
    for (const n of sample.issueNumbers)
      expect(sim.issue(REPO, n).labels).not.toContain('debussy:in-progress')
  })
})

describe('an addSubIssue whose answer was lost is settled by reading back, not a failure', () => {
  it.each<LostAnswer>(['reset', 'timeout', 'server-error', 'malformed'])(
    'made, then the answer lost (%s): the client sends the batch again, GitHub refuses the repeat, a read shows it made; green',
    async (lost) => {
      await setup()
      let armed = false
      sim.onRequest((request) => {
        if (armed || !queryOf(request).includes('addSubIssue(')) return
        armed = true
        sim.injectFault({ kind: 'applied-then-lost', lost, delayMs: 1_000 })
      })
      const result = await fire(started)
      expect(result.failed).toBe(false)
      expect(sim.subIssuesOf(REPO, parent)).toEqual(sample.issueNumbers.map(ref))
      for (const n of [...sample.issueNumbers, parent]) {
        expect(sim.issue(REPO, n).labels).toContain('debussy:in-progress')
      }
      // The repeat was refused field by field, and one read settled it.
      expect(sim.requests.filter((r) => queryOf(r).includes('query DebussyConfirm('))).toHaveLength(
        1
      )
      sim.resetLog()
      expect((await fire(started)).failed).toBe(false)
      expect(sim.writes()).toEqual([])
    }
  )
})

describe('without parent_issue nothing about sub-issues is read or written', () => {
  it('the observe query reads no parent, and no addSubIssue is sent', async () => {
    await setup(() => 'github:\n  auto_close: false\n')
    expect((await fire(started)).failed).toBe(false)
    for (const request of sim.requests) {
      expect(queryOf(request)).not.toMatch(/parent|subIssue/)
    }
    expect(sim.parentOf(REPO, sample.issueNumbers[0] ?? 0)).toBeUndefined()
  })
})

describe('parent_issue with the status comment and a board: the parent is written once too', () => {
  it('the parent keeps one status comment and one board item; a redelivery reads once and writes nothing', async () => {
    let board = 0
    await setup((n) => {
      board = sim.addProject({ owner: 'acme', title: 'Payments board' })
      return [
        'github:',
        `  parent_issue: ${n}`,
        '  status_comment: true',
        '  project:',
        `    url: https://github.com/orgs/acme/projects/${board}`,
        '    values:',
        '      in-progress: In Progress',
        '      completed: Done'
      ].join('\n')
    })
    const completed = { event: 'phase_completed', plan: PLAN_PATH, phase: '1' }
    expect((await fire(started)).failed).toBe(false)
    expect((await fire(completed)).failed).toBe(false)

    const statusOf = (n: number): string[] =>
      sim.issue(REPO, n).comments.filter((c) => c.includes('<!-- debussy-issue-sync:status'))
    expect(statusOf(parent)).toHaveLength(1)
    expect(statusOf(parent)[0]).toContain('completed')
    const items = sim.projectItems('acme', board)
    expect(items.filter((i) => i.issue === ref(parent))).toEqual([
      { issue: ref(parent), values: { Status: 'Done' }, updates: 2 }
    ])

    sim.resetLog()
    expect((await fire(completed)).failed).toBe(false)
    expect(sim.requests).toHaveLength(1)
    expect(sim.writes()).toEqual([])
    expect(statusOf(parent)).toHaveLength(1)
  })
})
