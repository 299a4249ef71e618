// metrics.test.mjs: metricsOf (which columns one sample feeds, with the wire's
// limits), parseTime and colourFor (the agent's colour within COLOR_MAX bytes,
// else a palette colour that depends on the identity only). The charted
// metrics run the shared table tests/charted_cases.json, which
// tests/collector/web/test_charted.c runs against the collector.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, site } from './site.mjs';

const asMap = (pairs) => new Map(pairs);

const { metricsOf, parseTime, colourFor, valueAt, METRIC, CORE_PREFIX, CUSTOM_PREFIX } = await site('series.js');
const { PATHS } = await site('history.js');
const wire = await site('wire.js');
const charted = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/charted_cases.json'), 'utf8'));

test('the charted metrics: one list in wire.h, the page\'s names in its order', () => {
  assert.equal(wire.CHARTED_COLUMNS.length, wire.CHARTED_COUNT);
  assert.equal(wire.CHARTED_PATHS.length, wire.CHARTED_COUNT);
  assert.deepEqual(Object.values(METRIC), [...wire.CHARTED_COLUMNS]);
  assert.deepEqual(Object.keys(PATHS), [...wire.CHARTED_COLUMNS]);
  assert.deepEqual(Object.values(PATHS), [...wire.CHARTED_PATHS]);
  assert.ok(charted.cases.length >= 5);
});

for (const c of charted.cases) {
  test('charted: ' + c.name, () => {
    const sample = { cpu: 1, mem: 1, color: 'c', ...c.sample };
    assert.deepEqual(Object.keys(c.charted).sort(), [...wire.CHARTED_COLUMNS].sort());
    const fed = asMap(metricsOf(sample));
    wire.CHARTED_COLUMNS.forEach((column, i) => {
      const want = c.charted[column];
      assert.equal(fed.has(column) ? fed.get(column) : null, want, column);
      const at = valueAt(sample, wire.CHARTED_PATHS[i]);
      assert.equal(typeof at === 'number' ? at : null, want, column + ' at ' + wire.CHARTED_PATHS[i]);
    });
  });
}


test('metricsOf: a full zapm sample', () => {
  const m = asMap(metricsOf({
    agent: 'a', cpu: 12.5, mem: 40,
    sys: { cpu_percent: 30, percpu: [10, 20, 30], load: [0.5, 0.4, 0.3], mem: { total: 8, percent: 55.5 } },
    custom: { 'queue.depth': 7, errors: 0 }
  }));
  assert.deepEqual([...m], [
    [METRIC.cpu, 12.5], [METRIC.mem, 40], [METRIC.sysCpu, 30], [METRIC.sysMem, 55.5], [METRIC.load1, 0.5],
    [CORE_PREFIX + 0, 10], [CORE_PREFIX + 1, 20], [CORE_PREFIX + 2, 30],
    [CUSTOM_PREFIX + 'queue.depth', 7], [CUSTOM_PREFIX + 'errors', 0]
  ]);
});

test('metricsOf: the column keys are the history columns of the wire', () => {
  assert.equal(METRIC.cpu, wire.KEY_CPU);
  assert.equal(METRIC.mem, wire.KEY_MEM);
  assert.equal(METRIC.sysCpu, wire.HISTORY_SYS_CPU);
  assert.equal(METRIC.sysMem, wire.HISTORY_SYS_MEM);
  assert.equal(METRIC.load1, wire.HISTORY_LOAD1);
});

test('metricsOf: the book sample feeds cpu and mem only', () => {
  assert.deepEqual(metricsOf({ color: 'red', timestamp: 'x', cpu: 1, mem: 2 }), [[METRIC.cpu, 1], [METRIC.mem, 2]]);
});

test('metricsOf: non-numbers and non-finite values are skipped', () => {
  const m = asMap(metricsOf({
    cpu: '5', mem: null,
    sys: { cpu_percent: NaN, mem: [], load: 'x', percpu: [1, 'b', null, 4] },
    custom: { a: 'one', b: Infinity, c: 3 }
  }));
  assert.deepEqual([...m], [[CORE_PREFIX + 0, 1], [CORE_PREFIX + 3, 4], [CUSTOM_PREFIX + 'c', 3]]);
  assert.deepEqual(metricsOf({ sys: [1, 2], custom: [1, 2] }), []);
  assert.deepEqual(metricsOf({ sys: null, custom: null }), []);
});

test('metricsOf: at most PERCPU_MAX cores', () => {
  const percpu = Array.from({ length: wire.PERCPU_MAX + 10 }, (_, i) => i);
  const cores = metricsOf({ sys: { percpu } }).filter(([k]) => k.startsWith(CORE_PREFIX));
  assert.equal(cores.length, wire.PERCPU_MAX);
  assert.deepEqual(cores.at(-1), [CORE_PREFIX + (wire.PERCPU_MAX - 1), wire.PERCPU_MAX - 1]);
});

test('metricsOf: at most CUSTOM_MAX custom metrics, names of at most CUSTOM_NAME_MAX bytes', () => {
  const custom = {};
  custom[''] = 1;                                        // empty: skipped
  custom['x'.repeat(wire.CUSTOM_NAME_MAX + 1)] = 2;      // too long: skipped
  custom['é'.repeat(wire.CUSTOM_NAME_MAX / 2 + 1)] = 3;  // too long in bytes, not in characters
  custom['y'.repeat(wire.CUSTOM_NAME_MAX)] = 4;          // at the limit: kept
  for (let i = 0; i < wire.CUSTOM_MAX + 5; i++) custom['m' + i] = i;
  const got = metricsOf({ custom }).map(([k]) => k.slice(CUSTOM_PREFIX.length));
  assert.equal(got.length, wire.CUSTOM_MAX);
  assert.equal(got[0], 'y'.repeat(wire.CUSTOM_NAME_MAX));
  assert.equal(got.at(-1), 'm' + (wire.CUSTOM_MAX - 2));
  assert.ok(!got.includes(''));
});

test('parseTime: ISO 8601 with offset, else the fallback', () => {
  assert.equal(parseTime('2026-01-02T03:04:05.250+00:00', 0), Date.UTC(2026, 0, 2, 3, 4, 5, 250) / 1000);
  assert.equal(parseTime('2026-01-02T04:04:05+01:00', 0), Date.UTC(2026, 0, 2, 3, 4, 5) / 1000);
  assert.equal(parseTime('not a time', 42), 42);
  assert.equal(parseTime(17, 42), 42);
  assert.equal(parseTime(undefined, 42), 42);
});

test('colourFor: the agent colour when it is a colour of at most COLOR_MAX bytes', () => {
  const yes = () => true;
  assert.equal(colourFor('a', 'red', yes), 'red');
  const edge = 'c'.repeat(wire.COLOR_MAX);
  assert.equal(colourFor('a', edge, yes), edge);
  assert.notEqual(colourFor('a', edge + 'c', yes), edge + 'c');
  // 33 two-byte characters: 66 bytes, 33 UTF-16 units.
  const wide = 'é'.repeat(wire.COLOR_MAX / 2 + 1);
  assert.notEqual(colourFor('a', wide, yes), wide);
  assert.notEqual(colourFor('a', 'red', () => false), 'red');
  assert.notEqual(colourFor('a', '', yes), '');
});

test('colourFor: without CSS (Node) a palette colour fixed by the identity', () => {
  const c = colourFor('orders@web1:1', 'red');
  assert.match(c, /^#[0-9a-f]{6}$/);
  assert.equal(colourFor('orders@web1:1', 'blue'), c);
  assert.equal(colourFor('orders@web1:1', null), c);
  const others = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => colourFor(id, null)));
  assert.ok(others.size > 1, 'every identity got the same colour');
});
