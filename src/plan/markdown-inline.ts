/** Inline markdown as a plan's key lines and table cells use it: emphasis, links. */

export function stripEmphasis(text: string): string {
  return text.replace(/\*\*|__|`/g, '').trim()
}

/** A markdown link `[text](target)` in one token becomes its target, `<url>` its url. */
export function linkTarget(token: string): string {
  const link = /^\[[^\]]*\]\(([^)]*)\)$/.exec(token)
  if (link?.[1] !== undefined) return link[1]
  if (token.startsWith('<') && token.endsWith('>')) return token.slice(1, -1)
  return token
}

/** Reduces every `[Text](link)` in a cell to `Text`, in one left-to-right pass. */
export function linkText(cell: string): string {
  let out = ''
  let from = 0
  for (;;) {
    const open = cell.indexOf('[', from)
    if (open < 0) break
    const middle = cell.indexOf('](', open + 1)
    if (middle < 0) break
    const end = cell.indexOf(')', middle + 2)
    if (end < 0) break
    out += cell.slice(from, open) + cell.slice(open + 1, middle)
    from = end + 1
  }
  return out + cell.slice(from)
}
