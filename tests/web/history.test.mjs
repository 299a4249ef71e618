// history.test.mjs: history.js, the lines of a long window: an /api/history
// answer from the store taken in (means with their min-max band, one line per
// agent@host across pids), live samples folded into buckets of the answer's
// width on top of it (a new pid of the same service joins its line), and the
// rows the table lists (a service only history has is departed).

import test from 'node:test';
import assert from 'node:assert/strict';
import { site } from './site.mjs';

const H = await site('history.js');
const { METRIC, SeriesStore } = await site('series.js');
const wire = await site('wire.js');
const { labelOf } = await site('looks.js');

const FROM = 1795000000;
const STEP = 100;
const iso = (t) => new Date(t * 1000).toISOString();

// An answer as the collector gives it with group=service: orders@h joins pids
// 11 and 22; billing@h (pid 33) is in history only.
function answer () {
  return {
    now: FROM + 1000, from: FROM, to: FROM + 1000, step: STEP, points: 10, tier: 'raw', group: 'service',
    series: [
      {
        id: 'orders@h', service: 'orders@h', agent: 'orders', host: 'h', pid: null, pids: [11, 22], color: 'tomato',
        until: FROM + 950, t: [FROM + 50, FROM + 150, FROM + 850, FROM + 950],
        cpu: [1, 2, 3, 4], mem: [10, 20, 30, 40], sys_cpu: [null, null, null, null],
        metrics: {
          cpu: { mean: [1, 2, 3, 4], min: [0.5, 1, 3, 2], max: [1.5, 9, 3, 6] },
          mem: { mean: [10, 20, 30, 40], min: [10, 20, 30, 40], max: [10, 20, 30, 40] },
          'sys.cpu_percent': { mean: [null, null, null, null], min: [null, null, null, null], max: [null, null, null, null] }
        }
      },
      {
        id: 'billing@h', service: 'billing@h', agent: 'billing', host: 'h', pid: 33, pids: [33], color: '',
        until: FROM + 300, t: [FROM + 250], cpu: [7], mem: [70],
        metrics: { cpu: { mean: [7], min: [6], max: [8] }, mem: { mean: [70], min: [70], max: [70] } }
      },
      { id: 'junk' },
      null
    ]
  };
}

function load (ans = answer()) {
  const calls = [];
  const lines = new H.HistoryLines({ onKeys: (l, keys) => calls.push([l.id, keys]), isColour: () => true });
  lines.load(ans, { from: FROM, to: FROM + 1000 });
  return { lines, calls };
}

const arr = (c) => Array.from(c.view(-Infinity)[1]);
const times = (c) => Array.from(c.view(-Infinity)[0]);

test('metric paths: the store\'s names of the charted columns', () => {
  assert.equal(H.PATHS[METRIC.sysCpu], 'sys.cpu_percent');
  assert.equal(H.PATHS[METRIC.sysMem], 'sys.mem.percent');
  assert.equal(H.PATHS[METRIC.load1], 'sys.load.0');
  assert.equal(H.keyOfPath('sys.load.0'), METRIC.load1);
  assert.equal(H.keyOfPath('custom.queue'), 'custom:queue');
  assert.equal(H.keyOfPath('proc.rss'), null);
  assert.equal(H.keyOfPath('custom.'), null);
});

test('lineIdOf: agent@host across pids, the identity otherwise', () => {
  assert.equal(H.lineIdOf({ agent: 'a', host: 'h', pid: 5 }, false), 'a@h');
  assert.equal(H.lineIdOf({ agent: 'a', host: 'h', pid: 5 }, true), 'a@h:5');
  assert.equal(H.lineIdOf({ agent: 'a', pid: 5 }, false), 'a:5', 'no host: the collector keeps the identity');
  assert.equal(H.lineIdOf({ color: 'red' }, false), 'red');
  assert.equal(H.lineIdOf({ host: 'h' }, false), null);
});

test('load: one line per service with its pids, means and the min-max band', () => {
  const { lines, calls } = load();
  assert.equal(lines.size, 2);
  assert.equal(lines.step, STEP);
  assert.ok(lines.stored);
  const o = lines.get('orders@h');
  assert.deepEqual(o.pids, [11, 22]);
  assert.equal(o.agent, 'orders');
  assert.equal(o.colour, 'tomato');
  const cpu = o.bands.get(METRIC.cpu);
  assert.deepEqual(times(cpu.mean), [FROM + 50, FROM + 150, FROM + 850, FROM + 950]);
  assert.deepEqual(arr(cpu.mean), [1, 2, 3, 4]);
  assert.deepEqual(arr(cpu.max), [1.5, 9, 3, 6], 'the spike of the second bucket is kept');
  assert.deepEqual(arr(cpu.min), [0.5, 1, 3, 2]);
  assert.ok(!o.bands.get(METRIC.sysCpu) || o.bands.get(METRIC.sysCpu).length === 0, 'nulls make no points');
  assert.deepEqual(calls, [['orders@h', [METRIC.cpu, METRIC.mem]], ['billing@h', [METRIC.cpu, METRIC.mem]]]);
  assert.equal(o.firstT, FROM + 50);
  assert.equal(o.lastT, FROM + 950);
});

test('load: without metrics (the memory answer, --store none) the means are the band', () => {
  const ans = { now: FROM + 10, series: [{ id: 'a@h:1', t: [FROM + 1, FROM + 2], cpu: [1, 2], mem: [3, 4], custom: { q: [5, 6] } }] };
  const { lines } = load(ans);
  assert.ok(!lines.stored);
  assert.ok(lines.perPid, 'the memory answer is per series');
  const l = lines.get('a@h:1');
  assert.deepEqual(arr(l.bands.get(METRIC.cpu).max), [1, 2]);
  assert.deepEqual(arr(l.bands.get('custom:q').mean), [5, 6]);
  // Each live point is its own bucket there.
  lines.ingest({ agent: 'a', host: 'h', pid: 1, timestamp: iso(FROM + 3), cpu: 7, mem: 8 }, FROM + 3);
  lines.ingest({ agent: 'a', host: 'h', pid: 1, timestamp: iso(FROM + 4), cpu: 9, mem: 8 }, FROM + 4);
  assert.deepEqual(arr(l.bands.get(METRIC.cpu).mean), [1, 2, 7, 9]);
});

test('ingest: a new pid of a service joins its line, folded into buckets of the answer\'s step', () => {
  const { lines, calls } = load();
  const o = lines.get('orders@h');
  const cpu = o.bands.get(METRIC.cpu);
  calls.length = 0;
  // Same bucket as the answer's last (FROM+900 .. FROM+1000): folded in, the
  // answer's bucket counted as one point.
  assert.equal(lines.ingest({ agent: 'orders', host: 'h', pid: 44, timestamp: iso(FROM + 990), cpu: 10, mem: 40 }, 0), o);
  assert.equal(cpu.length, 4);
  assert.deepEqual(arr(cpu.mean), [1, 2, 3, 7]);
  assert.equal(arr(cpu.max)[3], 10);
  assert.equal(arr(cpu.min)[3], 2);
  assert.equal(times(cpu.mean)[3], (FROM + 950 + FROM + 990) / 2);
  // Next buckets: a new point each, then folded.
  lines.ingest({ agent: 'orders', host: 'h', pid: 44, timestamp: iso(FROM + 1010), cpu: 2, mem: 40 }, 0);
  lines.ingest({ agent: 'orders', host: 'h', pid: 44, timestamp: iso(FROM + 1050), cpu: 4, mem: 40 }, 0);
  assert.deepEqual(arr(cpu.mean), [1, 2, 3, 7, 3]);
  assert.deepEqual([arr(cpu.min)[4], arr(cpu.max)[4]], [2, 4]);
  assert.equal(times(cpu.mean)[4], FROM + 1030);
  lines.ingest({ agent: 'orders', host: 'h', pid: 44, timestamp: iso(FROM + 1100), cpu: 5, mem: 40 }, 0);
  assert.equal(cpu.length, 6, 'FROM+1100 starts bucket 11');
  // The overlap: a point not newer than the newest taken in is dropped.
  lines.ingest({ agent: 'orders', host: 'h', pid: 44, timestamp: iso(FROM + 1050), cpu: 99, mem: 40 }, 0);
  assert.deepEqual(arr(cpu.mean).slice(-1), [5]);
  assert.deepEqual(o.pids, [11, 22, 44]);
  assert.equal(lines.size, 2, 'no line of its own for the new pid');
  assert.ok(calls.every(([id]) => id === 'orders@h'));
  // The times stay in order (the charts and Column.view need it).
  const t = times(cpu.mean);
  for (let i = 1; i < t.length; i++) assert.ok(t[i] > t[i - 1], 'times in order at ' + i);
});

test('ingest: per pid, a new pid is a new line; a new service gets a line', () => {
  const { lines } = load({ ...answer(), group: 'series' });
  assert.ok(lines.perPid);
  lines.ingest({ agent: 'orders', host: 'h', pid: 44, timestamp: iso(FROM + 990), cpu: 1, mem: 1 }, 0);
  assert.ok(lines.get('orders@h:44'));
  lines.ingest({ agent: 'new', host: 'h', pid: 1, timestamp: iso(FROM + 990), cpu: 1, mem: 1, custom: { q: 1 } }, 0);
  const n = lines.get('new@h:1');
  assert.ok(n);
  assert.deepEqual([...n.bands.keys()], [METRIC.cpu, METRIC.mem], 'custom metrics the answer lacked are not begun live');
  assert.equal(lines.ingest({ host: 'h', cpu: 1 }, 0), null);
});

test('lineRows: live, left and departed; pids joined; the newest sample of the service', () => {
  const { lines } = load();
  const store = new SeriesStore({ isColour: () => true, nowMs: () => 5000 });
  store.ingest({ agent: 'orders', host: 'h', pid: 44, timestamp: iso(FROM + 990), cpu: 10, mem: 40 });
  lines.ingest({ agent: 'orders', host: 'h', pid: 44, timestamp: iso(FROM + 990), cpu: 10, mem: 40 }, 0);
  lines.ingest({ agent: 'gone', host: 'h', pid: 5, timestamp: iso(FROM + 990), cpu: 1, mem: 1 }, 0);
  const gone = store.ingest({ agent: 'gone', host: 'h', pid: 5, timestamp: iso(FROM + 990), cpu: 1, mem: 1 });
  gone.state = wire.STATE_LEFT;
  const rows = H.lineRows(lines, store.values(), false, 5000, FROM + 1000);
  const by = Object.fromEntries(rows.map((r) => [r.id, r]));
  assert.deepEqual(Object.keys(by).sort(), ['billing@h', 'gone@h', 'orders@h']);
  assert.equal(by['orders@h'].state, wire.STATE_LIVE);
  assert.equal(by['orders@h'].pid, '11, 22, 44');
  assert.equal(by['orders@h'].last.cpu, 10);
  assert.equal(by['orders@h'].lastSeen, 5000);
  assert.equal(by['gone@h'].state, wire.STATE_LEFT);
  assert.equal(by['billing@h'].state, H.DEPARTED);
  assert.equal(labelOf(by['billing@h']), 'billing@h', 'a service line goes by agent@host');
  assert.equal(by['billing@h'].last.cpu, 7, 'a departed line shows its last bucket');
  assert.equal(by['billing@h'].lastSeen, 5000 - 750 * 1000, 'its last point was 750 s before now');
  assert.equal(by['billing@h'].pid, '33');
});

test('trim: old buckets go, the rest stays aligned', () => {
  const { lines } = load();
  lines.trim(FROM + 500);
  const cpu = lines.get('orders@h').bands.get(METRIC.cpu);
  assert.deepEqual(times(cpu.mean), [FROM + 850, FROM + 950]);
  assert.deepEqual(times(cpu.max), [FROM + 850, FROM + 950]);
  assert.deepEqual(arr(cpu.max), [3, 6]);
});

test('Band.spacing: the median time between points, for the gap of a line that samples seldom', () => {
  const b = new H.Band();
  assert.equal(b.spacing, 0);
  b.push(FROM, 1, 1, 1);
  assert.equal(b.spacing, 0);
  for (const dt of [60, 120, 180, 240, 1000]) b.push(FROM + dt, 1, 1, 1);
  assert.equal(b.spacing, 60, 'one long hole does not make the spacing');
});

test('counters: a long line charts the rate between bucket means, and live rates on top', () => {
  const ans = answer();
  ans.series[0].metrics['custom.hits'] = { mean: [0, 100, 800, 900], min: [0, 0, 0, 0], max: [9, 9, 9, 9] };
  const lines = new H.HistoryLines({ isColour: () => true, counters: new Set(['hits']) });
  lines.load(ans, { from: FROM, to: FROM + 1000 });
  const b = lines.get('orders@h').bands.get('custom:hits');
  assert.deepEqual(arr(b.mean), [1, 1, 1], '100 per 100 s each');
  assert.deepEqual(arr(b.max), [1, 1, 1], 'no band for a rate');
  const s = (t, n) => ({ agent: 'orders', host: 'h', pid: 22, timestamp: iso(t), cpu: 1, mem: 1, custom: { hits: n }, counters: ['hits'] });
  lines.ingest(s(FROM + 1010, 1000), 0);
  lines.ingest(s(FROM + 1020, 1040), 0);
  assert.equal(b.mean.lastV, 4, 'the live rate, from the second reading');
});
