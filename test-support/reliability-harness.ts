/**
 * Shared pieces of the reliability suite (__tests__/reliability, run with
 * `npm run test:reliability`): the distinctive token, a seeded generator, a
 * tally of what each test file counted (written as JSON for the final table),
 * and the checks that every run of the action gets: the token never shows, a
 * failure is explained in one `::error::` without a stack trace.
 */
import { afterAll, afterEach, describe } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { GitHubSimulator } from './github-simulator.js'
import { cleanup } from './run-action.js'
import { runInProcess, type InProcessOptions, type InProcessResult } from './run-in-process.js'

/** A token no other test uses, so that any appearance of it is a leak. */
export const TOKEN = 'ghs_R3liab1lityT0kenQ7xZ9kLmW4pV8sN6dJ2'

/** Set by the suite's globalSetup; without it (e.g. under `npm test`) the suite is skipped. */
export const STATS_DIR = process.env.RELIABILITY_STATS_DIR

/** The suite runs only through `npm run test:reliability`: it takes minutes. */
export const describeReliability = STATS_DIR === undefined ? describe.skip : describe

/** Every generator of the suite derives from this; override with RELIABILITY_SEED to explore. */
export const SEED = Number(process.env.RELIABILITY_SEED ?? 20261125)

/** mulberry32: small, fast, and the same sequence on every machine. */
export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }

  /** Picks by weight: `[[item, weight], …]`. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, w]) => sum + w, 0)
    let roll = this.next() * total
    for (const [item, weight] of entries) {
      roll -= weight
      if (roll < 0) return item
    }
    const last = entries[entries.length - 1]
    if (last === undefined) throw new Error('weighted pick from an empty list')
    return last[0]
  }
}

/** What one test file counted; summed over files into the final table. */
export class Tally {
  readonly counts: Record<string, number> = {}
  readonly notes: string[] = []

  constructor(readonly name: string) {}

  add(key: string, amount = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + amount
  }

  note(text: string): void {
    if (this.notes.length < 40) this.notes.push(text)
  }

  /** Writes this file's counts for the globalTeardown table. */
  save(): void {
    if (STATS_DIR === undefined) return
    const file = path.join(STATS_DIR, `${this.name}-${process.pid}-${Date.now()}.json`)
    writeFileSync(file, JSON.stringify({ name: this.name, counts: this.counts, notes: this.notes }))
  }
}

/**
 * The calling file's tally, saved for the report after its last test. The
 * simulator `current()` gives (one per test) is closed after each test, and the
 * file's workspaces are removed after the last.
 */
export function fileTally(name: string, current: () => GitHubSimulator): Tally {
  const tally = new Tally(name)
  afterEach(async () => {
    await current().close()
  })
  afterAll(() => {
    cleanup()
    tally.save()
  })
  return tally
}

/** The forms in which a token could be printed: as is, base64 (Basic auth), or in part. */
function tokenForms(token: string): string[] {
  return [
    token,
    Buffer.from(token).toString('base64'),
    Buffer.from(`x-access-token:${token}`).toString('base64'),
    token.slice(4, 24)
  ]
}

/** Where the token shows in text the runner keeps; the one `::add-mask::` line is consumed by the runner. */
export function tokenLeaks(
  token: string,
  places: Readonly<Record<string, string | undefined>>
): string[] {
  const leaks: string[] = []
  for (const [place, text] of Object.entries(places)) {
    if (text === undefined) continue
    const shown = text
      .split(/\r?\n/)
      .filter((line) => line !== `::add-mask::${token}`)
      .join('\n')
    for (const form of tokenForms(token)) {
      if (shown.includes(form))
        leaks.push(`${place} contains ${form === token ? 'the token' : 'a form of the token'}`)
    }
  }
  return leaks
}

/** Scans one in-process run for the token and counts it in the tally. */
export function scanRun(tally: Tally, result: InProcessResult, token = TOKEN): string[] {
  const leaks = tokenLeaks(token, {
    stdout: result.stdout,
    summary: result.summary,
    outputs: JSON.stringify(result.outputs)
  })
  tally.add('secrets.runsScanned')
  tally.add('secrets.bytesScanned', result.stdout.length + result.summary.length)
  if (leaks.length > 0) {
    tally.add('secrets.leaks', leaks.length)
    tally.note(`token leak: ${leaks.join('; ')}`)
  }
  return leaks
}

/** Runs the action in process and scans what it printed for the token. */
export async function runScanned(
  tally: Tally,
  options: InProcessOptions
): Promise<InProcessResult & { leaks: string[] }> {
  const result = await runInProcess(options)
  return { ...result, leaks: scanRun(tally, result, options.token) }
}

/** The `::error::` annotations of a run, decoded as the runner shows them. */
export function errorMessages(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter((line) => line.startsWith('::error'))
    .map((line) =>
      line
        .replace(/^::error[^:]*::/, '')
        .replace(/%0D/g, '\r')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%')
    )
}

export function warningMessages(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter((line) => line.startsWith('::warning'))
    .map((line) => line.replace(/^::warning[^:]*::/, '').replace(/%0A/g, '\n'))
}

/** A stack frame line, as `Error.stack` prints them. */
export const STACK_FRAME = /^\s+at\s+\S/m

/** Why a failed run is not explained properly, or undefined when it is. */
export function unexplainedFailure(result: InProcessResult): string | undefined {
  const errors = errorMessages(result.stdout)
  if (errors.length === 0) return 'the step failed without an ::error:: annotation'
  if (errors.some((e) => STACK_FRAME.test(e))) return 'the ::error:: carries a stack trace'
  if (STACK_FRAME.test(result.stdout)) return 'the log carries a stack trace'
  return undefined
}
