/**
 * Every opt-in of issue 14 on, on the sample repository: the team's board and
 * the config that turns the status comment, the parent issue and the board's
 * Status on. Shared by the budget test, the bench and the demo.
 */
import { SYNC_STATES, type SyncState } from '../src/domain.js'
import type { GitHubSimulator } from './github-simulator.js'
import { REPO } from './sample-repo.js'

/** The sample repository's owner: the board belongs to it. */
export const OWNER = REPO.split('/')[0] ?? ''

/** The board's Status option of each state (github.project.values), as a team would name them. */
export const BOARD_VALUES: Readonly<Record<SyncState, string>> = {
  'in-progress': 'In progress',
  completed: 'Done',
  failed: 'Failed',
  validating: 'Validating',
  'awaiting-human': 'Waiting on a person',
  blocked: 'Blocked'
}

/** The team's project board: a Status field with Todo and an option for each state. Returns its number. */
export function addBoard(sim: GitHubSimulator): number {
  return sim.addProject({
    owner: OWNER,
    title: 'Payments board',
    fields: [
      { name: 'Title', dataType: 'TITLE' },
      {
        name: 'Status',
        dataType: 'SINGLE_SELECT',
        options: ['Todo', ...Object.values(BOARD_VALUES)]
      }
    ]
  })
}

/**
 * `.debussy/config.yaml` with every opt-in of issue 14 on: the living status
 * comment, the plan's issue as the parent, and the board's Status for all six
 * states (github-token reaches the project: one token).
 */
export function allOnConfig(board: number, parent: number): string {
  return [
    'github:',
    '  status_comment: true',
    `  parent_issue: ${parent}`,
    '  project:',
    `    url: https://github.com/orgs/${OWNER}/projects/${board}`,
    '    field: Status',
    '    values:',
    ...SYNC_STATES.map((state) => `      ${state}: ${BOARD_VALUES[state]}`),
    ''
  ].join('\n')
}
