// Fails when dist/ differs from a fresh bundle of src/: dist/ is what users run.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const saved = mkdtempSync(path.join(tmpdir(), 'dist-before-'))
cpSync('dist', saved, { recursive: true })
try {
  execFileSync('npm', ['run', '-s', 'bundle'], { stdio: 'inherit' })
  try {
    execFileSync('git', ['diff', '--no-index', '--stat', '--exit-code', saved, 'dist'], {
      stdio: 'inherit'
    })
  } catch {
    console.error(
      'dist/ does not match a fresh build of src/: run `npm run bundle` and commit dist/.'
    )
    process.exitCode = 1
  }
  const untracked = execFileSync('git', ['status', '--porcelain', '--', 'dist']).toString().trim()
  if (untracked !== '') {
    console.error(
      `dist/ differs from what is committed:\n${untracked}\nRun \`npm run bundle\` and commit dist/.`
    )
    process.exitCode = 1
  }
} finally {
  rmSync(saved, { recursive: true, force: true })
}
if (!process.exitCode) console.log('dist/ is up to date.')
