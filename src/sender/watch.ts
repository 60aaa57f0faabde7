/**
 * The watcher's loop (the shell around snapshot.ts): read the rows, work out
 * what changed, send it, sleep, again. It keeps in memory only the rows it
 * last sent from; the sequence comes from the rows, so a restart carries on.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { loadPlan } from '../plan/plan-file.js'
import type { RepoRef } from '../domain.js'
import { InputError, printable } from '../errors.js'
import { SendError, type Sender } from './dispatch.js'
import {
  nextPayloads,
  runEnded,
  selectRun,
  viewOf,
  type DispatchPayload,
  type PayloadContext,
  type RunView
} from './snapshot.js'
import {
  DEFAULT_READ_TIMING,
  StateBusyError,
  readState,
  type ReadTiming,
  type StateRows
} from './state-db.js'

export interface WatchOptions {
  /** `.debussy/state.db`, absolute. */
  readonly db: string
  /** The repository root: plan paths are made relative to it. */
  readonly workspace: string
  readonly repo: RepoRef
  readonly serverHost: string
  /** Follow this run only. */
  readonly runId?: string
  /** The plan, relative to the workspace, instead of the run's master_plan_path. */
  readonly plan?: string
  readonly autoClose?: boolean
  /** Send the current snapshot and stop. */
  readonly once: boolean
  /** Keep watching after a run ends (the next run too). */
  readonly follow: boolean
  readonly pollMs: number
  readonly send: Sender
  readonly log: (line: string) => void
  /** Payloads are printed, not sent: the log says so. */
  readonly dryRun?: boolean
  readonly signal: AbortSignal
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>
  /**
   * Runs to leave alone (those there before `watch -- debussy run` started
   * its child): the watcher waits for a new one.
   */
  readonly ignoreRuns?: ReadonlySet<string>
  /** Resolves when the watched child exits: one last look, then stop. */
  readonly childExited?: Promise<unknown>
  readonly readTiming?: ReadTiming
}

export interface WatchResult {
  readonly sent: number
  /** Sends that failed after their retries. */
  readonly failed: number
}

/**
 * Debussy's absolute master_plan_path, relative to the repository root. A
 * path from elsewhere (Debussy in a container, a copied state.db) is matched
 * by its longest tail that names a file in the checkout.
 */
export function planRelative(
  workspace: string,
  masterPlanPath: string,
  exists: (file: string) => boolean = existsSync
): string {
  const relative = path.relative(workspace, path.resolve(workspace, masterPlanPath))
  if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) {
    return relative.split(path.sep).join('/')
  }
  const parts = masterPlanPath.split(/[\\/]+/).filter((p) => p !== '')
  for (let i = 0; i < parts.length; i++) {
    const tail = parts.slice(i).join('/')
    if (exists(path.join(workspace, tail))) return tail
  }
  throw new InputError(
    '--plan',
    `the run's plan "${printable(masterPlanPath)}" is not inside the repository ${workspace}`,
    "Run watch in the plan's checkout (or pass --workspace DIR), or name the plan with --plan PATH relative to the repository root"
  )
}

function describe(payload: DispatchPayload): string {
  const progress =
    payload.total_phases === undefined
      ? `${payload.completed_phases} done`
      : `${payload.completed_phases}/${payload.total_phases}`
  return `${payload.event}${payload.phase === undefined ? '' : ` phase ${payload.phase}`} (run ${payload.run_id}, #${payload.sequence}, ${progress})`
}

export async function watch(options: WatchOptions): Promise<WatchResult> {
  const contexts = new Map<string, PayloadContext>()
  const context = async (view: RunView): Promise<PayloadContext> => {
    const plan = options.plan ?? planRelative(options.workspace, view.run.masterPlanPath)
    const known = contexts.get(plan)
    if (known !== undefined) return known
    const loaded = await loadPlan(
      options.workspace,
      plan,
      { defaultRepo: options.repo, serverHost: options.serverHost },
      '--plan'
    )
    const phases = loaded.plan.phases.length
    const made: PayloadContext = {
      plan: loaded.plan.path,
      totalPhases: phases === 0 ? undefined : phases,
      ...(options.autoClose === undefined ? {} : { autoClose: options.autoClose })
    }
    contexts.set(plan, made)
    return made
  }

  let last: RunView | undefined
  let sent = 0
  let failed = 0
  let waiting = ''
  let childDone = false
  void options.childExited?.then(() => (childDone = true))
  const say = (line: string): void => {
    if (line !== waiting) options.log(line)
    waiting = line
  }

  for (;;) {
    // Ctrl-C: stop between looks, never in the middle of a send.
    if (options.signal.aborted) {
      options.log('stopped')
      return { sent, failed }
    }
    // Read the exit first: a look taken after it sees the child's last write.
    const finalLook = childDone
    let rows: StateRows | undefined
    try {
      rows = await readState(options.db, options.readTiming ?? DEFAULT_READ_TIMING)
    } catch (error) {
      if (!(error instanceof StateBusyError)) throw error
      say(`state.db is busy: ${error.message}`)
    }
    if (rows === undefined && !options.signal.aborted) {
      if (options.once)
        throw new InputError(
          '--db',
          `${options.db} does not exist`,
          "Run watch in the plan's checkout, where `debussy run` keeps .debussy/state.db, or pass --db PATH"
        )
      say(`waiting for ${options.db} (debussy run creates it)`)
    }
    const run =
      rows === undefined
        ? undefined
        : selectRun(
            {
              ...rows,
              runs: rows.runs.filter((r) => options.ignoreRuns?.has(r.id) !== true)
            },
            options.runId
          )
    if (rows !== undefined && run === undefined) {
      if (options.once) {
        throw new InputError(
          '--run',
          options.runId === undefined
            ? `${options.db} holds no run yet`
            : `no run "${printable(options.runId)}" in ${options.db}`,
          'Start `debussy run` first, or check the run id with `debussy status`'
        )
      }
      say('waiting for a Debussy run to start')
    }
    if (rows !== undefined && run !== undefined) {
      const view = viewOf(rows, run)
      const ctx = await context(view)
      if (last === undefined || last.run.id !== view.run.id) {
        say(`watching run ${view.run.id} of ${ctx.plan} (${view.run.status})`)
      }
      const payloads = nextPayloads(last, view, ctx)
      let ok = true
      for (const payload of payloads) {
        try {
          await options.send(payload)
          sent++
          options.log(
            `${options.dryRun === true ? '[dry-run] would send' : 'sent'} ${describe(payload)}`
          )
        } catch (error) {
          if (error instanceof SendError && error.permanent) throw error
          failed++
          ok = false
          options.log(`error: ${error instanceof Error ? error.message : String(error)}`)
          break
        }
      }
      // After a failed send the next look catches up with one snapshot instead.
      last = ok ? view : undefined
      if (ok && runEnded(view.run.status) && !options.follow && options.childExited === undefined) {
        options.log(`run ${view.run.id} ${view.run.status}; done`)
        return { sent, failed }
      }
      if (options.once) return { sent, failed }
      if (ok && view.run.status === 'paused') say(`run ${view.run.id} paused; still watching`)
    }
    if (finalLook) return { sent, failed }
    await options.sleep(options.pollMs, options.signal)
  }
}
