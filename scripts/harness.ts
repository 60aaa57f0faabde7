/**
 * What bench.ts and demo.ts share: a repository_dispatch event run through the
 * bundled action against the simulator, and a clean stop on Ctrl-C.
 */
import type { GitHubSimulator } from '../test-support/github-simulator.js'
import {
  cleanup,
  killActionProcesses,
  runAction,
  type ActionResult
} from '../test-support/run-action.js'
import { dispatch } from '../test-support/sample-repo.js'

/** Runs the action (`entry`, default dist/index.js) on one dispatched client payload. */
export function runDispatch(
  sim: GitHubSimulator,
  workspace: string,
  clientPayload: Record<string, unknown>,
  eventType: string,
  entry?: string
): Promise<ActionResult> {
  return runAction({
    sim,
    workspace,
    eventName: 'repository_dispatch',
    eventPayload: dispatch(clientPayload, eventType),
    ...(entry === undefined ? {} : { entry })
  })
}

/**
 * On SIGINT or SIGTERM: ends the action runs, removes every directory made,
 * runs `also`, says `<what> interrupted` and exits 130 or 143. Returns a
 * function that stops listening.
 */
export function stopOnSignal(what: string, also: () => void): () => void {
  const stop = (signal: NodeJS.Signals): void => {
    killActionProcesses()
    cleanup()
    also()
    process.stderr.write(`\n${what} interrupted (${signal})\n`)
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return () => {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}

/** A plain-text table, each column as wide as its widest cell; `left(column)` says how it aligns. */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  left: (column: number) => boolean
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (left(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)]
}
