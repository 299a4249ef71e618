// feed.test.mjs: the Feed's event parsing and ordering, driven with a fake
// EventSource and a fake fetch (no network): samples, `event: agent` and
// `event: lost` reach their handlers; events that come while the backfill is
// in flight wait for it; bad data is dropped and counted; `event: reset`
// backfills again; a closed stream is reopened resuming from the last id.

import test from 'node:test';
import assert from 'node:assert/strict';
import { site } from './site.mjs';

const { Feed, CONN } = await site('feed.js');
const wire = await site('wire.js');

// A stand-in for the browser's EventSource: the test plays the server.
class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static made = [];

  constructor (url) {
    this.url = url;
    this.readyState = FakeEventSource.CONNECTING;
    this.listeners = new Map();
    this.closed = false;
    FakeEventSource.made.push(this);
  }

  addEventListener (name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, []);
    this.listeners.get(name).push(fn);
  }

  close () {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }

  // Server side.
  open () {
    this.readyState = FakeEventSource.OPEN;
    if (this.onopen) this.onopen({});
  }

  emit (name, data, lastEventId = '') {
    const ev = { data: typeof data === 'string' ? data : JSON.stringify(data), lastEventId };
    if (name === null) this.onmessage(ev);
    else for (const fn of this.listeners.get(name) || []) fn(ev);
  }

  fail (readyState) {
    this.readyState = readyState;
    this.onerror({});
  }
}

// A fake fetch: answers each path from `routes` (a function of the path), and
// lets a test hold the answers back until it calls release().
function fakeFetch (routes) {
  const calls = [];
  let gate = null;
  const f = async (url, init) => {
    calls.push(url);
    if (gate) await gate.promise;
    const body = routes(url);
    if (body instanceof Error) throw body;
    return { ok: body !== undefined, status: body === undefined ? 404 : 200, json: async () => body };
  };
  f.calls = calls;
  f.hold = () => {
    let release;
    gate = { promise: new Promise((resolve) => { release = resolve; }) };
    return () => { gate = null; release(); };
  };
  return f;
}

const AGENTS = { now: 100, agents: [{ id: 'a@h', state: 'live' }] };
const HISTORY = { now: 100, series: [] };
const routes = (url) => {
  if (url === '/api/agents') return AGENTS;
  if (url.startsWith('/api/history?seconds=')) return HISTORY;
  return undefined;
};

function recorder () {
  const log = [];
  return {
    log,
    handlers: {
      onBackfill: (b) => log.push(['backfill', b]),
      onSample: (s) => log.push(['sample', s]),
      onAgent: (a) => log.push(['agent', a]),
      onLost: (l) => log.push(['lost', l]),
      onState: (s) => log.push(['state', s]),
      onError: (e) => log.push(['error', e])
    }
  };
}

const FAST = { retryMinMs: 10, retryMaxMs: 40, liveAfterMs: 10, backfillRetryMs: 5, backfillAttempts: 3 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function makeFeed (fetch = fakeFetch(routes)) {
  FakeEventSource.made = [];
  const r = recorder();
  const feed = new Feed(r.handlers, { historySeconds: 900, EventSource: FakeEventSource, fetch, timing: FAST });
  return { feed, fetch, log: r.log };
}

// A feed started with its backfill done and its stream open; stopped after `t`.
async function liveFeed (t, fetch) {
  const f = makeFeed(fetch);
  t.after(() => f.feed.stop());
  await f.feed.start();
  f.es = FakeEventSource.made[0];
  f.es.open();
  return f;
}

test('feed: backfill, then each event to its handler', async (t) => {
  const { feed, fetch, log } = makeFeed();
  t.after(() => feed.stop());
  await feed.start();
  assert.equal(FakeEventSource.made.length, 1);
  const es = FakeEventSource.made[0];
  assert.equal(es.url, '/feed');
  assert.deepEqual(fetch.calls.sort(), ['/api/agents', '/api/history?seconds=900']);
  assert.deepEqual(log.shift(), ['state', CONN.connecting]);
  assert.deepEqual(log.shift(), ['backfill', { agents: AGENTS, history: HISTORY }]);
  es.open();
  es.emit(null, { agent: 'a', host: 'h', cpu: 1, mem: 2 }, 'b1-1');
  es.emit(wire.EVENT_AGENT, { id: 'a@h', state: wire.STATE_LEFT, agents: 0 }, 'b1-2');
  es.emit(wire.EVENT_LOST, { id: 'a@h', lost: 3, samples: 9 }, 'b1-3');
  assert.deepEqual(log, [
    ['state', CONN.live],
    ['sample', { agent: 'a', host: 'h', cpu: 1, mem: 2 }],
    ['agent', { id: 'a@h', state: wire.STATE_LEFT, agents: 0 }],
    ['lost', { id: 'a@h', lost: 3, samples: 9 }]
  ]);
  assert.equal(feed.lastId, 'b1-3');
});

test('feed: events during the backfill wait for it, in order', async (t) => {
  const fetch = fakeFetch(routes);
  const release = fetch.hold();
  const { feed, log } = makeFeed(fetch);
  t.after(() => feed.stop());
  const done = feed.start();
  const es = FakeEventSource.made[0];
  es.open();
  es.emit(null, { color: 'red', cpu: 1, mem: 1 }, 'b-1');
  es.emit(wire.EVENT_LOST, { id: 'red', lost: 1, samples: 2 }, 'b-2');
  es.emit(null, { color: 'red', cpu: 2, mem: 2 }, 'b-3');
  assert.deepEqual(log.map(([k]) => k), ['state'], 'an event went past the backfill');
  release();
  await done;
  assert.deepEqual(log.map(([k, v]) => k === 'state' ? v : k),
    [CONN.connecting, 'backfill', 'sample', 'lost', 'sample', CONN.live]);
  assert.equal(log[2][1].cpu, 1);
  assert.equal(log[4][1].cpu, 2);
});

test('feed: data that is not a JSON object is dropped and counted', async (t) => {
  const { feed, log, es } = await liveFeed(t);
  log.length = 0;
  const warn = console.warn;
  console.warn = () => {};
  try {
    es.emit(null, '{not json');
    es.emit(null, 'null');
    es.emit(null, '5');
    es.emit(wire.EVENT_AGENT, '[1,2]');
    es.emit(wire.EVENT_LOST, '"text"');
  } finally {
    console.warn = warn;
  }
  assert.equal(feed.parseErrors, 5);
  assert.deepEqual(log.filter(([k]) => k !== 'state'), []);
  es.emit(null, '{"color":"red","cpu":1,"mem":1}');
  assert.deepEqual(log.at(-1), ['sample', { color: 'red', cpu: 1, mem: 1 }]);
});

test('feed: event: reset backfills again', async (t) => {
  const { fetch, log, es } = await liveFeed(t);
  es.emit(null, { color: 'red', cpu: 1, mem: 1 }, 'old-7');
  log.length = 0;
  es.emit(wire.EVENT_RESET, { boot: 'new' }, 'new-0');
  await sleep(20);
  assert.equal(fetch.calls.filter((c) => c === '/api/agents').length, 2);
  assert.deepEqual(log.map(([k, v]) => k === 'state' ? v : k), [CONN.reset, 'backfill', CONN.live]);
});

test('feed: a closed stream is reopened, resuming from the last id', async (t) => {
  const { feed, log, es: first } = await liveFeed(t);
  first.emit(null, { color: 'red', cpu: 1, mem: 1 }, 'boot-41');
  // A network error the browser retries itself: no new EventSource.
  first.fail(FakeEventSource.CONNECTING);
  assert.equal(feed.state, CONN.reconnecting);
  await sleep(30);
  assert.equal(FakeEventSource.made.length, 1);
  // The browser gave up: the feed makes a new one after the back-off.
  first.fail(FakeEventSource.CLOSED);
  assert.ok(first.closed);
  await sleep(50);
  assert.equal(FakeEventSource.made.length, 2);
  const second = FakeEventSource.made[1];
  assert.equal(second.url, '/feed?lastEventId=boot-41');
  second.open();
  await sleep(30);
  assert.equal(feed.state, CONN.live);
  assert.deepEqual(log.filter(([k]) => k === 'state').map(([, v]) => v),
    [CONN.connecting, CONN.live, CONN.reconnecting, CONN.live]);
});

test('feed: a failing backfill is retried, then the stream goes live without it', async (t) => {
  let fails = 0;
  const { feed, log } = makeFeed(fakeFetch((url) => { fails++; return new Error('down'); }));
  t.after(() => feed.stop());
  await feed.start();
  assert.equal(fails, 2 * FAST.backfillAttempts);
  assert.equal(log.filter(([k]) => k === 'error').length, FAST.backfillAttempts);
  assert.equal(log.filter(([k]) => k === 'backfill').length, 0);
  const es = FakeEventSource.made[0];
  es.open();
  es.emit(null, { color: 'red', cpu: 1, mem: 1 });
  assert.deepEqual(log.at(-1)[0], 'sample');
  assert.equal(feed.state, CONN.live);
});

test('feed: an HTTP error answer counts as a failed fetch', async (t) => {
  const { feed, log } = makeFeed(fakeFetch((url) => (url === '/api/agents' ? undefined : HISTORY)));
  t.after(() => feed.stop());
  await feed.start();
  assert.match(log.find(([k]) => k === 'error')[1], /\/api\/agents: HTTP 404/);
});
