// wire.test.mjs: the generated wire.js says what common/wire.h says, and the
// page spells no wire name of its own. The first reads wire.h here with a
// separate, simpler reader than web/cmake/wire_js.cmake, so a generator that
// drops or garbles a #define fails. The second scans every string literal in
// web/src for a value wire.js exports: a wire key, event or state name written
// out is one that can drift from the collector's.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, SITE, site } from './site.mjs';

const wire = await site('wire.js');
const header = fs.readFileSync(path.join(ROOT, 'common/wire.h'), 'utf8');

// name -> value of every `#define ZAPM_NAME value` (the include guard aside).
function defines () {
  const out = new Map();
  for (const line of header.split('\n')) {
    const m = /^\s*#\s*define\s+ZAPM_(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const quoted = /^("(?:[^"\\]|\\.)*")/.exec(m[2]);
    const list = /^\{([^{}]*)\}/.exec(m[2]);
    if (quoted) {
      out.set(m[1], JSON.parse(quoted[1]));
    } else if (list) {
      // String literals and names defined above, comma-separated.
      const items = list[1].split(',').map((item) => item.trim());
      out.set(m[1], items.map((item) => {
        if (item.startsWith('"')) return JSON.parse(item);
        const name = /^ZAPM_(\w+)$/.exec(item);
        assert.ok(name && out.has(name[1]), 'ZAPM_' + m[1] + ': ' + item + ' is not defined above');
        return out.get(name[1]);
      }));
    } else {
      const text = m[2].replace(/\s*\/\/.*$/, '').replace(/\/\*.*\*\//, '').trim();
      assert.match(text, /^[-+*/().0-9eE ]+$/, 'ZAPM_' + m[1] + ' is not numeric: ' + text);
      out.set(m[1], Function('"use strict"; return (' + text + ');')());
    }
  }
  return out;
}

test('wire.js exports every #define of wire.h, with its value', () => {
  const want = defines();
  assert.ok(want.size > 50, 'read only ' + want.size + ' defines');
  assert.deepEqual(Object.keys(wire).sort(), [...want.keys()].sort());
  for (const [name, value] of want) assert.deepEqual(wire[name], value, name);
  assert.equal(wire.WIRE_MAX_BYTES, 64 * 1024);
  assert.equal(wire.COUNT_MAX, 2 ** 53);
  assert.deepEqual(wire.CHARTED_COLUMNS, ['cpu', 'mem', 'sys_cpu', 'sys_mem', 'load1']);
  assert.ok(Object.isFrozen(wire.CHARTED_PATHS));
});

test('wire.js says it is generated', () => {
  const text = fs.readFileSync(path.join(SITE, 'wire.js'), 'utf8');
  assert.match(text.split('\n')[0], /GENERATED from common\/wire\.h/);
  assert.match(text, /Do not edit/);
  assert.ok(!fs.existsSync(path.join(ROOT, 'web/src/wire.js')), 'web/src/wire.js must not exist');
});

// The string literals of a JavaScript source: a small scanner that knows
// comments, quotes and template literals (web/src uses no regex literals; one
// that appeared would most likely make this scanner fail loudly on a quote).
const ESCAPES = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', 0: '\0' };

function literals (src) {
  const out = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      i = src.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i) + 2;
      assert.ok(i > 1, 'unterminated comment');
    } else if (c === '\'' || c === '"' || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== c) {
        assert.ok(c === '`' || src[j] !== '\n', 'line break in a string near ' + JSON.stringify(src.slice(i, i + 40)));
        if (src[j] === '\\') {
          j++;
          text += ESCAPES[src[j]] ?? src[j];
        } else text += src[j];
        j++;
      }
      out.push(text);
      i = j + 1;
    } else i++;
  }
  return out;
}

// Literals that equal a wire value but are not wire names, file by file, and why.
const NOT_WIRE = {
  'feed.js': { live: 'a connection state (CONN)', reset: 'a connection state (CONN)' },
  'looks.js': { color: 'the CSS property in CSS.supports' },
  'table.js': { host: 'a table cell class', state: 'a table cell class', now: 'the word for "just now"' }
};

test('web/src spells no wire name as a literal', () => {
  // Names, not separators: a ':' in a clock is not the identity's.
  const values = new Set(Object.entries(wire)
    .filter(([name, v]) => typeof v === 'string' && /^(KEY|HISTORY|EVENT|STATE)_/.test(name))
    .map(([, v]) => v));
  const dir = path.join(ROOT, 'web/src');
  const found = [];
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
  assert.ok(files.includes('main.js') && files.includes('series.js'));
  for (const f of files) {
    const allowed = NOT_WIRE[f] || {};
    for (const text of literals(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      if (values.has(text) && !(text in allowed)) found.push(f + ': \'' + text + '\'');
    }
  }
  assert.deepEqual(found, [], 'import these from wire.js');
});

test('the literal scanner finds what it should', () => {
  assert.deepEqual(literals('a = "x"; // "no"\nb = \'y\\\'z\' /* "no" */ + `t` + \'\\t\''), ['x', 'y\'z', 't', '\t']);
});
