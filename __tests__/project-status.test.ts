/**
 * The rules of github.project (src/project-status.ts), as tables: the URL as
 * the config writes it, the check of the board GitHub has, and the writes
 * each issue needs for a state.
 */
import { describe, expect, it } from '@jest/globals'
import { DEFAULT_CONFIG, parseConfig } from '../src/config.js'
import type { ObservedIssue, Operation, SyncState } from '../src/domain.js'
import { InputError } from '../src/errors.js'
import {
  checkProjectHost,
  parseProjectUrl,
  projectChanges,
  projectOperations,
  resolveProject,
  type ObservedProject,
  type ProjectSetting,
  type ResolvedProject
} from '../src/project-status.js'
import { reconcile } from '../src/reconcile.js'
import { openIssue, phaseEvent } from '../test-support/domain-builders.js'

describe('parseProjectUrl', () => {
  it.each([
    [
      'https://github.com/orgs/acme/projects/3',
      { host: 'github.com', ownerType: 'organization', login: 'acme', number: 3 }
    ],
    [
      ' https://github.com/users/octo-cat/projects/12/views/1 ',
      { host: 'github.com', ownerType: 'user', login: 'octo-cat', number: 12 }
    ],
    [
      'https://GHES.example.com:8443/orgs/Acme/projects/7/',
      { host: 'ghes.example.com:8443', ownerType: 'organization', login: 'Acme', number: 7 }
    ]
  ])('%s → %j', (text, expected) => {
    expect(parseProjectUrl(text)).toEqual({ url: text.trim(), ...expected })
  })

  it.each([
    ['acme/projects/3', 'not a URL'],
    ['ftp://github.com/orgs/acme/projects/3', 'not an https URL'],
    ['https://github.com/acme/app/projects/3', 'not the URL of a project'],
    ['https://github.com/orgs/acme/projects/0', 'not the URL of a project'],
    ['https://github.com/orgs/acme/projects/three', 'not the URL of a project'],
    ['https://github.com/orgs/-acme/projects/3', '"-acme" is not an account name']
  ])('%s is refused: %s', (text, problem) => {
    expect(parseProjectUrl(text)).toMatch(problem)
  })
})

describe('github.project in .debussy/config.yaml', () => {
  const parse = (section: string): ReturnType<typeof parseConfig> =>
    parseConfig(`github:\n  project:\n${section}`, '.debussy/config.yaml')

  it('is off by default and when empty', () => {
    expect(DEFAULT_CONFIG.project).toBeUndefined()
    expect(parseConfig('github:\n  project:\n', 'c.yaml').config.project).toBeUndefined()
  })

  it('reads url, field (default Status) and the values of the states it names', () => {
    const { config, findings } = parse(
      '    url: https://github.com/orgs/acme/projects/3\n    values:\n      in-progress: In progress\n      completed: Done\n'
    )
    expect(config.project).toEqual({
      ref: {
        url: 'https://github.com/orgs/acme/projects/3',
        host: 'github.com',
        ownerType: 'organization',
        login: 'acme',
        number: 3
      },
      field: 'Status',
      values: { 'in-progress': 'In progress', completed: 'Done' }
    })
    expect(findings).toEqual([])
  })

  it.each([
    [
      'a URL that is not a project',
      '    url: https://github.com/acme/app\n',
      /^\.debussy\/config\.yaml github\.project\.url: got "https:\/\/github\.com\/acme\/app", expected the URL of a project\. Copy the project's URL from the browser/
    ],
    [
      'no url',
      '    field: Status\n',
      /^\.debussy\/config\.yaml github\.project\.url: got undefined, expected the URL of a project/
    ],
    [
      'a state that does not exist (underscores, as the label keys write it)',
      '    url: https://github.com/orgs/acme/projects/3\n    values:\n      in_progress: Doing\n',
      /github\.project\.values: .*expected a mapping of state to option name\. Indent under "values:" one line per state, such as "completed: Done"; the states are in-progress, completed, failed, validating, awaiting-human, blocked/
    ],
    [
      'an empty option name',
      '    url: https://github.com/orgs/acme/projects/3\n    values:\n      completed: ""\n',
      /github\.project\.values: /
    ]
  ])('%s fails naming the key and the fix', (_name, section, message) => {
    expect(() => parse(section)).toThrow(InputError)
    expect(() => parse(section)).toThrow(message)
  })

  it('warns about a key under project it does not know', () => {
    const { findings } = parse(
      '    url: https://github.com/orgs/acme/projects/3\n    feild: Stage\n'
    )
    expect(findings.map((f) => f.message)).toEqual([
      '.debussy/config.yaml: github.project.feild is not a setting the action knows, so it is ignored (did you mean field?)'
    ])
  })
})

const setting = (
  values: ProjectSetting['values'],
  url = 'https://github.com/orgs/acme/projects/3'
): ProjectSetting => {
  const ref = parseProjectUrl(url)
  if (typeof ref === 'string') throw new Error(ref)
  return { ref, field: 'Status', values }
}

const OPTIONS = [
  { id: 'o1', name: 'Todo' },
  { id: 'o2', name: 'In progress' },
  { id: 'o3', name: 'Done' }
]

const board = (
  overrides: Partial<Extract<ObservedProject, { found: true }>> = {}
): ObservedProject => ({
  found: true,
  id: 'PVT_1',
  title: 'Payments',
  url: 'https://github.com/orgs/acme/projects/3',
  field: { kind: 'single_select', id: 'F_status', name: 'Status', options: OPTIONS },
  fieldNames: ['Title', 'Status', 'Estimate'],
  items: new Map(),
  ...overrides
})

describe('resolveProject: the board must have the field and every option the config names', () => {
  it('maps each configured state to its option (exact, else without case)', () => {
    const resolved = resolveProject(
      setting({ 'in-progress': 'IN PROGRESS', completed: 'Done' }),
      board(),
      'c.yaml',
      'github-token'
    )
    expect([...resolved.options]).toEqual([
      ['in-progress', { id: 'o2', name: 'In progress' }],
      ['completed', { id: 'o3', name: 'Done' }]
    ])
    expect(resolved).toMatchObject({ id: 'PVT_1', fieldId: 'F_status', fieldName: 'Status' })
  })

  it.each<
    [string, ProjectSetting, ObservedProject | undefined, 'github-token' | 'project-token', RegExp]
  >([
    [
      'the token cannot see the project',
      setting({}),
      { found: false, reason: 'FORBIDDEN: Resource not accessible by integration' },
      'github-token',
      /^c\.yaml github\.project\.url: project https:\/\/github\.com\/orgs\/acme\/projects\/3 could not be read with the github-token input's token \(FORBIDDEN: Resource not accessible by integration\)\. Pass a token that can, as the project-token input \(GITHUB_TOKEN cannot reach Projects\) read and write the project and read the linked issues: a classic PAT with the "project" scope/
    ],
    [
      'the project-token cannot see it',
      setting({}),
      { found: false, reason: 'NOT_FOUND: Could not resolve to a ProjectV2 with the number 3.' },
      'project-token',
      /could not be read with the project-token input's token .*Give the project-token input a token that can .*"Projects: Read and write" organization permission/
    ],
    [
      'no such field',
      { ...setting({}), field: 'Stage' },
      board({ field: undefined }),
      'github-token',
      /^c\.yaml github\.project\.field: project "Payments" \(https:\/\/github\.com\/orgs\/acme\/projects\/3\) has no field "Stage"; its fields are "Title", "Status", "Estimate"\. Write the name of one of its single-select fields/
    ],
    [
      'a field that is not single-select',
      { ...setting({}), field: 'Estimate' },
      board({ field: { kind: 'other', name: 'Estimate', dataType: 'NUMBER' } }),
      'github-token',
      /github\.project\.field: "Estimate" in project "Payments" is a number field, not a single-select one/
    ],
    [
      'an option of a state other than the event',
      setting({ completed: 'Done', blocked: 'Stuck' }),
      board(),
      'github-token',
      /^c\.yaml github\.project\.values\.blocked: "Stuck" is not an option of the field "Status" in project "Payments"; its options are "Todo", "In progress", "Done"\. Write one of those options, or add "Stuck" to the field/
    ]
  ])(
    '%s: an InputError naming the key, what exists and the fix',
    (_name, config, observed, token, message) => {
      expect(() => resolveProject(config, observed, 'c.yaml', token)).toThrow(message)
    }
  )
})

const ISSUE = openIssue({ owner: 'acme', repo: 'payments', number: 10 }, [], undefined) as Extract<
  ObservedIssue,
  { found: true }
>

const resolved = (
  items: ResolvedProject['items'],
  values: ProjectSetting['values']
): ResolvedProject => resolveProject(setting(values), board({ items }), 'c.yaml', 'github-token')

/** What the operations say, without their targets. */
const shown = (operations: Operation[]): unknown[] =>
  operations.map((op) =>
    op.op === 'set_project_field'
      ? { op: op.op, value: op.value, item: 'id' in op.target.item ? op.target.item.id : 'added' }
      : { op: op.op }
  )

describe('projectOperations: what one issue needs for a state', () => {
  const values = { 'in-progress': 'In progress', completed: 'Done' } as const
  it.each<[string, ResolvedProject['items'], SyncState, unknown[]]>([
    [
      'not on the board: added, then its field set on the new item',
      new Map(),
      'in-progress',
      [{ op: 'add_to_project' }, { op: 'set_project_field', value: 'In progress', item: 'added' }]
    ],
    [
      'on the board with another option: the field set on its item',
      new Map([[ISSUE.id, { itemId: 'PVTI_1', optionId: 'o2' }]]),
      'completed',
      [{ op: 'set_project_field', value: 'Done', item: 'PVTI_1' }]
    ],
    [
      'on the board with an empty field: set',
      new Map([[ISSUE.id, { itemId: 'PVTI_1', optionId: null }]]),
      'completed',
      [{ op: 'set_project_field', value: 'Done', item: 'PVTI_1' }]
    ],
    [
      'already showing the option (a redelivery): nothing',
      new Map([[ISSUE.id, { itemId: 'PVTI_1', optionId: 'o3' }]]),
      'completed',
      []
    ],
    [
      'a state without a value, not on the board: added only',
      new Map(),
      'failed',
      [{ op: 'add_to_project' }]
    ],
    [
      'a state without a value, on the board: the field left alone',
      new Map([[ISSUE.id, { itemId: 'PVTI_1', optionId: 'o1' }]]),
      'failed',
      []
    ]
  ])('%s', (_name, items, state, expected) => {
    const operations = projectOperations(resolved(items, values), state, ISSUE)
    expect(shown(operations)).toEqual(expected)
    const [first, second] = operations
    if (second?.op === 'set_project_field' && 'added' in second.target.item) {
      expect(second.target.item.added).toBe(first)
    }
  })

  it('its changes, as the log line says them', () => {
    const operations = projectOperations(resolved(new Map(), values), 'completed', ISSUE)
    expect(projectChanges(operations)).toEqual(['+project', 'Status: Done'])
  })
})

describe('the project must be on this server', () => {
  it.each([
    ['https://github.com/orgs/acme/projects/3', 'github.com', true],
    ['https://www.github.com/orgs/acme/projects/3', 'github.com', true],
    ['https://ghes.example.com/orgs/acme/projects/3', 'GHES.example.com', true],
    ['https://github.com/orgs/acme/projects/3', 'ghes.example.com', false],
    ['https://ghes.example.com/orgs/acme/projects/3', 'github.com', false]
  ])('%s on %s: %s', (url, host, accepted) => {
    const check = (): void => checkProjectHost(setting({}, url), host, 'c.yaml')
    if (accepted) expect(check).not.toThrow()
    else expect(check).toThrow(/^c\.yaml github\.project\.url: .* is on .*, not on this server/)
  })
})

describe('reconcile with a project', () => {
  const plan = {
    path: 'docs/plan.md',
    title: 'Plan',
    issues: [ISSUE.ref],
    repo: { owner: 'acme', repo: 'payments' },
    milestone: undefined,
    phases: [{ id: '1', title: 'One', done: false }]
  }
  const snapshot = { issues: [ISSUE], labels: new Map(), namedMilestone: undefined }

  it('puts the project writes after the label writes, in the issue outcome too', () => {
    const changeset = reconcile({
      event: phaseEvent('phase_completed', { phase: '1' }),
      config: DEFAULT_CONFIG,
      plan,
      snapshot,
      autoClose: false,
      project: resolved(new Map(), { completed: 'Done' })
    })
    expect(changeset.operations.map((op) => op.op)).toEqual([
      'create_label',
      'add_label',
      'add_to_project',
      'set_project_field'
    ])
    expect(changeset.issues[0]?.operations.map((op) => op.op)).toEqual([
      'add_label',
      'add_to_project',
      'set_project_field'
    ])
  })

  it('writes nothing to the board for an event out of order', () => {
    const changeset = reconcile({
      event: phaseEvent('phase_started', { phase: '1', runId: 'r', sequence: 1 }),
      config: DEFAULT_CONFIG,
      plan,
      snapshot: {
        ...snapshot,
        issues: [
          {
            ...ISSUE,
            milestone: {
              repo: plan.repo,
              number: 1,
              title: 'M',
              url: 'u',
              description:
                '<!-- debussy-issue-sync:begin plan="docs%2Fplan.md" run="r" seq="5" -->\nx\n<!-- debussy-issue-sync:end plan="docs%2Fplan.md" -->'
            }
          }
        ]
      },
      autoClose: false,
      project: resolved(new Map(), { 'in-progress': 'In progress' })
    })
    expect(changeset.outOfOrder).toBeDefined()
    expect(changeset.operations.filter((op) => op.op.includes('project'))).toEqual([])
  })
})
