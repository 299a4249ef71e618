// feed.js: the connection to the collector.
//
// Backfill first (/api/agents, /api/history), then live events from /feed
// (server-sent events). The EventSource is opened before the backfill is
// fetched and its events are held until the backfill has been handed over, so
// nothing falls in the gap between the two; the series buffers drop points that
// are not newer than what they hold, so the overlap costs nothing.
//
// Reconnection: EventSource retries on its own after a network error and sends
// Last-Event-ID itself. When the browser gives up (readyState CLOSED, e.g. a
// non-SSE answer), a new EventSource is made after a back-off, carrying the last
// id seen as ?lastEventId=. An `event: reset` means the collector could not
// resume from that id (new boot, or we fell behind its ring): backfill again.
//
// Handlers (every event's data is parsed JSON; data that is not a JSON object is
// dropped and counted in parseErrors):
//   onBackfill({ agents, history })  /api/agents and /api/history as answered (not
//                                    called when they keep failing: the page then
//                                    goes live without a backfill)
//   onSample(sample)                 a default event: one sample, as the agent sent it
//   onAgent({ id, state, agents })   `event: agent`: a series joined or left
//   onLost({ id, lost, samples })    `event: lost`: a series' seq jumped; its totals
//   onState(state)                   one of CONN: connecting, live, reconnecting, reset
//   onError(text)                    optional: a backfill fetch failed
// EventSource, fetch and the timings can be injected (the unit tests do); the
// defaults are the browser's.

import { EVENT_AGENT, EVENT_LOST, EVENT_RESET, HISTORY_SECONDS } from './wire.js';

// The connection states onState reports (the page's own, not wire names).
export const CONN = Object.freeze({
  connecting: 'connecting',
  live: 'live',               // the stream is open and the backfill handed over
  reconnecting: 'reconnecting',
  reset: 'reset'              // the collector could not resume: backfilling again
});

const TIMING = {
  retryMinMs: 1000,            // first back-off after the browser gives up
  retryMaxMs: 15000,           // longest back-off
  liveAfterMs: 500,            // an open stream with no event yet counts as live after this
  backfillRetryMs: 500,        // a failed backfill is retried after this, times the attempt
  backfillAttempts: 5          // then the page goes live without it
};

export class Feed {
  // options: base (URL prefix), historySeconds, EventSource (the class), fetch
  // (the default wraps window.fetch, which must be called on window), timing
  // (any of TIMING).
  constructor (handlers, {
    base = '', historySeconds = 900,
    EventSource = globalThis.EventSource,
    fetch = (url, init) => globalThis.fetch(url, init),
    timing = {}
  } = {}) {
    this.h = handlers;
    this.base = base;
    this.historySeconds = historySeconds;
    this.ES = EventSource;
    this.fetch = fetch;
    this.t = { ...TIMING, ...timing };
    this.deliverTo = {
      sample: (obj) => this.h.onSample(obj),
      [EVENT_AGENT]: (obj) => this.h.onAgent(obj),
      [EVENT_LOST]: (obj) => this.h.onLost(obj)
    };
    this.es = null;
    this.lastId = null;        // last event id seen, "<boot>-<seq>"
    this.held = null;          // [kind, obj] events held while a backfill is in flight
    this.backfilling = false;
    this.again = false;
    this.retryMs = this.t.retryMinMs;
    this.retryTimer = 0;
    this.liveTimer = 0;
    this.parseErrors = 0;
    this.state = '';
  }

  start () {
    this.setState(CONN.connecting);
    this.open(null);
    return this.backfill();
  }

  stop () {
    clearTimeout(this.retryTimer);
    clearTimeout(this.liveTimer);
    if (this.es) this.es.close();
    this.es = null;
  }

  setState (state) {
    if (state === this.state) return;
    this.state = state;
    this.h.onState(state);
  }

  open (resumeId) {
    const url = this.base + '/feed' + (resumeId ? '?lastEventId=' + encodeURIComponent(resumeId) : '');
    const es = new this.ES(url);
    this.es = es;
    // An open stream is live once an event arrives, or once it has stayed open a
    // moment: the collector's overload answer opens and ends at once, and must
    // read as "reconnecting", not flicker "live".
    es.onopen = () => {
      clearTimeout(this.liveTimer);
      this.liveTimer = setTimeout(() => this.markLive(es), this.t.liveAfterMs);
    };
    es.onerror = () => {
      clearTimeout(this.liveTimer);
      if (es.readyState === this.ES.CLOSED) {
        // The browser gave up on this one: make a new one later, resuming.
        es.close();
        if (this.es === es) this.es = null;
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.open(this.lastId), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, this.t.retryMaxMs);
      }
      this.setState(CONN.reconnecting);
    };
    es.onmessage = (ev) => this.deliver('sample', ev);
    es.addEventListener(EVENT_AGENT, (ev) => this.deliver(EVENT_AGENT, ev));
    es.addEventListener(EVENT_LOST, (ev) => this.deliver(EVENT_LOST, ev));
    es.addEventListener(EVENT_RESET, () => {
      // Whatever we missed is gone from the stream: take it from /api/history.
      this.setState(CONN.reset);
      this.backfill();
    });
  }

  markLive (es) {
    if (!es || this.es !== es || es.readyState !== this.ES.OPEN) return;
    this.retryMs = this.t.retryMinMs;
    if (!this.backfilling) this.setState(CONN.live);
  }

  deliver (kind, ev) {
    if (ev.lastEventId) this.lastId = ev.lastEventId;
    if (this.state !== CONN.live) this.markLive(this.es);
    let obj;
    try {
      obj = JSON.parse(ev.data);
    } catch (e) {
      // The collector validates every sample, so this is a bug worth seeing.
      this.parseErrors++;
      if (this.parseErrors === 1) console.warn('zapm: dropped an event that is not JSON:', e.message);
      return;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      this.parseErrors++;
      return;
    }
    if (this.held) this.held.push([kind, obj]);
    else this.deliverTo[kind](obj);
  }

  async getJSON (path) {
    const res = await this.fetch(this.base + path, { cache: 'no-store' });
    if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
    return res.json();
  }

  // Fetches /api/agents and /api/history and hands them over, holding live
  // events meanwhile; a reset that arrives during it makes it fetch again.
  async backfill () {
    if (this.backfilling) {
      this.again = true;
      return;
    }
    this.backfilling = true;
    this.held = [];
    try {
      do {
        this.again = false;
        await this.fetchBackfill();
      } while (this.again);
    } finally {
      const held = this.held || [];
      this.held = null;
      this.backfilling = false;
      for (const [kind, obj] of held) this.deliverTo[kind](obj);
      if (this.es && this.es.readyState === this.ES.OPEN) this.setState(CONN.live);
    }
  }

  async fetchBackfill () {
    for (let attempt = 1; ; attempt++) {
      try {
        const [agents, history] = await Promise.all([
          this.getJSON('/api/agents'),
          this.getJSON('/api/history?' + HISTORY_SECONDS + '=' + this.historySeconds)
        ]);
        this.h.onBackfill({ agents, history });
        return;
      } catch (e) {
        if (this.h.onError) this.h.onError(String(e.message || e));
        if (attempt >= this.t.backfillAttempts) return;   // go live anyway: the stream still flows
        await new Promise((resolve) => setTimeout(resolve, this.t.backfillRetryMs * attempt));
      }
    }
  }
}
