// column.test.mjs: the Column store, the time and value arrays behind each
// chart line: in-order appends only, growth by doubling or sliding down,
// trimming from the front, and views without copies.

import test from 'node:test';
import assert from 'node:assert/strict';
import { site } from './site.mjs';

const { Column } = await site('series.js');

const points = (c) => Array.from(c.t.subarray(c.start, c.end), (t, i) => [t, c.v[c.start + i]]);

test('column: appends newer points and drops the rest', () => {
  const c = new Column(4);
  assert.equal(c.length, 0);
  assert.equal(c.lastT, -Infinity);
  assert.ok(Number.isNaN(c.lastV));
  assert.equal(c.push(1, 10), true);
  assert.equal(c.push(2, 20), true);
  assert.equal(c.push(2, 99), false, 'same time');
  assert.equal(c.push(1.5, 99), false, 'older');
  assert.equal(c.push(NaN, 99), false, 'no time');
  assert.deepEqual(points(c), [[1, 10], [2, 20]]);
  assert.equal(c.lastT, 2);
  assert.equal(c.lastV, 20);
});

test('column: grows by doubling while more than half is live', () => {
  const c = new Column(4);
  for (let i = 0; i < 9; i++) c.push(i, i * 10);
  assert.equal(c.length, 9);
  assert.equal(c.t.length, 16);
  assert.deepEqual(points(c), Array.from({ length: 9 }, (_, i) => [i, i * 10]));
});

test('column: slides down instead of growing when at most half is live', () => {
  const c = new Column(8);
  for (let i = 0; i < 8; i++) c.push(i, i);
  c.trim(5);                  // keeps 5, 6, 7
  assert.equal(c.length, 3);
  const before = c.t;
  c.push(8, 8);
  assert.equal(c.t, before, 'a new array was made');
  assert.equal(c.t.length, 8);
  assert.equal(c.start, 0);
  assert.deepEqual(points(c), [[5, 5], [6, 6], [7, 7], [8, 8]]);
});

test('column: trim forgets points older than minT', () => {
  const c = new Column();
  for (let i = 0; i < 10; i++) c.push(i, i);
  c.trim(3.5);
  assert.deepEqual(points(c).map(([t]) => t), [4, 5, 6, 7, 8, 9]);
  c.trim(100);
  assert.equal(c.length, 0);
  assert.equal(c.push(5, 1), true, 'an emptied column takes any time again');
});

test('column: view starts one point before minT, without copying', () => {
  const c = new Column();
  for (let i = 0; i < 10; i++) c.push(i * 10, i);
  const [t, v] = c.view(35);
  assert.deepEqual(Array.from(t), [30, 40, 50, 60, 70, 80, 90]);
  assert.deepEqual(Array.from(v), [3, 4, 5, 6, 7, 8, 9]);
  assert.equal(t.buffer, c.t.buffer, 'the view is a copy');
  assert.deepEqual(Array.from(c.view(-5)[0]), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  assert.deepEqual(Array.from(c.view(1000)[0]), [90]);
  assert.equal(new Column().view(0)[0].length, 0);
});
