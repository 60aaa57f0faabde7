// `npm run bundle`: dist/ from scratch. The action (src/index.ts → dist/index.js)
// and the CLI (src/bin.ts → dist/cli/index.js), one file each, and
// dist/licenses.txt. The CLI's sender reads
// state.db with sql.js: its CommonJS loader (which webpack would mangle) and
// its SQLite .wasm are copied beside the CLI as dist/cli/sql.js/, where
// src/sender/state-db.ts loads them with Node's require.
// The action's bundle never holds sql.js (__tests__/bundle.test.ts).
//
// One licences file covers both bundles and sql.js (ncc's own --license
// writes one per build), so the notices are gathered here from webpack's
// stats: every package whose code is in a bundle, with its licence text.
import { execFileSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const NCC = path.join('node_modules', '.bin', 'ncc')
const stats = mkdtempSync(path.join(tmpdir(), 'ncc-stats-'))

function build(entry, out, name) {
  const file = path.join(stats, `${name}.json`)
  execFileSync(NCC, ['build', entry, '-o', out, '--quiet', '--stats-out', file], {
    stdio: 'inherit'
  })
  return JSON.parse(readFileSync(file, 'utf8'))
}

/** Package names (`@scope/name` or `name`) of every module in the stats, nested ones included. */
function packagesIn(stats) {
  const names = new Set()
  const walk = (modules) => {
    for (const m of modules ?? []) {
      for (const [, pkg] of (m.name ?? '').matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)) {
        names.add(pkg)
      }
      walk(m.modules)
    }
  }
  walk(stats.modules)
  for (const chunk of stats.chunks ?? []) walk(chunk.modules)
  return names
}

function licenceText(dir) {
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f))
  return file === undefined ? '' : readFileSync(path.join(dir, file), 'utf8').trim()
}

try {
  rmSync('dist', { recursive: true, force: true })
  const packages = new Set([
    ...packagesIn(build('src/index.ts', 'dist', 'action')),
    ...packagesIn(build('src/bin.ts', path.join('dist', 'cli'), 'cli'))
  ])
  const sqlJs = path.join('dist', 'cli', 'sql.js')
  mkdirSync(sqlJs)
  for (const [from, to] of [
    ['sql-wasm.js', 'sql-wasm.cjs'],
    ['sql-wasm.wasm', 'sql-wasm.wasm']
  ]) {
    copyFileSync(path.join('node_modules', 'sql.js', 'dist', from), path.join(sqlJs, to))
  }
  packages.add('sql.js')
  const entries = [...packages].sort().map((name) => {
    const dir = path.join('node_modules', ...name.split('/'))
    if (!existsSync(dir)) throw new Error(`bundled package ${name} is not in node_modules`)
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
    return `${name}\n${manifest.license ?? 'UNKNOWN'}\n${licenceText(dir)}\n`
  })
  writeFileSync(path.join('dist', 'licenses.txt'), entries.join('\n'))
} finally {
  rmSync(stats, { recursive: true, force: true })
}
