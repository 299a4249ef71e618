// hint.test.mjs: hint.js, the empty page's command for a first agent follows
// what /api/agents says of the collector: its bound socket (a wildcard host is
// the page's host) and CURVE.

import test from 'node:test';
import assert from 'node:assert/strict';
import { site } from './site.mjs';

const { connectTo, emptyHint } = await site('hint.js');
const wire = await site('wire.js');

const agents = (endpoint, curve) => ({ now: 1, agents: [], [wire.KEY_INGEST]: { [wire.KEY_ENDPOINT]: endpoint, [wire.KEY_CURVE_ONLY]: curve } });

test('connectTo: a wildcard host becomes the page\'s; other endpoints stay', () => {
  assert.equal(connectTo('tcp://*:6000', 'mon.example'), 'tcp://mon.example:6000');
  assert.equal(connectTo('tcp://0.0.0.0:5555', ''), 'tcp://localhost:5555');
  assert.equal(connectTo('tcp://[::]:5555', '::1'), 'tcp://[::1]:5555');
  assert.equal(connectTo('tcp://10.0.0.2:5555', 'x'), 'tcp://10.0.0.2:5555');
  assert.equal(connectTo('ipc:///run/zapm.sock', 'x'), 'ipc:///run/zapm.sock');
  assert.equal(connectTo(null, 'x'), wire.WIRE_CONNECT_DEFAULT);
});

test('emptyHint: plaintext collector, plaintext command', () => {
  const h = emptyHint(agents('tcp://*:5555', false), { hostname: 'h1' });
  assert.equal(h.command, 'zapm-agent --connect tcp://h1:5555 --name demo');
  assert.equal(h.note, '');
});

test('emptyHint: CURVE collector, CURVE command and how to get the certificates', () => {
  const h = emptyHint(agents('tcp://*:5555', true), { hostname: 'h1' });
  assert.match(h.command, /^zapm-agent --connect tcp:\/\/h1:5555 --curve-server \S+ --curve-cert \S+ --name demo$/);
  assert.match(h.note, /CURVE/);
  assert.match(h.note, /zapm-keygen/);
  assert.match(h.note, /--curve-allow/);
});

test('emptyHint: no answer (an older collector, a failed fetch): the default command', () => {
  for (const a of [undefined, null, {}, { ingest: 'x' }]) {
    assert.equal(emptyHint(a).command, 'zapm-agent --connect ' + wire.WIRE_CONNECT_DEFAULT + ' --name demo');
  }
});
