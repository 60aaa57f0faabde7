/**
 * A client clock for tests that count requests: an attempt ends when the
 * simulator holds its answer (a hang, an answer lost to a timeout), never
 * because a loaded machine was slow; waits take no real time (they move the
 * clock's `now` on instead) and are recorded.
 */
import type { ClientClock, ClientTiming } from '../src/github/client.js'
import type { GitHubSimulator } from './github-simulator.js'
import { FAST_TIMING } from './run-in-process.js'

/** Longer than any answer of the simulator takes, however loaded the machine. */
const PATIENT_MS = 30_000

export interface HeldClock extends ClientClock {
  /** Every wait asked for, in ms, in order. */
  readonly sleeps: number[]
  /** Attempts ended because the simulator held their answer. */
  readonly abandoned: () => number
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
  sim.onHold(() => {
    if (current === undefined || current.signal.aborted) return
    abandoned++
    current.abort(new Error('the simulator holds the answer'))
  })
  return {
    sleeps,
    abandoned: () => abandoned,
    // Only waits move it: a slow machine makes no window pass by itself.
    now: () => started + skipped,
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

/** FAST_TIMING on the simulator's held clock (one per simulator, however many runs). */
export function heldTiming(sim: GitHubSimulator, base: ClientTiming = FAST_TIMING): ClientTiming {
  let clock = clocks.get(sim)
  if (clock === undefined) {
    clock = heldClock(sim)
    clocks.set(sim, clock)
  }
  return { ...base, clock }
}
