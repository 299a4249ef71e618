// view.test.mjs: view.js, the page's view as data: the windows, the zoom
// stack, the URL round trip (a link shows the same view; what a URL gets wrong
// falls back to the default), the range a view shows, and the /api/history
// query of a long window (the collector's parameter names from wire.js).

import test from 'node:test';
import assert from 'node:assert/strict';
import { site } from './site.mjs';

const V = await site('view.js');
const wire = await site('wire.js');

test('windows: the eight of the issue, short up to 15 min', () => {
  assert.deepEqual(V.WINDOWS.map((w) => w.name), ['1m', '5m', '15m', '1h', '6h', '24h', '7d', '30d']);
  assert.deepEqual(V.WINDOWS.map((w) => w.seconds),
    [60, 300, 900, 3600, 21600, 86400, 604800, 2592000]);
  assert.deepEqual(V.WINDOWS.map((w) => V.isLong(w.seconds)), [false, false, false, true, true, true, true, true]);
  assert.equal(V.windowOf('24h').seconds, 86400);
  assert.equal(V.windowOf('2h'), null);
  assert.equal(V.fromStore(V.defaultView()), false);
  assert.equal(V.fromStore(V.withWindow(V.defaultView(), '1h')), true);
});

test('URL: the default view is the empty query; every part round-trips', () => {
  assert.equal(V.formatView(V.defaultView()), '');
  assert.deepEqual(V.parseView(''), V.defaultView());
  const v = { window: '24h', zooms: [[1795000000, 1795003600.5], [1795001000.125, 1795002000]], filter: 'orders @h', perPid: true };
  const q = V.formatView(v);
  assert.match(q, /^\?w=24h&z=1795000000-1795003600\.5_1795001000\.125-1795002000&q=orders\+%40h&perpid=1$/);
  assert.deepEqual(V.parseView(q), v);
  assert.deepEqual(V.parseView(q.slice(1)), v, 'with or without the "?"');
  assert.ok(V.sameView(v, V.parseView(q)));
  assert.ok(!V.sameView(v, { ...v, perPid: false }));
});

test('URL: what is malformed is the default; a bad zoom ends the stack there', () => {
  assert.deepEqual(V.parseView('?w=2h&perpid=yes'), V.defaultView());
  const v = V.parseView('?w=7d&z=100-200_300-250_400-500');
  assert.equal(v.window, '7d');
  assert.deepEqual(v.zooms, [[100, 200]], 'a reversed range and what follows it are dropped');
  assert.deepEqual(V.parseView('?w=7d&z=abc').zooms, []);
  assert.deepEqual(V.parseView('?w=7d&z=100-100.5').zooms, [], 'narrower than ZOOM_MIN_S');
  assert.deepEqual(V.parseView('?z=' + Array.from({ length: 40 }, (_, i) => (i * 10) + '-' + (i * 10 + 5)).join('_')).zooms.length, 16);
  assert.equal(V.parseView('?q=%20x%20').filter, 'x');
});

test('zoom stack: in, in, out, out, and no further', () => {
  const v0 = V.withWindow(V.defaultView(), '24h');
  const v1 = V.zoomIn(v0, 1000, 5000);
  const v2 = V.zoomIn(v1, 2000, 3000);
  assert.deepEqual(v2.zooms, [[1000, 5000], [2000, 3000]]);
  assert.deepEqual(v0.zooms, [], 'views are not changed in place');
  assert.equal(V.zoomIn(v2, 10, 10.5), null, 'too narrow');
  assert.equal(V.zoomIn(v2, 20, 10), null, 'reversed');
  assert.deepEqual(V.zoomOut(v2), v1);
  assert.deepEqual(V.zoomOut(V.zoomOut(v2)), v0);
  assert.equal(V.zoomOut(v0), null);
  assert.deepEqual(V.withWindow(v2, '7d').zooms, [], 'another window drops the zooms');
  assert.equal(V.withWindow(v2, 'nope'), v2);
});

test('range: a window ends now and slides, a zoom stays put', () => {
  const v = V.withWindow(V.defaultView(), '6h');
  assert.deepEqual(V.rangeOf(v, 100000), { from: 100000 - 21600, to: 100000, seconds: 21600, live: true });
  const z = V.zoomIn(v, 90000, 93600);
  assert.deepEqual(V.rangeOf(z, 100000), { from: 90000, to: 93600, seconds: 3600, live: false });
  assert.deepEqual(V.rangeOf(z, 200000), V.rangeOf(z, 100000));
});

test('historyQuery: the collector\'s names, whole seconds, points within its limit', () => {
  const p = new URLSearchParams(V.historyQuery({ from: 1000.7, to: 2000.2 }, 812.4, false));
  assert.equal(p.get(wire.HISTORY_FROM), '1000');
  assert.equal(p.get(wire.HISTORY_TO), '2001');
  assert.equal(p.get(wire.HISTORY_POINTS), '812');
  assert.equal(p.get(wire.HISTORY_GROUP), wire.HISTORY_GROUP_SERVICE);
  assert.deepEqual([...p.keys()].sort(), ['from', 'group', 'points', 'to']);
  const q = new URLSearchParams(V.historyQuery({ from: 0, to: 1 }, 1e9, true));
  assert.equal(q.get(wire.HISTORY_POINTS), String(wire.HISTORY_POINTS_MAX));
  assert.equal(q.get(wire.HISTORY_GROUP), wire.HISTORY_GROUP_SERIES);
  assert.equal(V.pointsFor(1234), 1234);
  assert.equal(V.pointsFor(0), 60, 'a chart not laid out yet still asks for some');
  assert.equal(V.pointsFor(50000), wire.HISTORY_POINTS_MAX);
});

test('historyQuery: custom metrics are asked for by their store paths, after the charted ones', () => {
  const p = new URLSearchParams(V.historyQuery({ from: 0, to: 10 }, 100, false, ['orders', 'queue', 'orders', 'a,b', '']));
  assert.equal(p.get(wire.HISTORY_METRIC), [...wire.CHARTED_PATHS, 'custom.orders', 'custom.queue'].join(','));
  const many = Array.from({ length: 100 }, (_, i) => 'm' + String(i).padStart(3, '0'));
  const q = new URLSearchParams(V.historyQuery({ from: 0, to: 10 }, 100, false, many));
  assert.equal(q.get(wire.HISTORY_METRIC).split(',').length, V.QUERY_METRICS_MAX);
  assert.ok(!new URLSearchParams(V.historyQuery({ from: 0, to: 10 }, 100, false, [])).has(wire.HISTORY_METRIC));
});

test('retryAfter: delta seconds, bounded; anything else is one second', () => {
  assert.equal(V.retryAfter('1'), 1);
  assert.equal(V.retryAfter('2.2'), 3);
  assert.equal(V.retryAfter('0'), 1);
  assert.equal(V.retryAfter('3600'), 30);
  assert.equal(V.retryAfter(null), 1);
  assert.equal(V.retryAfter(''), 1);
  assert.equal(V.retryAfter('Wed, 21 Oct 2015 07:28:00 GMT'), 1);
});

test('spanText', () => {
  assert.equal(V.spanText(86400), '24 h');
  assert.equal(V.spanText(7 * 86400), '7 d');
  assert.equal(V.spanText(3600), '60 min');
  assert.equal(V.spanText(45), '45 s');
});
