/**
 * Reads a Debussy master plan: the linked issues, the repository for bare refs
 * and the milestone from YAML frontmatter or Debussy's key lines, and the
 * phases from the `## Phases` table. Each part has its own reader:
 *
 *   frontmatter.ts     the YAML frontmatter (gray-matter with the yaml engine)
 *   seed-forms.ts      the seed format's unquoted `#10` refs, quoted before parsing
 *   markdown-body.ts   the body: title, key lines outside code, the Phases table
 *   debussy-lines.ts   `**GitHub Issues:**` / `GitHub Repo:` lines and their near misses
 *   phases-table.ts    the Phases table's rows and done statuses
 *   plan-keys.ts       github_issues, github_repo, github_milestone resolved
 *
 * Plans come from a dispatch payload and are edited by hand, so everything here
 * is defensive: no YAML that runs code or explodes, no regex that backtracks on
 * a long line, and no misreading of the seed format (`github_issues: [#10]`,
 * where `#` opens a YAML comment) as "no issues".
 */
import path from 'node:path'
import type { Finding, MasterPlan } from '../domain.js'
import { InputError, printable } from '../errors.js'
import type { RefContext } from '../issue-ref.js'
import { readWorkspaceFile } from '../workspace-file.js'
import { readFrontmatter } from './frontmatter.js'
import { scanBody } from './markdown-body.js'
import { readMilestone, readParent, resolveIssues, resolveRepo } from './plan-keys.js'

export { MAX_FRONTMATTER_CHARS } from './frontmatter.js'
export { isDoneStatus, normalisePhaseId } from './phases-table.js'

export type PlanContext = RefContext

/** Reads and parses the plan at `relativePath` inside the workspace. */
export async function loadPlan(
  workspace: string,
  relativePath: string,
  context: PlanContext,
  field: string
): Promise<{ plan: MasterPlan; findings: Finding[] }> {
  const text = await readWorkspaceFile(workspace, relativePath, field)
  if (text === undefined) {
    throw new InputError(
      field,
      `"${printable(relativePath)}" was not found in the repository checkout`,
      'Check the path (relative to the repository root), and that actions/checkout ran before this step'
    )
  }
  return parsePlan(text, relativePath, context)
}

export function parsePlan(
  text: string,
  relativePath: string,
  context: PlanContext
): { plan: MasterPlan; findings: Finding[] } {
  const planFile = normalisePlanPath(relativePath)
  const findings: Finding[] = []
  // Every line ending becomes \n up front, so CRLF and CR-only files read like LF ones.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)
  const front = readFrontmatter(lines, findings)
  const body = scanBody(lines, front.bodyStart, planFile, findings)

  const repo = resolveRepo(front, body, context)
  const refContext: RefContext = { defaultRepo: repo, serverHost: context.serverHost }
  const issues = resolveIssues(front, body, refContext, planFile, findings)
  const milestone = readMilestone(front)
  const parent = readParent(front, refContext)

  return {
    plan: {
      path: planFile,
      title: body.title ?? path.posix.basename(planFile),
      issues,
      repo,
      milestone,
      phases: body.phases,
      ...(parent === undefined ? {} : { parent })
    },
    findings
  }
}

function normalisePlanPath(relativePath: string): string {
  const normalised = path.posix.normalize(relativePath.trim().replace(/\\/g, '/'))
  return normalised.replace(/^(?:\.\/)+/, '')
}
