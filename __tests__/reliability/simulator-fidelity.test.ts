/**
 * The simulator against GitHub's own descriptions (issue 5): every REST route
 * and every GraphQL document the action uses, driven through the action's
 * real Octokit client, with each answer checked against @octokit/openapi
 * (api.github.com, and ghes-3.19 for the GHES layout) and
 * @octokit/graphql-schema. A last group proves that the checks fail when a
 * response drifts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { getOctokit } from '@actions/github'
import { applyOperations } from '../../src/github/apply.js'
import { createGitHub, type ClientOptions, type GitHub } from '../../src/github/client.js'
import { buildObserveQuery, observe, type ObserveRequest } from '../../src/github/observe.js'
import type { IssueRef, Operation, ShownOperation, Snapshot } from '../../src/domain.js'
import { placeBlock } from '../../src/reconcile.js'
import { statusMarkerStart } from '../../src/status-comment.js'
import {
  parseProjectUrl,
  projectOperations,
  resolveProject,
  type ProjectRef
} from '../../src/project-status.js'
import { SAMPLE_BLOCK, completeOperations } from '../../test-support/changeset.js'
import {
  startSimulator,
  type GitHubSimulator,
  type LoggedRequest,
  type LoggedResponse,
  type SimulatorOptions
} from '../../test-support/github-simulator.js'
import {
  GraphqlChecker,
  OpenApiChecker,
  githubHeaderProblems,
  releaseDescriptions,
  type Description,
  type GraphqlRequestBody,
  type HttpExchange
} from '../../test-support/openapi-check.js'
import { restOf } from '../../test-support/octokit-rest.js'
import { REPO_ROOT, cleanup } from '../../test-support/run-action.js'
import { PATIENT_TIMING, runAgainst } from '../../test-support/run-in-process.js'
import { PLAN_PATH, REPO, dispatch } from '../../test-support/sample-repo.js'
import { seedWorkspace } from '../../test-support/e2e-helpers.js'

const OTHER = 'acme/ledger'

/**
 * The REST routes the action uses (src/github/apply.ts) and those the
 * benchmark's per-issue baseline uses, with the statuses each must be seen
 * answering here. The coverage test below fails when src/ calls a route
 * that is not in this list.
 */
const ROUTES: Record<string, readonly number[]> = {
  'POST /repos/{owner}/{repo}/labels': [201, 422],
  'GET /repos/{owner}/{repo}/labels/{name}': [200, 404],
  'GET /repos/{owner}/{repo}/milestones/{milestone_number}': [200, 404],
  'PATCH /repos/{owner}/{repo}/milestones/{milestone_number}': [200, 404],
  'GET /repos/{owner}/{repo}/issues/{issue_number}': [200, 301, 403, 404, 410, 429],
  'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': [200, 404, 410],
  'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}': [200, 404],
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': [201, 403],
  'PATCH /repos/{owner}/{repo}/issues/{issue_number}': [200, 422],
  // The sender's (src/sender/dispatch.ts).
  'POST /repos/{owner}/{repo}/dispatches': [204, 422]
}

/** Mutation fields the action sends (src/github/apply.ts). */
const MUTATIONS = [
  'addLabelsToLabelable',
  'removeLabelsFromLabelable',
  'addComment',
  'closeIssue',
  'updateIssueComment',
  'addProjectV2ItemById',
  'updateProjectV2ItemFieldValue',
  'addSubIssue'
] as const

const LAYOUTS: readonly (readonly ['dotcom' | 'ghes', Description])[] = [
  ['dotcom', 'api.github.com'],
  ['ghes', 'ghes-3.19']
]

/** What was checked, for the coverage tests at the end: description → route → statuses. */
const checkedRoutes = new Map<Description, Map<string, Set<number>>>()
const checkedMutations = new Set<string>()
const checkedDocuments = new Set<string>()

/** Every answer of every simulator this file starts, exactly as sent. */
const recorded: { sim: GitHubSimulator; request: LoggedRequest; response: LoggedResponse }[] = []
let graphqlChecker: GraphqlChecker

beforeAll(async () => {
  graphqlChecker = await GraphqlChecker.load()
})

afterAll(() => {
  releaseDescriptions()
  cleanup()
})

async function simulator(options: SimulatorOptions = {}): Promise<GitHubSimulator> {
  const sim = await startSimulator(options)
  sim.onResponse((request, response) => recorded.push({ sim, request, response }))
  return sim
}

/** A point in the record, to read what came after it. */
const mark = (): number => recorded.length

// ---- helpers -------------------------------------------------------------------

// These tests count exchanges and inject no hang: PATIENT_TIMING's attempts
// outwait a loaded machine.

function projectUrl(text: string): ProjectRef {
  const parsed = parseProjectUrl(text)
  if (typeof parsed === 'string') throw new Error(parsed)
  return parsed
}

/** A client of `sim`; `onWait` hears each rate-limit wait it announces. */
function githubFor(
  sim: GitHubSimulator,
  options: Partial<Pick<ClientOptions, 'token' | 'onWait'>> = {}
): GitHub {
  return createGitHub({
    token: sim.token,
    apiUrl: sim.apiUrl,
    graphqlUrl: sim.graphqlUrl,
    timing: PATIENT_TIMING,
    ...options
  })
}

/** Runs a request that may fail with an HTTP status; returns the status either way. */
async function settle(promise: Promise<{ status: number }>): Promise<number> {
  try {
    return (await promise).status
  } catch (error) {
    if (typeof (error as { status?: unknown }).status === 'number') {
      return (error as { status: number }).status
    }
    throw error
  }
}

/** The REST answers a simulator gave since `from`, as the checker reads them. */
function restSince(sim: GitHubSimulator, from: number): HttpExchange[] {
  return recorded
    .slice(from)
    .filter((r) => r.sim === sim && r.request.kind === 'rest')
    .map(({ request, response }) => ({
      method: request.method,
      path: request.path,
      status: response.status,
      headers: response.headers,
      text: response.text
    }))
}

interface GraphqlExchange {
  readonly request: GraphqlRequestBody
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

function graphqlSince(sim: GitHubSimulator, from: number): GraphqlExchange[] {
  return recorded
    .slice(from)
    .filter((r) => r.sim === sim && r.request.kind === 'graphql')
    .map(({ request, response }) => ({
      request: request.body as GraphqlRequestBody,
      status: response.status,
      headers: response.headers,
      text: response.text
    }))
}

interface RestAnswer {
  readonly route: string
  readonly status: number
  readonly body: unknown
  readonly headers: Readonly<Record<string, string>>
}

/** Checks REST answers against the description; returns them parsed for further assertions. */
function expectRestFaithful(
  checker: OpenApiChecker,
  exchanges: readonly HttpExchange[]
): RestAnswer[] {
  expect(exchanges.length).toBeGreaterThan(0)
  return exchanges.map((exchange) => {
    const result = checker.check(exchange)
    expect({
      request: `${exchange.method} ${exchange.path} → ${exchange.status}`,
      problems: [...result.problems, ...githubHeaderProblems(exchange.headers)]
    }).toEqual({
      request: `${exchange.method} ${exchange.path} → ${exchange.status}`,
      problems: []
    })
    const route = result.route ?? ''
    const routes = checkedRoutes.get(checker.description) ?? new Map<string, Set<number>>()
    checkedRoutes.set(checker.description, routes)
    const statuses = routes.get(route) ?? new Set<number>()
    statuses.add(exchange.status)
    routes.set(route, statuses)
    return {
      route,
      status: exchange.status,
      body: exchange.text === '' ? undefined : (JSON.parse(exchange.text) as unknown),
      headers: { ...exchange.headers }
    }
  })
}

async function expectGraphqlFaithful(exchanges: readonly GraphqlExchange[]): Promise<void> {
  expect(exchanges.length).toBeGreaterThan(0)
  for (const exchange of exchanges) {
    const problems = [
      ...graphqlChecker.checkDocument(exchange.request.query, exchange.request.variables),
      ...(await graphqlChecker.checkResponse(exchange.request, exchange)),
      ...githubHeaderProblems(exchange.headers)
    ]
    expect({ document: exchange.request.query.slice(0, 60), problems }).toEqual({
      document: exchange.request.query.slice(0, 60),
      problems: []
    })
    if (exchange.headers['x-ratelimit-resource'] !== 'graphql') {
      throw new Error(`GraphQL answer spent the ${exchange.headers['x-ratelimit-resource']} bucket`)
    }
    checkedDocuments.add(exchange.request.query)
    for (const field of MUTATIONS) {
      if (new RegExp(`\\b${field}\\(`).test(exchange.request.query)) checkedMutations.add(field)
    }
  }
}

function bodyOf(answer: { body: unknown }): Record<string, unknown> {
  return answer.body as Record<string, unknown>
}

/** GitHub's error body: a message, the docs page, and the status as a string. */
function expectErrorBody(
  answer: { body: unknown; status: number },
  message: string | RegExp
): Record<string, unknown> {
  const body = bodyOf(answer)
  if (typeof message === 'string') expect(body.message).toBe(message)
  else expect(body.message).toMatch(message)
  expect(body.documentation_url).toMatch(/^https:\/\/docs\.github\.com\//)
  if ('status' in body) expect(body.status).toBe(String(answer.status))
  return body
}

// ---- REST ----------------------------------------------------------------------

describe.each(LAYOUTS)('REST routes, %s layout, against %s', (layout, description) => {
  let checker: OpenApiChecker
  let sim: GitHubSimulator
  let github: GitHub
  let transferredTo: number

  beforeAll(async () => {
    checker = OpenApiChecker.load(description)
    sim = await simulator({ layout })
    sim.addRepo(REPO)
    sim.addRepo(OTHER)
    const milestone = sim.addMilestone(REPO, { title: 'Q4', description: 'Human text.' })
    sim.addIssue(REPO, { number: 1, labels: ['bug'], milestone })
    sim.addIssue(REPO, { number: 2, pullRequest: true, labels: ['bug'] })
    sim.addIssue(REPO, { number: 3, locked: true })
    sim.addIssue(REPO, { number: 4 })
    sim.addIssue(REPO, { number: 5, labels: ['bug'] })
    sim.addIssue(REPO, { number: 6, state: 'closed' })
    sim.deleteIssue(REPO, 4)
    transferredTo = sim.transferIssue(REPO, 5, OTHER)
    github = githubFor(sim)
  })

  afterAll(async () => {
    await sim.close()
  })

  const [owner, repo] = REPO.split('/') as [string, string]
  /** The issues API of this layout's client, and the repository it is called for. */
  const issues = () => restOf(github.octokit).issues
  const at = { owner, repo }

  it('POST labels: 201 with Location; 422 already_exists for the same name in any case', async () => {
    const start = mark()
    const created = await issues().createLabel({
      ...at,
      name: 'debussy:in-progress',
      color: '1D76DB',
      description: 'Debussy: a phase is running'
    })
    expect(created.status).toBe(201)
    const clash = await settle(
      issues().createLabel({ ...at, name: 'DEBUSSY:In-Progress', color: '000000' })
    )
    expect(clash).toBe(422)
    const [ok, taken] = expectRestFaithful(checker, restSince(sim, start)) as [
      RestAnswer,
      RestAnswer
    ]
    expect(ok.route).toBe('POST /repos/{owner}/{repo}/labels')
    expect(ok.headers.location).toBe(bodyOf(ok).url)
    expect(bodyOf(ok)).toMatchObject({
      name: 'debussy:in-progress',
      color: '1D76DB',
      default: false
    })
    expect(taken.status).toBe(422)
    const error = expectErrorBody(taken, 'Validation Failed')
    expect(error.errors).toEqual([{ resource: 'Label', code: 'already_exists', field: 'name' }])
  })

  it('GET a label by name: 200 (encoded, any case); 404', async () => {
    const start = mark()
    await issues().getLabel({ ...at, name: 'Debussy:IN-progress' })
    expect(await settle(issues().getLabel({ ...at, name: 'nope' }))).toBe(404)
    const [found, missing] = expectRestFaithful(checker, restSince(sim, start))
    expect(found?.route).toBe('GET /repos/{owner}/{repo}/labels/{name}')
    expect(bodyOf(found as RestAnswer).name).toBe('debussy:in-progress')
    expectErrorBody(missing as RestAnswer, 'Not Found')
  })

  it('GET and PATCH a milestone: 200; 404 for a missing one', async () => {
    const start = mark()
    const read = await issues().getMilestone({ ...at, milestone_number: 1 })
    expect(read.data.description).toBe('Human text.')
    await issues().updateMilestone({
      ...at,
      milestone_number: 1,
      description: 'Human text.\r\n\r\n📊 **Debussy Progress:** 50% (2/4 phases)'
    })
    expect(await settle(issues().getMilestone({ ...at, milestone_number: 9 }))).toBe(404)
    expect(
      await settle(issues().updateMilestone({ ...at, milestone_number: 9, description: 'x' }))
    ).toBe(404)
    const answers = expectRestFaithful(checker, restSince(sim, start))
    expect(answers.map((a) => `${a.route.split(' ')[0]} ${a.status}`)).toEqual([
      'GET 200',
      'PATCH 200',
      'GET 404',
      'PATCH 404'
    ])
    expect(bodyOf(answers[1] as RestAnswer).open_issues).toBe(1)
    for (const missing of answers.slice(2)) expectErrorBody(missing, 'Not Found')
  })

  it('GET an issue: 200 (issue, pull request, closed), 404, 410 deleted, 301 transferred', async () => {
    const start = mark()
    const get = (issue_number: number) => issues().get({ ...at, issue_number })
    expect((await get(1)).data.milestone?.number).toBe(1)
    expect((await get(2)).data.pull_request).toBeDefined()
    expect((await get(6)).data.state_reason).toBe('completed')
    expect(await settle(get(99))).toBe(404)
    expect(await settle(get(4))).toBe(410)
    // The 301 itself, as GitHub sends it …
    const moved = await github.octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
      owner,
      repo,
      issue_number: 5,
      request: { redirect: 'manual' }
    })
    expect(moved.status).toBe(301)
    // … and followed, as Octokit's transport does by default.
    expect((await get(5)).data.number).toBe(transferredTo)
    const answers = expectRestFaithful(checker, restSince(sim, start))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 404, 410, 301, 301, 200])
    expectErrorBody(answers[3] as RestAnswer, 'Not Found')
    expectErrorBody(answers[4] as RestAnswer, 'This issue was deleted')
    const redirect = answers[5] as {
      body: unknown
      headers: Record<string, string>
      status: number
    }
    const target = `${sim.apiUrl}/repos/${OTHER}/issues/${transferredTo}`
    expect(redirect.headers.location).toBe(target)
    expect(expectErrorBody(redirect, 'Moved Permanently').url).toBe(target)
  })

  it('POST issue labels: 200 with the issue labels; 404 unknown issue; 410 deleted', async () => {
    const start = mark()
    const added = await issues().addLabels({
      ...at,
      issue_number: 1,
      labels: ['debussy:in-progress']
    })
    expect(added.data.map((l) => l.name)).toEqual(['bug', 'debussy:in-progress'])
    const add = (issue_number: number) => issues().addLabels({ ...at, issue_number, labels: ['x'] })
    expect(await settle(add(99))).toBe(404)
    expect(await settle(add(4))).toBe(410)
    const answers = expectRestFaithful(checker, restSince(sim, start))
    expect(answers.map((a) => a.status)).toEqual([200, 404, 410])
  })

  it('DELETE an issue label: 200 with the labels left; 404 "Label does not exist"', async () => {
    const start = mark()
    const left = await issues().removeLabel({ ...at, issue_number: 1, name: 'debussy:in-progress' })
    expect(left.data.map((l) => l.name)).toEqual(['bug'])
    expect(await settle(issues().removeLabel({ ...at, issue_number: 1, name: 'nope' }))).toBe(404)
    const [, missing] = expectRestFaithful(checker, restSince(sim, start))
    expectErrorBody(missing as RestAnswer, 'Label does not exist')
  })

  it('POST a comment: 201 with Location; 403 on a locked issue', async () => {
    const start = mark()
    await issues().createComment({ ...at, issue_number: 1, body: 'Done.' })
    // A plain client: the action's spaces content-creating requests 3 s apart.
    const plain = getOctokit(sim.token, { baseUrl: sim.apiUrl })
    expect(
      await settle(plain.rest.issues.createComment({ ...at, issue_number: 3, body: 'x' }))
    ).toBe(403)
    const [created, locked] = expectRestFaithful(checker, restSince(sim, start)) as [
      RestAnswer,
      RestAnswer
    ]
    expect(created.headers.location).toBe(bodyOf(created).url)
    expect(bodyOf(created).user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' })
    expectErrorBody(locked, 'Unable to create comment because issue is locked.')
    expect(sim.issue(REPO, 3).comments).toEqual([])
  })

  it('PATCH an issue: 200 closed as completed; 422 for an invalid state', async () => {
    const start = mark()
    const closed = await issues().update({
      ...at,
      issue_number: 1,
      state: 'closed',
      state_reason: 'completed'
    })
    expect(closed.data.state_reason).toBe('completed')
    expect(
      await settle(
        github.octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
          owner,
          repo,
          issue_number: 1,
          // Not a state GitHub knows: the type says so too.
          state: 'shut' as 'closed'
        })
      )
    ).toBe(422)
    const [, invalid] = expectRestFaithful(checker, restSince(sim, start))
    const error = expectErrorBody(invalid as RestAnswer, 'Validation Failed')
    expect(error.errors).toEqual([
      { resource: 'Issue', code: 'invalid', field: 'state', value: 'shut' }
    ])
  })

  it('POST dispatches: 204 with no body; 422 for a payload of 11 keys or no event_type', async () => {
    const start = mark()
    const send = (body: Record<string, unknown>): Promise<number> =>
      settle(
        github.octokit.request('POST /repos/{owner}/{repo}/dispatches', {
          owner,
          repo,
          ...(body as { event_type: string })
        })
      )
    expect(
      await send({
        event_type: 'debussy-phase-started',
        client_payload: { event: 'phase_started' }
      })
    ).toBe(204)
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i]))
    expect(await send({ event_type: 'debussy-phase-started', client_payload: eleven })).toBe(422)
    expect(await send({ client_payload: {} })).toBe(422)
    const [accepted, tooMany] = expectRestFaithful(checker, restSince(sim, start))
    expect(accepted?.status).toBe(204)
    expectErrorBody(
      tooMany as RestAnswer,
      'Invalid request.\n\nNo more than 10 properties are allowed; 11 were supplied.'
    )
    expect(sim.dispatches().at(-1)).toEqual({
      repo: REPO,
      eventType: 'debussy-phase-started',
      clientPayload: { event: 'phase_started' }
    })
  })

  it('rate limits: secondary (403 and 429 with retry-after) and primary (remaining 0, reset) are waited out', async () => {
    const start = mark()
    const before = Math.floor(Date.now() / 1000)
    const waits: string[] = []
    const patient = githubFor(sim, { onWait: (message) => waits.push(message) })
    const get = () => restOf(patient.octokit).issues.get({ ...at, issue_number: 6 })
    sim.injectFault({ kind: 'secondary-rate-limit', retryAfter: 7, match: { kind: 'rest' } })
    expect((await get()).status).toBe(200)
    sim.injectFault({ kind: 'secondary-rate-limit-429', retryAfter: 3, match: { kind: 'rest' } })
    expect((await get()).status).toBe(200)
    sim.injectFault({ kind: 'primary-rate-limit', resetInSeconds: 2, match: { kind: 'rest' } })
    expect((await get()).status).toBe(200)
    // Each of the three is waited out by the throttling plugin, the 429 included.
    expect(waits).toHaveLength(3)
    expect(waits[1]).toContain('waiting 3 s')
    const answers = expectRestFaithful(checker, restSince(sim, start))
    expect(answers.map((a) => a.status)).toEqual([403, 200, 429, 200, 403, 200])
    const [secondary, , tooMany, , primary] = answers as [
      RestAnswer,
      RestAnswer,
      RestAnswer,
      RestAnswer,
      RestAnswer
    ]
    for (const [answer, after] of [
      [secondary, '7'],
      [tooMany, '3']
    ] as const) {
      expectErrorBody(answer, /^You have exceeded a secondary rate limit\./)
      expect(answer.headers['retry-after']).toBe(after)
      expect(answer.headers['x-ratelimit-remaining']).not.toBe('0')
    }
    expectErrorBody(primary, /^API rate limit exceeded for /)
    expect(primary.headers['x-ratelimit-remaining']).toBe('0')
    const reset = Number(primary.headers['x-ratelimit-reset'])
    expect(reset).toBeGreaterThanOrEqual(before + 2)
    expect(reset).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 2)
    expect(primary.headers['retry-after']).toBeUndefined()
  })

  it('a spent budget: 403 with x-ratelimit-remaining 0, not waited for when it resets in an hour; 401 for bad credentials', async () => {
    const small = await simulator({ layout, rateLimit: 1 })
    try {
      small.addRepo(REPO)
      small.addIssue(REPO, { number: 1 })
      const start = mark()
      const client = githubFor(small)
      await restOf(client.octokit).issues.get({ ...at, issue_number: 1 })
      expect(await settle(restOf(client.octokit).issues.get({ ...at, issue_number: 1 }))).toBe(403)
      expect(client.rateLimitResetAt()).toBeInstanceOf(Date)
      const stranger = getOctokit('ghs_not_the_token', { baseUrl: small.apiUrl })
      expect(await settle(stranger.rest.issues.get({ ...at, issue_number: 1 }))).toBe(401)
      const answers = expectRestFaithful(checker, restSince(small, start))
      expect(answers.map((a) => a.status)).toEqual([200, 403, 401])
      const spent = answers[1] as RestAnswer
      expectErrorBody(spent, /^API rate limit exceeded for /)
      expect(spent.headers['x-ratelimit-remaining']).toBe('0')
      expect(Number(spent.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000 + 3000)
      expectErrorBody(answers[2] as RestAnswer, 'Bad credentials')
    } finally {
      await small.close()
    }
  })

  it('the other routes the simulator serves answer as described too', async () => {
    const start = mark()
    const o = { rest: restOf(github.octokit) }
    await o.rest.repos.get({ owner, repo })
    await o.rest.issues.listLabelsForRepo({ ...at, per_page: 1 })
    await o.rest.issues.updateLabel({ ...at, name: 'bug', color: 'd73a4a' })
    await o.rest.issues.listLabelsOnIssue({ ...at, issue_number: 1 })
    await o.rest.issues.setLabels({ ...at, issue_number: 1, labels: ['bug'] })
    await o.rest.issues.removeAllLabels({ ...at, issue_number: 6 })
    await o.rest.issues.listComments({ ...at, issue_number: 1 })
    await o.rest.issues.listMilestones({ ...at, state: 'all' })
    await o.rest.issues.createLabel({ ...at, name: 'temp', color: 'fff' })
    await o.rest.issues.deleteLabel({ ...at, name: 'temp' })
    await o.rest.rateLimit.get()
    const answers = expectRestFaithful(checker, restSince(sim, start))
    expect(answers).toHaveLength(11)
    expect(answers[1]?.headers.link).toContain('rel="next"')
  })
})

// ---- GraphQL -------------------------------------------------------------------

describe('GraphQL documents the action sends, against @octokit/graphql-schema', () => {
  let sim: GitHubSimulator
  let github: GitHub
  const ref = (repo: string, number: number): IssueRef => {
    const [owner, name] = repo.split('/') as [string, string]
    return { owner, repo: name, number }
  }
  const base: Omit<ObserveRequest, 'issues'> = {
    stateLabel: 'debussy:completed',
    milestone: undefined,
    completionFor: undefined
  }

  beforeAll(async () => {
    sim = await simulator()
    sim.addRepo(REPO)
    sim.addRepo(OTHER)
    sim.addLabel(REPO, { name: 'debussy:completed', color: '0E8A16', description: 'Debussy: done' })
    const q4 = sim.addMilestone(REPO, { title: 'Q4 reliability', description: 'Text\r\n' })
    sim.addMilestone(OTHER, { title: 'v2', description: null })
    sim.addIssue(REPO, { number: 1, labels: ['bug'], milestone: q4 })
    sim.addIssue(REPO, { number: 2, labels: ['debussy:in-progress'], milestone: q4 })
    sim.addIssue(REPO, { number: 3 })
    sim.addIssue(REPO, { number: 4, pullRequest: true, labels: ['bug'] })
    sim.addIssue(REPO, { number: 5, locked: true })
    sim.addIssue(REPO, { number: 6, state: 'closed', stateReason: 'not_planned' })
    sim.addIssue(REPO, { number: 7 })
    sim.addIssue(OTHER, { number: 1, milestone: 1 })
    sim.deleteIssue(REPO, 7)
    sim.addComment(REPO, 3, '<!-- debussy:completed docs/plan.md --> done')
    github = githubFor(sim)
  })

  afterAll(async () => {
    await sim.close()
  })

  /** Sends the builder's document through observe() and checks the document and the answer. */
  async function observeChecked(
    issues: readonly IssueRef[],
    request: Omit<ObserveRequest, 'issues'>
  ): Promise<{ snapshot: Snapshot; exchanges: GraphqlExchange[] }> {
    const built = buildObserveQuery(issues, request, true)
    expect(graphqlChecker.checkDocument(built.query, built.variables)).toEqual([])
    const start = mark()
    const snapshot = await observe(github, { ...request, issues })
    const exchanges = graphqlSince(sim, start)
    // What observe() sent is exactly what the builder builds.
    expect(exchanges[0]?.request.query).toBe(built.query)
    expect(exchanges[0]?.request.variables).toEqual(built.variables)
    await expectGraphqlFaithful(exchanges)
    return { snapshot, exchanges }
  }

  it('one repository, milestone by number: issues, a pull request, a closed issue', async () => {
    const { snapshot } = await observeChecked([ref(REPO, 1), ref(REPO, 4), ref(REPO, 6)], {
      ...base,
      milestone: { repo: ref(REPO, 0), selector: { by: 'number', number: 1 } }
    })
    expect(snapshot.issues.map((i) => i.found && i.kind)).toEqual([
      'issue',
      'pull_request',
      'issue'
    ])
    expect(snapshot.namedMilestone?.description).toBe('Text\r\n')
  })

  it('two repositories, milestone by title, completion comments read', async () => {
    const { snapshot } = await observeChecked([ref(REPO, 3), ref(OTHER, 1)], {
      ...base,
      completionFor: 'docs/plan.md',
      milestone: { repo: ref(OTHER, 0), selector: { by: 'title', title: 'v2' } }
    })
    expect(snapshot.namedMilestone?.title).toBe('v2')
    expect(snapshot.issues.every((i) => i.found)).toBe(true)
  })

  it('missing things: partial data with NOT_FOUND errors that carry type and path', async () => {
    const { snapshot, exchanges } = await observeChecked(
      [ref(REPO, 99), ref(REPO, 7), ref('acme/nope', 1), ref(REPO, 1)],
      { ...base, milestone: { repo: ref(REPO, 0), selector: { by: 'number', number: 42 } } }
    )
    const body = JSON.parse(exchanges[0]?.text ?? '{}') as {
      data: Record<string, Record<string, unknown> | null>
      errors: { type: string; path: string[]; message: string; locations: unknown[] }[]
    }
    expect(body.errors.map((e) => [e.type, e.path])).toEqual([
      ['NOT_FOUND', ['r0', 'i0']],
      ['NOT_FOUND', ['r0', 'i1']],
      ['NOT_FOUND', ['r1']]
    ])
    for (const error of body.errors) {
      expect(error.message).toMatch(/^Could not resolve to /)
      expect(error.locations.length).toBeGreaterThan(0)
    }
    expect(body.data.r1).toBeNull()
    expect(body.data.r0?.milestone).toBeNull()
    expect(snapshot.issues.map((i) => i.found)).toEqual([false, false, false, true])
    expect(snapshot.namedMilestone).toBeNull()
  })

  it('a milestone in a repository without linked issues; and 101 issues in two queries within GitHub limits', async () => {
    await observeChecked([ref(OTHER, 1)], {
      ...base,
      milestone: { repo: ref(REPO, 0), selector: { by: 'title', title: 'Q4 reliability' } }
    })
    const many = await simulator()
    try {
      many.addRepo(REPO)
      for (let n = 1; n <= 101; n++) many.addIssue(REPO, { number: n, labels: ['bug'] })
      const start = mark()
      const snapshot = await observe(githubFor(many), {
        ...base,
        completionFor: 'docs/plan.md',
        milestone: { repo: ref(REPO, 0), selector: { by: 'number', number: 1 } },
        issues: Array.from({ length: 101 }, (_, i) => ref(REPO, i + 1))
      })
      expect(snapshot.issues).toHaveLength(101)
      const exchanges = graphqlSince(many, start)
      expect(exchanges).toHaveLength(2)
      await expectGraphqlFaithful(exchanges)
      const first = exchanges[0]?.request as GraphqlRequestBody
      expect(graphqlChecker.nodeCount(first.query, first.variables)).toBeLessThanOrEqual(50_000)
    } finally {
      await many.close()
    }
  })

  it('status_comment: comments with ids and authorship, stateReason; the status comment posted and edited', async () => {
    const marker = statusMarkerStart('docs/plan.md')
    sim.addIssue(REPO, { number: 8 })
    sim.addIssue(REPO, { number: 9 })
    sim.addComment(REPO, 8, `Old status\n${marker} -->`)
    sim.addComment(REPO, 8, `Pasted by a person\n${marker} -->`, 'alice')
    const { snapshot } = await observeChecked([ref(REPO, 8), ref(REPO, 9), ref(REPO, 6)], {
      ...base,
      statusFor: 'docs/plan.md'
    })
    const [eight, nine, six] = snapshot.issues
    expect(eight?.found === true && eight.statusComment?.body).toBe(`Old status\n${marker} -->`)
    expect(nine?.found === true && nine.statusComment).toBeUndefined()
    expect(six?.found === true && six.stateReason).toBe('not_planned')
    const shown: ShownOperation[] = [
      {
        op: 'status_comment',
        issue: `${REPO}#8`,
        action: 'edit',
        body: `New status\n${marker} -->`
      },
      { op: 'status_comment', issue: `${REPO}#9`, action: 'create', body: `Status\n${marker} -->` }
    ]
    const start = mark()
    const results = await applyOperations(github, {
      operations: completeOperations(shown, snapshot)
    })
    expect(results.map((r) => r.kind)).toEqual(['applied', 'applied'])
    await expectGraphqlFaithful(graphqlSince(sim, start))
    expect(sim.issue(REPO, 8).comments).toEqual([
      `New status\n${marker} -->`,
      `Pasted by a person\n${marker} -->`
    ])
    expect(sim.issue(REPO, 9).comments).toEqual([`Status\n${marker} -->`])
  })

  it('status_comment: a status comment behind 150 comments is found by paging back (last/before, pageInfo)', async () => {
    const marker = statusMarkerStart('docs/plan.md')
    const n = sim.addIssue(REPO, {})
    sim.addComment(REPO, n, `Status\n${marker} -->`)
    for (let i = 0; i < 150; i++) sim.addComment(REPO, n, `Comment ${i}`, 'alice')
    const { snapshot, exchanges } = await observeChecked([ref(REPO, n)], {
      ...base,
      statusFor: 'docs/plan.md'
    })
    expect(exchanges.map((e) => e.request.query.split('(')[0])).toEqual([
      'query DebussyObserve',
      'query DebussyStatusComments'
    ])
    const [busy] = snapshot.issues
    expect(busy?.found === true && busy.statusComment?.body).toBe(`Status\n${marker} -->`)
  })

  it('Projects (v2): the board and the items in the observe read, both mutations, a second request for new items', async () => {
    const owner = REPO.split('/')[0] ?? ''
    const number = sim.addProject({ owner, title: 'Board' })
    sim.addProjectItem(owner, number, REPO, 2, { Status: 'Todo' })
    const url = projectUrl(`https://github.com/orgs/${owner}/projects/${number}`)
    const issues = [ref(REPO, 1), ref(REPO, 2), ref(REPO, 4)]
    const { snapshot } = await observeChecked(issues, {
      ...base,
      project: { ref: url, field: 'Status' }
    })
    expect(snapshot.project).toMatchObject({
      found: true,
      title: 'Board',
      fieldNames: ['Title', 'Status', 'Estimate'],
      field: { kind: 'single_select', name: 'Status' }
    })
    const resolved = resolveProject(
      { ref: url, field: 'Status', values: { completed: 'Done' } },
      snapshot.project,
      'c.yaml',
      'github-token'
    )
    expect(resolved.items.size).toBe(1)
    const operations = snapshot.issues.flatMap((issue) =>
      issue.found ? projectOperations(resolved, 'completed', issue) : []
    )
    expect(operations.map((op) => op.op)).toEqual([
      'add_to_project',
      'set_project_field',
      'set_project_field',
      'add_to_project',
      'set_project_field'
    ])
    const start = mark()
    const results = await applyOperations(github, { operations })
    expect(results.map((r) => r.kind)).toEqual(operations.map(() => 'applied'))
    const exchanges = graphqlSince(sim, start)
    // Adds and the known item's field, then the new items' fields.
    expect(exchanges).toHaveLength(2)
    await expectGraphqlFaithful(exchanges)
    expect(sim.projectItems(owner, number)).toEqual([
      { issue: `${REPO}#2`, values: { Status: 'Done' }, updates: 1 },
      { issue: `${REPO}#1`, values: { Status: 'Done' }, updates: 1 },
      { issue: `${REPO}#4`, values: { Status: 'Done' }, updates: 1 }
    ])
  })

  it("Projects (v2): a user's board read with a separate token; a token that cannot reach Projects gets FORBIDDEN at the field", async () => {
    const pat = 'github_pat_board_only'
    const refused = await simulator({ projectToken: pat })
    try {
      refused.addRepo(REPO)
      refused.addIssue(REPO, { number: 1 })
      const number = refused.addProject({ owner: 'octocat', ownerType: 'user', title: 'Mine' })
      const url = projectUrl(`https://github.com/users/octocat/projects/${number}`)
      const request = { ...base, issues: [ref(REPO, 1)], project: { ref: url, field: 'Status' } }
      const patClient = createGitHub({
        token: pat,
        apiUrl: refused.apiUrl,
        graphqlUrl: refused.graphqlUrl,
        timing: PATIENT_TIMING
      })
      let start = mark()
      const separate = await observe(githubFor(refused), {
        ...request,
        project: { ...request.project, separate: patClient }
      })
      const both = graphqlSince(refused, start)
      expect(both.map((e) => e.request.query.split('(')[0])).toEqual([
        'query DebussyObserve',
        'query DebussyProject'
      ])
      await expectGraphqlFaithful(both)
      expect(separate.project).toMatchObject({ found: true, title: 'Mine' })

      start = mark()
      const alone = await observe(githubFor(refused), request)
      const [answer] = graphqlSince(refused, start)
      if (answer === undefined) throw new Error('no answer')
      await expectGraphqlFaithful([answer])
      const body = JSON.parse(answer.text) as { errors: { type: string; path: string[] }[] }
      expect(body.errors.map((e) => [e.type, e.path])).toEqual([
        ['FORBIDDEN', ['project', 'projectV2']]
      ])
      expect(alone.project).toEqual({
        found: false,
        reason: 'FORBIDDEN: Resource not accessible by integration'
      })
      expect(alone.issues.map((i) => i.found)).toEqual([true])

      // The write is refused the same way, at its alias.
      const [issue] = alone.issues
      if (issue?.found !== true) throw new Error('issue not read')
      start = mark()
      const results = await applyOperations(githubFor(refused), {
        operations: [
          {
            op: 'add_to_project',
            issue: `${REPO}#1`,
            project: url.url,
            target: { projectId: 'PVT_kwDOunknown', contentId: issue.id }
          }
        ]
      })
      expect(results.map((r) => r.kind === 'failed' && r.reason)).toEqual(['graphql'])
      const [write] = graphqlSince(refused, start)
      if (write === undefined) throw new Error('no write')
      await expectGraphqlFaithful([write])
      expect(JSON.parse(write.text)).toMatchObject({
        errors: [{ type: 'FORBIDDEN', path: ['m0'] }]
      })
    } finally {
      await refused.close()
    }
  })

  it("sub-issues: the parent's summary and each linked issue's parent read, addSubIssue and its refusals, the read-back", async () => {
    const tree = await simulator()
    try {
      tree.addRepo(REPO)
      tree.addRepo(OTHER)
      const plan = tree.addIssue(REPO, { number: 1, title: 'The plan' })
      tree.addIssue(REPO, { number: 2 })
      tree.addIssue(REPO, { number: 3, state: 'closed' })
      tree.addIssue(REPO, { number: 4, pullRequest: true })
      tree.addIssue(OTHER, { number: 1 })
      tree.addIssue(REPO, { number: 5, title: 'Another epic' })
      tree.addSubIssue(REPO, 5, REPO, 3)
      // The plan's issue is itself under another one, across repositories.
      tree.addSubIssue(OTHER, 1, REPO, plan)
      const treeGithub = githubFor(tree)
      const request = { ...base, completionFor: 'docs/plan.md', parent: ref(REPO, plan) }
      const issues = [ref(REPO, 2), ref(REPO, 3), ref(REPO, 4), ref(OTHER, 1)]
      const built = buildObserveQuery(issues, request, true)
      expect(graphqlChecker.checkDocument(built.query, built.variables)).toEqual([])
      const start = mark()
      const snapshot = await observe(treeGithub, { ...request, issues })
      expect(snapshot.issues.map((i) => (i.found ? i.parent : undefined))).toEqual([
        null,
        expect.objectContaining({ ref: ref(REPO, 5) }),
        undefined,
        null
      ])
      const top = snapshot.parent?.issue
      expect(top?.found === true ? top.parent?.ref : undefined).toEqual(ref(OTHER, 1))
      expect(snapshot.parent?.subIssues).toBe(0)
      // A missing parent: NOT_FOUND at its alias, beside the rest.
      const missing = await observe(treeGithub, { ...request, parent: ref(REPO, 99), issues })
      expect(missing.parent?.issue.found).toBe(false)
      await expectGraphqlFaithful(graphqlSince(tree, start))

      const shown: ShownOperation[] = [
        { op: 'add_sub_issue', issue: `${REPO}#2`, parent: `${REPO}#${plan}` },
        // Refused: it has another parent, then the plan's parent would become its own descendant.
        { op: 'add_sub_issue', issue: `${REPO}#3`, parent: `${REPO}#${plan}` },
        { op: 'add_sub_issue', issue: `${OTHER}#1`, parent: `${REPO}#${plan}` }
      ]
      const operations = completeOperations(shown, snapshot)
      const applyStart = mark()
      const results = await applyOperations(treeGithub, { operations })
      expect(results.map((r) => r.kind)).toEqual(['applied', 'failed', 'failed'])
      expect(results.map((r) => r.detail)).toEqual([
        undefined,
        'Sub issue may only have one parent',
        'Sub issue cannot be an ancestor of its parent'
      ])
      expect(tree.subIssuesOf(REPO, plan)).toEqual([`${REPO}#2`])
      const exchanges = graphqlSince(tree, applyStart)
      await expectGraphqlFaithful(exchanges)
      expect(exchanges.map((e) => /^(query|mutation) (\w+)/.exec(e.request.query)?.[2])).toEqual([
        'DebussySync',
        'DebussyConfirm'
      ])
      const errors = (JSON.parse(exchanges[0]?.text ?? '{}') as { errors: { type: string }[] })
        .errors
      expect(errors.map((e) => e.type)).toEqual(['UNPROCESSABLE', 'UNPROCESSABLE'])
    } finally {
      await tree.close()
    }
  })

  it('applyOperations: label, milestone, comment and close mutations, REST label creation', async () => {
    const checker = OpenApiChecker.load('api.github.com')
    const issues = [1, 2, 3, 4, 5, 6].map((n) => ref(REPO, n))
    const { snapshot } = await observeChecked(issues, {
      ...base,
      milestone: { repo: ref(REPO, 0), selector: { by: 'number', number: 1 } }
    })
    const milestone = snapshot.namedMilestone
    if (!milestone) throw new Error('milestone not read')
    const at = (n: number): string => `${REPO}#${n}`
    const shown: ShownOperation[] = [
      {
        op: 'create_label',
        repo: REPO,
        label: 'debussy:failed',
        color: 'D93F0B',
        description: 'Debussy: a phase failed'
      },
      // Already there (another run made it): 422, then the label is read.
      { op: 'create_label', repo: REPO, label: 'BUG', color: 'D93F0B', description: 'x' },
      { op: 'add_label', issue: at(1), label: 'debussy:completed' },
      { op: 'add_label', issue: at(4), label: 'debussy:failed' },
      { op: 'remove_label', issue: at(2), label: 'debussy:in-progress' },
      { op: 'add_label', issue: at(2), label: 'debussy:completed' },
      {
        op: 'update_milestone',
        repo: REPO,
        milestone: 1,
        title: milestone.title,
        progress: '4/4',
        description: placeBlock(milestone.description, SAMPLE_BLOCK)
      },
      { op: 'comment', issue: at(1), body: 'Completed by Debussy.' },
      { op: 'close_issue', issue: at(1), reason: 'completed' },
      { op: 'comment', issue: at(5), body: 'Locked: refused.' },
      { op: 'add_label', issue: at(6), label: 'debussy:completed' }
    ]
    // Issue 6 goes away between the read and the write.
    sim.deleteIssue(REPO, 6)
    const start = mark()
    const operations = completeOperations(shown, snapshot)
    const results = await applyOperations(github, { operations })
    const status = (op: Operation): string | undefined => {
      const result = results.find((r) => r.operation === op)
      return result?.kind === 'failed' && result.reason === 'gone' ? 'gone' : result?.kind
    }
    expect(operations.map(status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'failed',
      'gone'
    ])
    const rest = expectRestFaithful(checker, restSince(sim, start))
    expect(rest.map((a) => `${a.route} ${a.status}`)).toEqual([
      'PATCH /repos/{owner}/{repo}/milestones/{milestone_number} 200',
      'POST /repos/{owner}/{repo}/labels 201',
      'POST /repos/{owner}/{repo}/labels 422'
    ])
    const mutations = graphqlSince(sim, start)
    await expectGraphqlFaithful(mutations)
    expect([...checkedMutations].sort()).toEqual([...MUTATIONS].sort())
    // GitHub's typed errors, at the alias of the field that failed.
    const errors = mutations.flatMap(
      (m) => (JSON.parse(m.text) as { errors?: { type: string; path: string[] }[] }).errors ?? []
    )
    expect(errors.map((e) => e.type).sort()).toEqual(['FORBIDDEN', 'NOT_FOUND'])
    for (const error of errors) expect(error.path).toEqual([expect.stringMatching(/^m\d+$/)])
    expect(sim.issue(REPO, 1)).toMatchObject({ state: 'closed', stateReason: 'completed' })
  })

  it('GraphQL rate limits and errors: RATE_LIMITED with a reset, validation errors, 401, secondary 403', async () => {
    const start = mark()
    sim.injectFault({ kind: 'graphql-rate-limited', resetInSeconds: 1 })
    const waits: string[] = []
    const patient = githubFor(sim, { onWait: (message) => waits.push(message) })
    const query = 'query Budget { rateLimit { limit remaining used resetAt cost nodeCount } }'
    await patient.graphql(query, {})
    expect(waits).toHaveLength(1)
    const [limited, answered] = graphqlSince(sim, start)
    await expectGraphqlFaithful([limited as GraphqlExchange, answered as GraphqlExchange])
    expect(JSON.parse(limited?.text ?? '')).toEqual({
      errors: [{ type: 'RATE_LIMITED', message: expect.stringMatching(/^API rate limit/) }]
    })
    expect(limited?.headers['x-ratelimit-remaining']).toBe('0')
    expect(Number(limited?.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000 - 5)

    // A document GitHub's schema refuses: 200, errors, no data.
    const invalidMark = mark()
    await expect(
      github.graphql('query { repository(owner: "a", name: "b") { nope } }', {})
    ).rejects.toThrow(/Cannot query field "nope"/)
    const [invalid] = graphqlSince(sim, invalidMark)
    expect(invalid?.status).toBe(200)
    const invalidBody = JSON.parse(invalid?.text ?? '') as Record<string, unknown>
    expect(invalidBody.data).toBeUndefined()
    expect(
      await graphqlChecker.checkResponse(
        invalid?.request as GraphqlRequestBody,
        invalid as GraphqlExchange
      )
    ).toEqual([])

    // Bad credentials and a secondary limit: REST's error body on the GraphQL endpoint.
    const errorMark = mark()
    const stranger = githubFor(sim, { token: 'ghs_not_the_token' })
    expect(await settle(stranger.graphql(query, {}).then(() => ({ status: 200 })))).toBe(401)
    sim.injectFault({ kind: 'secondary-rate-limit', retryAfter: 2, match: { kind: 'graphql' } })
    await patient.graphql(query, {})
    const [unauthorised, secondary, after] = graphqlSince(sim, errorMark)
    expect([unauthorised?.status, secondary?.status, after?.status]).toEqual([401, 403, 200])
    for (const answer of [unauthorised, secondary, after] as GraphqlExchange[]) {
      expect(await graphqlChecker.checkResponse(answer.request, answer)).toEqual([])
    }
    expect(JSON.parse(unauthorised?.text ?? '')).toMatchObject({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/graphql'
    })
    expect(secondary?.headers['retry-after']).toBe('2')
  })
})

// ---- the whole action ------------------------------------------------------------

describe.each(LAYOUTS)(
  'the whole action, %s layout: every answer it gets is as %s describes',
  (layout, description) => {
    it('phase_started (labels created), then plan_completed with auto-close', async () => {
      const checker = OpenApiChecker.load(description)
      const sim = await simulator({ layout })
      try {
        const { workspace, ...sample } = seedWorkspace(sim)
        const start = mark()
        for (const payload of [
          { event: 'phase_started', plan: PLAN_PATH, phase: '1' },
          { event: 'plan_completed', plan: PLAN_PATH, auto_close: true }
        ]) {
          const result = await runAgainst(sim, {
            workspace,
            repository: REPO,
            eventName: 'repository_dispatch',
            eventPayload: dispatch(payload),
            timing: PATIENT_TIMING
          })
          expect(result.failed).toBe(false)
        }
        for (const n of sample.issueNumbers) expect(sim.issue(REPO, n).state).toBe('closed')
        const rest = expectRestFaithful(checker, restSince(sim, start))
        // Only routes this file checks in detail.
        for (const answer of rest) expect(Object.keys(ROUTES)).toContain(answer.route)
        await expectGraphqlFaithful(graphqlSince(sim, start))
        // Every request the action made was answered, and so checked above.
        const answered = recorded.filter((r) => r.sim === sim).length
        expect(answered).toBe(sim.requests.length)
      } finally {
        await sim.close()
      }
    })
  }
)

// ---- coverage --------------------------------------------------------------------

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(file)
    return entry.name.endsWith('.ts') ? [file] : []
  })
}

describe('coverage: every route and operation src/ uses was checked', () => {
  const source = sourceFiles(path.join(REPO_ROOT, 'src'))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n')
  // The benchmark's per-issue baseline (REST only), when it is there.
  const baselineFile = path.join(REPO_ROOT, 'test-support', 'baseline-client.ts')
  const baseline = existsSync(baselineFile) ? readFileSync(baselineFile, 'utf8') : ''

  it('every REST endpoint src/ (and the benchmark baseline) calls is in ROUTES, and each was seen with each of its statuses in both descriptions', () => {
    const octokit = getOctokit('unused') as unknown as {
      rest: Record<
        string,
        Record<string, { endpoint: { DEFAULTS: { method: string; url: string } } }>
      >
    }
    const used = new Set<string>()
    const code = `${source}\n${baseline}`
    for (const [, namespace, method] of code.matchAll(/\.rest\.(\w+)\.(\w+)\b/g)) {
      const endpoint = octokit.rest[namespace ?? '']?.[method ?? '']?.endpoint.DEFAULTS
      if (!endpoint) throw new Error(`src/ calls octokit.rest.${namespace}.${method}: unknown`)
      used.add(`${endpoint.method} ${endpoint.url}`)
    }
    for (const [, route] of code.matchAll(/\.request\(\s*['"`]([A-Z]+ \/[^'"`]*)['"`]/g)) {
      used.add(route ?? '')
    }
    expect(used.size).toBeGreaterThan(0)
    for (const route of used) expect(Object.keys(ROUTES)).toContain(route)
    for (const [, description] of LAYOUTS) {
      const seen = checkedRoutes.get(description)
      for (const [route, statuses] of Object.entries(ROUTES)) {
        expect({ description, route, statuses: [...(seen?.get(route) ?? [])].sort() }).toEqual({
          description,
          route,
          statuses: expect.arrayContaining([...statuses]) as unknown
        })
      }
    }
  })

  it('every mutation field src/ names was sent, checked and answered as the schema says', () => {
    const mutationType = graphqlChecker.schema.getMutationType()
    const named = new Set<string>()
    for (const [, field] of source.matchAll(/\b([a-z]\w*)\(input:/g)) {
      if (mutationType?.getFields()[field ?? ''] !== undefined) named.add(field ?? '')
    }
    expect([...named].sort()).toEqual([...MUTATIONS].sort())
    expect([...checkedMutations].sort()).toEqual([...MUTATIONS].sort())
    expect([...checkedDocuments].some((d) => d.startsWith('query DebussyObserve('))).toBe(true)
    expect([...checkedDocuments].some((d) => d.startsWith('mutation DebussySync('))).toBe(true)
  })
})

// ---- the checks fail on drift ----------------------------------------------------

describe('the checks fail when a response drifts from GitHub', () => {
  let checker: OpenApiChecker
  let sim: GitHubSimulator
  let label: HttpExchange
  let issue: HttpExchange
  let observed: GraphqlExchange
  let mutation: GraphqlExchange

  beforeAll(async () => {
    checker = OpenApiChecker.load('api.github.com')
    sim = await simulator()
    sim.addRepo(REPO)
    sim.addIssue(REPO, {
      number: 1,
      labels: ['bug'],
      milestone: sim.addMilestone(REPO, { title: 'M' })
    })
    const github = githubFor(sim)
    const start = mark()
    await restOf(github.octokit).issues.createLabel({
      owner: 'acme',
      repo: 'payments',
      name: 'x',
      color: '000000'
    })
    await restOf(github.octokit).issues.get({ owner: 'acme', repo: 'payments', issue_number: 1 })
    ;[label, issue] = restSince(sim, start) as [HttpExchange, HttpExchange]
    const snapshot = await observe(github, {
      ...{ stateLabel: 'x', completionFor: undefined },
      milestone: {
        repo: { owner: 'acme', repo: 'payments' },
        selector: { by: 'number', number: 1 }
      },
      issues: [{ owner: 'acme', repo: 'payments', number: 1 }]
    })
    await applyOperations(github, {
      operations: completeOperations(
        [
          { op: 'add_label', issue: `${REPO}#1`, label: 'x' },
          { op: 'remove_label', issue: `${REPO}#1`, label: 'bug' }
        ],
        snapshot
      )
    })
    ;[observed, mutation] = graphqlSince(sim, start) as [GraphqlExchange, GraphqlExchange]
    // As captured, they pass.
    expect(checker.check(label).problems).toEqual([])
    expect(checker.check(issue).problems).toEqual([])
    expect(await graphqlChecker.checkResponse(observed.request, observed)).toEqual([])
    expect(await graphqlChecker.checkResponse(mutation.request, mutation)).toEqual([])
  })

  afterAll(async () => {
    await sim.close()
  })

  const edit = (
    exchange: HttpExchange,
    change: (body: Record<string, unknown>) => void
  ): HttpExchange => {
    const body = JSON.parse(exchange.text) as Record<string, unknown>
    change(body)
    return { ...exchange, text: JSON.stringify(body) }
  }

  const restDrifts: {
    what: string
    change: (body: Record<string, unknown>) => void
    problem: RegExp
  }[] = [
    {
      what: 'a number sent as a string',
      change: (b) => (b.id = String(b.id)),
      problem: /body\/id must be integer/
    },
    {
      what: 'a required field missing',
      change: (b) => delete b.node_id,
      problem: /required property 'node_id'/
    },
    {
      what: 'a field GitHub does not send',
      change: (b) => (b.colour = 'fff'),
      problem: /additional properties \(colour\)/
    },
    {
      what: 'null where GitHub never sends null',
      change: (b) => (b.name = null),
      problem: /body\/name must be string/
    },
    {
      what: 'a url that is no URI',
      change: (b) => (b.url = 'not a url'),
      problem: /body\/url must match format "uri"/
    }
  ]

  it.each(restDrifts)('REST body: $what', ({ change, problem }) => {
    expect(checker.check(edit(label, change)).problems.join('\n')).toMatch(problem)
  })

  it('REST issue: a bad enum, a bad date, a nested user without its fields', () => {
    const drifted = edit(issue, (b) => {
      b.state_reason = 'finished'
      b.author_association = 'BOSS'
      b.created_at = 'yesterday'
      delete (b.milestone as { creator: Record<string, unknown> }).creator.avatar_url
    })
    const problems = checker.check(drifted).problems.join('\n')
    expect(problems).toMatch(/body\/state_reason must be equal to one of the allowed values/)
    expect(problems).toMatch(/body\/author_association must be equal to one of the allowed values/)
    expect(problems).toMatch(/body\/created_at must match format "date-time"/)
    expect(problems).toMatch(/body\/milestone\/creator must have required property 'avatar_url'/)
  })

  it('REST status, headers and content: undocumented status, missing Location, not JSON, a body on 204', () => {
    expect(checker.check({ ...label, status: 200 }).problems.join('\n')).toMatch(
      /status not documented for this route \(documented: 201, 404, 422\)/
    )
    const noLocation = Object.fromEntries(
      Object.entries(label.headers).filter(([name]) => name !== 'location')
    )
    expect(checker.check({ ...label, headers: noLocation }).problems).toEqual([
      'POST /repos/{owner}/{repo}/labels → 201: documented header Location missing'
    ])
    expect(
      checker.check({ ...label, headers: { ...label.headers, 'content-type': 'text/html' } })
        .problems
    ).toEqual([
      'POST /repos/{owner}/{repo}/labels → 201: content-type "text/html", want application/json'
    ])
    expect(checker.check({ ...label, text: '<html>' }).problems.join('\n')).toMatch(
      /body is not JSON/
    )
    expect(
      checker.check({
        method: 'DELETE',
        path: '/repos/a/b/labels/x',
        status: 204,
        headers: {},
        text: '{}'
      }).problems
    ).toEqual([
      'DELETE /repos/{owner}/{repo}/labels/{name} → 204: the description gives this status no body, got "{}"'
    ])
    expect(checker.check({ ...label, path: '/repos/a/b/frobnicate' }).route).toBeUndefined()
    expect(
      checker.check({
        ...label,
        status: 422,
        text: JSON.stringify({ message: 'Validation Failed' })
      }).problems
    ).toEqual([
      "POST /repos/{owner}/{repo}/labels → 422: body must have required property 'documentation_url' (documentation_url)"
    ])
    expect(githubHeaderProblems({ ...label.headers, 'x-ratelimit-remaining': 'lots' })).toEqual([
      'header x-ratelimit-remaining: lots'
    ])
  })

  type Answer = {
    data: Record<string, Record<string, Record<string, unknown>>>
    errors?: unknown[]
  }
  const editData = (exchange: GraphqlExchange, change: (body: Answer) => void): GraphqlExchange => {
    const body = JSON.parse(exchange.text) as Answer
    change(body)
    return { ...exchange, text: JSON.stringify(body) }
  }
  const linked = (body: Answer): Record<string, unknown> => body.data.r0?.i0 ?? {}
  const graphqlDrifts: { what: string; change: (body: Answer) => void; problem: RegExp }[] = [
    {
      what: 'an Int sent as a string',
      change: (b) => (linked(b).number = '1'),
      problem: /data\.r0\.i0\.number: sent "1", the schema makes it 1/
    },
    {
      what: 'an enum in the wrong case',
      change: (b) => (linked(b).state = 'open'),
      problem: /Enum "IssueState" cannot represent value: "open"/
    },
    {
      what: 'a selected field missing',
      change: (b) => delete linked(b).locked,
      problem: /data\.r0\.i0\.locked: missing/
    },
    {
      what: 'a field not selected',
      change: (b) => (linked(b).body = 'x'),
      problem: /data\.r0\.i0\.body: not selected, yet sent/
    },
    {
      what: 'null for a non-null field',
      change: (b) => (linked(b).title = null),
      problem: /Cannot return null for non-nullable field Issue\.title/
    },
    {
      what: 'a type that is not in the union',
      change: (b) => (linked(b).__typename = 'Banana'),
      problem: /Banana/
    },
    {
      what: 'a URI that is not one',
      change: (b) => (linked(b).url = 'nope'),
      problem: /data\.r0\.i0\.url: "nope" is not a URI/
    },
    {
      what: 'keys out of selection order',
      change: (b) => {
        const { id, ...rest } = linked(b)
        b.data.r0 = { ...b.data.r0, i0: { ...rest, id } }
      },
      problem: /keys are not in the order of the selection/
    },
    {
      what: 'an error without GitHub\u2019s shape',
      change: (b) => {
        b.errors = [{ type: 'not_found', path: ['r0', 'i0'], message: 'x', code: 1 }]
      },
      problem:
        /errors\[0\]: unknown key "code"[\s\S]*errors\[0\]\.type: "not_found"[\s\S]*errors\[0\]\.path r0\.i0: data there is not null/
    }
  ]

  it.each(graphqlDrifts)('GraphQL data: $what', async ({ change, problem }) => {
    const problems = await graphqlChecker.checkResponse(
      observed.request,
      editData(observed, change)
    )
    expect(problems.join('\n')).toMatch(problem)
  })

  it('GraphQL mutation answer and top level: a wrong payload, unknown keys, neither data nor errors', async () => {
    // The first field that selects clientMutationId (a removal; additions select the labels).
    const field = Object.keys(
      (JSON.parse(mutation.text) as { data: Record<string, Record<string, unknown>> }).data
    ).find((key) =>
      new RegExp(`${key}: \\w+\\([^)]*\\)[^{]*\\{ clientMutationId`).test(mutation.request.query)
    )
    expect(field).toBeDefined()
    const wrongPayload = editData(mutation, (b) => {
      b.data[field ?? ''] = { clientMutationId: 5 } as unknown as Record<
        string,
        Record<string, unknown>
      >
    })
    expect((await graphqlChecker.checkResponse(mutation.request, wrongPayload)).join('\n')).toMatch(
      new RegExp(`data\\.${field}\\.clientMutationId: sent 5, the schema makes it "5"`)
    )
    expect(
      await graphqlChecker.checkResponse(mutation.request, { ...mutation, text: '{"result":1}' })
    ).toEqual(['unknown top-level key "result"', 'neither data nor errors'])
  })

  it('GraphQL documents: unknown fields, unbounded or oversized connections, too many nodes', () => {
    expect(graphqlChecker.checkDocument('{ viewer { nope } }').join('\n')).toMatch(
      /Cannot query field "nope" on type "User"/
    )
    expect(
      graphqlChecker.checkDocument('{ viewer { repositories { nodes { name } } } }').join('\n')
    ).toMatch(/repositories: a connection needs `first` or `last`/)
    expect(
      graphqlChecker
        .checkDocument('query($n: Int) { viewer { repositories(first: $n) { nodes { name } } } }', {
          n: 101
        })
        .join('\n')
    ).toMatch(/101 is outside 0\.\.100/)
    const deep =
      '{ viewer { repositories(first: 100) { nodes { issues(first: 100) { nodes { labels(first: 100) { nodes { name } } } } } } } }'
    expect(graphqlChecker.checkDocument(deep).join('\n')).toMatch(/asks for up to 1010100 nodes/)
  })
})
