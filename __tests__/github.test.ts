/**
 * The GitHub edge (client, observe, apply) against the simulator: how many
 * requests each step takes and what GitHub ends up holding.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { IssueRef, OperationResult, ShownOperation, Snapshot } from '../src/domain.js'
import { applyOperations } from '../src/github/apply.js'
import { placeBlock } from '../src/reconcile.js'
import { createGitHub, graphqlUrlFor, malformedAnswer, type GitHub } from '../src/github/client.js'
import { ISSUES_PER_QUERY, observe } from '../src/github/observe.js'
import {
  startSimulator,
  type FaultSpec,
  type GitHubSimulator,
  type LostAnswer,
  type MalformedBody
} from '../test-support/github-simulator.js'
import { SAMPLE_BLOCK, completeOperations } from '../test-support/changeset.js'
import { FAST_TIMING, runAgainst, type InProcessResult } from '../test-support/run-in-process.js'
import { heldClock, heldTiming, type HeldClock } from '../test-support/held-clock.js'
import { restOf } from '../test-support/octokit-rest.js'
import { cleanup } from '../test-support/run-action.js'
import { PLAN_PATH, REPO as SAMPLE_REPO, dispatch } from '../test-support/sample-repo.js'
import { seedWorkspace } from '../test-support/e2e-helpers.js'

let sim: GitHubSimulator
let github: GitHub
let clock: HeldClock
const waits: string[] = []

const REPO = 'acme/app'
const ref = (number: number, repo = 'app'): IssueRef => ({ owner: 'acme', repo, number })

/** What GitHub says of `issues`, with no milestone asked for and no completion comment looked for. */
const observeIssues = (issues: IssueRef[], stateLabel: string): Promise<Snapshot> =>
  observe(github, { issues, stateLabel, milestone: undefined, completionFor: undefined })

async function start(layout: 'dotcom' | 'ghes' = 'dotcom'): Promise<void> {
  sim = await startSimulator({ layout })
  sim.addRepo(REPO)
  // Counted requests: an attempt ends only when the simulator holds its answer.
  clock = heldClock(sim)
  github = createGitHub({
    token: sim.token,
    apiUrl: sim.apiUrl,
    graphqlUrl: sim.graphqlUrl,
    timing: { ...FAST_TIMING, clock },
    onWait: (message) => waits.push(message)
  })
}

beforeEach(() => {
  waits.length = 0
})
afterEach(async () => {
  // The pure tests below start no simulator.
  if ((sim as GitHubSimulator | undefined) !== undefined) await sim.close()
})

describe('graphqlUrlFor', () => {
  it.each([
    ['https://api.github.com', undefined, 'https://api.github.com/graphql'],
    ['https://ghes.example/api/v3', undefined, 'https://ghes.example/api/graphql'],
    ['https://ghes.example/api/v3/', '', 'https://ghes.example/api/graphql'],
    ['https://api.github.com', 'https://proxy.example/graphql', 'https://proxy.example/graphql']
  ])('%s with GITHUB_GRAPHQL_URL %j → %s', (api, explicit, expected) => {
    expect(graphqlUrlFor(api, explicit)).toBe(expected)
  })
})

describe('malformedAnswer: a successful answer the action cannot read', () => {
  it.each([
    [200, { data: { m0: {} } }, true, undefined],
    [200, { errors: [{ message: 'x' }] }, true, undefined],
    [200, {}, true, 'no data'],
    [200, '', true, 'an empty body'],
    [200, '<html>Unicorn!</html>', false, expect.stringMatching(/^not JSON \("<html>Unicorn/)],
    [200, '{"data":{"m0"', true, expect.stringMatching(/^not JSON \(/)],
    [200, [{ name: 'bug' }], false, undefined],
    [201, { node_id: 'L_1' }, false, undefined],
    [204, '', false, undefined],
    [404, 'Not Found', false, undefined]
  ])('HTTP %s with %j (GraphQL: %s) → %s', (status, data, graphql, expected) => {
    expect(malformedAnswer(status, data, graphql)).toEqual(expected)
  })
})

describe('User-Agent', () => {
  let saved: string | undefined
  beforeEach(() => {
    saved = process.env.ACTIONS_ORCHESTRATION_ID
  })
  afterEach(() => {
    if (saved === undefined) delete process.env.ACTIONS_ORCHESTRATION_ID
    else process.env.ACTIONS_ORCHESTRATION_ID = saved
  })

  /** The User-Agent of the first request a fresh client sends. */
  async function firstUserAgent(): Promise<string | undefined> {
    await start()
    await observeIssues([ref(1)], 'debussy:completed')
    return sim.requests[0]?.userAgent
  }

  it("names the action, then the run's orchestration id (getOctokit adds it), before Octokit's own", async () => {
    process.env.ACTIONS_ORCHESTRATION_ID = 'run 42/a:b'
    expect(await firstUserAgent()).toMatch(
      /^debussy-issue-sync actions_orchestration_id\/run_42_a_b octokit-core\.js\//
    )
  })

  it('is the action and Octokit when the runner gives no orchestration id', async () => {
    delete process.env.ACTIONS_ORCHESTRATION_ID
    expect(await firstUserAgent()).toMatch(/^debussy-issue-sync octokit-core\.js\//)
  })
})

describe('observe', () => {
  beforeEach(() => start())

  it('reads issues across repositories, with labels, state, kind and milestone, in one request', async () => {
    sim.addRepo('acme/other')
    const m = sim.addMilestone(REPO, { title: 'Q4', description: 'Text' })
    sim.addIssue(REPO, { number: 1, labels: ['bug'], milestone: m })
    sim.addIssue(REPO, { number: 2, state: 'closed' })
    sim.addIssue(REPO, { number: 3, pullRequest: true })
    sim.addIssue('acme/other', { number: 7, locked: true })
    sim.addLabel(REPO, { name: 'debussy:completed' })
    const snapshot = await observeIssues(
      [ref(1), ref(2), ref(3), ref(7, 'other'), ref(99)],
      'Debussy:Completed'
    )
    expect(sim.requests).toHaveLength(1)
    const [one, two, three, seven, missing] = snapshot.issues
    expect(one).toMatchObject({
      found: true,
      kind: 'issue',
      state: 'open',
      labels: [{ name: 'bug' }]
    })
    expect(one?.found === true && one.milestone).toMatchObject({
      number: m,
      title: 'Q4',
      description: 'Text'
    })
    expect(two).toMatchObject({ found: true, state: 'closed' })
    expect(three).toMatchObject({ found: true, kind: 'pull_request', state: 'open' })
    expect(seven).toMatchObject({ found: true, locked: true, ref: ref(7, 'other') })
    expect(missing).toMatchObject({ found: false, reason: expect.stringContaining('not found') })
    expect([...(snapshot.labels.get('acme/app')?.keys() ?? [])]).toEqual(['debussy:completed'])
    expect(snapshot.labels.get('acme/other')?.size).toBe(0)
  })

  it('reports every issue of a repository that does not exist as not found', async () => {
    const snapshot = await observeIssues([ref(1, 'nope'), ref(2, 'nope')], 'x')
    expect(snapshot.issues.map((i) => i.found)).toEqual([false, false])
  })

  it('finds the named milestone by number and by exact title, or says it is missing', async () => {
    sim.addMilestone(REPO, { title: 'Q4 reliability extra' })
    const exact = sim.addMilestone(REPO, { title: 'Q4 reliability', description: 'd' })
    sim.addIssue(REPO, { number: 1 })
    const base = { issues: [ref(1)], stateLabel: 'x', completionFor: undefined }
    const byTitle = await observe(github, {
      ...base,
      milestone: {
        repo: { owner: 'acme', repo: 'app' },
        selector: { by: 'title', title: 'Q4 reliability' }
      }
    })
    expect(byTitle.namedMilestone?.number).toBe(exact)
    const byNumber = await observe(github, {
      ...base,
      milestone: { repo: { owner: 'acme', repo: 'app' }, selector: { by: 'number', number: exact } }
    })
    expect(byNumber.namedMilestone?.title).toBe('Q4 reliability')
    const none = await observe(github, {
      ...base,
      milestone: { repo: { owner: 'acme', repo: 'app' }, selector: { by: 'number', number: 404 } }
    })
    expect(none.namedMilestone).toBeNull()
  })

  it('splits more than 100 issues into one query per 100', async () => {
    const refs: IssueRef[] = []
    for (let n = 1; n <= ISSUES_PER_QUERY + 5; n++) {
      sim.addIssue(REPO, { number: n })
      refs.push(ref(n))
    }
    // The held clock ends an attempt only when the simulator holds its answer:
    // a cold simulator slow to answer 100 issues is not a retry counted here.
    const snapshot = await observe(github, {
      issues: refs,
      stateLabel: 'x',
      milestone: undefined,
      completionFor: undefined
    })
    expect(sim.requests).toHaveLength(2)
    expect(snapshot.issues.filter((i) => i.found)).toHaveLength(ISSUES_PER_QUERY + 5)
  })

  it("notices this plan's completion comment only when asked", async () => {
    sim.addIssue(REPO, { number: 1 })
    await restOf(github.octokit).issues.createComment({
      owner: 'acme',
      repo: 'app',
      issue_number: 1,
      body: 'done\n<!-- debussy-issue-sync:completed plan="p.md" -->'
    })
    const read = (completionFor: string | undefined) =>
      observe(github, { issues: [ref(1)], stateLabel: 'x', milestone: undefined, completionFor })
    expect((await read('p.md')).issues[0]).toMatchObject({ hasCompletionComment: true })
    expect((await read('q.md')).issues[0]).toMatchObject({ hasCompletionComment: false })
    expect((await read(undefined)).issues[0]).toMatchObject({ hasCompletionComment: false })
  })

  it('retries an attempt that GitHub does not answer in time', async () => {
    sim.addIssue(REPO, { number: 1 })
    // Held until the client gives up: the test's clock ends the attempt then.
    sim.injectFault({ kind: 'hang', match: { kind: 'graphql' } })
    const snapshot = await observe(github, {
      issues: [ref(1)],
      stateLabel: 'x',
      milestone: undefined,
      completionFor: undefined
    })
    expect(snapshot.issues[0]?.found).toBe(true)
    expect(clock.abandoned()).toBe(1)
    expect(sim.requests.map((r) => [r.fault, r.status])).toEqual([
      ['hang', 0],
      [undefined, 200]
    ])
  })

  it('works with the GitHub Enterprise Server layout', async () => {
    await sim.close()
    await start('ghes')
    sim.addIssue(REPO, { number: 1 })
    const snapshot = await observeIssues([ref(1)], 'x')
    expect(snapshot.issues[0]?.found).toBe(true)
  })
})

/** A result as one word: its kind, or for a failure its reason. */
const outcome = (r: OperationResult): string => (r.kind === 'failed' ? r.reason : r.kind)

describe('applyOperations', () => {
  beforeEach(() => start())

  async function snapshotOf(numbers: number[], label: string) {
    return observeIssues(
      numbers.map((n) => ref(n)),
      label
    )
  }

  it('uses the labels another run created meanwhile (422 already_exists), learning their ids in one confirm-read', async () => {
    sim.addRepo('acme/lib')
    sim.addIssue(REPO, { number: 1 })
    sim.addIssue('acme/lib', { number: 2 })
    const snapshot = await observeIssues([ref(1), ref(2, 'lib')], 'debussy:failed')
    sim.addLabel(REPO, { name: 'DEBUSSY:FAILED', color: 'D93F0B' })
    sim.addLabel('acme/lib', { name: 'Debussy:Failed', color: 'D93F0B' })
    const ops: ShownOperation[] = [
      ...['acme/app', 'acme/lib'].map((repo): ShownOperation => ({
        op: 'create_label',
        repo,
        label: 'debussy:failed',
        color: 'D93F0B',
        description: 'd'
      })),
      { op: 'add_label', issue: 'acme/app#1', label: 'debussy:failed' },
      { op: 'add_label', issue: 'acme/lib#2', label: 'debussy:failed' }
    ]
    sim.resetLog()
    const results = await applyOperations(github, {
      operations: completeOperations(ops, snapshot)
    })
    expect(results.map((r) => outcome(r))).toEqual(['applied', 'applied', 'applied', 'applied'])
    expect(sim.issue(REPO, 1).labels).toEqual(['DEBUSSY:FAILED'])
    expect(sim.issue('acme/lib', 2).labels).toEqual(['Debussy:Failed'])
    // Apply's only read is the confirm-read of what the 422s left unknown (the labels' ids).
    const reads = sim.requests.filter((r) => !r.write)
    expect(
      reads.map((r) => r.method + ' ' + (queryOf(r).match(/^query (\w+)/)?.[1] ?? r.path))
    ).toEqual(['POST DebussyConfirm'])
  })

  it('a label that exists but whose id the confirm-read cannot get: reported failed, asking for a re-run', async () => {
    sim.addIssue(REPO, { number: 1 })
    const snapshot = await snapshotOf([1], 'debussy:failed')
    sim.addLabel(REPO, { name: 'debussy:failed' })
    sim.injectFault({
      kind: 'server-error',
      match: { kind: 'graphql', operation: 'query' },
      times: Infinity
    })
    const results = await applyOperations(github, {
      operations: completeOperations(
        [
          {
            op: 'create_label',
            repo: REPO,
            label: 'debussy:failed',
            color: 'D93F0B',
            description: 'd'
          },
          { op: 'add_label', issue: 'acme/app#1', label: 'debussy:failed' }
        ],
        snapshot
      )
    })
    expect(results.map((r) => [r.operation.op, outcome(r)])).toEqual([
      ['create_label', 'http'],
      ['add_label', 'label-missing']
    ])
    expect(results[0]?.kind === 'failed' && results[0].detail).toMatch(/already exists.*re-run/)
    expect(sim.issue(REPO, 1).labels).toEqual([])
  })

  it('sends the 120 label changes of 60 issues in 2 mutation requests of at most 100 fields', async () => {
    const numbers = Array.from({ length: 60 }, (_, i) => i + 1)
    sim.addLabel(REPO, { name: 'old' })
    sim.addLabel(REPO, { name: 'new' })
    for (const n of numbers) sim.addIssue(REPO, { number: n, labels: ['old'] })
    const snapshot = await snapshotOf(numbers, 'new')
    sim.resetLog()
    const ops: ShownOperation[] = numbers.flatMap((n): ShownOperation[] => [
      { op: 'add_label', issue: `acme/app#${n}`, label: 'new' },
      { op: 'remove_label', issue: `acme/app#${n}`, label: 'old' }
    ])
    const results = await applyOperations(github, {
      operations: completeOperations(ops, snapshot)
    })
    expect(results.every((r) => outcome(r) === 'applied')).toBe(true)
    expect(sim.requests.map((r) => r.mutationFields)).toEqual([100, 20])
    for (const n of numbers) expect(sim.issue(REPO, n).labels).toEqual(['new'])
  })

  it("paces completion comments to GitHub's content limit: a full window waits, and says so", async () => {
    const numbers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    for (const n of numbers) sim.addIssue(REPO, { number: n })
    const paced = createGitHub({
      token: sim.token,
      apiUrl: sim.apiUrl,
      graphqlUrl: sim.graphqlUrl,
      timing: { ...FAST_TIMING, contentPerWindow: 4, contentWindowMs: 400, clock },
      onPause: (message) => waits.push(message)
    })
    const snapshot = await snapshotOf(numbers, 'new')
    sim.resetLog()
    const ops: ShownOperation[] = numbers.map((n) => ({
      op: 'comment',
      issue: `acme/app#${n}`,
      body: `Done ${n}.`
    }))

    const results = await applyOperations(paced, {
      operations: completeOperations(ops, snapshot)
    })

    expect(results.every((r) => outcome(r) === 'applied')).toBe(true)
    expect(sim.requests.map((r) => r.mutationFields)).toEqual([4, 4, 2])
    // Each batch fills the window: the next waits for all of it to leave (only
    // waits move the test's clock on).
    expect(clock.sleeps).toEqual([400, 400])
    expect(waits).toEqual([
      expect.stringMatching(/^Pausing 1 s: GitHub accepts about 4 new comments per 0.4 s\.$/),
      expect.stringMatching(/^Pausing 1 s: /)
    ])
    for (const n of numbers) expect(sim.issue(REPO, n).comments).toEqual([`Done ${n}.`])
  })

  it('marks an issue deleted between the read and the write as gone, and applies the rest', async () => {
    sim.addLabel(REPO, { name: 'new' })
    sim.addIssue(REPO, { number: 1 })
    sim.addIssue(REPO, { number: 2 })
    const snapshot = await snapshotOf([1, 2], 'new')
    sim.deleteIssue(REPO, 1)
    const ops: ShownOperation[] = [
      { op: 'add_label', issue: 'acme/app#1', label: 'new' },
      { op: 'add_label', issue: 'acme/app#2', label: 'new' }
    ]
    const results = await applyOperations(github, {
      operations: completeOperations(ops, snapshot)
    })
    expect(results.map((r) => outcome(r))).toEqual(['gone', 'applied'])
  })

  it('a state label deleted during the run: its removal is done, the other removal still happens', async () => {
    for (const name of ['s:a', 's:b', 's:new']) sim.addLabel(REPO, { name })
    sim.addIssue(REPO, { number: 1, labels: ['keep', 's:a', 's:b'] })
    const snapshot = await snapshotOf([1], 's:new')
    sim.deleteLabel(REPO, 's:a')
    const ops: ShownOperation[] = [
      { op: 'add_label', issue: 'acme/app#1', label: 's:new' },
      { op: 'remove_label', issue: 'acme/app#1', label: 's:a' },
      { op: 'remove_label', issue: 'acme/app#1', label: 's:b' }
    ]
    const results = await applyOperations(github, {
      operations: completeOperations(ops, snapshot)
    })
    expect(results.map((r) => outcome(r))).toEqual(['applied', 'applied', 'applied'])
    expect(sim.issue(REPO, 1).labels).toEqual(['keep', 's:new'])
  })

  it.each([
    ['deleted', (s: GitHubSimulator) => s.deleteLabel(REPO, 's:new')],
    ['renamed', (s: GitHubSimulator) => s.renameLabel(REPO, 's:new', 'someone-elses')]
  ])(
    'the label to add %s during the run fails the write, asking for a re-run',
    async (_how, change) => {
      sim.addLabel(REPO, { name: 's:new' })
      sim.addIssue(REPO, { number: 1 })
      const snapshot = await snapshotOf([1], 's:new')
      change(sim)
      const results = await applyOperations(github, {
        operations: completeOperations(
          [{ op: 'add_label', issue: 'acme/app#1', label: 's:new' }],
          snapshot
        )
      })
      expect(results[0]).toMatchObject({
        kind: 'failed',
        detail: expect.stringContaining('re-run')
      })
      expect(sim.issue(REPO, 1).labels).not.toContain('s:new')
    }
  )

  it('writes the milestone first, right after the read, and never again: an edit made meanwhile is kept', async () => {
    sim.addLabel(REPO, { name: 's:new' })
    sim.addIssue(REPO, { number: 1 })
    const m = sim.addMilestone(REPO, { title: 'Q4', description: 'Before.' })
    const snapshot = await snapshotOf([1], 's:new')
    sim.resetLog()
    // A person edits the description as soon as the action has written it.
    const unhook = sim.onRequest((request) => {
      if (request.method === 'PATCH') return
      const { description } = sim.milestone(REPO, m)
      if (!description.includes('A note'))
        sim.setMilestone(REPO, m, { description: `${description} A note.` })
    })
    const results = await applyOperations(github, {
      operations: completeOperations(
        [
          { op: 'add_label', issue: 'acme/app#1', label: 's:new' },
          { op: 'comment', issue: 'acme/app#1', body: 'Done.' },
          {
            op: 'update_milestone',
            repo: 'acme/app',
            milestone: m,
            title: 'Q4',
            progress: '1/2 (50%)',
            description: placeBlock('Before.', SAMPLE_BLOCK)
          }
        ],
        snapshot
      )
    })
    unhook()
    expect(results.map(outcome)).toEqual(['applied', 'applied', 'applied'])
    expect(sim.writes().map((w) => w.operation ?? w.method)).toEqual([
      'PATCH',
      'mutation',
      'mutation'
    ])
    expect(sim.milestone(REPO, m).description).toBe(
      `${placeBlock('Before.', SAMPLE_BLOCK)} A note.`
    )
  })
})

/** One sync of the sample repository, run in process against the simulator. */
async function runSync(
  workspace: string,
  payload: Record<string, unknown>
): Promise<InProcessResult> {
  return runAgainst(sim, {
    workspace,
    repository: SAMPLE_REPO,
    eventName: 'repository_dispatch',
    eventPayload: dispatch(payload),
    timing: heldTiming(sim)
  })
}

describe('a whole sync, in process', () => {
  afterEach(() => cleanup())

  it("keeps the order in the milestone that holds the plan's block when a person moves the first issue elsewhere", async () => {
    sim = await startSimulator()
    const { workspace, ...sample } = seedWorkspace(sim, { stateLabels: true })
    const other = sim.addMilestone(SAMPLE_REPO, {
      title: 'Unrelated',
      description: 'Someone else.'
    })
    const event = { plan: PLAN_PATH, phase: '2', run_id: 'run-1' }
    const done = await runSync(workspace, { ...event, event: 'phase_completed', sequence: 2 })
    expect(done.failed).toBe(false)
    const [first] = sample.issueNumbers
    sim.setIssueMilestone(SAMPLE_REPO, first ?? 0, other)
    sim.resetLog()

    const late = await runSync(workspace, { ...event, event: 'phase_started', sequence: 1 })

    expect(late.failed).toBe(false)
    expect(late.stdout).toContain('Skipped as out of order')
    expect(sim.writes()).toEqual([])
    expect(sim.milestone(SAMPLE_REPO, other).description).toBe('Someone else.')
    for (const n of sample.issueNumbers) {
      expect(sim.issue(SAMPLE_REPO, n).labels).toContain('debussy:completed')
      expect(sim.issue(SAMPLE_REPO, n).labels).not.toContain('debussy:in-progress')
    }
  })
})

/** Arms `fault` when the first mutation carrying `field` arrives, before the simulator answers it. */
function aimAt(field: string, fault: FaultSpec): void {
  let armed = false
  sim.onRequest((request) => {
    const query = (request.body as { query?: unknown } | undefined)?.query
    if (armed || typeof query !== 'string' || !query.includes(`${field}(`)) return
    armed = true
    sim.injectFault(fault)
  })
}

/** The GraphQL query text a logged request carried, or ''. */
function queryOf(request: { readonly body?: unknown }): string {
  const query = (request.body as { query?: unknown } | undefined)?.query
  return typeof query === 'string' ? query : ''
}

const mutationsWith = (field: string) =>
  sim.requests.filter((r) => queryOf(r).includes(`${field}(`))

describe('SPEC §7: a comment or a close whose answer was lost is read back, never sent again blindly', () => {
  afterEach(() => cleanup())

  const LOSSES: readonly [LostAnswer, string][] = [
    ['reset', 'the kept-alive connection reset after GitHub made it'],
    ['timeout', 'no answer before the attempt timed out'],
    ['server-error', 'a 502 after GitHub made it'],
    ['malformed', 'a 200 that cannot be read']
  ]
  const CASES = (['addComment', 'closeIssue'] as const).flatMap((field) =>
    LOSSES.map(([lost, how]) => [field, lost, how] as const)
  )

  it.each(CASES)(
    '%s made, then %s (%s): read back, never sent again; one comment per issue, closed, step green',
    async (field, lost) => {
      sim = await startSimulator()
      const { workspace, ...sample } = seedWorkspace(sim, { stateLabels: true })
      aimAt(field, { kind: 'applied-then-lost', lost, delayMs: 1_000 })

      const result = await runSync(workspace, {
        event: 'plan_completed',
        plan: PLAN_PATH,
        auto_close: true
      })

      expect(result.failed).toBe(false)
      expect(mutationsWith(field)).toHaveLength(1)
      for (const n of sample.issueNumbers) {
        const issue = sim.issue(SAMPLE_REPO, n)
        expect(
          issue.comments.filter((c) => c.includes('debussy-issue-sync:completed'))
        ).toHaveLength(1)
        expect(issue).toMatchObject({ state: 'closed', stateReason: 'completed' })
        expect(sim.closesOf(SAMPLE_REPO, n)).toBe(1)
      }
    }
  )

  it('a comment lost before GitHub made it is read back as missing, then sent once more', async () => {
    sim = await startSimulator()
    const { workspace, ...sample } = seedWorkspace(sim, { stateLabels: true })
    aimAt('addComment', { kind: 'reset' })

    const result = await runSync(workspace, {
      event: 'plan_completed',
      plan: PLAN_PATH,
      auto_close: true
    })

    expect(result.failed).toBe(false)
    expect(mutationsWith('addComment')).toHaveLength(2)
    const confirm = sim.requests.findIndex((r) => queryOf(r).includes('DebussyConfirm'))
    const [first, second] = mutationsWith('addComment').map((r) => sim.requests.indexOf(r))
    expect(confirm).toBeGreaterThan(first ?? Infinity)
    expect(confirm).toBeLessThan(second ?? -1)
    for (const n of sample.issueNumbers) {
      expect(sim.issue(SAMPLE_REPO, n).comments).toHaveLength(1)
    }
  })
})

describe('SPEC §7: an answer that cannot be read is a failed write like any other', () => {
  afterEach(() => cleanup())

  it.each<MalformedBody>(['no-data', 'html', 'truncated'])(
    'label mutations answered 200 with %s: reported per operation; milestone, comments and closes still made; summary written',
    async (body) => {
      sim = await startSimulator()
      const { workspace, ...sample } = seedWorkspace(sim, { stateLabels: true })
      // The label mutation and its three retries; the comments and closes after it are answered.
      aimAt('addLabelsToLabelable', { kind: 'malformed', body, times: 4 })

      const result = await runSync(workspace, {
        event: 'plan_completed',
        plan: PLAN_PATH,
        auto_close: true
      })

      expect(result.failed).toBe(true)
      expect(result.stdout).not.toContain('Cannot read properties')
      expect(result.stdout).toMatch(/3 of \d+ write\(s\) failed/)
      expect(result.stdout).toContain('could not be read')
      expect(result.summary).not.toBe('')
      expect(sim.milestone(SAMPLE_REPO, sample.milestone ?? 0).description).toContain(
        '📊 **Debussy Progress:** 100% (4/4 phases)'
      )
      for (const n of sample.issueNumbers) {
        const issue = sim.issue(SAMPLE_REPO, n)
        expect(issue.state).toBe('closed')
        expect(issue.comments).toHaveLength(1)
      }
    }
  )

  it('a milestone write answered with an HTML page fails the milestone only: the labels are still written', async () => {
    sim = await startSimulator()
    const { workspace, ...sample } = seedWorkspace(sim, { stateLabels: true })
    sim.injectFault({
      kind: 'malformed',
      body: 'html',
      times: 4,
      match: { method: 'PATCH', path: /\/milestones\/\d+$/ }
    })

    const result = await runSync(workspace, {
      event: 'phase_completed',
      plan: PLAN_PATH,
      phase: '1'
    })

    expect(result.failed).toBe(true)
    expect(sim.milestone(SAMPLE_REPO, sample.milestone ?? 0).description).toBe(
      'Move failed card captures onto a durable retry queue.\n\nOwner: payments team.'
    )
    for (const n of sample.issueNumbers)
      expect(sim.issue(SAMPLE_REPO, n).labels).toContain('debussy:completed')
  })
})

describe('SPEC §7: a plain 429 is waited out for its retry-after', () => {
  beforeEach(() => start())

  it.each([
    ['REST (a label created)', { method: 'POST', path: /\/labels$/ }],
    ['GraphQL (a mutation)', { kind: 'graphql', operation: 'mutation' }]
  ] as const)('%s: retried after the wait it names, nothing sent before', async (_what, match) => {
    sim.addIssue(REPO, { number: 1 })
    const slow = createGitHub({
      token: sim.token,
      apiUrl: sim.apiUrl,
      graphqlUrl: sim.graphqlUrl,
      timing: { ...FAST_TIMING, retryUnitMs: 30, clock },
      onWait: (message) => waits.push(message)
    })
    const snapshot = await observe(slow, {
      issues: [ref(1)],
      stateLabel: 's:new',
      milestone: undefined,
      completionFor: undefined
    })
    sim.resetLog()
    sim.injectFault({ kind: 'too-many-requests', retryAfter: 2, match })

    const results = await applyOperations(slow, {
      operations: completeOperations(
        [
          { op: 'create_label', repo: REPO, label: 's:new', color: '0E8A16', description: 'd' },
          { op: 'add_label', issue: 'acme/app#1', label: 's:new' }
        ],
        snapshot
      )
    })

    expect(results.map((r) => outcome(r))).toEqual(['applied', 'applied'])
    const limited = sim.requests.findIndex((r) => r.fault === 'too-many-requests')
    const [answer, retry] = sim.requests.slice(limited, limited + 2)
    expect(answer?.status).toBe(429)
    expect(retry?.body).toEqual(answer?.body)
    // The wait it names, in retry units, asked of the client's clock before the retry.
    expect(clock.sleeps).toEqual([2 * 30])
    expect(waits).toEqual([expect.stringMatching(/429 .*waiting 2 s/)])
    expect(sim.issue(REPO, 1).labels).toEqual(['s:new'])
  })

  it('a retry-after longer than the bound is not waited for: the write fails at once', async () => {
    sim.addIssue(REPO, { number: 1 })
    sim.injectFault({ kind: 'too-many-requests', retryAfter: 3600, match: { method: 'POST' } })
    const results = await applyOperations(github, {
      operations: completeOperations(
        [{ op: 'create_label', repo: REPO, label: 's:new', color: '0E8A16', description: 'd' }],
        { issues: [], labels: new Map(), namedMilestone: undefined }
      )
    })
    expect(results[0]).toMatchObject({
      kind: 'failed',
      reason: 'rate-limited',
      detail: expect.stringContaining('429')
    })
    expect(sim.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })
})
