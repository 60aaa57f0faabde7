/**
 * A sample repository and Debussy plan, shared by the in-process tests, the
 * end-to-end tests, the benchmark and the demo: issues with people's labels,
 * a milestone with a human description, and a plan that links them.
 */
import type { DispatchPayload } from '../src/sender/snapshot.js'
import type { GitHubSimulator } from './github-simulator.js'

export const REPO = 'acme/payments'
export const PLAN_PATH = 'docs/plans/payments-retry/MASTER_PLAN.md'
export const MILESTONE_TEXT =
  'Move failed card captures onto a durable retry queue.\n\nOwner: payments team.'

export interface SampleOptions {
  /** How many linked issues (default 3). */
  readonly issues?: number
  /** Phase ids of the plan's table (default 1, 2, 2.5, 3). */
  readonly phases?: readonly string[]
  /** Put the issues in a milestone (default true). */
  readonly milestone?: boolean
  /** Create the state labels beforehand (default false: the action creates them). */
  readonly stateLabels?: boolean
}

export interface Sample {
  readonly issueNumbers: readonly number[]
  readonly milestone: number | undefined
  readonly files: Record<string, string>
}

/** Debussy's native master plan format, linking the given issues. */
export function debussyPlan(
  issueNumbers: readonly number[],
  phases: readonly string[],
  repo = REPO
): string {
  const rows = phases.map(
    (id) => `| ${id} | [Phase ${id}](phase-${id}.md) | Work for phase ${id} | Low | Pending |`
  )
  return [
    '# Payments Retry Queue - Master Plan',
    '',
    '**Created:** 2026-10-02',
    `**GitHub Issues:** ${issueNumbers.map((n) => `#${n}`).join(', ')}`,
    `**GitHub Repo:** ${repo}`,
    '',
    '## Overview',
    '',
    'Owner: @payments-team.',
    '',
    '## Phases',
    '',
    '| Phase | Title | Focus | Risk | Status |',
    '|-------|-------|-------|------|--------|',
    ...rows,
    ''
  ].join('\n')
}

export function seedSample(sim: GitHubSimulator, options: SampleOptions = {}): Sample {
  const count = options.issues ?? 3
  const phases = options.phases ?? ['1', '2', '2.5', '3']
  sim.addRepo(REPO)
  for (const name of ['bug', 'team:payments', 'needs-review'])
    sim.addLabel(REPO, { name, color: 'c5def5' })
  if (options.stateLabels === true) {
    sim.addLabel(REPO, { name: 'debussy:in-progress', color: '1D76DB' })
    sim.addLabel(REPO, { name: 'debussy:completed', color: '0E8A16' })
    sim.addLabel(REPO, { name: 'debussy:failed', color: 'D93F0B' })
  }
  const milestone =
    options.milestone === false
      ? undefined
      : sim.addMilestone(REPO, { title: 'Q4 reliability', description: MILESTONE_TEXT })
  const people = [['bug'], ['team:payments', 'needs-review'], []]
  const issueNumbers: number[] = []
  for (let i = 0; i < count; i++) {
    issueNumbers.push(
      sim.addIssue(REPO, {
        title: `Retry queue task ${i + 1}`,
        labels: people[i % people.length] ?? [],
        ...(milestone === undefined ? {} : { milestone })
      })
    )
  }
  return { issueNumbers, milestone, files: { [PLAN_PATH]: debussyPlan(issueNumbers, phases) } }
}

/**
 * The `client_payload` Debussy sends (SPEC §2), as the demo and the benchmark
 * send it: the sender's payload, every event a full snapshot (total_phases
 * always set), plus the dry_run switch. A mapped type, not an interface, so
 * that it fits dispatch()'s Record<string, unknown>.
 */
export type SnapshotPayload = Omit<DispatchPayload, 'total_phases'> & {
  readonly total_phases: number
  readonly dry_run?: boolean
}

/** A `repository_dispatch` event as the workflow receives it. */
export function dispatch(
  clientPayload: Record<string, unknown>,
  eventType = 'debussy-event'
): Record<string, unknown> {
  return {
    action: eventType,
    branch: 'main',
    client_payload: clientPayload,
    repository: { full_name: REPO, name: 'payments', owner: { login: 'acme' } },
    sender: { login: 'debussy-bot', type: 'User' }
  }
}
