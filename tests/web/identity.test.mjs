// identity.test.mjs: the dashboard's identityOf runs every case of the shared
// table tests/identity_cases.json, which tests/collector/sample/test_identity.c runs
// against the collector: the same id, or no id where the collector drops the
// sample. So the page and the collector cannot give one sample two names.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, site } from './site.mjs';

const { identityOf, utf8Bytes, hasControl } = await site('series.js');
const { IDENTITY_MAX } = await site('wire.js');
const table = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/identity_cases.json'), 'utf8'));

test('the table is there and has both kinds of case', () => {
  assert.ok(table.cases.length >= 20, 'too few cases: ' + table.cases.length);
  assert.ok(table.cases.some((c) => 'invalid' in c));
  assert.ok(table.cases.some((c) => 'id' in c));
});

for (const c of table.cases) {
  test('identity: ' + c.name, () => {
    const sample = { cpu: 1, mem: 1, ...c.sample };
    assert.ok(('id' in c) !== ('invalid' in c), 'a case has either id or invalid');
    const got = identityOf(sample);
    if ('id' in c) {
      assert.equal(got, c.id);
      assert.ok(utf8Bytes(got) <= IDENTITY_MAX);
    } else {
      assert.equal(got, null, 'the collector drops it (' + c.invalid + '), the page gave it ' + JSON.stringify(got));
    }
  });
}

// The character rule alone, the cases test_identity.c runs through
// common/utf8.c's utf8_find_control (the agent's and the collector's rule).
test('control characters: the shared table', () => {
  assert.ok(table.control.length >= 10, 'too few control cases: ' + table.control.length);
  for (const c of table.control) {
    assert.equal(hasControl(c.text), c.control, JSON.stringify(c.text));
  }
});

test('identity: not an object', () => {
  for (const x of [null, 5, 'red', [1]]) assert.equal(identityOf(x), null, JSON.stringify(x));
});

test('identity: limit counted in bytes, at the edge', () => {
  // "é" is two bytes: 127 of them and one "a" make 255 bytes in 128 characters.
  const agent = 'é'.repeat(127) + 'a';
  assert.equal(identityOf({ agent }), agent);
  assert.equal(identityOf({ agent: agent + 'a' }), null);
  // An astral character is four bytes (two UTF-16 units).
  const astral = '😀'.repeat(63) + 'abc';
  assert.equal(utf8Bytes(astral), 255);
  assert.equal(identityOf({ agent: astral }), astral);
  assert.equal(identityOf({ agent: astral + 'd' }), null);
});

test('utf8Bytes agrees with TextEncoder', () => {
  const enc = new TextEncoder();
  for (const text of ['', 'a', 'é', '€', '😀', 'a😀b', '\ud800', 'x\udc00y', '\ud800\ud800', 'höst-ñ', '\u07ff\u0800']) {
    assert.equal(utf8Bytes(text), enc.encode(text).length, JSON.stringify(text));
  }
});
