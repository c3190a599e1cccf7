#!/usr/bin/env node
// The `connect-dialer` command. Installed from the package, it runs the compiled lib/cli.js with
// plain Node. In a source checkout (src/cli.ts beside this folder) it runs the TypeScript sources
// through tsx instead, so `npm start`, the tests and a developer never run a stale build.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '..', 'src', 'cli.ts');
if (existsSync(source)) {
  // tsx's loader hooks both require() and import() (commands load their heavy parts lazily with import()).
  import('tsx').then(() => require(source).run());
} else {
  require('../lib/cli.js').run();
}
