/**
 * A client clock for tests that count requests: an attempt ends when the
 * simulator holds its answer (a hang, an answer lost to a timeout), never
 * because a loaded machine was slow; waits take no real time (they move the
 * clock's `now` on instead) and are recorded.
 */
import type { ClientClock, ClientTiming } from '../src/github/client.js'
import type { GitHubSimulator, LoggedRequest } from './github-simulator.js'
import { FAST_TIMING } from './run-in-process.js'

/** Longer than any answer of the simulator takes, however loaded the machine. */
const PATIENT_MS = 30_000

export interface HeldClock extends ClientClock {
  /** Every wait asked for, in ms, in order. */
  readonly sleeps: number[]
  /** Attempts ended because the simulator held their answer. */
  readonly abandoned: () => number
  /** The clock's `now` when the simulator received `request`: waits show as gaps. */
  readonly at: (request: LoggedRequest) => number
}

/**
 * The action sends one request at a time: the attempt in flight when the
 * simulator starts holding an answer is the one that request belongs to.
 */
export function heldClock(sim: GitHubSimulator): HeldClock {
  const sleeps: number[] = []
  let current: AbortController | undefined
  let abandoned = 0
  let skipped = 0
  const started = Date.now()
  const now = (): number => started + skipped
  const arrivals = new WeakMap<LoggedRequest, number>()
  sim.onRequest((request) => {
    arrivals.set(request, now())
  })
  sim.onHold(() => {
    if (current === undefined || current.signal.aborted) return
    abandoned++
    current.abort(new Error('the simulator holds the answer'))
  })
  return {
    sleeps,
    abandoned: () => abandoned,
    at: (request) => arrivals.get(request) ?? Number.NaN,
    // Only waits move it: a slow machine makes no window pass by itself.
    now,
    sleep: (ms) => {
      sleeps.push(ms)
      skipped += ms
      return Promise.resolve()
    },
    attemptSignal: () => {
      current = new AbortController()
      return AbortSignal.any([current.signal, AbortSignal.timeout(PATIENT_MS)])
    }
  }
}

const clocks = new WeakMap<GitHubSimulator, HeldClock>()

/** The simulator's held clock: one per simulator, however many runs. */
export function heldClockOf(sim: GitHubSimulator): HeldClock {
  let clock = clocks.get(sim)
  if (clock === undefined) {
    clock = heldClock(sim)
    clocks.set(sim, clock)
  }
  return clock
}

/** FAST_TIMING on the simulator's held clock. */
export function heldTiming(sim: GitHubSimulator, base: ClientTiming = FAST_TIMING): ClientTiming {
  return { ...base, clock: heldClockOf(sim) }
}
