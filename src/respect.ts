/**
 * What a person did to an issue is not undone: an issue reopened after the
 * action closed it is not closed again for the plan, and an issue closed as
 * not planned stays closed and gets no comment. Pure; read from GitHub's
 * `Issue.stateReason` (REOPENED while an issue is open after a reopen,
 * NOT_PLANNED when it was closed as not planned) and from the action's own
 * comments (the completion comment, or a status comment that says the run
 * completed), which it writes only when it closes an issue.
 */

/** GitHub's `IssueStateReason`, lower-cased; undefined when never closed or a pull request. */
export type StateReason = 'completed' | 'not_planned' | 'reopened' | 'duplicate'

export interface PersonsChoiceInput {
  readonly state: 'open' | 'closed'
  readonly stateReason: StateReason | undefined
  /** The action already said on the issue that the plan completed (and so closed it). */
  readonly completionStated: boolean
}

/**
 * - `not-planned`: closed as not planned; no comment, no status comment, not closed again.
 * - `reopened`: reopened after the action closed it; not closed again (comments still allowed).
 */
export type PersonsChoice = 'not-planned' | 'reopened' | undefined

export function personsChoice(issue: PersonsChoiceInput): PersonsChoice {
  if (issue.state === 'closed' && issue.stateReason === 'not_planned') return 'not-planned'
  if (issue.state === 'open' && issue.stateReason === 'reopened' && issue.completionStated)
    return 'reopened'
  return undefined
}

/** Whether the action may comment on the issue (its status comment or its completion comment). */
export function mayComment(choice: PersonsChoice): boolean {
  return choice !== 'not-planned'
}

/** The notice that says what was left alone and why. */
export function leftAloneNotice(issue: string, choice: Exclude<PersonsChoice, undefined>): string {
  return choice === 'not-planned'
    ? `${issue} was closed as not planned: it stays closed and gets no comment (a person's choice is not undone); its labels are still synced.`
    : `${issue} was reopened after debussy-issue-sync closed it for this plan: it is left open (a person's choice is not undone).`
}
