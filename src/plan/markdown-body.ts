/**
 * The markdown body of a plan, scanned once: the title, Debussy's key lines
 * (outside fenced code), and the `## Phases` table.
 */
import type { Finding, PlanPhase } from '../domain.js'
import { keyLineReader, type KeyLines } from './debussy-lines.js'
import { stripEmphasis } from './markdown-inline.js'
import { isSeparatorRow, readPhaseTable } from './phases-table.js'

export interface BodyScan extends KeyLines {
  readonly title: string | undefined
  readonly phases: PlanPhase[]
}

export function scanBody(
  lines: readonly string[],
  bodyStart: number,
  planFile: string,
  findings: Finding[]
): BodyScan {
  let title: string | undefined
  let phases: PlanPhase[] = []
  let inPhases = false
  let tableRead = false
  let fence: string | undefined

  const { keyLine, lookAlike, done } = keyLineReader(planFile, findings)

  // Debussy reads its keys anywhere in the text, the frontmatter too: there, a
  // variant such as `GitHub Issues: #10` (which YAML reads as a comment) is read
  // like a body line. `github_issues` and `github_repo` themselves are YAML's.
  for (let index = 1; index < bodyStart - 1; index += 1) {
    const text = lines[index] ?? ''
    if (!/^github_(?:issues|repo)[ \t]*:/.test(text)) keyLine(index, text)
  }

  for (let index = bodyStart; index < lines.length; index += 1) {
    const text = lines[index] ?? ''
    // Lines inside fenced code blocks are examples, not the plan's own fields.
    const fenceMark = /^ {0,3}(`{3,}|~{3,})/.exec(text)?.[1]
    if (fence !== undefined) {
      if (
        fenceMark !== undefined &&
        fenceMark[0] === fence[0] &&
        fenceMark.length >= fence.length
      ) {
        fence = undefined
      } else {
        lookAlike(index, text, 'it is inside a fenced code block, where lines are examples')
      }
      continue
    }
    if (fenceMark !== undefined) {
      fence = fenceMark
      continue
    }

    const heading = atxHeading(text)
    if (heading !== undefined) {
      if (heading.level === 1 && title === undefined && heading.text !== '') title = heading.text
      // The Phases section runs to the next heading of level 1 or 2.
      if (heading.level <= 2) inPhases = heading.level === 2 && isPhasesHeading(heading.text)
      lookAlike(index, text, 'it is a heading')
      continue
    }

    if (keyLine(index, text)) continue
    lookAlike(index, text, 'the label is not at the start of the line')

    if (inPhases && !tableRead && text.trimStart().startsWith('|')) {
      const separator = lines[index + 1]
      if (separator === undefined || !isSeparatorRow(separator)) continue
      let end = index + 2
      while (end < lines.length && (lines[end] ?? '').trimStart().startsWith('|')) end += 1
      phases = readPhaseTable(lines, index, end, planFile, findings)
      tableRead = true
      index = end - 1
    }
  }
  return { title, ...done(), phases }
}

/** An ATX heading (`## Phases ##`): its level and text. */
function atxHeading(text: string): { level: number; text: string } | undefined {
  const marks = /^ {0,3}(#{1,6})(?:[ \t]|$)/.exec(text)
  if (marks?.[1] === undefined) return undefined
  let content = text.slice(marks[0].length).trim()
  // An optional closing sequence of #s, when spaces separate it from the text.
  let end = content.length
  while (end > 0 && content[end - 1] === '#') end -= 1
  if (end === 0 || content[end - 1] === ' ' || content[end - 1] === '\t') {
    content = content.slice(0, end).trim()
  }
  return { level: marks[1].length, text: content }
}

function isPhasesHeading(text: string): boolean {
  // `Phases`, also `Phases (4)` or `Phases overview`; not `Phase 1` or `Phaseout`.
  return /^phases\b/.test(stripEmphasis(text).toLowerCase())
}
