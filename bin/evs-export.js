#!/usr/bin/env node
// Runs the compiled CLI when built (`npm run build`, done on install), else the TypeScript source through tsx.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const built = path.join(__dirname, '..', 'lib', 'starter.js');
if (fs.existsSync(built)) {
  require(built).main();
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'src', 'starter.ts')).main();
}
