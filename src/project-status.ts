/**
 * GitHub Projects Status (`github.project`), pure: the project's URL as the
 * config writes it, the check of the project, field and options GitHub has
 * before anything is written, and the writes that bring each linked issue's
 * project item to the event's state (added to the project if missing, its
 * single-select field set when it differs).
 */
import { z } from 'zod'
import type { ObservedIssue, Operation, SyncState } from './domain.js'
import { SYNC_STATES } from './domain.js'
import { InputError, printable } from './errors.js'
import { field } from './fields.js'
import { formatIssueRef } from './issue-ref.js'

/** A project as its URL names it: `https://github.com/orgs/ORG/projects/N` or `…/users/USER/projects/N`. */
export interface ProjectRef {
  /** The URL as written, trimmed. */
  readonly url: string
  /** Lower-cased, with a port if any: github.com, or the GHES server's own host. */
  readonly host: string
  readonly ownerType: 'organization' | 'user'
  readonly login: string
  readonly number: number
}

/** What the config asks: the project, its single-select field, and an option name per state. */
export interface ProjectSetting {
  readonly ref: ProjectRef
  readonly field: string
  /** A state without a value leaves the field alone. */
  readonly values: Readonly<Partial<Record<SyncState, string>>>
}

/** The project's item of one issue, as GitHub has it. */
export interface ObservedProjectItem {
  readonly itemId: string
  /** The option the field has now; null when it is empty. */
  readonly optionId: string | null
}

export interface ObservedOption {
  readonly id: string
  readonly name: string
}

/** The field the config names, as the project has it. */
export type ObservedProjectField =
  | {
      readonly kind: 'single_select'
      readonly id: string
      readonly name: string
      readonly options: readonly ObservedOption[]
    }
  | { readonly kind: 'other'; readonly name: string; readonly dataType: string }

/** The project as the observe read it. */
export type ObservedProject =
  | {
      readonly found: true
      readonly id: string
      readonly title: string
      readonly url: string
      /** Undefined when the project has no field of that name. */
      readonly field: ObservedProjectField | undefined
      /** Every field's name, for the message when the named one is missing. */
      readonly fieldNames: readonly string[]
      /** Each linked issue's item in this project, by the issue's node id. */
      readonly items: ReadonlyMap<string, ObservedProjectItem>
    }
  | { readonly found: false; readonly reason: string }

/** The project checked against the config: everything the writes need. */
export interface ResolvedProject {
  readonly url: string
  readonly id: string
  readonly fieldId: string
  readonly fieldName: string
  /** The option of each state that has a value. */
  readonly options: ReadonlyMap<SyncState, ObservedOption>
  readonly items: ReadonlyMap<string, ObservedProjectItem>
}

/** Which input's token reads and writes the project: named in the messages. */
export type ProjectTokenInput = 'project-token' | 'github-token'

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})$/
const PROJECT_PATH = /^\/(orgs|users)\/([^/]+)\/projects\/([1-9][0-9]{0,8})(?:\/.*)?$/

/** Parses a project URL; a string says what is wrong with it. */
export function parseProjectUrl(text: string): ProjectRef | string {
  const trimmed = text.trim()
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    return 'not a URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'not an https URL'
  const match = PROJECT_PATH.exec(url.pathname.replace(/\/+$/, ''))
  const [, kind, login, number] = match ?? []
  if (kind === undefined || login === undefined || number === undefined) {
    return 'not the URL of a project (/orgs/ORG/projects/N or /users/USER/projects/N)'
  }
  if (!LOGIN.test(login)) return `"${printable(login, 40)}" is not an account name`
  return {
    url: trimmed,
    host: url.host.toLowerCase(),
    ownerType: kind === 'orgs' ? 'organization' : 'user',
    login,
    number: Number(number)
  }
}

const URL_EXAMPLE = 'https://github.com/orgs/acme/projects/3'

const optionName = z.string().trim().min(1).max(100)

/** `github.project`: each key declared once, with its help text (config.ts names it). */
export const projectConfigSchema = z.object({
  url: field(
    z.string().transform((text, ctx) => {
      const parsed = parseProjectUrl(text)
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed, input: text })
        return z.NEVER
      }
      return parsed
    }),
    {
      description:
        "Projects Status: the board's URL (/orgs/ORG/projects/N or /users/USER/projects/N) on this server. Token: the project-token input.",
      expected: 'the URL of a project',
      example: URL_EXAMPLE,
      fix: `Copy the project's URL from the browser, such as "${URL_EXAMPLE}"`,
      jsonSchema: { pattern: '^https?://[^/]+/(orgs|users)/[^/]+/projects/[1-9][0-9]*(/.*)?$' }
    }
  ),
  field: field(z.string().trim().min(1).max(100).default('Status'), {
    description:
      "The board's single-select field that the state sets, named as the board shows it.",
    expected: 'the name of a single-select field of the project',
    example: 'Status',
    fix: 'Write the field\'s name as the project shows it, such as "Status"'
  }),
  values: field(
    z
      .strictObject(
        Object.fromEntries(SYNC_STATES.map((state) => [state, optionName.optional()])) as Record<
          SyncState,
          z.ZodOptional<typeof optionName>
        >
      )
      .prefault({}),
    {
      description:
        'The option of each state (in-progress, completed, failed, …); a state without one leaves the field alone.',
      expected: 'a mapping of state to option name',
      jsonSchema: {
        examples: [{ 'in-progress': 'In progress', completed: 'Done', failed: 'Blocked' }]
      },
      fix: `Indent under "values:" one line per state, such as "completed: Done"; the states are ${SYNC_STATES.join(', ')}`
    }
  )
})

/** The `project` key's schema output, as the action uses it. */
export function toProjectSetting(
  section: z.output<typeof projectConfigSchema> | undefined
): ProjectSetting | undefined {
  if (section === undefined) return undefined
  const values: Partial<Record<SyncState, string>> = {}
  for (const state of SYNC_STATES) {
    const value = section.values[state]
    if (value !== undefined) values[state] = value
  }
  return { ref: section.url, field: section.field, values }
}

/** Where the fix for a project problem goes, per token. */
export function tokenFix(input: ProjectTokenInput): string {
  const which =
    input === 'project-token'
      ? 'Give the project-token input a token that can'
      : 'Pass a token that can, as the project-token input (GITHUB_TOKEN cannot reach Projects)'
  return `${which} read and write the project and read the linked issues: a classic PAT with the "project" scope (and "repo" for private repositories), a fine-grained PAT or GitHub App with the "Projects: Read and write" organization permission (account permission for a user's project) and "Issues: Read", or check the URL`
}

/**
 * The project, field and options the config names, as GitHub has them. Throws
 * an InputError naming the config key, what exists and the fix, so that a
 * wrong name fails the step before any write. Every state's value is checked,
 * not just this event's: a typo shows on the first event, not on the failing one.
 */
export function resolveProject(
  setting: ProjectSetting,
  observed: ObservedProject | undefined,
  source: string,
  token: ProjectTokenInput
): ResolvedProject {
  const url = setting.ref.url
  if (observed === undefined || !observed.found) {
    const reason = observed === undefined ? 'it was not read' : observed.reason
    throw new InputError(
      `${source} github.project.url`,
      `project ${url} could not be read with the ${token} input's token (${reason})`,
      tokenFix(token)
    )
  }
  const named = observed.field
  const known = observed.fieldNames.map((name) => `"${name}"`).join(', ')
  if (named === undefined) {
    throw new InputError(
      `${source} github.project.field`,
      `project "${observed.title}" (${url}) has no field "${setting.field}"; its fields are ${known || 'none'}`,
      'Write the name of one of its single-select fields, such as "Status"'
    )
  }
  if (named.kind !== 'single_select') {
    throw new InputError(
      `${source} github.project.field`,
      `"${named.name}" in project "${observed.title}" is a ${named.dataType.toLowerCase()} field, not a single-select one; its fields are ${known}`,
      'Write the name of a single-select field, such as "Status"'
    )
  }
  const options = new Map<SyncState, ObservedOption>()
  for (const state of SYNC_STATES) {
    const wanted = setting.values[state]
    if (wanted === undefined) continue
    const option =
      named.options.find((o) => o.name === wanted) ??
      named.options.find((o) => o.name.toLowerCase() === wanted.toLowerCase())
    if (option === undefined) {
      const names = named.options.map((o) => `"${o.name}"`).join(', ')
      throw new InputError(
        `${source} github.project.values.${state}`,
        `"${wanted}" is not an option of the field "${named.name}" in project "${observed.title}"; its options are ${names || 'none'}`,
        `Write one of those options, or add "${wanted}" to the field in the project's settings`
      )
    }
    options.set(state, option)
  }
  return {
    url,
    id: observed.id,
    fieldId: named.id,
    fieldName: named.name,
    options,
    items: observed.items
  }
}

type AddToProject = Extract<Operation, { op: 'add_to_project' }>

/**
 * The project writes of one issue for `state`: added when it has no item in
 * the project, its field set when the item's option differs (a redelivery
 * writes nothing). A state without a value adds the issue and leaves the field.
 */
export function projectOperations(
  project: ResolvedProject,
  state: SyncState,
  observed: Extract<ObservedIssue, { found: true }>
): Operation[] {
  const issue = formatIssueRef(observed.ref)
  const item = project.items.get(observed.id)
  const option = project.options.get(state)
  const operations: Operation[] = []
  let source: { readonly id: string } | { readonly added: AddToProject }
  if (item === undefined) {
    const added: AddToProject = {
      op: 'add_to_project',
      issue,
      project: project.url,
      target: { projectId: project.id, contentId: observed.id }
    }
    operations.push(added)
    source = { added }
  } else {
    source = { id: item.itemId }
  }
  if (option !== undefined && item?.optionId !== option.id) {
    operations.push({
      op: 'set_project_field',
      issue,
      project: project.url,
      field: project.fieldName,
      value: option.name,
      target: { projectId: project.id, fieldId: project.fieldId, optionId: option.id, item: source }
    })
  }
  return operations
}

/** The host check the schema cannot make: the project must be on this server. */
export function checkProjectHost(
  setting: ProjectSetting | undefined,
  serverHost: string,
  source: string
): void {
  if (setting === undefined) return
  const host = serverHost.toLowerCase()
  if (setting.ref.host === host || (host === 'github.com' && setting.ref.host === 'www.github.com'))
    return
  throw new InputError(
    `${source} github.project.url`,
    `${setting.ref.url} is on ${setting.ref.host}, not on this server (${host})`,
    `Use the URL of a project on ${host}, such as https://${host}/orgs/ORG/projects/N`
  )
}

/** An issue's project writes as its log line says them: `+project`, `Status: Done`. */
export function projectChanges(operations: readonly Operation[]): string[] {
  return operations.flatMap((operation) =>
    operation.op === 'add_to_project'
      ? ['+project']
      : operation.op === 'set_project_field'
        ? [`${operation.field}: ${operation.value}`]
        : []
  )
}
