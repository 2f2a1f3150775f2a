#!/usr/bin/env node
// In a checkout, runs the TypeScript source through tsx (never a stale build); an installed package runs lib/.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const source = path.join(__dirname, '..', 'src', 'starter.ts');
if (fs.existsSync(source)) {
  require('tsx/cjs');
  require(source).main();
} else {
  require(path.join(__dirname, '..', 'lib', 'starter.js')).main();
}
