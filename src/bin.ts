#!/usr/bin/env node
/** The CLI's entry point (bundled to dist/cli/index.js, the package's `bin`). */
import { cli } from './cli.js'

void cli(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
