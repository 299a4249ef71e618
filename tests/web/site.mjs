// site.mjs: imports the dashboard's modules for the unit tests from the staged
// site (build/web/site: web/src plus the wire.js generated from common/wire.h),
// so they test the real modules with the real generated wire, not copies.
// tests/web/CMakeLists.txt passes the directory in ZAPM_WEB_SITE.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const SITE = process.env.ZAPM_WEB_SITE;
if (!SITE || !fs.existsSync(path.join(SITE, 'wire.js'))) {
  throw new Error('ZAPM_WEB_SITE must name the staged site with wire.js (build/web/site): ' +
    'run the tests with ctest after a build');
}

// The repository root, for the shared data files (tests/identity_cases.json).
export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export const site = (name) => import(pathToFileURL(path.join(SITE, name)).href);
