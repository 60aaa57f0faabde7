/**
 * GitHub Projects Status (github.project) through the whole action, in
 * process, against the simulator's ProjectV2: what the board shows after each
 * event, how many requests it takes, which token makes them, and that a
 * project, field or option that does not exist stops the step before any write.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { startSimulator, type GitHubSimulator } from '../test-support/github-simulator.js'
import { heldTiming } from '../test-support/held-clock.js'
import { runAgainst, type InProcessResult } from '../test-support/run-in-process.js'
import { cleanup, makeWorkspace } from '../test-support/run-action.js'
import { PLAN_PATH, REPO, dispatch, seedSample } from '../test-support/sample-repo.js'

let sim: GitHubSimulator | undefined

afterEach(async () => {
  await sim?.close()
  sim = undefined
  cleanup()
})

const PAT = 'github_pat_project_token_for_the_board'

/** The config's project section: the sample's board, Status, three states mapped. */
function projectConfig(
  number: number,
  extra: { field?: string; values?: Record<string, string>; url?: string } = {}
): string {
  const values = extra.values ?? {
    'in-progress': 'In Progress',
    completed: 'Done',
    failed: 'Todo'
  }
  return [
    'github:',
    '  project:',
    `    url: ${extra.url ?? `https://github.com/orgs/acme/projects/${number}`}`,
    ...(extra.field === undefined ? [] : [`    field: ${extra.field}`]),
    '    values:',
    ...Object.entries(values).map(([state, option]) => `      ${state}: ${option}`),
    ''
  ].join('\n')
}

async function setup(
  options: { projectToken?: boolean; issues?: number; config?: (n: number) => string } = {}
): Promise<{ sim: GitHubSimulator; workspace: string; board: number; issues: readonly number[] }> {
  const started = await startSimulator(options.projectToken === true ? { projectToken: PAT } : {})
  sim = started
  const sample = seedSample(started, { issues: options.issues ?? 3, stateLabels: true })
  const board = started.addProject({ owner: 'acme', title: 'Payments board' })
  const workspace = makeWorkspace({
    ...sample.files,
    '.debussy/config.yaml': (options.config ?? projectConfig)(board)
  })
  return { sim: started, workspace, board, issues: sample.issueNumbers }
}

function run(
  target: GitHubSimulator,
  workspace: string,
  payload: Record<string, unknown>,
  inputs: Record<string, string> = {}
): Promise<InProcessResult> {
  return runAgainst(target, {
    workspace,
    repository: REPO,
    eventName: 'repository_dispatch',
    eventPayload: dispatch(payload),
    inputs,
    timing: heldTiming(target)
  })
}

const started = { event: 'phase_started', plan: PLAN_PATH, phase: '1' }
const completed = { event: 'phase_completed', plan: PLAN_PATH, phase: '1' }

describe('github.project with one token for everything', () => {
  it('adds each linked issue to the board and sets Status, then moves it; the field writes share the label batch', async () => {
    const { sim, workspace, board, issues } = await setup()
    const first = await run(sim, workspace, started)
    expect(first.failed).toBe(false)
    expect(sim.projectItems('acme', board)).toEqual(
      issues.map((n) => ({ issue: `${REPO}#${n}`, values: { Status: 'In Progress' }, updates: 1 }))
    )
    // observe, labels + adds in one batch, the new items' fields in a second (an add's id cannot feed another field).
    const graphql = sim.requests.filter((r) => r.kind === 'graphql')
    expect(graphql.map((r) => r.operation)).toEqual(['query', 'mutation', 'mutation'])
    expect(graphql[1]?.mutationFields).toBe(3 + 3)
    expect(graphql[2]?.mutationFields).toBe(3)
    expect(first.stdout).toContain(
      `Updated GitHub issue ${REPO}#${issues[0]}: in-progress (+debussy:in-progress, +project, Status: In Progress)`
    )

    sim.resetLog()
    const done = await run(sim, workspace, completed)
    expect(done.failed).toBe(false)
    expect(sim.projectItems('acme', board).map((i) => i.values.Status)).toEqual([
      'Done',
      'Done',
      'Done'
    ])
    // Items known from the read: their field changes in the label batch itself.
    const mutations = sim.requests.filter((r) => r.operation === 'mutation')
    expect(mutations).toHaveLength(1)
    expect(mutations[0]?.mutationFields).toBe(3 * 2 + 3)
  })

  it('a redelivery reads once and writes nothing', async () => {
    const { sim, workspace, board } = await setup()
    await run(sim, workspace, started)
    await run(sim, workspace, completed)
    sim.resetLog()
    const again = await run(sim, workspace, completed)
    expect(again.failed).toBe(false)
    expect(sim.requests).toHaveLength(1)
    expect(sim.writes()).toEqual([])
    expect(sim.projectItems('acme', board).every((i) => i.updates === 2)).toBe(true)
  })

  it('an issue a person already put on the board keeps its item; a state without a value leaves the field alone', async () => {
    const { sim, workspace, board, issues } = await setup({
      config: (n) => projectConfig(n, { values: { completed: 'Done' } })
    })
    const [a = 0, b = 0] = issues
    sim.addProjectItem('acme', board, REPO, a, { Status: 'Todo' })
    const result = await run(sim, workspace, started)
    expect(result.failed).toBe(false)
    const items = sim.projectItems('acme', board)
    expect(items).toHaveLength(3)
    expect(items[0]).toEqual({ issue: `${REPO}#${a}`, values: { Status: 'Todo' }, updates: 0 })
    expect(items[1]).toEqual({ issue: `${REPO}#${b}`, values: {}, updates: 0 })
  })

  it('a dry run lists the project writes and makes none', async () => {
    const { sim, workspace, board } = await setup()
    const result = await run(sim, workspace, { ...started, dry_run: true })
    expect(result.failed).toBe(false)
    expect(result.stdout).toMatch(
      /\[dry-run\] Add acme\/payments#\d+ to project https:\/\/github\.com\/orgs\/acme\/projects\/1/
    )
    expect(result.stdout).toMatch(/\[dry-run\] Set "Status" of acme\/payments#\d+ to "In Progress"/)
    expect(sim.writes()).toEqual([])
    expect(sim.projectItems('acme', board)).toEqual([])
  })
})

describe('github.project with a separate project-token', () => {
  it('reads and writes the board with project-token, in requests of its own; the labels with github-token', async () => {
    const { sim, workspace, board } = await setup({ projectToken: true })
    const result = await run(sim, workspace, started, { 'project-token': PAT })
    expect(result.failed).toBe(false)
    expect(sim.projectItems('acme', board).map((i) => i.values.Status)).toEqual([
      'In Progress',
      'In Progress',
      'In Progress'
    ])
    // observe, project read, labels, project adds, the new items' fields.
    expect(sim.requests.filter((r) => r.kind === 'graphql')).toHaveLength(5)
    // Masked first; never printed otherwise.
    expect(result.stdout.split('\n').filter((line) => line.includes(PAT))).toEqual([
      `::add-mask::${PAT}`
    ])

    sim.resetLog()
    const again = await run(sim, workspace, started, { 'project-token': PAT })
    expect(again.failed).toBe(false)
    expect(sim.writes()).toEqual([])
    expect(sim.requests).toHaveLength(2)
  })

  it("reads the plan's parent issue's item in the same project read: the parent is added once, a redelivery writes nothing", async () => {
    let parent = 0
    // The parent issue is made while the config is written (the module's simulator has started).
    const ready = await setup({
      projectToken: true,
      config: (n) => {
        parent = sim?.addIssue(REPO, { title: 'Payments retry queue' }) ?? 0
        return `${projectConfig(n)}  parent_issue: ${parent}\n`
      }
    })
    const { workspace, board } = ready
    expect((await run(ready.sim, workspace, started, { 'project-token': PAT })).failed).toBe(false)
    const parentRef = `${REPO}#${parent}`
    expect(ready.sim.projectItems('acme', board).filter((i) => i.issue === parentRef)).toEqual([
      { issue: parentRef, values: { Status: 'In Progress' }, updates: 1 }
    ])

    ready.sim.resetLog()
    const again = await run(ready.sim, workspace, started, { 'project-token': PAT })
    expect(again.failed).toBe(false)
    // The read and the project-token's read beside it, which reads the parent's item too.
    expect(ready.sim.requests).toHaveLength(2)
    expect(ready.sim.writes()).toEqual([])
  })

  it('without project-token, a github-token that cannot reach Projects fails before any write, naming project-token and the scopes', async () => {
    const { sim, workspace } = await setup({ projectToken: true })
    const result = await run(sim, workspace, started)
    expect(result.failed).toBe(true)
    expect(result.stdout).toMatch(
      /::error::\.debussy\/config\.yaml github\.project\.url: project https:\/\/github\.com\/orgs\/acme\/projects\/1 could not be read with the github-token input's token \(FORBIDDEN: Resource not accessible by integration\)\. Pass a token that can, as the project-token input/
    )
    expect(result.stdout).toMatch(/"project" scope/)
    expect(result.stdout).toMatch(/Projects: Read and write/)
    expect(sim.writes()).toEqual([])
  })

  it('a project-token that does not reach the project is named in the error', async () => {
    const { sim, workspace } = await setup({ projectToken: true })
    const result = await run(sim, workspace, started, { 'project-token': sim.token })
    expect(result.failed).toBe(true)
    expect(result.stdout).toMatch(/could not be read with the project-token input's token/)
    expect(result.stdout).toMatch(/Give the project-token input a token that can/)
    expect(sim.writes()).toEqual([])
  })
})

describe('github.project names something the board does not have: the step fails before any write', () => {
  it.each([
    [
      'an option',
      { values: { 'in-progress': 'Doing', completed: 'Done' } },
      /github\.project\.values\.in-progress: "Doing" is not an option of the field "Status" in project "Payments board"; its options are "Todo", "In Progress", "Done"/
    ],
    [
      'an option of another state than the event',
      { values: { 'in-progress': 'In Progress', blocked: 'Stuck' } },
      /github\.project\.values\.blocked: "Stuck" is not an option/
    ],
    [
      'a field',
      { field: 'Stage' },
      /github\.project\.field: project "Payments board" \(https:\/\/github\.com\/orgs\/acme\/projects\/1\) has no field "Stage"; its fields are "Title", "Status", "Estimate"/
    ],
    [
      'a single-select field',
      { field: 'Estimate' },
      /github\.project\.field: "Estimate" in project "Payments board" is a number field, not a single-select one/
    ],
    [
      'the project',
      { url: 'https://github.com/orgs/acme/projects/9' },
      /github\.project\.url: project https:\/\/github\.com\/orgs\/acme\/projects\/9 could not be read with the github-token input's token \(NOT_FOUND: Could not resolve to a ProjectV2 with the number 9\.\)/
    ],
    [
      'a project on another server',
      { url: 'https://ghes.example.com/orgs/acme/projects/1' },
      /github\.project\.url: https:\/\/ghes\.example\.com\/orgs\/acme\/projects\/1 is on ghes\.example\.com, not on this server \(github\.com\)/
    ]
  ])('%s', async (_name, extra, message) => {
    const { sim, workspace, board } = await setup({ config: (n) => projectConfig(n, extra) })
    const result = await run(sim, workspace, started)
    expect(result.failed).toBe(true)
    expect(result.stdout).toMatch(message)
    expect(sim.writes()).toEqual([])
    expect(sim.projectItems('acme', board)).toEqual([])
  })
})
