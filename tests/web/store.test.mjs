// store.test.mjs: SeriesStore, what the page does with what the feed delivers:
// live samples (filed by the documented identity), the backfill from
// /api/agents and /api/history, `event: agent` and `event: lost` (lost samples
// are the collector's totals: the page counts none itself).

import test from 'node:test';
import assert from 'node:assert/strict';
import { site } from './site.mjs';

const { SeriesStore, METRIC, CUSTOM_PREFIX } = await site('series.js');
const wire = await site('wire.js');

// A store on a fixed clock that records its callbacks.
function makeStore (nowMs = 1_000_000) {
  const calls = { keys: [], colour: [] };
  const clock = { ms: nowMs };
  const store = new SeriesStore({
    onKeys: (s, keys) => calls.keys.push([s.id, keys]),
    onColour: (s) => calls.colour.push([s.id, s.colour]),
    isColour: (c) => c !== 'notacolour',
    nowMs: () => clock.ms
  });
  return { store, calls, clock };
}

const T0 = '2026-01-01T00:00:00+00:00';
const t0 = Date.parse(T0) / 1000;
const at = (s) => new Date((t0 + s) * 1000).toISOString();

test('ingest: a sample lands in its series under the documented identity', () => {
  const { store, calls } = makeStore();
  const s = store.ingest({ agent: 'p', pid: 9, seq: 0, timestamp: T0, cpu: 5, mem: 50, interval: 1 });
  assert.equal(s.id, 'p:9');
  assert.equal(store.get('p:9'), s);
  assert.equal(s.agent, 'p');
  assert.equal(s.host, null);
  assert.equal(s.pid, 9);
  assert.equal(s.interval, 1);
  assert.equal(s.state, wire.STATE_LIVE);
  assert.equal(s.samples, 0, 'the page counts no samples: the collector does');
  assert.equal(s.lastSeen, 1_000_000);
  assert.deepEqual(calls.keys, [['p:9', [METRIC.cpu, METRIC.mem]]]);
  assert.deepEqual(Array.from(s.columns.get(METRIC.cpu).view(0)[0]), [t0]);
  assert.deepEqual(Array.from(s.columns.get(METRIC.cpu).view(0)[1]), [5]);
});

test('ingest: the three foreign publishers make three series', () => {
  const { store } = makeStore();
  for (let i = 0; i < 3; i++) {
    store.ingest({ agent: 'p', pid: 9, seq: i, timestamp: at(i), cpu: 1, mem: 1 });
    store.ingest({ agent: 'a', host: 'h', seq: i, timestamp: at(i), cpu: 1, mem: 1 });
    store.ingest({ color: 'red', timestamp: at(i), cpu: 1, mem: 1 });
  }
  assert.deepEqual([...store.values()].map((s) => [s.id, s.columns.get(METRIC.cpu).length]).sort(),
    [['a@h', 3], ['p:9', 3], ['red', 3]]);
});

test('ingest: a sample without an identity is dropped and counted', () => {
  const { store, calls } = makeStore();
  assert.equal(store.ingest({ host: 'h', pid: 1, cpu: 1, mem: 1 }), null);
  assert.equal(store.ingest({ agent: 'a', pid: 1.5, cpu: 1, mem: 1 }), null);
  assert.equal(store.size, 0);
  assert.equal(store.dropped, 2);
  assert.deepEqual(calls.keys, []);
});

test('ingest: a seq gap is not counted by the page', () => {
  const { store } = makeStore();
  store.ingest({ agent: 'a', seq: 0, timestamp: at(0), cpu: 1, mem: 1 });
  const s = store.ingest({ agent: 'a', seq: 10, timestamp: at(1), cpu: 1, mem: 1 });
  assert.equal(s.lost, 0);
  assert.equal(s.samples, 0);
});

test('ingest: a sample without a timestamp takes the collector clock', () => {
  const { store } = makeStore();
  store.backfill({ agents: { now: 5000, agents: [] }, history: { now: 5000, series: [] } });
  const s = store.ingest({ color: 'red', cpu: 1, mem: 2 });
  assert.deepEqual(Array.from(s.columns.get(METRIC.cpu).view(0)[0]), [5000]);
});

test('ingest: colour changes are reported once', () => {
  const { store, calls } = makeStore();
  store.ingest({ agent: 'a', color: 'red', timestamp: at(0), cpu: 1, mem: 1 });
  assert.equal(store.get('a').colour, 'red');
  store.ingest({ agent: 'a', color: 'red', timestamp: at(1), cpu: 1, mem: 1 });
  store.ingest({ agent: 'a', color: 'blue', timestamp: at(2), cpu: 1, mem: 1 });
  assert.deepEqual(calls.colour, [['a', 'blue']]);
  store.ingest({ agent: 'a', color: 'notacolour', timestamp: at(3), cpu: 1, mem: 1 });
  assert.equal(calls.colour.length, 2);
  assert.match(store.get('a').colour, /^#/);
  assert.equal(store.get('a').color, 'notacolour');
});

function backfillData () {
  return {
    agents: {
      now: t0 + 100,
      agents: [
        { id: 'p:9', agent: 'p', host: null, pid: 9, color: '', state: 'live', last_seen: t0 + 99,
          samples: 40, lost: 3, interval: 1, last: { agent: 'p', pid: 9, seq: 42, timestamp: at(99), cpu: 2, mem: 3 } },
        { id: 'red', agent: null, host: null, pid: null, color: 'red', state: 'left', last_seen: t0 + 50,
          samples: 5, lost: 0, interval: null, last: { color: 'red', timestamp: at(50), cpu: 1, mem: 1, custom: { q: 4 } } }
      ]
    },
    history: {
      now: t0 + 100,
      series: [
        { id: 'p:9', color: '', t: [t0 + 97, t0 + 98, t0 + 99], cpu: [1, 2, 3], mem: [4, 5, 6],
          sys_cpu: [], sys_mem: [], load1: [], custom: { depth: [7, 8, 9] } },
        { id: 'red', color: 'red', t: [t0 + 50], cpu: [1], mem: [1], sys_cpu: [], sys_mem: [], load1: [] }
      ]
    }
  };
}

test('backfill: /api/agents sets state, totals and clock; /api/history fills the columns', () => {
  const { store, calls } = makeStore(1_000_000);
  store.backfill(backfillData());
  assert.equal(store.size, 2);
  assert.equal(store.nowS(), t0 + 100);
  const p = store.get('p:9');
  assert.equal(p.state, wire.STATE_LIVE);
  assert.equal(p.agent, 'p');
  assert.equal(p.host, null);
  assert.equal(p.pid, 9);
  assert.equal(p.color, null, 'an empty colour is no colour');
  assert.equal(p.lost, 3);
  assert.equal(p.samples, 40);
  assert.equal(p.interval, 1);
  assert.equal(p.lastSeen, 1_000_000 - 1000);
  assert.equal(p.last.seq, 42);
  assert.deepEqual(Array.from(p.columns.get(METRIC.cpu).view(0)[1]), [1, 2, 3]);
  assert.deepEqual(Array.from(p.columns.get(CUSTOM_PREFIX + 'depth').view(0)[1]), [7, 8, 9]);
  assert.equal(p.columns.has(METRIC.sysCpu), false, 'an empty history column makes no line');
  const red = store.get('red');
  assert.equal(red.state, wire.STATE_LEFT);
  assert.equal(red.colour, 'red');
  // red has no custom history: its last sample's custom metric starts the column.
  assert.deepEqual(Array.from(red.columns.get(CUSTOM_PREFIX + 'q').view(0)[1]), [4]);
  const keys = new Map(calls.keys.map(([id, k]) => [id, k]));
  assert.deepEqual(calls.keys.find(([id]) => id === 'p:9')[1], [METRIC.cpu, METRIC.mem, CUSTOM_PREFIX + 'depth']);
  assert.ok(keys.has('red'));
});

test('backfill: then live samples continue the same series, without duplicates', () => {
  const { store } = makeStore();
  store.backfill(backfillData());
  store.ingest({ agent: 'p', pid: 9, seq: 42, timestamp: at(99), cpu: 3, mem: 6 });    // the overlap
  store.ingest({ agent: 'p', pid: 9, seq: 43, timestamp: at(100), cpu: 4, mem: 7 });
  assert.equal(store.size, 2);
  assert.deepEqual(Array.from(store.get('p:9').columns.get(METRIC.cpu).view(0)[1]), [1, 2, 3, 4]);
  assert.equal(store.get('p:9').lost, 3, 'the page does not add to the collector\'s count');
});

test('backfill: series the collector no longer lists are left', () => {
  const { store } = makeStore();
  store.ingest({ agent: 'gone', timestamp: at(0), cpu: 1, mem: 1 });
  store.backfill(backfillData());
  assert.equal(store.get('gone').state, wire.STATE_LEFT);
  // A failed /api/agents (no list) leaves states alone.
  store.ingest({ agent: 'back', timestamp: at(0), cpu: 1, mem: 1 });
  store.backfill({ agents: null, history: null });
  assert.equal(store.get('back').state, wire.STATE_LIVE);
});

test('backfill: malformed entries are skipped', () => {
  const { store } = makeStore();
  store.backfill({
    agents: { now: 'x', agents: [null, 5, { id: 7 }, { agent: 'noid' }, { id: 'ok', lost: -1, samples: 1.5, state: 'odd' }] },
    history: { series: [null, { id: 'h' }, { id: 'h2', t: 'x' }, { id: 'ok', t: [1, 'x', 3], cpu: [1, 2, 3], custom: { bad: 'x' } }] }
  });
  assert.deepEqual([...store.values()].map((s) => s.id), ['ok']);
  const ok = store.get('ok');
  assert.equal(ok.lost, 0);
  assert.equal(ok.samples, 0);
  assert.equal(ok.state, wire.STATE_LIVE);
  assert.deepEqual(Array.from(ok.columns.get(METRIC.cpu).view(0)[0]), [1, 3]);
});

test('event: agent joins and leaves', () => {
  const { store } = makeStore();
  const s = store.agent({ id: 'a@h', state: wire.STATE_JOINED, agents: 1 });
  assert.equal(s.state, wire.STATE_LIVE);
  store.agent({ id: 'a@h', state: wire.STATE_LEFT, agents: 0 });
  assert.equal(store.get('a@h').state, wire.STATE_LEFT);
  store.agent({ id: 'a@h', state: 'weird', agents: 0 });
  assert.equal(store.get('a@h').state, wire.STATE_LEFT);
  store.agent({ id: 'a@h', state: wire.STATE_JOINED, agents: 1 });
  assert.equal(store.get('a@h').state, wire.STATE_LIVE);
  assert.equal(store.agent({ state: wire.STATE_LEFT }), null);
  assert.equal(store.size, 1);
});

test('event: left then a sample makes the series live again', () => {
  const { store } = makeStore();
  store.ingest({ agent: 'a', host: 'h', timestamp: at(0), cpu: 1, mem: 1 });
  store.agent({ id: 'a@h', state: wire.STATE_LEFT, agents: 0 });
  assert.equal(store.get('a@h').state, wire.STATE_LEFT);
  store.ingest({ agent: 'a', host: 'h', timestamp: at(1), cpu: 1, mem: 1 });
  assert.equal(store.get('a@h').state, wire.STATE_LIVE);
  assert.equal(store.size, 1);
});

test('event: lost sets the collector\'s totals', () => {
  const { store } = makeStore();
  store.ingest({ agent: 'p', pid: 9, seq: 0, timestamp: at(0), cpu: 1, mem: 1 });
  const s = store.lost({ [wire.KEY_ID]: 'p:9', [wire.KEY_LOST]: 4, [wire.KEY_SAMPLES]: 6 });
  assert.equal(s, store.get('p:9'));
  assert.equal(s.lost, 4);
  assert.equal(s.samples, 6);
  store.lost({ id: 'p:9', lost: 'x', samples: -2 });
  assert.equal(s.lost, 4);
  assert.equal(s.samples, 6);
  assert.equal(store.lost({ lost: 1 }), null);
  assert.equal(store.lost('nope'), null);
});

test('trim: every series forgets old points', () => {
  const { store } = makeStore();
  for (let i = 0; i < 5; i++) store.ingest({ agent: 'a', timestamp: at(i), cpu: i, mem: i });
  store.trim(t0 + 3);
  assert.deepEqual(Array.from(store.get('a').columns.get(METRIC.mem).view(0)[1]), [3, 4]);
});

test('counters: charted as their rate per second; a reset starts again', () => {
  const { store } = makeStore();
  const c = (s, n) => ({ agent: 'w', timestamp: at(s), cpu: 1, mem: 1, custom: { hits: n, depth: n }, counters: ['hits'] });
  for (const [s, n] of [[0, 100], [2, 110], [4, 130], [5, 3], [7, 7]]) store.ingest(c(s, n));
  const col = store.get('w').columns.get(CUSTOM_PREFIX + 'hits');
  assert.deepEqual(Array.from(col.view(-Infinity)[1]), [5, 10, 2], 'rates; no point for the first and across the reset');
  assert.deepEqual(Array.from(store.get('w').columns.get(CUSTOM_PREFIX + 'depth').view(-Infinity)[1]), [100, 110, 130, 3, 7], 'a gauge as it is');
  assert.ok(store.counters.has('hits') && !store.counters.has('depth'));
});

test('counters: the backfill\'s running totals become rates too', () => {
  const { store } = makeStore();
  store.backfill({
    agents: { now: t0 + 10, agents: [{ id: 'w', agent: 'w', state: 'live', last: { agent: 'w', custom: { hits: 40 }, counters: ['hits'], timestamp: at(4) } }] },
    history: { now: t0 + 10, series: [{ id: 'w', t: [t0, t0 + 2, t0 + 4], cpu: [1, 1, 1], mem: [1, 1, 1], custom: { hits: [0, 20, 40] } }] }
  });
  assert.deepEqual(Array.from(store.get('w').columns.get(CUSTOM_PREFIX + 'hits').view(-Infinity)[1]), [10, 10]);
  store.ingest({ agent: 'w', timestamp: at(6), cpu: 1, mem: 1, custom: { hits: 50 }, counters: ['hits'] });
  assert.deepEqual(Array.from(store.get('w').columns.get(CUSTOM_PREFIX + 'hits').view(-Infinity)[1]), [10, 10, 5], 'live goes on from the backfill');
});
