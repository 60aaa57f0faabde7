import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { getOctokit } from '@actions/github'
import {
  heldTimers,
  startSimulator,
  type GitHubSimulator,
  type HeldTimers,
  type LoggedRequest
} from '../test-support/github-simulator.js'
import { cleanup, makeWorkspace, parseOutputFile, runAction } from '../test-support/run-action.js'

const REPO = 'acme/payments'
const OTHER = 'acme/ledger'
/** GitHub's body of a 404. */
const NOT_FOUND = {
  message: 'Not Found',
  documentation_url: 'https://docs.github.com/rest',
  status: '404'
}
/** REPO as Octokit's route parameters. */
const PAYMENTS = { owner: 'acme', repo: 'payments' } as const

type Octokit = ReturnType<typeof getOctokit>

let sim: GitHubSimulator
let octokit: Octokit
/** The simulator's own waits (`slow`, `hang`): they end when a test ends them, never by real time. */
let timers: HeldTimers

beforeEach(async () => {
  timers = heldTimers()
  sim = await startSimulator({ timers })
  sim.addRepo(REPO)
  sim.addRepo(OTHER)
  octokit = getOctokit(sim.token, { baseUrl: sim.apiUrl })
})

afterEach(async () => {
  await sim.close()
})

afterAll(() => cleanup())

interface HttpFailure {
  readonly status: number
  readonly data: unknown
  readonly headers: Record<string, unknown>
}

/** The HTTP failure an Octokit call rejected with. */
async function failure(promise: Promise<unknown>): Promise<HttpFailure> {
  try {
    await promise
  } catch (error) {
    if (error instanceof Error && 'status' in error && typeof error.status === 'number') {
      const response = 'response' in error ? (error.response as HttpFailure | undefined) : undefined
      return { status: error.status, data: response?.data, headers: response?.headers ?? {} }
    }
    throw error
  }
  throw new Error('expected the request to fail')
}

interface RawAnswer {
  readonly status: number
  readonly headers: Headers
  readonly json: unknown
}

/** A request with plain fetch, to see status, headers and body exactly as sent. */
async function raw(
  url: string,
  init: {
    method?: string
    body?: unknown
    token?: string | null
    redirect?: 'follow' | 'manual'
  } = {}
): Promise<RawAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  const token = init.token === undefined ? sim.token : init.token
  if (token !== null) headers.authorization = `token ${token}`
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    redirect: init.redirect ?? 'follow'
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    json: text === '' ? undefined : (JSON.parse(text) as unknown)
  }
}

/**
 * Octokit's GraphQL at the simulator's URL. `url` is only accepted in the
 * object form: with a query string, @octokit/graphql refuses it as a variable.
 */
function octoGql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return octokit.graphql<T>({ query, url: sim.graphqlUrl, ...variables })
}

function gql(query: string, variables: Record<string, unknown> = {}): Promise<RawAnswer> {
  return raw(sim.graphqlUrl, { method: 'POST', body: { query, variables } })
}

/** Reads `data` of a GraphQL answer as a loose record for assertions. */
function dataOf(answer: RawAnswer): Record<string, unknown> {
  const body = answer.json as { data?: Record<string, unknown> }
  return body.data ?? {}
}

function errorsOf(answer: RawAnswer): { type?: string; path?: unknown[]; message: string }[] {
  return (
    (answer.json as { errors?: { type?: string; path?: unknown[]; message: string }[] }).errors ??
    []
  )
}

async function nodeIdOf(repo: string, number: number): Promise<string> {
  const [owner, name] = repo.split('/')
  const answer = await gql(
    'query($o:String!,$n:String!,$i:Int!){repository(owner:$o,name:$n){issueOrPullRequest(number:$i){... on Issue{id} ... on PullRequest{id}}}}',
    { o: owner, n: name, i: number }
  )
  const id = (dataOf(answer).repository as { issueOrPullRequest: { id: string } })
    .issueOrPullRequest.id
  return id
}

async function labelIdOf(repo: string, label: string): Promise<string> {
  const [owner, name] = repo.split('/')
  const answer = await gql(
    'query($o:String!,$n:String!,$l:String!){repository(owner:$o,name:$n){label(name:$l){id}}}',
    { o: owner, n: name, l: label }
  )
  return (dataOf(answer).repository as { label: { id: string } }).label.id
}

describe('state API', () => {
  it('creates missing labels grey, reads issues, milestones and labels back', () => {
    sim.addLabel(REPO, { name: 'bug', color: 'd73a4a', description: 'Something is broken' })
    const milestone = sim.addMilestone(REPO, { title: 'v1', description: 'First' })
    const n = sim.addIssue(REPO, { labels: ['BUG', 'triage'], milestone })
    expect(n).toBe(1)
    expect(sim.addIssue(REPO, { number: 10, pullRequest: true })).toBe(10)
    expect(sim.addIssue(REPO)).toBe(11)
    expect(sim.issue('ACME/Payments', 1)).toMatchObject({
      labels: ['bug', 'triage'],
      state: 'open',
      stateReason: null,
      comments: [],
      locked: false,
      milestone: 1,
      pullRequest: false
    })
    expect(sim.issue(REPO, 10).pullRequest).toBe(true)
    expect(sim.labels(REPO)).toEqual([
      { name: 'bug', color: 'd73a4a', description: 'Something is broken' },
      { name: 'triage', color: 'ededed', description: null }
    ])
    expect(sim.milestone(REPO, 1)).toMatchObject({
      title: 'v1',
      description: 'First',
      state: 'open'
    })
  })

  it('renames and deletes labels everywhere, edits issues as a person would', () => {
    sim.addIssue(REPO, { number: 1, labels: ['bug', 'ux'] })
    sim.renameLabel(REPO, 'bug', 'defect')
    expect(sim.issue(REPO, 1).labels).toEqual(['defect', 'ux'])
    sim.deleteLabel(REPO, 'UX')
    expect(sim.issue(REPO, 1).labels).toEqual(['defect'])
    sim.addIssueLabel(REPO, 1, 'keep-me')
    sim.removeIssueLabel(REPO, 1, 'defect')
    expect(sim.issue(REPO, 1).labels).toEqual(['keep-me'])
    sim.lockIssue(REPO, 1)
    expect(sim.issue(REPO, 1).locked).toBe(true)
    expect(() => sim.addIssue(REPO, { number: 1 })).toThrow(/already taken/)
    expect(() => sim.addIssue('acme/unknown')).toThrow(/addRepo/)
  })

  it('transfers an issue with its labels and without its milestone', () => {
    const milestone = sim.addMilestone(REPO, { title: 'v1' })
    sim.addIssue(OTHER, { number: 1 })
    sim.addIssue(REPO, { number: 5, labels: ['bug'], milestone })
    const moved = sim.transferIssue(REPO, 5, OTHER)
    expect(moved).toBe(2)
    expect(sim.issue(OTHER, 2)).toMatchObject({ labels: ['bug'], pullRequest: false })
    expect(sim.issue(OTHER, 2).milestone).toBeUndefined()
    expect(() => sim.issue(REPO, 5)).toThrow(/no issue/)
  })
})

describe('REST', () => {
  it('GET an issue: GitHub shape, repository matched case-insensitively', async () => {
    sim.addLabel(REPO, { name: 'bug', color: 'd73a4a' })
    const m = sim.addMilestone(REPO, { title: 'v1', description: 'Plan' })
    sim.addIssue(REPO, { number: 7, title: 'Pay', labels: ['bug'], milestone: m })
    const { data, status } = await octokit.rest.issues.get({
      owner: 'ACME',
      repo: 'Payments',
      issue_number: 7
    })
    expect(status).toBe(200)
    expect(data).toMatchObject({
      number: 7,
      title: 'Pay',
      state: 'open',
      state_reason: null,
      locked: false,
      html_url: 'https://github.com/acme/payments/issues/7',
      url: `${sim.apiUrl}/repos/acme/payments/issues/7`,
      labels: [{ name: 'bug', color: 'd73a4a', default: false, description: null }],
      milestone: { number: 1, title: 'v1', description: 'Plan', state: 'open', open_issues: 1 }
    })
    expect(typeof data.id).toBe('number')
    expect(typeof data.node_id).toBe('string')
    expect(data.pull_request).toBeUndefined()
    expect(data.milestone?.html_url).toBe('https://github.com/acme/payments/milestone/1')
  })

  it('a pull request read through the issues API carries pull_request', async () => {
    sim.addIssue(REPO, { number: 4, pullRequest: true })
    const { data } = await octokit.rest.issues.get({ ...PAYMENTS, issue_number: 4 })
    expect(data.pull_request?.html_url).toBe('https://github.com/acme/payments/pull/4')
    expect(data.html_url).toBe('https://github.com/acme/payments/pull/4')
  })

  it('PATCH an issue: state, state_reason, labels, milestone', async () => {
    const m = sim.addMilestone(REPO, { title: 'v1' })
    sim.addIssue(REPO, { number: 1, labels: ['bug'] })
    const patched = await octokit.rest.issues.update({
      ...PAYMENTS,
      issue_number: 1,
      state: 'closed',
      state_reason: 'not_planned',
      labels: ['bug', 'wontfix'],
      milestone: m
    })
    expect(patched.data).toMatchObject({ state: 'closed', state_reason: 'not_planned' })
    expect(sim.issue(REPO, 1)).toMatchObject({
      state: 'closed',
      stateReason: 'not_planned',
      labels: ['bug', 'wontfix'],
      milestone: 1
    })
    expect(sim.label(REPO, 'wontfix')?.color).toBe('ededed')
    expect(sim.milestone(REPO, 1)).toMatchObject({ openIssues: 0, closedIssues: 1 })

    await octokit.rest.issues.update({
      ...PAYMENTS,
      issue_number: 1,
      state: 'open',
      milestone: null
    })
    expect(sim.issue(REPO, 1)).toMatchObject({ state: 'open', stateReason: 'reopened' })
    expect(sim.issue(REPO, 1).milestone).toBeUndefined()

    const bad = await raw(`${sim.apiUrl}/repos/acme/payments/issues/1`, {
      method: 'PATCH',
      body: { state: 'shut' }
    })
    expect(bad.status).toBe(422)
    expect(bad.json).toMatchObject({ errors: [{ resource: 'Issue', field: 'state' }] })
    const noMilestone = await failure(
      octokit.rest.issues.update({ ...PAYMENTS, issue_number: 1, milestone: 9 })
    )
    expect(noMilestone.status).toBe(422)
    expect(noMilestone.data).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Issue', code: 'invalid', field: 'milestone' }]
    })
  })

  it('POST issue labels adds (creating unknown labels grey) and returns the issue labels', async () => {
    sim.addLabel(REPO, { name: 'debussy:completed', color: '0E8A16' })
    sim.addIssue(REPO, { number: 2, labels: ['bug'] })
    const { data, status } = await octokit.rest.issues.addLabels({
      ...PAYMENTS,
      issue_number: 2,
      labels: ['DEBUSSY:COMPLETED', 'new-one']
    })
    expect(status).toBe(200)
    expect(data.map((l) => l.name)).toEqual(['bug', 'debussy:completed', 'new-one'])
    expect(sim.label(REPO, 'new-one')).toEqual({
      name: 'new-one',
      color: 'ededed',
      description: null
    })
    expect(sim.label(REPO, 'debussy:completed')?.color).toBe('0E8A16')
  })

  it('DELETE an issue label decodes the name; 404 when it is not on the issue', async () => {
    sim.addIssue(REPO, { number: 3, labels: ['debussy:in-progress', 'needs review', 'keep'] })
    const { data } = await octokit.rest.issues.removeLabel({
      ...PAYMENTS,
      issue_number: 3,
      name: 'debussy:in-progress'
    })
    expect(data.map((l) => l.name)).toEqual(['needs review', 'keep'])
    await octokit.rest.issues.removeLabel({ ...PAYMENTS, issue_number: 3, name: 'Needs Review' })
    expect(sim.issue(REPO, 3).labels).toEqual(['keep'])
    const missing = await failure(
      octokit.rest.issues.removeLabel({ ...PAYMENTS, issue_number: 3, name: 'debussy:in-progress' })
    )
    expect(missing.status).toBe(404)
    expect(missing.data).toMatchObject({ message: 'Label does not exist' })
  })

  it('POST a comment: 201, and 403 on a locked issue', async () => {
    sim.addIssue(REPO, { number: 1 })
    sim.addIssue(REPO, { number: 2, locked: true })
    const created = await octokit.rest.issues.createComment({
      ...PAYMENTS,
      issue_number: 1,
      body: 'Done :tada:'
    })
    expect(created.status).toBe(201)
    expect(created.data).toMatchObject({
      body: 'Done :tada:',
      user: { login: 'github-actions[bot]' }
    })
    expect(sim.issue(REPO, 1).comments).toEqual(['Done :tada:'])
    const locked = await failure(
      octokit.rest.issues.createComment({ ...PAYMENTS, issue_number: 2, body: 'x' })
    )
    expect(locked.status).toBe(403)
    expect(locked.data).toMatchObject({
      message: 'Unable to create comment because issue is locked.'
    })
    expect(sim.issue(REPO, 2).comments).toEqual([])
  })

  it('GET a label by (percent-encoded, case-insensitive) name; 404 when missing', async () => {
    sim.addLabel(REPO, { name: 'debussy:in-progress', color: '1D76DB', description: 'Running' })
    const { data } = await octokit.rest.issues.getLabel({
      ...PAYMENTS,
      name: 'Debussy:In-Progress'
    })
    expect(data).toMatchObject({
      name: 'debussy:in-progress',
      color: '1D76DB',
      description: 'Running',
      default: false
    })
    const missing = await failure(octokit.rest.issues.getLabel({ ...PAYMENTS, name: 'nope' }))
    expect(missing.status).toBe(404)
    expect(missing.data).toEqual(NOT_FOUND)
  })

  it('POST a label: 201, then 422 already_exists for the same name in any case', async () => {
    const created = await octokit.rest.issues.createLabel({
      ...PAYMENTS,
      name: 'debussy:failed',
      color: 'D93F0B',
      description: 'Debussy phase failed'
    })
    expect(created.status).toBe(201)
    expect(sim.label(REPO, 'debussy:failed')).toEqual({
      name: 'debussy:failed',
      color: 'D93F0B',
      description: 'Debussy phase failed'
    })
    const clash = await failure(
      octokit.rest.issues.createLabel({ ...PAYMENTS, name: 'DEBUSSY:Failed', color: '000000' })
    )
    expect(clash.status).toBe(422)
    expect(clash.data).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }]
    })
    const badColor = await failure(
      octokit.rest.issues.createLabel({ ...PAYMENTS, name: 'x', color: '#fff' })
    )
    expect(badColor.status).toBe(422)
    expect(sim.labels(REPO)).toHaveLength(1)
  })

  it('GET, PATCH and list milestones with state=all, per_page and Link pagination', async () => {
    for (let i = 1; i <= 5; i++) {
      sim.addMilestone(REPO, { title: `M${i}`, state: i === 2 ? 'closed' : 'open' })
    }
    const one = await octokit.rest.issues.getMilestone({ ...PAYMENTS, milestone_number: 2 })
    expect(one.data).toMatchObject({ number: 2, title: 'M2', state: 'closed', description: null })
    const patched = await octokit.rest.issues.updateMilestone({
      ...PAYMENTS,
      milestone_number: 1,
      description: 'Line 1\r\n\r\n📊 **Debussy Progress:** 50% (1/2 phases)'
    })
    expect(patched.data.description).toBe('Line 1\r\n\r\n📊 **Debussy Progress:** 50% (1/2 phases)')
    expect(sim.milestone(REPO, 1).description).toBe(patched.data.description)

    const open = await octokit.rest.issues.listMilestones({ ...PAYMENTS })
    expect(open.data.map((m) => m.number)).toEqual([1, 3, 4, 5])
    const page = await octokit.rest.issues.listMilestones({
      ...PAYMENTS,
      state: 'all',
      per_page: 2
    })
    expect(page.data.map((m) => m.number)).toEqual([1, 2])
    expect(page.headers.link).toContain('rel="next"')
    const all = await octokit.paginate(octokit.rest.issues.listMilestones, {
      ...PAYMENTS,
      state: 'all',
      per_page: 2
    })
    expect(all.map((m) => m.title)).toEqual(['M1', 'M2', 'M3', 'M4', 'M5'])
    const missing = await failure(
      octokit.rest.issues.getMilestone({ ...PAYMENTS, milestone_number: 99 })
    )
    expect(missing.status).toBe(404)
  })

  it('answers 410 for a deleted issue and 301 for a transferred one', async () => {
    sim.addIssue(REPO, { number: 1 })
    sim.addIssue(REPO, { number: 2, labels: ['bug'] })
    sim.deleteIssue(REPO, 1)
    const moved = sim.transferIssue(REPO, 2, OTHER)

    const gone = await failure(octokit.rest.issues.get({ ...PAYMENTS, issue_number: 1 }))
    expect(gone.status).toBe(410)
    expect(gone.data).toMatchObject({ message: 'This issue was deleted' })

    const redirect = await raw(`${sim.apiUrl}/repos/acme/payments/issues/2`, { redirect: 'manual' })
    expect(redirect.status).toBe(301)
    const location = `${sim.apiUrl}/repos/acme/ledger/issues/${moved}`
    expect(redirect.headers.get('location')).toBe(location)
    expect(redirect.json).toMatchObject({ message: 'Moved Permanently', url: location })

    // fetch follows the redirect, as Octokit's transport does.
    const followed = await octokit.rest.issues.get({ ...PAYMENTS, issue_number: 2 })
    expect(followed.data.number).toBe(moved)
    expect(followed.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['bug'])
  })

  it('answers 404 with GitHub body for unknown routes, repositories and issues', async () => {
    for (const path of [
      '/repos/acme/payments/issues/999',
      '/repos/acme/nope/issues/1',
      '/repos/acme/payments/frobnicate',
      '/nothing/here'
    ]) {
      const answer = await raw(`${sim.apiUrl}${path}`)
      expect(answer.status).toBe(404)
      expect(answer.json).toEqual(NOT_FOUND)
    }
  })

  it('answers 400 for a body that is not JSON', async () => {
    sim.addIssue(REPO, { number: 1 })
    const response = await fetch(`${sim.apiUrl}/repos/acme/payments/issues/1`, {
      method: 'PATCH',
      headers: { authorization: `token ${sim.token}` },
      body: '{not json'
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ message: 'Problems parsing JSON' })
  })
})

describe('GraphQL', () => {
  beforeEach(() => {
    sim.addLabel(REPO, { name: 'debussy:completed', color: '0E8A16', description: 'Done' })
    const m = sim.addMilestone(REPO, { title: 'Plan A', description: 'Intro' })
    sim.addIssue(REPO, { number: 10, title: 'First', labels: ['bug'], milestone: m })
    sim.addIssue(REPO, { number: 11, title: 'PR', pullRequest: true })
    sim.addIssue(OTHER, { number: 3, title: 'Elsewhere', state: 'closed' })
  })

  it('reads two repositories with aliases through Octokit', async () => {
    const data = await octoGql<{
      r0: { nameWithOwner: string; i10: Record<string, unknown>; i11: Record<string, unknown> }
      r1: { owner: { login: string }; i3: Record<string, unknown> }
    }>(
      `query($o: String!) {
        r0: repository(owner: $o, name: "payments") {
          nameWithOwner
          i10: issueOrPullRequest(number: 10) {
            __typename
            ... on Issue { id number title state stateReason closed locked url
              labels(first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { id name color description } }
              milestone { id number title description url state }
              repository { nameWithOwner name owner { login } } }
          }
          i11: issueOrPullRequest(number: 11) { __typename ... on PullRequest { number state url } }
        }
        r1: repository(owner: $o, name: "LEDGER") {
          owner { login }
          i3: issue(number: 3) { state stateReason closed }
        }
      }`,
      { o: 'acme' }
    )
    expect(data.r0.nameWithOwner).toBe('acme/payments')
    expect(data.r0.i10).toMatchObject({
      __typename: 'Issue',
      number: 10,
      title: 'First',
      state: 'OPEN',
      stateReason: null,
      closed: false,
      locked: false,
      url: 'https://github.com/acme/payments/issues/10',
      labels: {
        totalCount: 1,
        pageInfo: { hasNextPage: false },
        nodes: [{ name: 'bug', color: 'ededed' }]
      },
      milestone: { number: 1, title: 'Plan A', description: 'Intro', state: 'OPEN' },
      repository: { nameWithOwner: 'acme/payments', name: 'payments', owner: { login: 'acme' } }
    })
    expect(data.r0.i11).toEqual({
      __typename: 'PullRequest',
      number: 11,
      state: 'OPEN',
      url: 'https://github.com/acme/payments/pull/11'
    })
    expect(data.r1).toEqual({
      owner: { login: 'acme' },
      i3: { state: 'CLOSED', stateReason: 'COMPLETED', closed: true }
    })
  })

  it('returns partial data with NOT_FOUND errors shaped as GitHub does', async () => {
    sim.addIssue(REPO, { number: 12 })
    sim.addIssue(REPO, { number: 13 })
    sim.deleteIssue(REPO, 12)
    sim.transferIssue(REPO, 13, OTHER)
    const answer = await gql(`{
      r0: repository(owner: "acme", name: "payments") {
        i1: issueOrPullRequest(number: 10) { ... on Issue { number } }
        i3: issueOrPullRequest(number: 999) { ... on Issue { number } }
        i4: issueOrPullRequest(number: 12) { ... on Issue { number } }
        i5: issueOrPullRequest(number: 13) { ... on Issue { number } }
        i6: issue(number: 11) { number }
      }
      r1: repository(owner: "acme", name: "nope") { id }
    }`)
    expect(answer.status).toBe(200)
    expect(dataOf(answer)).toEqual({
      r0: { i1: { number: 10 }, i3: null, i4: null, i5: null, i6: null },
      r1: null
    })
    const errors = errorsOf(answer)
    expect(errors).toHaveLength(5)
    expect(errors[0]).toEqual({
      type: 'NOT_FOUND',
      path: ['r0', 'i3'],
      locations: [expect.objectContaining({ line: 4 })],
      message: 'Could not resolve to an issue or pull request with the number of 999.'
    })
    expect(errors.map((e) => e.path)).toEqual([
      ['r0', 'i3'],
      ['r0', 'i4'],
      ['r0', 'i5'],
      ['r0', 'i6'],
      ['r1']
    ])
    expect(errors[3]?.message).toBe('Could not resolve to an Issue with the number of 11.')
    expect(errors[4]?.message).toBe("Could not resolve to a Repository with the name 'acme/nope'.")

    // Octokit raises these as a GraphqlResponseError that still carries the data.
    const thrown = await octoGql('{ repository(owner: "acme", name: "nope") { id } }').then(
      () => undefined,
      (error: unknown) => error
    )
    expect(thrown).toMatchObject({
      errors: [{ type: 'NOT_FOUND', path: ['repository'] }],
      data: { repository: null }
    })
  })

  it('resolves node and nodes; unknown ids are NOT_FOUND', async () => {
    const id = await nodeIdOf(REPO, 10)
    const answer = await gql(
      `query($ids: [ID!]!, $id: ID!) {
        node(id: $id) { __typename ... on Issue { number } }
        nodes(ids: $ids) { __typename ... on Issue { number } ... on PullRequest { number } }
      }`,
      { id, ids: [id, 'I_nope', await nodeIdOf(REPO, 11)] }
    )
    expect(dataOf(answer)).toEqual({
      node: { __typename: 'Issue', number: 10 },
      nodes: [{ __typename: 'Issue', number: 10 }, null, { __typename: 'PullRequest', number: 11 }]
    })
    expect(errorsOf(answer)).toEqual([
      expect.objectContaining({
        type: 'NOT_FOUND',
        path: ['nodes', 1],
        message: "Could not resolve to a node with the global id of 'I_nope'."
      })
    ])
    const unknown = await gql('{ node(id: "I_gone") { id } }')
    expect(dataOf(unknown)).toEqual({ node: null })
    expect(errorsOf(unknown)[0]).toMatchObject({ type: 'NOT_FOUND', path: ['node'] })
  })

  it('looks labels and milestones up, with GitHub pagination rules', async () => {
    sim.addLabel(REPO, { name: 'debussy:failed', color: 'D93F0B' })
    sim.addMilestone(REPO, { title: 'Old', state: 'closed' })
    const answer = await gql(`{
      repository(owner: "acme", name: "payments") {
        exact: label(name: "DEBUSSY:COMPLETED") { name color description }
        none: label(name: "absent") { name }
        labels(first: 1, query: "debussy") { totalCount pageInfo { hasNextPage endCursor } nodes { name } }
        milestone(number: 1) { title }
        noMilestone: milestone(number: 9) { title }
        milestones(first: 10, states: [CLOSED]) { totalCount nodes { number title state } }
        all: milestones(first: 10, orderBy: { field: NUMBER, direction: DESC }) { nodes { number } }
      }
    }`)
    const repo = dataOf(answer).repository as Record<string, unknown>
    expect(errorsOf(answer)).toEqual([])
    expect(repo.exact).toEqual({ name: 'debussy:completed', color: '0E8A16', description: 'Done' })
    expect(repo.none).toBeNull()
    expect(repo.noMilestone).toBeNull()
    expect(repo.milestone).toEqual({ title: 'Plan A' })
    expect(repo.milestones).toEqual({
      totalCount: 1,
      nodes: [{ number: 2, title: 'Old', state: 'CLOSED' }]
    })
    expect(repo.all).toEqual({ nodes: [{ number: 2 }, { number: 1 }] })
    const labels = repo.labels as { totalCount: number; pageInfo: { endCursor: string } }
    expect(labels).toMatchObject({
      totalCount: 2,
      pageInfo: { hasNextPage: true },
      nodes: [{ name: 'debussy:completed' }]
    })
    const next = await gql(
      'query($c: String) { repository(owner: "acme", name: "payments") { labels(first: 5, after: $c, query: "debussy") { pageInfo { hasNextPage } nodes { name } } } }',
      { c: labels.pageInfo.endCursor }
    )
    expect((dataOf(next).repository as Record<string, unknown>).labels).toEqual({
      pageInfo: { hasNextPage: false },
      nodes: [{ name: 'debussy:failed' }]
    })

    const unbounded = await gql(
      '{ repository(owner: "acme", name: "payments") { labels { nodes { name } } } }'
    )
    expect(errorsOf(unbounded)[0]).toMatchObject({
      type: 'MISSING_PAGINATION_BOUNDARIES',
      path: ['repository', 'labels']
    })
    const tooMany = await gql(
      '{ repository(owner: "acme", name: "payments") { issue(number: 10) { labels(first: 101) { nodes { name } } } } }'
    )
    expect(errorsOf(tooMany)[0]).toMatchObject({ type: 'EXCESSIVE_PAGINATION' })
    const countOnly = await gql(
      '{ repository(owner: "acme", name: "payments") { issue(number: 10) { labels { totalCount } } } }'
    )
    expect(errorsOf(countOnly)).toEqual([])
  })

  it('reads comments with first and last', async () => {
    const id = await nodeIdOf(REPO, 10)
    await gql(
      'mutation($id: ID!) { a: addComment(input: { subjectId: $id, body: "one" }) { subject { id } } b: addComment(input: { subjectId: $id, body: "two" }) { subject { id } } }',
      { id }
    )
    const answer = await gql(`{ repository(owner: "acme", name: "payments") { issue(number: 10) {
      first: comments(first: 1) { totalCount nodes { body author { login } } }
      last: comments(last: 1) { nodes { body } }
    } } }`)
    const issue = (dataOf(answer).repository as { issue: Record<string, unknown> }).issue
    expect(issue.first).toEqual({
      totalCount: 2,
      nodes: [{ body: 'one', author: { login: 'github-actions' } }]
    })
    expect(issue.last).toEqual({ nodes: [{ body: 'two' }] })
  })

  it('answers an invalid document with 200 and validation errors, and no data', async () => {
    const invalid = await gql('{ repository(owner: "acme", name: "payments") { frobnicate } }')
    expect(invalid.status).toBe(200)
    expect(invalid.json).toEqual({
      errors: [
        expect.objectContaining({
          message: expect.stringContaining('frobnicate') as unknown,
          locations: [expect.anything()]
        })
      ]
    })
    const syntax = await gql('{ repository(owner: ')
    expect(syntax.status).toBe(200)
    expect(errorsOf(syntax)).toHaveLength(1)
  })

  it('addLabelsToLabelable and removeLabelsFromLabelable (removing an absent label is a no-op)', async () => {
    const issueId = await nodeIdOf(REPO, 10)
    const labelId = await labelIdOf(REPO, 'debussy:completed')
    const bugId = await labelIdOf(REPO, 'bug')
    const added = await octoGql<{
      addLabelsToLabelable: {
        clientMutationId: string
        labelable: { labels: { nodes: { name: string }[] } }
      }
    }>(
      `mutation($issue: ID!, $labels: [ID!]!) {
        addLabelsToLabelable(input: { labelableId: $issue, labelIds: $labels, clientMutationId: "m1" }) {
          clientMutationId
          labelable { ... on Issue { labels(first: 10) { nodes { name } } } }
        }
      }`,
      { issue: issueId, labels: [labelId] }
    )
    expect(added.addLabelsToLabelable.clientMutationId).toBe('m1')
    // The schema's default order for labels is CREATED_AT ASC: the older label comes first.
    expect(added.addLabelsToLabelable.labelable.labels.nodes.map((l) => l.name)).toEqual([
      'debussy:completed',
      'bug'
    ])
    const removed = await gql(
      `mutation($issue: ID!) {
        removeLabelsFromLabelable(input: { labelableId: $issue, labelIds: ["${bugId}"] }) {
          labelable { ... on Issue { labels(first: 10) { nodes { name } } } }
        }
        again: removeLabelsFromLabelable(input: { labelableId: $issue, labelIds: ["${bugId}"] }) {
          labelable { ... on Issue { number } }
        }
      }`,
      { issue: issueId }
    )
    expect(errorsOf(removed)).toEqual([])
    expect(sim.issue(REPO, 10).labels).toEqual(['debussy:completed'])
  })

  it('runs mutation fields serially in document order and counts them', async () => {
    const issueId = await nodeIdOf(REPO, 10)
    const labelId = await labelIdOf(REPO, 'debussy:completed')
    sim.resetLog()
    const doc = (first: string, second: string): string => `mutation($i: ID!, $l: [ID!]!) {
      one: ${first}(input: { labelableId: $i, labelIds: $l }) { clientMutationId }
      two: ${second}(input: { labelableId: $i, labelIds: $l }) { clientMutationId }
    }`
    await gql(doc('addLabelsToLabelable', 'removeLabelsFromLabelable'), {
      i: issueId,
      l: [labelId]
    })
    expect(sim.issue(REPO, 10).labels).toEqual(['bug'])
    await gql(doc('removeLabelsFromLabelable', 'addLabelsToLabelable'), {
      i: issueId,
      l: [labelId]
    })
    expect(sim.issue(REPO, 10).labels).toEqual(['bug', 'debussy:completed'])
    expect(sim.requests.map((r) => [r.operation, r.mutationFields, r.write])).toEqual([
      ['mutation', 2, true],
      ['mutation', 2, true]
    ])
  })

  it('addComment, and FORBIDDEN on a locked issue', async () => {
    sim.addIssue(REPO, { number: 20, locked: true })
    const issueId = await nodeIdOf(REPO, 10)
    const lockedId = await nodeIdOf(REPO, 20)
    const answer = await gql(
      `mutation($a: ID!, $b: ID!) {
        ok: addComment(input: { subjectId: $a, body: "All phases complete" }) { commentEdge { node { id body } } subject { id } }
        locked: addComment(input: { subjectId: $b, body: "nope" }) { subject { id } }
      }`,
      { a: issueId, b: lockedId }
    )
    const data = dataOf(answer) as {
      ok: { commentEdge: { node: { id: string; body: string } }; subject: { id: string } }
      locked: unknown
    }
    expect(data.ok.subject.id).toBe(issueId)
    expect(data.ok.commentEdge.node.body).toBe('All phases complete')
    expect(data.locked).toBeNull()
    expect(errorsOf(answer)).toEqual([
      expect.objectContaining({
        type: 'FORBIDDEN',
        path: ['locked'],
        message: 'Unable to create comment because issue is locked.'
      })
    ])
    expect(sim.issue(REPO, 10).comments).toEqual(['All phases complete'])
    expect(sim.issue(REPO, 20).comments).toEqual([])
  })

  it('closeIssue with a state reason; unknown ids are NOT_FOUND', async () => {
    const issueId = await nodeIdOf(REPO, 10)
    const answer = await gql(
      `mutation($id: ID!) {
        closeIssue(input: { issueId: $id, stateReason: COMPLETED }) { issue { id state stateReason } }
        nope: closeIssue(input: { issueId: "I_missing" }) { issue { id } }
      }`,
      { id: issueId }
    )
    expect(dataOf(answer)).toEqual({
      closeIssue: { issue: { id: issueId, state: 'CLOSED', stateReason: 'COMPLETED' } },
      nope: null
    })
    expect(errorsOf(answer)[0]).toMatchObject({ type: 'NOT_FOUND', path: ['nope'] })
    expect(sim.issue(REPO, 10)).toMatchObject({ state: 'closed', stateReason: 'completed' })
  })

  it('a deleted issue is NOT_FOUND by node id as well', async () => {
    const issueId = await nodeIdOf(REPO, 10)
    sim.deleteIssue(REPO, 10)
    const answer = await gql(
      'mutation($id: ID!) { addComment(input: { subjectId: $id, body: "x" }) { subject { id } } }',
      { id: issueId }
    )
    expect(errorsOf(answer)[0]).toMatchObject({ type: 'NOT_FOUND', path: ['addComment'] })
  })
})

describe('token check', () => {
  it('refuses a wrong or missing token with 401 Bad credentials, and never logs the token', async () => {
    const wrong = await raw(`${sim.apiUrl}/repos/acme/payments`, { token: 'ghs_wrong_secret' })
    expect(wrong.status).toBe(401)
    expect(wrong.json).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401'
    })
    const missing = await raw(`${sim.apiUrl}/repos/acme/payments`, { token: null })
    expect(missing.status).toBe(401)
    const bearer = await fetch(`${sim.apiUrl}/repos/acme/payments`, {
      headers: { authorization: `Bearer ${sim.token}` }
    })
    expect(bearer.status).toBe(200)
    const bad = getOctokit('ghs_wrong_secret', { baseUrl: sim.apiUrl })
    expect((await failure(bad.rest.issues.get({ ...PAYMENTS, issue_number: 1 }))).status).toBe(401)
    const gqlWrong = await raw(sim.graphqlUrl, {
      method: 'POST',
      token: 'ghs_wrong_secret',
      body: { query: '{ rateLimit { remaining } }' }
    })
    expect(gqlWrong.status).toBe(401)

    expect(sim.requests.map((r) => r.authorization)).toEqual([true, false, true, true, true])
    const logged = JSON.stringify(sim.requests)
    expect(logged).not.toContain(sim.token)
    expect(logged).not.toContain('ghs_wrong_secret')
  })

  it('accepts a configured token only', async () => {
    const custom = await startSimulator({ token: 'ghp_custom' })
    try {
      custom.addRepo(REPO)
      const ok = await fetch(`${custom.apiUrl}/repos/acme/payments`, {
        headers: { authorization: 'token ghp_custom' }
      })
      expect(ok.status).toBe(200)
      const refused = await fetch(`${custom.apiUrl}/repos/acme/payments`, {
        headers: { authorization: 'token ghs_simulator_token' }
      })
      expect(refused.status).toBe(401)
    } finally {
      await custom.close()
    }
  })
})

describe('rate limits', () => {
  it('sends GitHub rate-limit headers, decrementing core and graphql separately', async () => {
    const a = await raw(`${sim.apiUrl}/repos/acme/payments`)
    const b = await raw(`${sim.apiUrl}/repos/acme/payments`)
    const g = await gql('{ rateLimit { limit remaining used } }')
    expect(a.headers.get('x-ratelimit-limit')).toBe('5000')
    expect(a.headers.get('x-ratelimit-remaining')).toBe('4999')
    expect(b.headers.get('x-ratelimit-remaining')).toBe('4998')
    expect(b.headers.get('x-ratelimit-used')).toBe('2')
    expect(b.headers.get('x-ratelimit-resource')).toBe('core')
    expect(g.headers.get('x-ratelimit-resource')).toBe('graphql')
    expect(g.headers.get('x-ratelimit-remaining')).toBe('4999')
    expect(dataOf(g)).toEqual({ rateLimit: { limit: 5000, remaining: 4999, used: 1 } })
    const reset = Number(a.headers.get('x-ratelimit-reset'))
    expect(reset).toBeGreaterThan(Date.now() / 1000)
    expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 3600)
    expect(a.headers.get('x-github-request-id')).toMatch(/^[0-9A-F]{4}:/)
    expect(a.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(sim.rateLimitRemaining('core')).toBe(4998)
  })

  it('answers 403 "API rate limit exceeded" once the budget is spent', async () => {
    const small = await startSimulator({ rateLimit: 2 })
    try {
      small.addRepo(REPO)
      const octo = getOctokit(small.token, { baseUrl: small.apiUrl })
      await octo.rest.repos.get({ ...PAYMENTS })
      await octo.rest.repos.get({ ...PAYMENTS })
      const spent = await failure(octo.rest.repos.get({ ...PAYMENTS }))
      expect(spent.status).toBe(403)
      expect(spent.headers['x-ratelimit-remaining']).toBe('0')
      expect(spent.data).toMatchObject({
        message: expect.stringMatching(
          /^API rate limit exceeded for installation ID \d+/
        ) as unknown
      })
      // GraphQL has its own budget, and reports exhaustion as RATE_LIMITED.
      const post = (): Promise<Response> =>
        fetch(small.graphqlUrl, {
          method: 'POST',
          headers: { authorization: `token ${small.token}` },
          body: JSON.stringify({ query: '{ rateLimit { remaining } }' })
        })
      expect((await post()).status).toBe(200)
      await post()
      const limited = await post()
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0')
      expect(await limited.json()).toMatchObject({ errors: [{ type: 'RATE_LIMITED' }] })
    } finally {
      await small.close()
    }
  })

  it('GET /rate_limit reports both buckets without spending', async () => {
    await raw(`${sim.apiUrl}/repos/acme/payments`)
    const answer = await raw(`${sim.apiUrl}/rate_limit`)
    expect(answer.json).toMatchObject({
      resources: { core: { limit: 5000, used: 1, remaining: 4999 }, graphql: { used: 0 } }
    })
  })
})

describe('fault injection', () => {
  const issueUrl = (): string => `${sim.apiUrl}/repos/acme/payments/issues/1`

  beforeEach(() => {
    sim.addIssue(REPO, { number: 1 })
  })

  it('server-error: 502 by default, then the normal answer; counts faults served', async () => {
    sim.injectFault({ kind: 'server-error', times: 2 })
    sim.injectFault({ kind: 'server-error', status: 503, match: { method: 'PATCH' } })
    const first = await raw(issueUrl())
    expect(first.status).toBe(502)
    expect(first.json).toMatchObject({ message: 'Server Error' })
    expect(first.headers.get('x-ratelimit-remaining')).not.toBeNull()
    expect((await raw(issueUrl())).status).toBe(502)
    expect((await raw(issueUrl())).status).toBe(200)
    expect((await raw(issueUrl(), { method: 'PATCH', body: { title: 'x' } })).status).toBe(503)
    expect((await raw(issueUrl(), { method: 'PATCH', body: { title: 'x' } })).status).toBe(200)
    expect(sim.faultsInjected).toBe(3)
    expect(sim.requests.map((r) => r.fault)).toEqual([
      'server-error',
      'server-error',
      undefined,
      'server-error',
      undefined
    ])
  })

  it('reset: the socket is destroyed without an answer; logged with status 0', async () => {
    sim.injectFault({ kind: 'reset', match: { path: '/repos/acme/payments/issues/1' } })
    await expect(
      fetch(issueUrl(), { headers: { authorization: `token ${sim.token}` } })
    ).rejects.toThrow()
    expect(sim.requests[0]).toMatchObject({ status: 0, fault: 'reset' })
    expect((await raw(issueUrl())).status).toBe(200)
  })

  it('slow: answers normally once its delay has passed, not before (default 1 s)', async () => {
    sim.injectFault({ kind: 'slow', delayMs: 60, match: { kind: 'rest' } })
    sim.injectFault({ kind: 'slow', match: { kind: 'rest' } })
    for (const [n, delay] of [
      [1, 60],
      [2, 1000]
    ] as const) {
      let answered = false
      const answer = raw(issueUrl()).finally(() => (answered = true))
      await timers.started(n)
      expect(timers.asked.at(-1)).toBe(delay)
      // A request sent later is answered meanwhile; the slow one waits for its timer.
      expect((await gql('{ rateLimit { remaining } }')).status).toBe(200)
      expect(answered).toBe(false)
      timers.fireAll()
      expect((await answer).status).toBe(200)
    }
    expect(sim.requests.map((r) => r.fault)).toEqual(['slow', undefined, 'slow', undefined])
  })

  it('hang: no answer until the client gives up; the server gives up itself too', async () => {
    sim.injectFault({ kind: 'hang' })
    sim.injectFault({ kind: 'hang', delayMs: 60 })
    const client = new AbortController()
    const off = sim.onHold(() => client.abort())
    await expect(
      fetch(issueUrl(), { headers: { authorization: `token ${sim.token}` }, signal: client.signal })
    ).rejects.toThrow()
    off()
    const second = fetch(issueUrl(), { headers: { authorization: `token ${sim.token}` } })
    await timers.started(2)
    // The server's own limit: a minute unless the fault names one.
    expect(timers.asked).toEqual([60_000, 60])
    timers.fireAll()
    await expect(second).rejects.toThrow()
    expect(sim.requests.map((r) => r.status)).toEqual([0, 0])
  })

  it('close() ends a hung request at once', async () => {
    sim.injectFault({ kind: 'hang' })
    let arrived!: () => void
    const held = new Promise<void>((resolve) => (arrived = resolve))
    sim.onRequest(() => arrived())
    const pending = fetch(issueUrl(), { headers: { authorization: `token ${sim.token}` } })
    await held
    // The simulator's timers are held: the hang ends only because close() ends it.
    await sim.close()
    await expect(pending).rejects.toThrow()
  })

  it('secondary-rate-limit: 403 with retry-after and GitHub message; 429 variant', async () => {
    sim.injectFault({ kind: 'secondary-rate-limit', retryAfter: 3 })
    const limited = await failure(octokit.rest.issues.get({ ...PAYMENTS, issue_number: 1 }))
    expect(limited.status).toBe(403)
    expect(limited.headers['retry-after']).toBe('3')
    expect((limited.data as { message: string }).message).toMatch(
      /^You have exceeded a secondary rate limit\. Please wait a few minutes before you try again/
    )
    sim.injectFault({ kind: 'secondary-rate-limit-429', retryAfter: 1 })
    const tooMany = await raw(issueUrl())
    expect(tooMany.status).toBe(429)
    expect(tooMany.headers.get('retry-after')).toBe('1')
    expect(tooMany.headers.get('x-ratelimit-remaining')).not.toBe('0')
  })

  it('primary-rate-limit: 403 with remaining 0 and the reset it names', async () => {
    sim.injectFault({ kind: 'primary-rate-limit', resetInSeconds: 30 })
    const before = Math.floor(Date.now() / 1000)
    const answer = await raw(issueUrl())
    const after = Math.floor(Date.now() / 1000)
    expect(answer.status).toBe(403)
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('0')
    const reset = Number(answer.headers.get('x-ratelimit-reset'))
    expect(reset).toBeGreaterThanOrEqual(before + 30)
    expect(reset).toBeLessThanOrEqual(after + 30)
    expect(answer.json).toMatchObject({
      message: expect.stringMatching(/^API rate limit exceeded/) as unknown
    })
  })

  it('graphql-rate-limited: 200 with a RATE_LIMITED error; only GraphQL by default', async () => {
    sim.injectFault({ kind: 'graphql-rate-limited', resetInSeconds: 5 })
    expect((await raw(issueUrl())).status).toBe(200)
    const before = Math.floor(Date.now() / 1000)
    const answer = await gql('{ rateLimit { remaining } }')
    const after = Math.floor(Date.now() / 1000)
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({
      errors: [
        {
          type: 'RATE_LIMITED',
          message: expect.stringMatching(/^API rate limit exceeded/) as unknown
        }
      ]
    })
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('0')
    const reset = Number(answer.headers.get('x-ratelimit-reset'))
    expect(reset).toBeGreaterThanOrEqual(before + 5)
    expect(reset).toBeLessThanOrEqual(after + 5)
  })

  it('matches by operation, path RegExp and decoded path', async () => {
    sim.addIssueLabel(REPO, 1, 'debussy:in-progress')
    sim.injectFault({ kind: 'server-error', match: { kind: 'graphql', operation: 'mutation' } })
    sim.injectFault({
      kind: 'server-error',
      status: 500,
      match: { path: /\/labels\/debussy:in-progress$/ }
    })
    expect((await gql('{ rateLimit { remaining } }')).status).toBe(200)
    const id = await nodeIdOf(REPO, 1)
    const mutation = await gql(
      'mutation($id: ID!) { addComment(input: { subjectId: $id, body: "x" }) { subject { id } } }',
      { id }
    )
    expect(mutation.status).toBe(502)
    expect(sim.issue(REPO, 1).comments).toEqual([])
    const del = await failure(
      octokit.rest.issues.removeLabel({ ...PAYMENTS, issue_number: 1, name: 'debussy:in-progress' })
    )
    expect(del.status).toBe(500)
    expect(sim.issue(REPO, 1).labels).toEqual(['debussy:in-progress'])
  })
})

describe('request log and hooks', () => {
  it('classifies writes: non-GET REST and GraphQL mutations', async () => {
    sim.addIssue(REPO, { number: 1 })
    await octokit.rest.issues.get({ ...PAYMENTS, issue_number: 1 })
    await octokit.rest.issues.addLabels({ ...PAYMENTS, issue_number: 1, labels: ['x'] })
    await octoGql('{ repository(owner: "acme", name: "payments") { id } }')
    const id = await nodeIdOf(REPO, 1)
    await gql(`mutation($id: ID!) { closeIssue(input: { issueId: $id }) { issue { id } } }`, { id })
    const summary = (r: LoggedRequest): unknown[] => [
      r.method,
      r.path,
      r.kind,
      r.operation,
      r.write
    ]
    expect(sim.requests.map(summary)).toEqual([
      ['GET', '/repos/acme/payments/issues/1', 'rest', undefined, false],
      ['POST', '/repos/acme/payments/issues/1/labels', 'rest', undefined, true],
      ['POST', '/graphql', 'graphql', 'query', false],
      ['POST', '/graphql', 'graphql', 'query', false],
      ['POST', '/graphql', 'graphql', 'mutation', true]
    ])
    expect(sim.requests[1]?.body).toEqual({ labels: ['x'] })
    expect(sim.requests.every((r) => r.status === 200)).toBe(true)
    expect(sim.writes().map((w) => w.kind)).toEqual(['rest', 'graphql'])
    expect(sim.writes()[1]?.mutationFields).toBe(1)
    sim.resetLog()
    expect(sim.requests).toEqual([])
  })

  it('onRequest lets a person edit GitHub between the read and the write', async () => {
    sim.addIssue(REPO, { number: 1, labels: ['bug'] })
    const seen: string[] = []
    const off = sim.onRequest(async (request) => {
      seen.push(`${request.method} ${request.status}`)
      if (request.write) {
        await new Promise((resolve) => setTimeout(resolve, 5))
        sim.addIssueLabel(REPO, 1, 'added-by-a-person')
      }
    })
    const read = await octokit.rest.issues.get({ ...PAYMENTS, issue_number: 1 })
    expect(read.data.labels).toHaveLength(1)
    const written = await octokit.rest.issues.addLabels({
      ...PAYMENTS,
      issue_number: 1,
      labels: ['debussy:completed']
    })
    expect(written.data.map((l) => l.name)).toEqual([
      'bug',
      'added-by-a-person',
      'debussy:completed'
    ])
    expect(seen).toEqual(['GET 0', 'POST 0'])
    off()
    await octokit.rest.issues.get({ ...PAYMENTS, issue_number: 1 })
    expect(seen).toHaveLength(2)
  })

  it('gives the same request ids for the same seed', async () => {
    const ids = async (seed: number): Promise<string | null> => {
      const s = await startSimulator({ seed })
      try {
        const response = await fetch(`${s.apiUrl}/rate_limit`, {
          headers: { authorization: `token ${s.token}` }
        })
        return response.headers.get('x-github-request-id')
      } finally {
        await s.close()
      }
    }
    expect(await ids(7)).toBe(await ids(7))
    expect(await ids(7)).not.toBe(await ids(8))
  })
})

describe('GHES layout', () => {
  it('serves REST under /api/v3 and GraphQL at /api/graphql', async () => {
    const ghes = await startSimulator({ layout: 'ghes' })
    try {
      const origin = ghes.apiUrl.replace(/\/api\/v3$/, '')
      expect(ghes.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/)
      expect(ghes.graphqlUrl).toBe(`${origin}/api/graphql`)
      ghes.addRepo(REPO)
      ghes.addIssue(REPO, { number: 5, labels: ['bug'] })
      const octo = getOctokit(ghes.token, { baseUrl: ghes.apiUrl })
      const { data } = await octo.rest.issues.get({ ...PAYMENTS, issue_number: 5 })
      expect(data.url).toBe(`${ghes.apiUrl}/repos/acme/payments/issues/5`)
      expect(data.html_url).toBe(`${origin}/acme/payments/issues/5`)
      // Octokit derives /api/graphql from a /api/v3 base URL by itself.
      const gqlData = await octo.graphql<{ repository: { issue: { number: number } } }>(
        '{ repository(owner: "acme", name: "payments") { issue(number: 5) { number } } }'
      )
      expect(gqlData.repository.issue.number).toBe(5)
      const outside = await fetch(`${origin}/repos/acme/payments/issues/5`, {
        headers: { authorization: `token ${ghes.token}` }
      })
      expect(outside.status).toBe(404)
      expect(ghes.requests.map((r) => [r.kind, r.path, r.url])).toEqual([
        ['rest', '/repos/acme/payments/issues/5', '/api/v3/repos/acme/payments/issues/5'],
        ['graphql', '/graphql', '/api/graphql'],
        ['rest', '/repos/acme/payments/issues/5', '/repos/acme/payments/issues/5']
      ])
    } finally {
      await ghes.close()
    }
  })
})

describe('runAction harness', () => {
  it('runs an entry as the runner does: inputs, event, clean env, outputs, summary', async () => {
    const entryDir = makeWorkspace({
      'entry.mjs': `
        import { appendFileSync, readFileSync } from 'node:fs'
        const env = process.env
        const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
        appendFileSync(env.GITHUB_OUTPUT, 'event<<ghadelimiter_1\\n' + event.client_payload.event + '\\nghadelimiter_1\\n')
        appendFileSync(env.GITHUB_OUTPUT, 'multi<<EOF\\nline 1\\nline 2\\nEOF\\n')
        appendFileSync(env.GITHUB_OUTPUT, 'simple=yes\\n')
        appendFileSync(env.GITHUB_STEP_SUMMARY, '### Summary\\n')
        const token = env['INPUT_GITHUB-TOKEN']
        const res = await fetch(env.GITHUB_API_URL + '/repos/' + env.GITHUB_REPOSITORY, {
          headers: { authorization: 'token ' + token }
        })
        console.log(JSON.stringify({
          status: res.status,
          cwd: process.cwd(),
          config: env.INPUT_CONFIG,
          dryRun: env['INPUT_DRY-RUN'],
          autoClose: env['INPUT_AUTO-CLOSE'],
          event: env.GITHUB_EVENT_NAME,
          graphql: env.GITHUB_GRAPHQL_URL,
          leaked: Object.keys(env).filter((k) => k === 'LEAK_ME' || k === 'NODE_OPTIONS'),
          workspace: env.GITHUB_WORKSPACE,
          runnerTemp: Boolean(env.RUNNER_TEMP),
          actions: env.GITHUB_ACTIONS
        }))
        process.exitCode = 3
      `
    })
    const workspace = makeWorkspace({ 'docs/plan.md': '# Plan\n' })
    process.env.LEAK_ME = '1'
    try {
      const result = await runAction({
        sim,
        workspace,
        entry: `${entryDir}/entry.mjs`,
        eventName: 'repository_dispatch',
        eventPayload: { action: 'phase_completed', client_payload: { event: 'phase_completed' } },
        inputs: { 'dry-run': 'true' }
      })
      expect(result.stderr).toBe('')
      expect(result.code).toBe(3)
      expect(result.timedOut).toBe(false)
      expect(JSON.parse(result.stdout)).toEqual({
        status: 200,
        cwd: expect.stringContaining('debussy-workspace-') as unknown,
        config: '.debussy/config.yaml',
        dryRun: 'true',
        autoClose: '',
        event: 'repository_dispatch',
        graphql: sim.graphqlUrl,
        leaked: [],
        workspace,
        runnerTemp: true,
        actions: 'true'
      })
      expect(result.outputs).toEqual({
        event: 'phase_completed',
        multi: 'line 1\nline 2',
        simple: 'yes'
      })
      expect(result.summary).toBe('### Summary\n')
      // Reported for the bench; how long a run takes is no test's business.
      expect(result.durationMs).toEqual(expect.any(Number))
      expect(sim.requests).toHaveLength(1)
    } finally {
      delete process.env.LEAK_ME
    }
  })

  it('kills a run still going at its deadline', async () => {
    const dir = makeWorkspace({
      'forever.mjs': `await fetch(process.env.GITHUB_API_URL + '/rate_limit')\nsetInterval(() => {}, 1000)\n`
    })
    // The deadline passes when the run is surely under way: at its first request.
    const deadline = new AbortController()
    sim.onRequest(() => deadline.abort())
    const result = await runAction({
      sim,
      workspace: dir,
      entry: `${dir}/forever.mjs`,
      eventName: 'workflow_dispatch',
      eventPayload: {},
      signal: deadline.signal
    })
    expect(result.timedOut).toBe(true)
    expect(result.code).toBe(-1)
    expect(sim.requests).toHaveLength(1)
  })

  it('parses both GITHUB_OUTPUT forms', () => {
    expect(parseOutputFile('a<<X\n1\n\n2\nX\nb=c=d\n')).toEqual({ a: '1\n\n2', b: 'c=d' })
    expect(() => parseOutputFile('a<<X\nnever closed\n')).toThrow(/no closing/)
  })
})
