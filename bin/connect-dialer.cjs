#!/usr/bin/env node
// The `connect-dialer` command: runs the TypeScript sources through tsx, so there is no build step.
'use strict';
// tsx's loader hooks both require() and import() (commands load their heavy parts lazily with import()).
import('tsx').then(() => require('../src/cli.ts').run());
