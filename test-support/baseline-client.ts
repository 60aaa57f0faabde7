/**
 * The per-issue baseline the benchmark measures the action against: what
 * Debussy's own Python sync (`debussy.sync`: GitHubSyncCoordinator,
 * LabelManager, GitHubClient) does for one event, request for request, over
 * REST:
 *
 *   once per event, for the event's state label when this client has not
 *   ensured it yet: GET /labels/{name}, and POST /labels when it is missing;
 *   per linked issue, in plan order:
 *     GET    /issues/{n}
 *     POST   /issues/{n}/labels            { labels: [state label] }
 *     DELETE /issues/{n}/labels/{old}      for each other state label on it
 *   once, when a linked issue has a milestone (the first one's, as Debussy):
 *     GET    /milestones/{m}
 *     PATCH  /milestones/{m}               { description } (always, as Debussy)
 *   plan_completed with auto-close, per linked issue:
 *     POST   /issues/{n}/comments          the completion comment
 *     PATCH  /issues/{n}                   { state: "closed" }
 *
 * Generous to the baseline where Debussy does more: it ensures only the
 * event's label (Debussy checks all three), and skips Debussy's start-of-run
 * GET of every issue (the per-event GET finds the milestone).
 *
 * It runs through the action's own Octokit (`createGitHub` with
 * DEFAULT_TIMING: the same throttling, retries and timeouts), so the timings
 * compare like with like. `countOnly` drops the throttling plugin, for runs
 * that count requests only (the request sequence does not depend on timing).
 */
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import {
  DEFAULT_TIMING,
  createGitHub,
  type ClientTiming,
  type GitHubClient
} from '../src/github/client.js'
import { restOf } from './octokit-rest.js'

export type BaselineEventKind =
  'phase_started' | 'phase_completed' | 'phase_failed' | 'plan_completed'

export interface BaselineLabels {
  readonly in_progress: string
  readonly completed: string
  readonly failed: string
  readonly color_in_progress: string
  readonly color_completed: string
  readonly color_failed: string
}

/** Debussy's defaults (`.debussy/config.yaml`, `github.labels`). */
export const DEBUSSY_LABELS: BaselineLabels = {
  in_progress: 'debussy:in-progress',
  completed: 'debussy:completed',
  failed: 'debussy:failed',
  color_in_progress: '1D76DB',
  color_completed: '0E8A16',
  color_failed: 'D93F0B'
}

/** Debussy's completion comment. */
export const DEBUSSY_COMPLETION_COMMENT =
  '✅ **Debussy orchestration completed!**\n\nAll phases have been executed successfully. Closing this issue automatically.'

export interface BaselineEvent {
  readonly event: BaselineEventKind
  /** Linked issue numbers, in plan order, all in `repo`. */
  readonly issues: readonly number[]
  readonly completed: number
  readonly total: number
  readonly autoClose: boolean
}

export interface BaselineResult {
  /** Per-issue (or per-call) failures, in Debussy's way: logged, the rest goes on. */
  readonly errors: string[]
  readonly milestone: number | undefined
}

export interface BaselineServer {
  readonly apiUrl: string
  readonly graphqlUrl: string
  readonly token: string
}

export interface BaselineClientOptions {
  /** No throttling plugin: for runs that only count requests. Default false. */
  readonly countOnly?: boolean
  readonly timing?: ClientTiming
  readonly labels?: BaselineLabels
  readonly createLabelsIfMissing?: boolean
}

const STATE_OF: Record<BaselineEventKind, 'in_progress' | 'completed' | 'failed'> = {
  phase_started: 'in_progress',
  phase_completed: 'completed',
  phase_failed: 'failed',
  plan_completed: 'completed'
}

const LABEL_DESCRIPTIONS = {
  in_progress: 'Phase in progress',
  completed: 'Phase completed',
  failed: 'Phase failed'
} as const

/** Debussy's progress line and its in-place replacement (github_sync.update_milestone_progress). */
export function debussyMilestoneDescription(
  current: string,
  completed: number,
  total: number
): string {
  const percent = total === 0 ? 0 : Math.round((completed / total) * 100)
  const line = `\n\n📊 **Debussy Progress:** ${percent}% (${completed}/${total} phases)`
  return current.includes('**Debussy Progress:**')
    ? current.replace(/\n\n📊 \*\*Debussy Progress:\*\* .*/g, () => line)
    : current + line
}

function describe(error: unknown): string {
  const e = error as { status?: unknown; message?: unknown } | null
  const status = typeof e?.status === 'number' ? `HTTP ${e.status}: ` : ''
  return `${status}${typeof e?.message === 'string' ? e.message : String(error)}`
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

export class BaselineClient {
  readonly octokit: GitHubClient
  private readonly rest: ReturnType<typeof restOf>
  private readonly owner: string
  private readonly repo: string
  private readonly labels: BaselineLabels
  private readonly createLabelsIfMissing: boolean
  /** Labels this client has ensured, as Debussy's LabelManager remembers it did. */
  private readonly ensured = new Set<string>()

  constructor(server: BaselineServer, repo: string, options: BaselineClientOptions = {}) {
    const [owner, name] = repo.split('/')
    if (!owner || !name) throw new Error(`baseline: repository must be owner/repo, not ${repo}`)
    this.owner = owner
    this.repo = name
    this.labels = options.labels ?? DEBUSSY_LABELS
    this.createLabelsIfMissing = options.createLabelsIfMissing ?? true
    if (options.countOnly === true) {
      const timing = options.timing ?? DEFAULT_TIMING
      this.octokit = getOctokit(
        server.token,
        {
          baseUrl: server.apiUrl.replace(/\/+$/, ''),
          retry: { retries: timing.retries, retryAfterBaseValue: timing.retryUnitMs }
        },
        retry
      )
    } else {
      this.octokit = createGitHub({
        token: server.token,
        apiUrl: server.apiUrl,
        graphqlUrl: server.graphqlUrl,
        timing: options.timing ?? DEFAULT_TIMING
      }).octokit
    }
    this.rest = restOf(this.octokit)
  }

  /** One event, the way Debussy's coordinator handles it. Never throws for a GitHub error. */
  async sync(event: BaselineEvent): Promise<BaselineResult> {
    const errors: string[] = []
    const stateKey = STATE_OF[event.event]
    const target = this.labels[stateKey]
    const others = (['in_progress', 'completed', 'failed'] as const)
      .filter((key) => key !== stateKey)
      .map((key) => this.labels[key])
    const base = { owner: this.owner, repo: this.repo }

    await this.ensureLabel(stateKey, errors)

    let milestone: number | undefined
    const found: number[] = []
    for (const number of event.issues) {
      let labels: string[]
      try {
        const issue = await this.rest.issues.get({ ...base, issue_number: number })
        labels = issue.data.labels.map((label) =>
          typeof label === 'string' ? label : (label.name ?? '')
        )
        milestone ??= issue.data.milestone?.number
        found.push(number)
      } catch (error) {
        errors.push(`#${number}: ${describe(error)}`)
        continue
      }
      try {
        await this.rest.issues.addLabels({
          ...base,
          issue_number: number,
          labels: [target]
        })
        for (const old of others) {
          if (!labels.includes(old)) continue
          try {
            await this.rest.issues.removeLabel({ ...base, issue_number: number, name: old })
          } catch (error) {
            // Debussy's remove_label: a 404 means it was not there.
            if (statusOf(error) !== 404) throw error
          }
        }
      } catch (error) {
        errors.push(`#${number}: ${describe(error)}`)
      }
    }

    if (milestone !== undefined) {
      try {
        const current = await this.rest.issues.getMilestone({
          ...base,
          milestone_number: milestone
        })
        await this.rest.issues.updateMilestone({
          ...base,
          milestone_number: milestone,
          description: debussyMilestoneDescription(
            current.data.description ?? '',
            event.completed,
            event.total
          )
        })
      } catch (error) {
        errors.push(`milestone ${milestone}: ${describe(error)}`)
      }
    }

    if (event.event === 'plan_completed' && event.autoClose) {
      for (const number of found) {
        try {
          await this.rest.issues.createComment({
            ...base,
            issue_number: number,
            body: DEBUSSY_COMPLETION_COMMENT
          })
          await this.rest.issues.update({ ...base, issue_number: number, state: 'closed' })
        } catch (error) {
          errors.push(`close #${number}: ${describe(error)}`)
        }
      }
    }
    return { errors, milestone }
  }

  /** Debussy's ensure_label: GET the label, POST it when that answers 404. */
  private async ensureLabel(
    key: 'in_progress' | 'completed' | 'failed',
    errors: string[]
  ): Promise<void> {
    const name = this.labels[key]
    if (!this.createLabelsIfMissing || this.ensured.has(name)) return
    const base = { owner: this.owner, repo: this.repo }
    try {
      await this.rest.issues.getLabel({ ...base, name })
    } catch (error) {
      if (statusOf(error) !== 404) {
        errors.push(`label ${name}: ${describe(error)}`)
        return
      }
      try {
        await this.rest.issues.createLabel({
          ...base,
          name,
          color: this.labels[`color_${key}`],
          description: LABEL_DESCRIPTIONS[key]
        })
      } catch (again) {
        errors.push(`label ${name}: ${describe(again)}`)
        return
      }
    }
    this.ensured.add(name)
  }
}
