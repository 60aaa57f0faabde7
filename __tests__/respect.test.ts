import { describe, expect, it } from '@jest/globals'
import { DEFAULT_CONFIG } from '../src/config.js'
import type { IssueRef, Snapshot } from '../src/domain.js'
import { reconcile } from '../src/reconcile.js'
import {
  mayComment,
  personsChoice,
  type PersonsChoiceInput,
  type PersonsChoice
} from '../src/respect.js'
import { masterPlan, openIssue, phaseEvent } from '../test-support/domain-builders.js'

describe('personsChoice: what a person did is not undone', () => {
  const cases: [string, PersonsChoiceInput, PersonsChoice][] = [
    [
      'closed as not planned',
      { state: 'closed', stateReason: 'not_planned', completionStated: false },
      'not-planned'
    ],
    [
      'closed as not planned after the action said it completed',
      { state: 'closed', stateReason: 'not_planned', completionStated: true },
      'not-planned'
    ],
    [
      'reopened after the action closed it',
      { state: 'open', stateReason: 'reopened', completionStated: true },
      'reopened'
    ],
    // The completion comment went out but the close failed: a re-run still closes it.
    [
      'open, never closed, completion already stated',
      { state: 'open', stateReason: undefined, completionStated: true },
      undefined
    ],
    // A person's reopen before the plan completed is no choice about the action's close.
    [
      'reopened before the action ever closed it',
      { state: 'open', stateReason: 'reopened', completionStated: false },
      undefined
    ],
    [
      'closed as completed',
      { state: 'closed', stateReason: 'completed', completionStated: true },
      undefined
    ],
    [
      'closed as duplicate',
      { state: 'closed', stateReason: 'duplicate', completionStated: false },
      undefined
    ],
    ['open', { state: 'open', stateReason: undefined, completionStated: false }, undefined]
  ]
  it.each(cases)('%s', (_name, input, expected) => {
    expect(personsChoice(input)).toBe(expected)
  })
})

describe('mayComment: no comment of any kind on an issue closed as not planned', () => {
  const cases: [PersonsChoice, boolean][] = [
    ['not-planned', false],
    // A reopened issue is left open, but its status comment still follows the run.
    ['reopened', true],
    [undefined, true]
  ]
  it.each(cases)('%s → %s', (choice, expected) => {
    expect(mayComment(choice)).toBe(expected)
  })
})

describe('reconcile respects a reopen without the status comment (completion comment)', () => {
  const ref = (number: number): IssueRef => ({ owner: 'acme', repo: 'app', number })
  const plan = masterPlan({ issues: [ref(10), ref(11)] })
  const snapshot: Snapshot = {
    issues: [
      openIssue(ref(10), [], undefined, { hasCompletionComment: true, stateReason: 'reopened' }),
      openIssue(ref(11), [], undefined, { hasCompletionComment: true, stateReason: undefined })
    ],
    labels: new Map(),
    namedMilestone: undefined
  }
  it('closes only the issue no person reopened, with a notice for the other', () => {
    const changeset = reconcile({
      event: phaseEvent('plan_completed', { completedPhases: 2, totalPhases: 2 }),
      config: DEFAULT_CONFIG,
      plan,
      snapshot,
      autoClose: true
    })
    expect(changeset.closing).toEqual(['acme/app#11'])
    expect(changeset.operations.filter((o) => o.op === 'comment')).toEqual([])
    expect(changeset.issues[0]?.note).toBe('reopened by a person: left open')
    expect(changeset.findings).toContainEqual({
      level: 'notice',
      message:
        "acme/app#10 was reopened after debussy-issue-sync closed it for this plan: it is left open (a person's choice is not undone)."
    })
  })
})
