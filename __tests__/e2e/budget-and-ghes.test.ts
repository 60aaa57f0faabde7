/**
 * End to end: the request budget of an event (SPEC §6 idempotence, the API
 * budget), and GitHub Enterprise Server, where REST lives under /api/v3 and
 * GraphQL at /api/graphql (SPEC §1).
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import { PLAN_PATH, REPO, seedSample } from '../../test-support/sample-repo.js'
import {
  annotations,
  expectExit,
  fire,
  planEvent,
  unsetEnv,
  useSimulator,
  writesOf
} from '../../test-support/e2e-helpers.js'

let sim: GitHubSimulator

describe('request budget', () => {
  useSimulator((started) => (sim = started))

  it('phase_completed for a plan linking 20 issues makes at most 6 requests; its redelivery 1 request and no write', async () => {
    const budgetSim = sim
    const sample = seedSample(budgetSim, { issues: 20, stateLabels: true })
    for (const n of sample.issueNumbers) budgetSim.addIssueLabel(REPO, n, 'debussy:in-progress')
    const workspace = makeWorkspace(sample.files)
    const payload = { event: 'phase_completed', plan: PLAN_PATH, phase: '2' }

    const result = await fire(budgetSim, workspace, payload)

    expectExit(result, 0)
    expect(budgetSim.requests.length).toBeLessThanOrEqual(6)
    for (const n of sample.issueNumbers) {
      expect(
        budgetSim
          .issue(REPO, n)
          .labels.filter((l) => l.startsWith('debussy:'))
          .sort()
      ).toEqual(['debussy:completed'])
    }
    expect(budgetSim.milestone(REPO, sample.milestone ?? 0).description).toContain(
      '📊 **Debussy Progress:** 25% (1/4 phases)'
    )
    expect(JSON.parse(result.outputs.issues ?? '')).toHaveLength(20)
    budgetSim.resetLog()

    const again = await fire(budgetSim, workspace, payload)

    expectExit(again, 0)
    expect(budgetSim.requests).toHaveLength(1)
    expect(writesOf(budgetSim)).toEqual([])
  })
})

describe('SPEC §7: writes one at a time', () => {
  useSimulator((started) => (sim = started))

  it('sends each write only once the previous one is answered, a second apart, as GitHub asks', async () => {
    const sample = seedSample(sim, { issues: 3 })
    const workspace = makeWorkspace(sample.files)

    const result = await fire(sim, workspace, planEvent('plan_completed', { auto_close: true }))

    expectExit(result, 0)
    const writes = writesOf(sim)
    // Label creation, labels, milestone, comments, closes.
    expect(writes.length).toBeGreaterThanOrEqual(5)
    // The throttling plugin starts writes 1 s apart; arrival times jitter by a few ms.
    for (let i = 1; i < writes.length; i++) {
      expect((writes[i]?.at ?? 0) - (writes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(900)
    }
  })
})

describe('SPEC §1: GitHub Enterprise Server', () => {
  useSimulator((started) => (sim = started), { layout: 'ghes' })

  /** Every request stayed under the GHES API roots. */
  function expectGhesPaths(ghes: GitHubSimulator): void {
    const urls = ghes.requests.map((r) => r.url)
    expect(urls.length).toBeGreaterThan(0)
    for (const url of urls) expect(url).toMatch(/^\/api\/(v3\/|graphql$)/)
    expect(urls).toContain('/api/graphql')
  }

  it('works with GITHUB_API_URL …/api/v3 and GITHUB_GRAPHQL_URL …/api/graphql', async () => {
    const ghes = sim
    const sample = seedSample(ghes)
    const workspace = makeWorkspace(sample.files)

    const result = await fire(
      ghes,
      workspace,
      { event: 'phase_completed', plan: PLAN_PATH, phase: '1' },
      { env: { GITHUB_SERVER_URL: ghes.serverUrl } }
    )

    expectExit(result, 0)
    expectGhesPaths(ghes)
    for (const n of sample.issueNumbers) {
      expect(ghes.issue(REPO, n).labels).toContain('debussy:completed')
    }
    expect(ghes.milestone(REPO, sample.milestone ?? 0).description).toContain(
      '📊 **Debussy Progress:** 25% (1/4 phases)'
    )
  })

  it('with GITHUB_GRAPHQL_URL unset, derives …/api/graphql from GITHUB_API_URL …/api/v3', async () => {
    const ghes = sim
    const sample = seedSample(ghes, { stateLabels: true })
    const workspace = makeWorkspace(sample.files)

    const result = await fire(
      ghes,
      workspace,
      { event: 'phase_started', plan: PLAN_PATH, phase: '1' },
      { env: { GITHUB_SERVER_URL: ghes.serverUrl, ...unsetEnv('GITHUB_GRAPHQL_URL') } }
    )

    expectExit(result, 0)
    expectGhesPaths(ghes)
    expect(ghes.requests.filter((r) => r.status === 404)).toEqual([])
    for (const n of sample.issueNumbers) {
      expect(ghes.issue(REPO, n).labels).toContain('debussy:in-progress')
    }
  })

  // GraphQL's own rate-limit answer (200 with a RATE_LIMITED error): the
  // throttling plugin only knows GraphQL at /graphql, GHES serves /api/graphql.
  it('a GraphQL rate limit (200, RATE_LIMITED) that resets in a second is waited out on GHES too', async () => {
    const ghes = sim
    const sample = seedSample(ghes, { issues: 1, stateLabels: true, milestone: false })
    const workspace = makeWorkspace(sample.files)
    ghes.injectFault({ kind: 'graphql-rate-limited', resetInSeconds: 1 })

    const result = await fire(
      ghes,
      workspace,
      { event: 'phase_started', plan: PLAN_PATH, phase: '1' },
      { env: { GITHUB_SERVER_URL: ghes.serverUrl } }
    )

    expectExit(result, 0)
    const limited = ghes.requests.findIndex((r) => r.fault === 'graphql-rate-limited')
    expect(limited).toBeGreaterThanOrEqual(0)
    // The answer said the budget resets at the next whole second (x-ratelimit-reset):
    // nothing is sent before then.
    const resetMs = Math.floor((ghes.requests[limited]?.at ?? 0) / 1000) * 1000 + 1000
    const after = ghes.requests.slice(limited + 1)
    expect(after.length).toBeGreaterThan(0)
    for (const request of after) expect(request.at).toBeGreaterThanOrEqual(resetMs)
    expect(ghes.issue(REPO, sample.issueNumbers[0] ?? 0).labels).toContain('debussy:in-progress')
  })

  it('a GraphQL rate limit that resets in an hour fails the step on GHES saying when the budget resets', async () => {
    const ghes = sim
    const sample = seedSample(ghes, { issues: 1, stateLabels: true, milestone: false })
    const workspace = makeWorkspace(sample.files)
    ghes.injectFault({ kind: 'graphql-rate-limited', resetInSeconds: 3600, times: Infinity })

    const result = await fire(
      ghes,
      workspace,
      { event: 'phase_started', plan: PLAN_PATH, phase: '1' },
      { env: { GITHUB_SERVER_URL: ghes.serverUrl } }
    )

    expectExit(result, 1)
    expect(writesOf(ghes)).toEqual([])
    const errors = annotations(result.stdout, 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/resets at \d{4}-\d\d-\d\dT\d\d:\d\d/)
  })
})
