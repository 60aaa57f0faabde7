/**
 * The one place that writes to GitHub: a plain executor of reconcile's
 * changeset. Each operation carries its node and label ids, so nothing is
 * looked up; it goes out in as few requests as GitHub allows (labels created
 * through REST, label changes, comments and closes as aliased GraphQL
 * mutations in batches, the milestone through REST) and gets one typed result.
 *
 * It reads only to settle what a write left open, all through one
 * confirm-read (confirm):
 * - a comment or close whose answer was lost: whether it is there
 *   (writeOnce), never sent twice;
 * - a label whose creation was answered 422 already_exists (another run made
 *   it, or an attempt of ours whose answer was lost): its id.
 *
 * The milestone's description is the one read-modify-write (GitHub has no
 * conditional write for milestones): it is written first, right after the
 * event's reads, so that a person's edit has little room to be lost (one
 * request when the read is one query; each further read, for another 100
 * issues, a board with its own token or a status comment further back, adds
 * one), and nothing later in the run writes it again.
 */
import type { FailureReason, Operation, OperationResult } from '../domain.js'
import type { GitHub } from './client.js'
import { answerLost, classify, describeError, isAlreadyExists } from './errors.js'
import { graphqlPartial, type GqlError } from './observe.js'
import { addItemField, addedItemId, setFieldField } from './project.js'

/**
 * Mutation fields per request for what creates no content and notifies no one
 * (labels, status comment edits, the board's Status). GitHub charges a request
 * with mutations 5 secondary points however many fields it carries, and
 * publishes no cap on fields; 100 is its page size everywhere else, and lets a
 * 100-issue event with every opt-in on (4 fields an issue) take 5 requests.
 * See docs/GITHUB_SYNC.md ("Rate limits and API budget").
 */
export const LABEL_MUTATIONS_PER_REQUEST = 100
/**
 * Comments notify people and count as content creation: smaller batches, and
 * paced to GitHub's content limit (client.ts, content-pace.ts).
 */
export const CLOSE_MUTATIONS_PER_REQUEST = 20

export interface ApplyInput {
  /** The changeset's operations, in order: the milestone first, issues closed last. */
  readonly operations: readonly Operation[]
  /**
   * The project-token's client, when it is not the one of the other writes:
   * project mutations then go in requests of their own. Without it they ride
   * in the label batches.
   */
  readonly projectGitHub?: GitHub
}

/** Declares a variable of a GraphQL type holding `value`; gives its `$vN` name. */
type Bind = (value: unknown, type: string) => string

interface Mutation {
  /** The operation this field makes (one per field). */
  readonly operation: Operation
  /** The field text, with `$vN` placeholders bound below. */
  readonly field: (alias: string, v: Bind) => string
  /** The issue's node id: a NOT_FOUND that names it means the issue is gone. */
  readonly subjectId: string
  /**
   * A NOT_FOUND that names something else is a label deleted during the run:
   * for a removal that is the state asked for; for an addition it is a failure
   * that a re-run mends (it creates the label again).
   */
  readonly labelGone?: 'applied' | 'failed'
  /** Checks the field's answer; says why it did not do what was asked. */
  readonly check?: (answer: unknown) => string | undefined
}

/** A mutation of the issue `subjectId` whose answer has nothing to check. */
function plainMutation(
  operation: Operation,
  subjectId: string,
  call: (v: Bind) => string
): Mutation {
  return { operation, subjectId, field: (alias, v) => `${alias}: ${call(v)} { clientMutationId }` }
}

type CreateLabel = Extract<Operation, { op: 'create_label' }>
type AddToProject = Extract<Operation, { op: 'add_to_project' }>
type SetProjectField = Extract<Operation, { op: 'set_project_field' }>
type UpdateMilestone = Extract<Operation, { op: 'update_milestone' }>

const applied = (operation: Operation, detail?: string): OperationResult => ({
  kind: 'applied',
  operation,
  detail
})
const failed = (operation: Operation, reason: FailureReason, detail: string): OperationResult => ({
  kind: 'failed',
  operation,
  reason,
  detail
})

/** The names an addLabelsToLabelable answer says the issue now has. */
function answeredLabels(answer: unknown): string[] {
  const nodes = (
    answer as { labelable?: { labels?: { nodes?: ({ name?: unknown } | null)[] } } } | null
  )?.labelable?.labels?.nodes
  return (nodes ?? []).flatMap((node) => (typeof node?.name === 'string' ? [node.name] : []))
}

/** A comment: content, so sent once (writeOnce) and read back by its marker when its answer is lost. */
function addComment(operation: Extract<Operation, { op: 'comment' | 'status_comment' }>): Mutation {
  const { issueId } = operation.target
  return plainMutation(
    operation,
    issueId,
    (v) =>
      `addComment(input: { subjectId: ${v(issueId, 'ID!')}, body: ${v(operation.body, 'String!')} })`
  )
}

/** Makes the changeset's operations; one result per operation, in no particular order. */
export async function applyOperations(
  github: GitHub,
  input: ApplyInput
): Promise<OperationResult[]> {
  const results: OperationResult[] = []
  for (const operation of input.operations) {
    if (operation.op === 'update_milestone') results.push(await updateMilestone(github, operation))
  }
  const created = await createLabels(
    github,
    input.operations.filter((o): o is CreateLabel => o.op === 'create_label'),
    results
  )

  const labelMutations: Mutation[] = []
  const commentMutations: Mutation[] = []
  const closeMutations: Mutation[] = []
  const projectMutations: Mutation[] = []
  // The field of an item added by this changeset is set once its id is known.
  const addedItems = new Map<AddToProject, string>()
  const setsAfterAdd: SetProjectField[] = []
  for (const operation of input.operations) {
    switch (operation.op) {
      case 'add_label': {
        const { issueId, label } = operation.target
        const labelId = 'id' in label ? label.id : created.get(label.created)
        if (labelId === undefined) {
          results.push(
            failed(operation, 'label-missing', `label "${operation.label}" could not be created`)
          )
          break
        }
        const wanted = operation.label.toLowerCase()
        labelMutations.push({
          operation,
          subjectId: issueId,
          labelGone: 'failed',
          field: (alias, v) =>
            `${alias}: addLabelsToLabelable(input: { labelableId: ${v(issueId, 'ID!')}, labelIds: ${v([labelId], '[ID!]!')} }) { labelable { __typename labels(first: 100) { nodes { name } } } }`,
          // A label renamed during the run keeps its id: the name must be checked.
          check: (answer) =>
            answeredLabels(answer).some((name) => name.toLowerCase() === wanted)
              ? undefined
              : `label "${operation.label}" was renamed or deleted during the run; re-run the job to create and apply it`
        })
        break
      }
      case 'remove_label': {
        // One field per label: a label deleted during the run fails only its own field.
        const { issueId, labelIds } = operation.target
        labelMutations.push({
          ...plainMutation(
            operation,
            issueId,
            (v) =>
              `removeLabelsFromLabelable(input: { labelableId: ${v(issueId, 'ID!')}, labelIds: ${v(labelIds, '[ID!]!')} })`
          ),
          labelGone: 'applied'
        })
        break
      }
      case 'add_sub_issue': {
        // Creates no content and notifies no one: sent with the label changes.
        const { issueId, parentId } = operation.target
        labelMutations.push(
          plainMutation(
            operation,
            issueId,
            (v) =>
              `addSubIssue(input: { issueId: ${v(parentId, 'ID!')}, subIssueId: ${v(issueId, 'ID!')} })`
          )
        )
        break
      }
      case 'status_comment':
        if (operation.action === 'edit' && operation.target.commentId !== undefined) {
          // An edit notifies no one and may be repeated: it goes with the label changes.
          const { commentId } = operation.target
          labelMutations.push(
            plainMutation(
              operation,
              commentId,
              (v) =>
                `updateIssueComment(input: { id: ${v(commentId, 'ID!')}, body: ${v(operation.body, 'String!')} })`
            )
          )
          break
        }
        // A new status comment is posted as the completion comment is: once, read back by its marker.
        commentMutations.push(addComment(operation))
        break
      case 'comment':
        commentMutations.push(addComment(operation))
        break
      case 'close_issue': {
        const { issueId } = operation.target
        closeMutations.push(
          plainMutation(
            operation,
            issueId,
            (v) => `closeIssue(input: { issueId: ${v(issueId, 'ID!')}, stateReason: COMPLETED })`
          )
        )
        break
      }
      case 'add_to_project': {
        const { projectId, contentId } = operation.target
        projectMutations.push({
          operation,
          subjectId: contentId,
          field: (alias, v) => addItemField(alias, v, projectId, contentId),
          check: (answer) => {
            const id = addedItemId(answer)
            if (id !== undefined) addedItems.set(operation, id)
            return undefined
          }
        })
        break
      }
      case 'set_project_field': {
        const item = operation.target.item
        if ('id' in item) projectMutations.push(setFieldMutation(operation, item.id))
        else setsAfterAdd.push(operation)
        break
      }
      case 'create_label':
      case 'update_milestone':
        break
    }
  }

  // Project mutations are idempotent (adding an issue twice returns its item), so they batch
  // with the labels, retried like them, when one token makes both.
  const projectGitHub = input.projectGitHub ?? github
  const together = input.projectGitHub === undefined
  const labelled = await sendMutations(
    github,
    together ? [...labelMutations, ...projectMutations] : labelMutations,
    { perRequest: LABEL_MUTATIONS_PER_REQUEST }
  )
  results.push(...(await confirmSubIssues(github, labelled)))
  if (!together) {
    results.push(
      ...(
        await sendMutations(projectGitHub, projectMutations, {
          perRequest: LABEL_MUTATIONS_PER_REQUEST
        })
      ).map((sent) => sent.result)
    )
  }
  // An alias cannot feed another's input: the field of an item added above goes in a request after.
  const secondRound = setsAfterAdd.flatMap((operation) => {
    const source = operation.target.item
    const id = 'added' in source ? addedItems.get(source.added) : undefined
    if (id !== undefined) return [setFieldMutation(operation, id)]
    results.push(failed(operation, 'blocked', 'not set: adding the issue to the project failed'))
    return []
  })
  results.push(
    ...(
      await sendMutations(projectGitHub, secondRound, { perRequest: LABEL_MUTATIONS_PER_REQUEST })
    ).map((sent) => sent.result)
  )
  // An issue is closed only once its completion comment is there: a re-run
  // then still posts the comment that a failed request left out.
  const commented = await writeOnce(github, commentMutations, {
    perRequest: Math.min(CLOSE_MUTATIONS_PER_REQUEST, github.contentPerRequest),
    createsContent: true
  })
  results.push(...commented)
  // The completion comment, or the status comment that says the plan completed (named first).
  const uncommented = new Map<string, 'status' | 'completion'>()
  for (const { kind, operation } of results) {
    if (kind === 'applied' || (operation.op !== 'comment' && operation.op !== 'status_comment'))
      continue
    const { issueId } = operation.target
    if (operation.op === 'status_comment' || !uncommented.has(issueId))
      uncommented.set(issueId, operation.op === 'comment' ? 'completion' : 'status')
  }
  const closable = closeMutations.filter((m) => {
    const comment = uncommented.get(m.subjectId)
    if (comment === undefined) return true
    results.push(failed(m.operation, 'blocked', `not closed: its ${comment} comment failed`))
    return false
  })
  results.push(...(await writeOnce(github, closable, { perRequest: CLOSE_MUTATIONS_PER_REQUEST })))
  return results
}

function setFieldMutation(operation: SetProjectField, itemId: string): Mutation {
  const { projectId, fieldId, optionId } = operation.target
  return {
    operation,
    subjectId: itemId,
    field: (alias, v) => setFieldField(alias, v, { projectId, itemId, fieldId, optionId })
  }
}

/**
 * Creates the labels (results into `results`); the node id of each that exists
 * afterwards, for the additions of this changeset.
 */
async function createLabels(
  github: GitHub,
  operations: readonly CreateLabel[],
  results: OperationResult[]
): Promise<Map<CreateLabel, string>> {
  const ids = new Map<CreateLabel, string>()
  const existing: CreateLabel[] = []
  for (const operation of operations) {
    const { owner, repo } = operation.target.repo
    try {
      const answer = await github.octokit.request('POST /repos/{owner}/{repo}/labels', {
        owner,
        repo,
        name: operation.label,
        color: operation.color,
        description: operation.description
      })
      results.push(applied(operation))
      ids.set(operation, answer.data.node_id)
    } catch (error) {
      // Another run made it since the snapshot, or an attempt of ours whose
      // answer was lost: it is there, its id is the one thing unknown.
      if (isAlreadyExists(error)) existing.push(operation)
      else results.push(failed(operation, failureReason(error), describeError(error)))
    }
  }
  if (existing.length === 0) return ids
  const seen = await confirm(github, {
    issueIds: [],
    labels: existing.map((operation) => ({ ...operation.target.repo, name: operation.label }))
  })
  existing.forEach((operation, i) => {
    const id = 'error' in seen ? undefined : seen.labelIds[i]
    if (id !== undefined) {
      results.push(applied(operation, 'already existed'))
      ids.set(operation, id)
    } else if ('error' in seen) {
      const why = `it already exists, and the read of its id failed (${describeError(seen.error)}); re-run the job`
      results.push(failed(operation, failureReason(seen.error), why))
    } else {
      const why = 'it already exists, yet a read did not find it (deleted again?); re-run the job'
      results.push(failed(operation, 'label-missing', why))
    }
  })
  return ids
}

/**
 * A request's failure, where only the milestone's own 404 means "gone": a 404
 * on a repository's labels or on a whole GraphQL request is a repository the
 * token cannot see or a wrong URL, a failure rather than a warning.
 */
function failureReason(error: unknown): FailureReason {
  const reason = classify(error)
  return reason === 'gone' ? 'http' : reason
}

/**
 * Writes the milestone's description: the changeset's text when the milestone
 * still reads as the snapshot saw it (`base`), else this plan's block placed
 * into what it reads now, so that a person's edit since the snapshot is kept.
 */
async function updateMilestone(
  github: GitHub,
  operation: UpdateMilestone
): Promise<OperationResult> {
  const { repo: where } = operation.target
  try {
    await github.octokit.request('PATCH /repos/{owner}/{repo}/milestones/{milestone_number}', {
      owner: where.owner,
      repo: where.repo,
      milestone_number: operation.milestone,
      description: operation.description
    })
    return applied(operation)
  } catch (error) {
    return failed(operation, classify(error), describeError(error))
  }
}

interface Batching {
  readonly perRequest: number
  /** Not retried after a timeout or 5xx (see GitHub.graphql). */
  readonly once?: boolean
  /** Each field posts content (a comment): paced to GitHub's content limit. */
  readonly createsContent?: boolean
}

/** A result, and whether its request's answer was lost (the write may have been made). */
interface Sent {
  readonly result: OperationResult
  readonly lost: boolean
}

/** Sends mutations in batches, one request at a time, mapping each field's error to its operation. */
async function sendMutations(
  github: GitHub,
  mutations: readonly Mutation[],
  { perRequest, once = false, createsContent = false }: Batching
): Promise<Sent[]> {
  const results: Sent[] = []
  for (let start = 0; start < mutations.length; start += perRequest) {
    const batch = mutations.slice(start, start + perRequest)
    if (createsContent) await github.reserveContent(batch.length)
    const variables: Record<string, unknown> = {}
    const declarations: string[] = []
    const bind = (value: unknown, type: string): string => {
      const name = `v${declarations.length}`
      declarations.push(`$${name}: ${type}`)
      variables[name] = value
      return `$${name}`
    }
    const fields = batch.map((mutation, i) => mutation.field(`m${i}`, bind))
    const query = `mutation DebussySync(${declarations.join(', ')}) { ${fields.join(' ')} }`
    let errors: readonly GqlError[] = []
    let data: Record<string, unknown> = {}
    let failure: { readonly reason: FailureReason; readonly detail: string } | undefined
    let lost = false
    try {
      const answer = await github.graphql<Record<string, unknown> | undefined>(
        query,
        variables,
        once
      )
      // client.ts refuses a body without data; this guard keeps a crash out whatever the transport.
      if (typeof answer === 'object' && answer !== null) data = answer
      else {
        failure = { reason: 'http', detail: 'GitHub answered without data' }
        lost = true
      }
    } catch (error) {
      const partial = graphqlPartial(error)
      if (partial === undefined) {
        failure = { reason: failureReason(error), detail: describeError(error) }
        lost = answerLost(error)
      } else if (partial.errors.some((e) => (e.path ?? []).length === 0)) {
        failure = { reason: 'graphql', detail: describeError(error) }
      } else {
        errors = partial.errors
        data = partial.data
      }
    }
    const errorByField = new Map<string, GqlError>()
    for (const error of errors) {
      const field = error.path?.[0]
      if (typeof field === 'string' && !errorByField.has(field)) errorByField.set(field, error)
    }
    batch.forEach((mutation, i) => {
      const error = errorByField.get(`m${i}`)
      const result =
        failure !== undefined
          ? failed(mutation.operation, failure.reason, failure.detail)
          : error !== undefined
            ? fieldError(mutation, error)
            : fieldAnswer(mutation, data[`m${i}`])
      results.push({ result, lost: failure !== undefined && lost })
    })
  }
  return results
}

/**
 * An addSubIssue that failed or whose answer was lost may have been made: the
 * client sends a batch again after a lost answer, and GitHub then refuses the
 * repeat ("may only have one parent"). One read of those issues' parents
 * settles it: already under the wanted parent is applied. Nothing is sent again.
 */
async function confirmSubIssues(github: GitHub, sent: readonly Sent[]): Promise<OperationResult[]> {
  const doubtful = sent.flatMap(({ result, lost }) =>
    result.operation.op === 'add_sub_issue' &&
    result.kind === 'failed' &&
    (lost || result.reason === 'graphql')
      ? [{ result, operation: result.operation }]
      : []
  )
  if (doubtful.length === 0) return sent.map((one) => one.result)
  const seen = await confirm(github, {
    issueIds: doubtful.map((d) => d.operation.target.issueId),
    issueSelection: '__typename ... on Issue { parent { id } }',
    labels: []
  })
  // A failed read leaves the failures standing: a re-run reads before it writes.
  const parents = 'error' in seen ? [] : seen.issues.map((issue) => issue?.parent?.id)
  const settled = new Map<OperationResult, OperationResult>()
  for (const [i, { result, operation }] of doubtful.entries()) {
    if (parents[i] === operation.target.parentId) {
      settled.set(
        result,
        applied(operation, `already a sub-issue of ${operation.parent} (${result.detail})`)
      )
    }
  }
  return sent.map((one) => settled.get(one.result) ?? one.result)
}

/** Rounds of "read, then send again what is not there" after a lost answer. */
const SETTLE_ROUNDS = 2

/**
 * Comments and closes, which people see: each is sent once, never retried
 * blindly by the client. When its answer is lost (a reset, a timeout, a 5xx,
 * an unreadable answer) GitHub may have made it, even a moment later; so wait
 * as long as an attempt may take, read the issues, and count what is there
 * (the comment's marker, the issue closed) as made. Only what the read shows
 * missing is sent again; what no read could settle is `unknown`, and the
 * re-run reads before it writes (observe finds the comment by its marker).
 */
async function writeOnce(
  github: GitHub,
  mutations: readonly Mutation[],
  batching: Omit<Batching, 'once'>
): Promise<OperationResult[]> {
  const final = new Map<Mutation, OperationResult>()
  let pending = mutations
  for (let round = 0; pending.length > 0; round++) {
    const sent = await sendMutations(github, pending, { ...batching, once: true })
    // One operation per mutation: results come back in mutation order.
    const doubtful: Mutation[] = []
    pending.forEach((mutation, i) => {
      const one = sent[i]
      if (one === undefined) return
      if (one.lost) doubtful.push(mutation)
      final.set(mutation, one.result)
    })
    if (doubtful.length === 0) break
    await github.waitOutAttempt()
    const seen = await readBack(github, doubtful)
    const missing: Mutation[] = []
    for (const mutation of doubtful) {
      const before = final.get(mutation)?.detail ?? 'no answer'
      const found = seen?.get(mutation)
      const operation = mutation.operation
      if (found === 'made') {
        final.set(mutation, applied(operation, `made, though its answer was lost (${before})`))
      } else if (found === 'gone') {
        final.set(mutation, failed(operation, 'gone', 'the issue is no longer there'))
      } else if (found === 'missing' && round + 1 < SETTLE_ROUNDS) {
        missing.push(mutation)
      } else if (found === 'missing') {
        final.set(
          mutation,
          failed(
            operation,
            'not-made',
            `not made: its answer was lost (${before}) and a read shows it missing; re-run the job`
          )
        )
      } else {
        final.set(mutation, {
          kind: 'unknown',
          operation,
          detail: `outcome unknown: its answer was lost (${before}) and the read to check it failed; a re-run reads before repeating it`
        })
      }
    }
    pending = missing
  }
  return mutations.flatMap((mutation) => {
    const result = final.get(mutation)
    return result === undefined ? [] : [result]
  })
}

/** What a confirm-read looks at: issues by node id, labels by repository and name. */
interface ConfirmAsk {
  readonly issueIds: readonly string[]
  /** What each issue is read for; by default its state and last comments (writeOnce). */
  readonly issueSelection?: string
  readonly labels: readonly {
    readonly owner: string
    readonly repo: string
    readonly name: string
  }[]
}

type ConfirmedIssue = {
  readonly state?: string
  readonly parent?: { readonly id: string } | null
  readonly comments?: { readonly nodes: readonly ({ readonly body: string } | null)[] }
} | null

/** What it found, in the order asked; an issue or label not there is null or undefined. */
interface Confirmed {
  readonly issues: readonly ConfirmedIssue[]
  readonly labelIds: readonly (string | undefined)[]
}

/**
 * Apply's one read of what its own writes left unknown (a lost answer, a 422
 * already_exists), in one GraphQL query. The error when the read itself fails.
 */
async function confirm(
  github: GitHub,
  ask: ConfirmAsk
): Promise<Confirmed | { readonly error: unknown }> {
  const declarations: string[] = []
  const variables: Record<string, unknown> = {}
  const fields: string[] = []
  if (ask.issueIds.length > 0) {
    declarations.push('$ids: [ID!]!')
    variables.ids = ask.issueIds
    fields.push(
      `nodes(ids: $ids) { ${ask.issueSelection ?? '... on Issue { state comments(last: 50) { nodes { body } } }'} }`
    )
  }
  ask.labels.forEach(({ owner, repo, name }, i) => {
    declarations.push(`$o${i}: String!`, `$r${i}: String!`, `$n${i}: String!`)
    Object.assign(variables, { [`o${i}`]: owner, [`r${i}`]: repo, [`n${i}`]: name })
    fields.push(`l${i}: repository(owner: $o${i}, name: $r${i}) { label(name: $n${i}) { id } }`)
  })
  const query = `query DebussyConfirm(${declarations.join(', ')}) { ${fields.join(' ')} }`
  let data: Record<string, unknown> | undefined
  try {
    data = await github.graphql<Record<string, unknown> | undefined>(query, variables)
  } catch (error) {
    // A node deleted meanwhile comes back as a NOT_FOUND beside the others.
    const partial = graphqlPartial(error)
    if (partial === undefined) return { error }
    data = partial.data
  }
  const nodes = data?.nodes
  if (ask.issueIds.length > 0 && !Array.isArray(nodes)) {
    return { error: new Error('GitHub answered the confirm-read without the issues') }
  }
  return {
    issues: Array.isArray(nodes) ? (nodes as ConfirmedIssue[]) : [],
    labelIds: ask.labels.map((_, i) => {
      const id = (data?.[`l${i}`] as { label?: { id?: unknown } | null } | null | undefined)?.label
        ?.id
      return typeof id === 'string' ? id : undefined
    })
  }
}

/**
 * Reads back the issues of comments and closes whose answers were lost:
 * whether each comment (found by its last line, the marker) or close is
 * there. Undefined when the read itself fails.
 */
async function readBack(
  github: GitHub,
  mutations: readonly Mutation[]
): Promise<Map<Mutation, 'made' | 'missing' | 'gone'> | undefined> {
  const seen = await confirm(github, { issueIds: mutations.map((m) => m.subjectId), labels: [] })
  if ('error' in seen) return undefined
  const found = new Map<Mutation, 'made' | 'missing' | 'gone'>()
  mutations.forEach((mutation, i) => {
    const node = seen.issues[i]
    const operation = mutation.operation
    if (node === null || node === undefined) {
      found.set(mutation, 'gone')
    } else if (operation.op === 'close_issue') {
      found.set(mutation, node.state === 'CLOSED' ? 'made' : 'missing')
    } else if (operation.op === 'comment' || operation.op === 'status_comment') {
      const marker = operation.body.split('\n').at(-1) ?? operation.body
      const bodies = (node.comments?.nodes ?? []).flatMap((c) => (c ? [c.body] : []))
      found.set(mutation, bodies.some((body) => body.includes(marker)) ? 'made' : 'missing')
    }
  })
  return found
}

/** A field's error: the issue gone (a warning), a label gone, or a failure. */
function fieldError(mutation: Mutation, error: GqlError): OperationResult {
  const operation = mutation.operation
  if (error.type !== 'NOT_FOUND') return failed(operation, 'graphql', error.message)
  if (mutation.labelGone === undefined || error.message.includes(mutation.subjectId)) {
    return failed(operation, 'gone', error.message)
  }
  return mutation.labelGone === 'applied'
    ? applied(operation, 'the label was deleted during the run')
    : failed(
        operation,
        'label-deleted',
        `a label was deleted during the run (${error.message}); re-run the job to create and apply it`
      )
}

function fieldAnswer(mutation: Mutation, answer: unknown): OperationResult {
  const problem = mutation.check?.(answer)
  return problem === undefined
    ? applied(mutation.operation)
    : failed(mutation.operation, 'label-deleted', problem)
}
