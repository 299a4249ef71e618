// feed.js: the connection to the collector.
//
// Backfill first (/api/agents, /api/history), then live samples from /feed
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
// State reported to onState: "connecting", "live", "reconnecting", "reset".

const RETRY_MIN_MS = 1000;
const LIVE_AFTER_MS = 500;   // an open stream with no event yet counts as live after this
const RETRY_MAX_MS = 15000;

export class Feed {
  // handlers: onBackfill({now, agents, series}), onSample(obj, id),
  //           onAgent({id, state, agents}), onState(state), onError(text)
  constructor (handlers, { base = '', historySeconds = 900 } = {}) {
    this.h = handlers;
    this.base = base;
    this.historySeconds = historySeconds;
    this.es = null;
    this.lastId = null;        // last event id seen, "<boot>-<seq>"
    this.held = null;          // events held while a backfill is in flight
    this.backfilling = false;
    this.again = false;
    this.retryMs = RETRY_MIN_MS;
    this.retryTimer = 0;
    this.state = '';
  }

  start () {
    this.setState('connecting');
    this.open(null);
    this.backfill();
  }

  stop () {
    clearTimeout(this.retryTimer);
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
    const es = new EventSource(url);
    this.es = es;
    // An open stream is live once an event arrives, or once it has stayed open a
    // moment: the collector's overload answer opens and ends at once, and must
    // read as "reconnecting", not flicker "live".
    es.onopen = () => {
      clearTimeout(this.liveTimer);
      this.liveTimer = setTimeout(() => this.markLive(es), LIVE_AFTER_MS);
    };
    es.onerror = () => {
      clearTimeout(this.liveTimer);
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up on this one: make a new one later, resuming.
        es.close();
        if (this.es === es) this.es = null;
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.open(this.lastId), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      }
      this.setState('reconnecting');
    };
    es.onmessage = (ev) => this.deliver('sample', ev);
    es.addEventListener('agent', (ev) => this.deliver('agent', ev));
    es.addEventListener('reset', () => {
      // Whatever we missed is gone from the stream: take it from /api/history.
      this.setState('reset');
      this.backfill();
    });
  }

  markLive (es) {
    if (this.es !== es || es.readyState !== EventSource.OPEN) return;
    this.retryMs = RETRY_MIN_MS;
    if (!this.backfilling) this.setState('live');
  }

  deliver (kind, ev) {
    if (ev.lastEventId) this.lastId = ev.lastEventId;
    if (this.state !== 'live') this.markLive(this.es);
    let obj;
    try {
      obj = JSON.parse(ev.data);
    } catch (e) {
      // The collector validates every sample, so this is a bug worth seeing.
      this.parseErrors = (this.parseErrors || 0) + 1;
      if (this.parseErrors === 1) console.warn('zapm: dropped an event that is not JSON:', e.message);
      return;
    }
    if (obj === null || typeof obj !== 'object') return;
    if (this.held) {
      this.held.push([kind, obj]);
      return;
    }
    if (kind === 'sample') this.h.onSample(obj);
    else this.h.onAgent(obj);
  }

  async getJSON (path) {
    const res = await fetch(this.base + path, { cache: 'no-store' });
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
      for (const [kind, obj] of held) {
        if (kind === 'sample') this.h.onSample(obj);
        else this.h.onAgent(obj);
      }
      if (this.es && this.es.readyState === EventSource.OPEN) this.setState('live');
    }
  }

  async fetchBackfill () {
    for (let attempt = 0; ; attempt++) {
      try {
        const [agents, history] = await Promise.all([
          this.getJSON('/api/agents'),
          this.getJSON('/api/history?seconds=' + this.historySeconds)
        ]);
        this.h.onBackfill({ agents, history });
        return;
      } catch (e) {
        if (this.h.onError) this.h.onError(String(e.message || e));
        if (attempt >= 4) return;    // go live anyway: the stream still flows
        await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
      }
    }
  }
}
