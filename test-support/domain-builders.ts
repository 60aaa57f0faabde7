/**
 * Builders of the pure core's inputs, shared by the table tests of
 * reconcile, progress and the job summary.
 */
import type {
  EventKind,
  IssueRef,
  MasterPlan,
  ObservedIssue,
  ObservedLabel,
  ObservedMilestone,
  PhaseEvent
} from '../src/domain.js'

/** An event of `kind` for docs/plan.md, phase 2 (none for plan_completed), no optional field set. */
export const phaseEvent = (kind: EventKind, overrides: Partial<PhaseEvent> = {}): PhaseEvent => ({
  kind,
  plan: 'docs/plan.md',
  phase: kind === 'plan_completed' ? undefined : '2',
  completedPhases: undefined,
  totalPhases: undefined,
  autoClose: undefined,
  dryRun: undefined,
  runId: undefined,
  sequence: undefined,
  ...overrides
})

/** docs/plan.md of acme/app, titled `Plan`, with no issue, milestone or phase unless given. */
export const masterPlan = (overrides: Partial<MasterPlan> = {}): MasterPlan => ({
  path: 'docs/plan.md',
  title: 'Plan',
  issues: [],
  repo: { owner: 'acme', repo: 'app' },
  milestone: undefined,
  phases: [],
  ...overrides
})

/** An open issue (not a pull request) that GitHub found, titled `Issue N`. */
export const openIssue = (
  ref: IssueRef,
  labels: ObservedLabel[],
  milestone: ObservedMilestone | undefined,
  extra: Partial<Extract<ObservedIssue, { found: true }>> = {}
): ObservedIssue => ({
  ref,
  found: true,
  id: `I_${ref.number}`,
  kind: 'issue',
  state: 'open',
  locked: false,
  title: `Issue ${ref.number}`,
  url: `https://github.com/${ref.owner}/${ref.repo}/issues/${ref.number}`,
  labels,
  milestone,
  hasCompletionComment: false,
  ...extra
})
