/**
 * The plan's `## Phases` table: its rows become phases, the Status column says
 * which are done. Ids compare by their numeric segments.
 */
import type { Finding, PlanPhase } from '../domain.js'
import { printable } from '../errors.js'
import { linkText, stripEmphasis } from './markdown-inline.js'

/**
 * Phase ids compare by their numeric segments: `02` is `2`, `3.01` is `3.1`;
 * `2.50` stays `2.50` (its segments are 2 and 50). Other ids are only trimmed.
 */
export function normalisePhaseId(id: string): string {
  const trimmed = id.trim()
  if (!/^\d+(?:\.\d+)*$/.test(trimmed)) return trimmed
  return trimmed
    .split('.')
    .map((segment) => segment.replace(/^0+(?=\d)/, ''))
    .join('.')
}

const DONE_WORDS = new Set(['completed', 'complete', 'done'])
const DONE_MARKS = /[\u2705\u2714\u2611\u2713]/u // ✅ ✔ ☑ ✓
const NOT_DONE_MARKS = /[\u274c\u2716\u2717\u2718]/u // ❌ ✖ ✗ ✘

/**
 * Whether a Status cell says the phase is done: `Completed`, `Complete`, `Done`
 * (any case, also with words after it), or a leading ✅. Leading emoji, spaces
 * and markdown emphasis are skipped; `Incomplete` and `Not done` are not done.
 */
export function isDoneStatus(status: string): boolean {
  const start = status.search(/[\p{L}\p{N}]/u)
  const prefix = start < 0 ? status : status.slice(0, start)
  if (NOT_DONE_MARKS.test(prefix)) return false
  if (DONE_MARKS.test(prefix)) return true
  const word = /^\p{L}+/u.exec(status.slice(Math.max(start, 0)))?.[0].toLowerCase()
  return word !== undefined && DONE_WORDS.has(word)
}

/** Splits `| a | b \| c |` into cells, honouring `\|` escapes. */
function tableCells(row: string): string[] {
  const text = row.trim()
  const cells: string[] = []
  let cell = ''
  for (let index = text.startsWith('|') ? 1 : 0; index < text.length; index += 1) {
    const char = text[index]
    if (char === '\\' && text[index + 1] === '|') {
      cell += '|'
      index += 1
    } else if (char === '|') {
      cells.push(cell.trim())
      cell = ''
    } else {
      cell += char
    }
  }
  // Text after the last pipe is a cell only when the row does not end with a pipe.
  if (cell.trim() !== '') cells.push(cell.trim())
  return cells
}

export function isSeparatorRow(row: string): boolean {
  if (!row.trimStart().startsWith('|')) return false
  const cells = tableCells(row)
  return cells.length > 0 && cells.every((cell) => /^:?-+:?$/.test(cell.replace(/[ \t]/g, '')))
}

export function readPhaseTable(
  lines: readonly string[],
  headerIndex: number,
  end: number,
  planFile: string,
  findings: Finding[]
): PlanPhase[] {
  const header = tableCells(lines[headerIndex] ?? '').map((cell) =>
    stripEmphasis(cell).toLowerCase()
  )
  const named = header.indexOf('status')
  const statusColumn = named >= 0 ? named : header.length - 1
  const phases: PlanPhase[] = []
  const firstLine = new Map<string, number>()
  for (let index = headerIndex + 2; index < end; index += 1) {
    const line = index + 1
    const cells = tableCells(lines[index] ?? '')
    const id = stripEmphasis(cells[0] ?? '')
    if (id === '') {
      findings.push({
        level: 'warning',
        message: `plan ${printable(planFile)} line ${line}: a row of the ## Phases table has no phase id in its first cell; it is not counted`
      })
      continue
    }
    const key = normalisePhaseId(id)
    const earlier = firstLine.get(key)
    if (earlier === undefined) {
      firstLine.set(key, line)
    } else {
      findings.push({
        level: 'warning',
        message: `plan ${printable(planFile)} line ${line}: phase ${printable(id)} is listed again (first on line ${earlier}); both rows count towards the total`
      })
    }
    phases.push({
      id,
      title: stripEmphasis(linkText(cells[1] ?? '')),
      done: isDoneStatus(stripEmphasis(cells[statusColumn] ?? ''))
    })
  }
  return phases
}
