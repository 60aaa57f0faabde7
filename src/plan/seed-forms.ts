/**
 * The seed plan format's unquoted refs (`github_issues: [#10]`), which YAML
 * reads as comments: quoted before the frontmatter is parsed, with a notice.
 */
import type { Finding } from '../domain.js'
import { printable } from '../errors.js'

/**
 * The seed plan format writes `github_issues: [#10, #11]` (invalid YAML),
 * `github_issues: #10, #11` (null) and block items `- #10` (null items): `#`
 * opens a YAML comment. The user clearly meant refs, so those values are quoted
 * before parsing, and a notice suggests quoting them in the file. A value that
 * is a real comment (`github_issues: # linked issues`) stays as it is.
 */
export function rewriteSeedIssues(yamlLines: readonly string[], findings: Finding[]): string[] {
  const out = [...yamlLines]
  for (let index = 0; index < out.length; index += 1) {
    const key = /^github_issues[ \t]*:/.exec(out[index] ?? '')
    if (key === null) continue
    const line = index + 2 // file line: yamlLines starts at line 2
    const keyText = key[0]
    const value = cutComment((out[index] ?? '').slice(keyText.length).trim())
    if (/^#\d/.test(value)) {
      out[index] = `${keyText} ${JSON.stringify(value)}`
      findings.push(seedNotice(line, value.split(/[\s,]+/)))
    } else if (/^\[[ \t]*#\d/.test(value) && value.endsWith(']')) {
      // Only a list closed on the same line: quoting the first line of a multi-line
      // flow list would turn its later lines into comments, silently losing refs.
      const items = splitSeedItems(value.slice(1, -1))
      out[index] = `${keyText} [${items.map(quoteItem).join(', ')}]`
      findings.push(seedNotice(line, items))
    } else if (value === '' || value.startsWith('#')) {
      const items: string[] = []
      for (let next = index + 1; next < out.length; next += 1) {
        const text = out[next] ?? ''
        // The block value ends at the next line that starts a top-level key.
        if (text.trim() !== '' && !/^[ \t#-]/.test(text)) break
        const item = /^[ \t]*-[ \t]+(?=#\d)/.exec(text)
        if (item === null) continue
        const ref = cutComment(text.slice(item[0].length).trim())
        out[next] = `${item[0]}${JSON.stringify(ref)}`
        items.push(ref)
      }
      if (items.length > 0) findings.push(seedNotice(line, items))
    }
  }
  return out
}

/** Drops a trailing YAML-style comment (` # note`) but keeps refs such as ` #11` and typos such as ` #1l`. */
function cutComment(value: string): string {
  const comment = /[ \t]#(?=[ \t]|$)/.exec(value)
  return comment === null ? value : value.slice(0, comment.index).trimEnd()
}

function splitSeedItems(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function quoteItem(item: string): string {
  const quoted = /^(["']).*\1$/.test(item) && item.length >= 2
  return quoted ? item : JSON.stringify(item)
}

function seedNotice(line: number, items: readonly string[]): Finding {
  const refs = [
    ...new Set(items.map((item) => item.replace(/^["']|["']$/g, '')).filter((item) => item !== ''))
  ]
  const quoted = refs.map((ref) => JSON.stringify(ref)).join(', ')
  return {
    level: 'notice',
    message: `plan github_issues (line ${line}): read ${printable(refs.join(', '))} as issue refs, but in YAML an unquoted # starts a comment, so other YAML tools read no issues there. Quote them: github_issues: [${printable(quoted)}]`
  }
}
