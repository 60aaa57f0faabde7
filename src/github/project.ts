/**
 * The GraphQL of `github.project` (rules: project-status.ts): what the observe
 * read asks of the project and of each linked issue's project items, how the
 * answer decodes, and the two mutations. With one token for everything these
 * fields ride in the observe query and the label mutations; with a separate
 * project-token they go in requests of their own (see observe.ts, apply.ts).
 */
import type {
  ObservedOption,
  ObservedProject,
  ObservedProjectField,
  ObservedProjectItem,
  ProjectRef
} from '../project-status.js'
import type { GqlError, ObserveQuery } from './observe.js'

/** Items per issue: an issue in more projects than this may be added again, which GitHub ignores. */
const ITEMS_PER_ISSUE = 100

/** The selection on an Issue or PullRequest that reads its items and their field value. */
export const PROJECT_ITEMS_FIELDS = `projectItems(first: ${ITEMS_PER_ISSUE}) { nodes { id project { id } fieldValueByName(name: $projectField) { __typename ... on ProjectV2ItemFieldSingleSelectValue { optionId } } } }`

/** The alias of the project's root field in a query. */
export const PROJECT_ALIAS = 'project'

/** The variables the project fields use: declared by the query that holds them. */
export function projectVariables(
  ref: ProjectRef,
  fieldName: string
): { declarations: string[]; variables: Record<string, unknown> } {
  return {
    declarations: ['$projectLogin: String!', '$projectField: String!'],
    variables: { projectLogin: ref.login, projectField: fieldName }
  }
}

/** The project by owner and number: its field of that name (with options) and every field's name. */
export function projectRootField(ref: ProjectRef): string {
  return `${PROJECT_ALIAS}: ${ref.ownerType}(login: $projectLogin) { projectV2(number: ${ref.number}) { id title url field(name: $projectField) { __typename ... on ProjectV2FieldCommon { id name dataType } ... on ProjectV2SingleSelectField { options { id name } } } fields(first: 100) { nodes { __typename ... on ProjectV2FieldCommon { name } } } } }`
}

/**
 * The project read of a separate project-token: the project, and each issue's
 * id and items, under the same aliases as the observe query (so one decoder
 * reads both).
 */
export function buildProjectQuery(
  repos: ObserveQuery['repos'],
  ref: ProjectRef,
  fieldName: string,
  withRoot: boolean
): { query: string; variables: Record<string, unknown> } {
  const { declarations, variables } = projectVariables(ref, fieldName)
  const bodies: string[] = withRoot ? [projectRootField(ref)] : []
  for (const group of repos) {
    if (group.issues.length === 0) continue
    declarations.push(`$${group.alias}o: String!`, `$${group.alias}n: String!`)
    variables[`${group.alias}o`] = group.repo.owner
    variables[`${group.alias}n`] = group.repo.repo
    const issues = group.issues.map(
      ({ alias, ref: issue }) =>
        `${alias}: issueOrPullRequest(number: ${issue.number}) { __typename ... on Issue { id ${PROJECT_ITEMS_FIELDS} } ... on PullRequest { id ${PROJECT_ITEMS_FIELDS} } }`
    )
    bodies.push(
      `${group.alias}: repository(owner: $${group.alias}o, name: $${group.alias}n) { ${issues.join(' ')} }`
    )
  }
  return {
    query: `query DebussyProject(${declarations.join(', ')}) { ${bodies.join(' ')} }`,
    variables
  }
}

interface GqlProjectField {
  __typename?: string
  id?: string
  name?: string
  dataType?: string
  options?: ObservedOption[]
}
interface GqlProject {
  id: string
  title: string
  url: string
  field: GqlProjectField | null
  fields: { nodes: ({ name?: string } | null)[] | null } | null
}
interface GqlItem {
  id: string
  project: { id: string } | null
  fieldValueByName: { __typename?: string; optionId?: string | null } | null
}

/** The project's root field, decoded: found, or why not (GitHub's words). */
export function decodeProjectRoot(
  data: Readonly<Record<string, unknown>>,
  errors: readonly GqlError[]
): Omit<Extract<ObservedProject, { found: true }>, 'items'> | { found: false; reason: string } {
  const owner = data[PROJECT_ALIAS] as { projectV2?: GqlProject | null } | null | undefined
  const project = owner?.projectV2
  if (project === undefined || project === null) {
    const error = errors.find((e) => e.path?.[0] === PROJECT_ALIAS)
    const reason =
      error === undefined
        ? 'GitHub returned no project'
        : `${error.type === undefined ? '' : `${error.type}: `}${error.message}`
    return { found: false, reason }
  }
  return {
    found: true,
    id: project.id,
    title: project.title,
    url: project.url,
    field: decodeField(project.field),
    fieldNames: (project.fields?.nodes ?? []).flatMap((node) =>
      typeof node?.name === 'string' ? [node.name] : []
    )
  }
}

function decodeField(field: GqlProjectField | null): ObservedProjectField | undefined {
  if (field === null || typeof field.name !== 'string') return undefined
  if (field.__typename === 'ProjectV2SingleSelectField' && typeof field.id === 'string') {
    return { kind: 'single_select', id: field.id, name: field.name, options: field.options ?? [] }
  }
  return { kind: 'other', name: field.name, dataType: field.dataType ?? 'other' }
}

/** Each issue's item in the project (by the issue's node id), from an answer with the observe aliases. */
export function decodeProjectItems(
  repos: ObserveQuery['repos'],
  data: Readonly<Record<string, unknown>>,
  projectId: string,
  into: Map<string, ObservedProjectItem>
): void {
  for (const group of repos) {
    const repository = data[group.alias] as Record<string, unknown> | null | undefined
    for (const { alias } of group.issues) {
      const linked = repository?.[alias] as
        | { id?: string; projectItems?: { nodes: (GqlItem | null)[] | null } | null }
        | null
        | undefined
      if (typeof linked?.id !== 'string') continue
      const item = (linked.projectItems?.nodes ?? []).find((n) => n?.project?.id === projectId)
      if (item === undefined || item === null) continue
      const value = item.fieldValueByName
      into.set(linked.id, {
        itemId: item.id,
        optionId:
          value?.__typename === 'ProjectV2ItemFieldSingleSelectValue'
            ? (value.optionId ?? null)
            : null
      })
    }
  }
}

/** `addProjectV2ItemById`: GitHub answers with the existing item when the issue is already there. */
export function addItemField(
  alias: string,
  v: (value: unknown, type: string) => string,
  projectId: string,
  contentId: string
): string {
  return `${alias}: addProjectV2ItemById(input: { projectId: ${v(projectId, 'ID!')}, contentId: ${v(contentId, 'ID!')} }) { item { id } }`
}

/** `updateProjectV2ItemFieldValue` of a single-select field: the same value twice is the same state. */
export function setFieldField(
  alias: string,
  v: (value: unknown, type: string) => string,
  target: { projectId: string; itemId: string; fieldId: string; optionId: string }
): string {
  return `${alias}: updateProjectV2ItemFieldValue(input: { projectId: ${v(target.projectId, 'ID!')}, itemId: ${v(target.itemId, 'ID!')}, fieldId: ${v(target.fieldId, 'ID!')}, value: { singleSelectOptionId: ${v(target.optionId, 'String')} } }) { projectV2Item { id } }`
}

/** The item id of an addProjectV2ItemById answer. */
export function addedItemId(answer: unknown): string | undefined {
  const item = (answer as { item?: { id?: unknown } | null } | null | undefined)?.item
  return typeof item?.id === 'string' ? item.id : undefined
}
