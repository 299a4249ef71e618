// looks.test.mjs: looks.js, one colour and one name per service in every
// view. A SeriesStore (the short windows) and HistoryLines per service and per
// pid (the long windows) that share one Colours give every line of a service
// the same colour, whichever of them heard of it first: the agent's colour of
// its highest pid, else the palette colour of agent@host. States are explained.

import test from 'node:test';
import assert from 'node:assert/strict';
import { site } from './site.mjs';

const L = await site('looks.js');
const { SeriesStore } = await site('series.js');
const { HistoryLines, lineRows } = await site('history.js');
const wire = await site('wire.js');

const FROM = 1795000000;
const iso = (t) => new Date(t * 1000).toISOString();
const yes = () => true;

test('Colours: the highest pid\'s colour is the service\'s, whatever the order', () => {
  for (const order of [[[11, 'seagreen'], [22, 'royalblue']], [[22, 'royalblue'], [11, 'seagreen']]]) {
    const changed = [];
    const c = new L.Colours({ isColour: yes, onChange: (s) => changed.push(s) });
    for (const [pid, color] of order) c.note('orders@h', pid, color);
    assert.equal(c.of('orders@h'), 'royalblue');
    assert.ok(changed.length >= 1 && changed.every((s) => s === 'orders@h'));
  }
});

test('Colours: palette by service when no colour was sent; a later colour of the same pid wins', () => {
  const c = new L.Colours({ isColour: (x) => x !== 'nope' });
  const palette = c.of('web@h');
  assert.match(palette, /^#/);
  assert.equal(c.of('web@h'), L.colourFor('web@h', null));
  assert.equal(c.note('web@h', 5, null), false, 'no colour sent: nothing changes');
  assert.equal(c.note('web@h', 5, 'red'), true);
  assert.equal(c.of('web@h'), 'red');
  assert.equal(c.note('web@h', 5, 'blue'), true);
  assert.equal(c.of('web@h'), 'blue');
  assert.equal(c.note('web@h', 4, 'green'), false, 'an older pid does not take over');
  assert.equal(c.note('web@h', 5, 'nope'), true, 'not a colour: the palette');
  assert.equal(c.of('web@h'), palette);
});

test('one colour and one name per service: live series, per-service and per-pid lines', () => {
  // The store's grouped line says the colour of its first pid (11, seagreen);
  // the live sample is pid 22's (royalblue).
  const answer = (group) => ({
    now: FROM + 1000, from: FROM, to: FROM + 1000, step: 100, points: 10, tier: 'raw', group,
    series: group === 'service'
      ? [{ id: 'orders@h', agent: 'orders', host: 'h', pid: null, pids: [11, 22], color: 'seagreen', t: [FROM + 50], metrics: { cpu: { mean: [1], min: [1], max: [1] } } }]
      : [
          { id: 'orders@h:11', agent: 'orders', host: 'h', pid: 11, color: 'seagreen', t: [FROM + 50], metrics: { cpu: { mean: [1], min: [1], max: [1] } } },
          { id: 'orders@h:22', agent: 'orders', host: 'h', pid: 22, color: 'royalblue', t: [FROM + 150], metrics: { cpu: { mean: [2], min: [2], max: [2] } } }
        ]
  });
  const sample = { agent: 'orders', host: 'h', pid: 22, color: 'royalblue', timestamp: iso(FROM + 990), cpu: 3, mem: 1 };
  for (const first of ['service', 'series', 'live']) {
    const colours = new L.Colours({ isColour: yes });
    const store = new SeriesStore({ colours, nowMs: () => (FROM + 1000) * 1000 });
    const grouped = new HistoryLines({ colours });
    const perPid = new HistoryLines({ colours });
    const steps = {
      service: () => grouped.load(answer('service'), { from: FROM, to: FROM + 1000 }),
      series: () => perPid.load(answer('series'), { from: FROM, to: FROM + 1000 }),
      live: () => store.ingest(sample)
    };
    steps[first]();
    for (const [k, f] of Object.entries(steps)) if (k !== first) f();
    const seen = [store.get('orders@h:22').colour, grouped.get('orders@h').colour,
      perPid.get('orders@h:11').colour, perPid.get('orders@h:22').colour];
    assert.deepEqual(seen, Array(4).fill('royalblue'), 'first heard from ' + first);
    // Names: the identity of each line, in the legend, the table and the readout.
    assert.equal(L.labelOf(store.get('orders@h:22')), 'orders@h:22');
    const rows = lineRows(grouped, store.values(), false, 0, FROM + 1000);
    assert.equal(L.labelOf(rows[0]), 'orders@h');
    assert.equal(rows[0].colour, 'royalblue');
  }
});

test('every state a row can show is explained', () => {
  for (const state of [wire.STATE_LIVE, wire.STATE_LEFT, L.DEPARTED]) {
    assert.ok(typeof L.STATE_TEXT[state] === 'string' && L.STATE_TEXT[state].startsWith(state + ':'), state);
  }
});
