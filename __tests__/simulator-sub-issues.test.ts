/**
 * The simulator's sub-issues, as GitHub has them: one parent per issue,
 * addSubIssue's refusals (another parent, itself, a loop, 100 per parent, 8
 * levels), replaceParent, and what Issue.parent, subIssues and
 * subIssuesSummary answer. The fidelity suite checks the shapes against
 * GitHub's schema; this checks the rules.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { startSimulator, type GitHubSimulator } from '../test-support/github-simulator.js'

const REPO = 'acme/app'
let sim: GitHubSimulator

beforeEach(async () => {
  sim = await startSimulator()
  sim.addRepo(REPO)
})
afterEach(async () => {
  await sim.close()
})

interface Answer {
  data?: Record<string, unknown>
  errors?: { type?: string; message: string; path?: string[] }[]
}

async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(sim.graphqlUrl, {
    method: 'POST',
    headers: { authorization: `bearer ${sim.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables })
  })
  return (await response.json()) as Answer
}

async function nodeId(number: number): Promise<string> {
  const answer = await graphql(
    `query { repository(owner: "acme", name: "app") { issueOrPullRequest(number: ${number}) { ... on Issue { id } ... on PullRequest { id } } } }`
  )
  const repository = answer.data?.repository as { issueOrPullRequest: { id: string } }
  return repository.issueOrPullRequest.id
}

async function addSubIssue(parent: number, child: number, replaceParent = false): Promise<Answer> {
  return graphql(
    'mutation($p: ID!, $c: ID!, $r: Boolean) { addSubIssue(input: { issueId: $p, subIssueId: $c, replaceParent: $r }) { issue { number } subIssue { number parent { number } } } }',
    { p: await nodeId(parent), c: await nodeId(child), r: replaceParent }
  )
}

const refusal = (answer: Answer): string | undefined =>
  answer.errors?.map((e) => `${e.type}: ${e.message}`).join('; ')

describe('addSubIssue', () => {
  it('makes the sub-issue and answers both sides; Issue.parent, subIssues and subIssuesSummary say so', async () => {
    for (const n of [1, 2, 3]) sim.addIssue(REPO, { number: n })
    sim.closeIssue(REPO, 3)
    expect((await addSubIssue(1, 2)).data).toEqual({
      addSubIssue: { issue: { number: 1 }, subIssue: { number: 2, parent: { number: 1 } } }
    })
    expect((await addSubIssue(1, 3)).errors).toBeUndefined()
    const answer = await graphql(
      'query { repository(owner: "acme", name: "app") { issue(number: 1) { parent { number } subIssues(first: 10) { totalCount nodes { number } } subIssuesSummary { total completed percentCompleted } } } }'
    )
    expect(answer.data).toEqual({
      repository: {
        issue: {
          parent: null,
          subIssues: { totalCount: 2, nodes: [{ number: 2 }, { number: 3 }] },
          subIssuesSummary: { total: 2, completed: 1, percentCompleted: 50 }
        }
      }
    })
    expect(sim.subIssuesOf(REPO, 1)).toEqual([`${REPO}#2`, `${REPO}#3`])
    expect(sim.parentOf(REPO, 2)).toBe(`${REPO}#1`)
  })

  it.each<[string, (sim: GitHubSimulator) => [number, number], string]>([
    [
      'a child that already has a parent, without replaceParent',
      (s) => {
        s.addSubIssue(REPO, 1, REPO, 2)
        return [3, 2]
      },
      'UNPROCESSABLE: Sub issue may only have one parent'
    ],
    ['the issue itself', () => [1, 1], 'UNPROCESSABLE: An issue cannot be a sub-issue of itself'],
    [
      'an ancestor of the parent (a loop)',
      (s) => {
        s.addSubIssue(REPO, 1, REPO, 2)
        return [2, 1]
      },
      'UNPROCESSABLE: Sub issue cannot be an ancestor of its parent'
    ],
    [
      'a pull request as the child',
      (s) => [1, s.addIssue(REPO, { pullRequest: true })],
      'UNPROCESSABLE: Pull requests cannot be sub-issues'
    ],
    [
      'a 101st sub-issue (closed ones count)',
      (s) => {
        for (let i = 0; i < 100; i++) {
          const n = s.addIssue(REPO, { state: 'closed' })
          s.addSubIssue(REPO, 1, REPO, n)
        }
        return [1, 2]
      },
      'UNPROCESSABLE: Parent cannot have more than 100 sub-issues'
    ],
    [
      'a ninth level',
      (s) => {
        // 4 ← 5 ← … ← 11: eight levels under nothing else; 1 cannot take 4.
        for (let n = 4; n <= 11; n++) s.addIssue(REPO, { number: n })
        for (let n = 5; n <= 11; n++) s.addSubIssue(REPO, n - 1, REPO, n)
        return [1, 4]
      },
      'UNPROCESSABLE: Sub issues cannot be nested more than 8 levels deep'
    ]
  ])('refuses %s', async (_name, arrange, message) => {
    for (const n of [1, 2, 3]) sim.addIssue(REPO, { number: n })
    const [parent, child] = arrange(sim)
    const answer = await addSubIssue(parent, child)
    expect(refusal(answer)).toBe(message)
    expect(answer.errors?.[0]?.path).toEqual(['addSubIssue'])
  })

  it('replaceParent moves the issue; a pull request as parent does not resolve', async () => {
    for (const n of [1, 2, 3]) sim.addIssue(REPO, { number: n })
    sim.addSubIssue(REPO, 1, REPO, 3)
    expect((await addSubIssue(2, 3, true)).errors).toBeUndefined()
    expect(sim.subIssuesOf(REPO, 1)).toEqual([])
    expect(sim.parentOf(REPO, 3)).toBe(`${REPO}#2`)
    const pr = sim.addIssue(REPO, { pullRequest: true })
    expect(refusal(await addSubIssue(pr, 1))).toMatch(/^NOT_FOUND: Could not resolve to a node/)
  })

  it('a deleted issue leaves its parent and its sub-issues', () => {
    for (const n of [1, 2, 3]) sim.addIssue(REPO, { number: n })
    sim.addSubIssue(REPO, 1, REPO, 2)
    sim.addSubIssue(REPO, 2, REPO, 3)
    sim.deleteIssue(REPO, 2)
    expect(sim.subIssuesOf(REPO, 1)).toEqual([])
    expect(sim.parentOf(REPO, 3)).toBeUndefined()
    sim.removeSubIssue(REPO, 3)
    expect(sim.parentOf(REPO, 3)).toBeUndefined()
  })
})
