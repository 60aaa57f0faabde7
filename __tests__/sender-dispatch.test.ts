/**
 * The sender's one write against the simulator: the dispatch GitHub gets,
 * and failures said as what they are, retried a bounded number of times,
 * each retry announced.
 */
import { createServer } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  SendError,
  createDispatcher,
  describeFailure,
  type SendTiming
} from '../src/sender/dispatch.js'
import type { DispatchPayload } from '../src/sender/snapshot.js'
import { startSimulator, type GitHubSimulator } from '../test-support/github-simulator.js'

const REPO = { owner: 'acme', repo: 'payments' }
const PAYLOAD: DispatchPayload = {
  event: 'phase_started',
  plan: 'docs/plan/MASTER_PLAN.md',
  phase: '2',
  run_id: 'r1',
  sequence: 5,
  completed_phases: 1,
  total_phases: 4
}

let sim: GitHubSimulator
let waits: number[]
let retries: string[]
const timing = (): SendTiming => ({
  attempts: 3,
  backoffMs: 1000,
  maxWaitMs: 60_000,
  sleep: (ms) => {
    waits.push(ms)
    return Promise.resolve()
  }
})

beforeEach(async () => {
  sim = await startSimulator()
  sim.addRepo('acme/payments')
  waits = []
  retries = []
})
afterEach(async () => {
  await sim.close()
})

function dispatcher(apiUrl = sim.apiUrl, token = sim.token) {
  return createDispatcher({
    repo: REPO,
    token,
    apiUrl,
    onRetry: (message) => retries.push(message),
    timing: timing()
  })
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return typeof address === 'object' && address !== null ? address.port : 1
}

describe('createDispatcher', () => {
  it('posts event_type debussy-<event> and the payload unchanged', async () => {
    await dispatcher()(PAYLOAD)
    expect(sim.dispatches()).toEqual([
      { repo: 'acme/payments', eventType: 'debussy-phase-started', clientPayload: { ...PAYLOAD } }
    ])
    expect(retries).toEqual([])
  })

  it('retries a 5xx with backoff, announcing each retry, then sends', async () => {
    sim.injectFault({ kind: 'server-error', status: 502, times: 2, match: { method: 'POST' } })
    await dispatcher()(PAYLOAD)
    expect(sim.dispatches()).toHaveLength(1)
    expect(waits).toEqual([1000, 2000])
    expect(retries).toEqual([
      expect.stringMatching(/^send failed \(HTTP 502.*\); retrying in 1 s \(try 2 of 3\)$/),
      expect.stringMatching(/retrying in 2 s \(try 3 of 3\)$/)
    ])
  })

  it('says a refused connection is one, not "HTTP 500", and stops after the bounded tries', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const error = await dispatcher(url)(PAYLOAD).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SendError)
    expect((error as SendError).message).toMatch(
      /failed after 3 tries: cannot reach 127\.0\.0\.1:\d+: the connection was refused \(ECONNREFUSED\)/
    )
    expect((error as SendError).message).not.toContain('500')
    expect(retries).toHaveLength(2)
    expect(retries[0]).toContain('connection was refused')
  })

  it('does not retry what a retry cannot fix: a bad token, an unknown repository', async () => {
    const bad = await dispatcher(sim.apiUrl, 'ghp_wrong')(PAYLOAD).catch((e: unknown) => e)
    expect(bad).toMatchObject({ permanent: true })
    expect((bad as Error).message).toContain('HTTP 401')
    expect((bad as Error).message).not.toContain('ghp_wrong')
    const missing = await createDispatcher({
      repo: { owner: 'acme', repo: 'nope' },
      token: sim.token,
      apiUrl: sim.apiUrl,
      onRetry: (m) => retries.push(m),
      timing: timing()
    })(PAYLOAD).catch((e: unknown) => e)
    expect((missing as Error).message).toMatch(/HTTP 404.*Contents: write/)
    expect(retries).toEqual([])
  })
})

describe('describeFailure', () => {
  it.each([
    ['ENOTFOUND', 'the host name does not resolve (DNS)'],
    ['EAI_AGAIN', 'the host name could not be resolved right now (DNS)'],
    ['ECONNRESET', 'the connection was reset']
  ])('names %s for what it is', (code, text) => {
    const error = Object.assign(new Error('request failed'), {
      status: 500,
      cause: Object.assign(new Error(`getaddrinfo ${code} ghe.example`), { code })
    })
    expect(describeFailure(error, 'https://ghe.example/api/v3')).toBe(
      `cannot reach ghe.example: ${text} (${code})`
    )
  })
})
