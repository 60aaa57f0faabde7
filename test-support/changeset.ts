/**
 * Complete operations for tests of apply that write them by hand: the ids
 * reconcile would resolve from the snapshot (node ids, label ids, the
 * milestone's repository), added to operations as users see them.
 */
import type {
  LabelSource,
  Operation,
  ProgressBlockData,
  ShownOperation,
  Snapshot
} from '../src/domain.js'
import { formatIssueRef, parseRepo, repoKey } from '../src/issue-ref.js'

/** A progress block for a milestone write: 1 of 2 phases of docs/plan.md. */
export const SAMPLE_BLOCK: ProgressBlockData = {
  planKey: 'docs/plan.md',
  progress: { completed: 1, total: 2, percent: 50 },
  applied: [],
  ledger: undefined
}

export function completeOperations(
  shown: readonly ShownOperation[],
  snapshot: Snapshot
): Operation[] {
  const done: Operation[] = []
  const issueId = (issue: string): string => {
    const found = [...snapshot.issues, ...(snapshot.parent ? [snapshot.parent.issue] : [])].find(
      (o) => o.found && formatIssueRef(o.ref).toLowerCase() === issue.toLowerCase()
    )
    return found?.found === true ? found.id : `unread ${issue}`
  }
  for (const op of shown) {
    switch (op.op) {
      case 'create_label':
        done.push({ ...op, target: { repo: parseRepo(op.repo, 'test') } })
        break
      case 'add_label': {
        const repo = repoKey(parseRepo(op.issue.split('#')[0] ?? '', 'test'))
        const id = snapshot.labels.get(repo)?.get(op.label.toLowerCase())?.id
        const created = done.find(
          (c): c is Extract<Operation, { op: 'create_label' }> =>
            c.op === 'create_label' &&
            repoKey(c.target.repo) === repo &&
            c.label.toLowerCase() === op.label.toLowerCase()
        )
        const label: LabelSource =
          created !== undefined ? { created } : { id: id ?? `missing ${op.label}` }
        done.push({ ...op, target: { issueId: issueId(op.issue), label } })
        break
      }
      case 'remove_label': {
        const observed = snapshot.issues.find(
          (o) => o.found && formatIssueRef(o.ref).toLowerCase() === op.issue.toLowerCase()
        )
        const labelIds =
          observed?.found === true
            ? observed.labels
                .filter((l) => l.name.toLowerCase() === op.label.toLowerCase())
                .map((l) => l.id)
            : []
        done.push({ ...op, target: { issueId: issueId(op.issue), labelIds } })
        break
      }
      case 'update_milestone':
        done.push({ ...op, target: { repo: parseRepo(op.repo, 'test') } })
        break
      case 'comment':
      case 'close_issue':
        done.push({ ...op, target: { issueId: issueId(op.issue) } })
        break
      case 'add_sub_issue':
        done.push({ ...op, target: { issueId: issueId(op.issue), parentId: issueId(op.parent) } })
        break
      case 'status_comment': {
        const observed = snapshot.issues.find(
          (o) => o.found && formatIssueRef(o.ref).toLowerCase() === op.issue.toLowerCase()
        )
        const commentId = observed?.found === true ? observed.statusComment?.id : undefined
        done.push({ ...op, target: { issueId: issueId(op.issue), commentId } })
        break
      }
    }
  }
  return done
}
