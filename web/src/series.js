// series.js: what the samples of one series become in the page, with no DOM.
//
// The identity of a sample follows the one rule of docs/HTTP-API.md ("Series
// identity"), with the separators and limits of common/wire.h (imported from the
// generated wire.js), so the page files a sample under the id the collector gives
// it in `event: agent`, `event: lost` and /api/*; tests/web/identity.test.mjs runs
// the shared table tests/identity_cases.json against it.
//
// Each series keeps, per metric (the column keys of METRIC, "core:N" and
// "custom:NAME"), a Column: two Float64Arrays of time (Unix seconds) and value
// that grow by doubling and are trimmed from the front to the retention window,
// so charts get contiguous subarray views without copying. SeriesStore holds the
// series by identity and takes in what the feed delivers: samples, the backfill
// (/api/agents, /api/history), `event: agent` and `event: lost`. Samples and
// lost samples are counted by the collector only; the page keeps its totals.

import {
  COUNT_MAX, CUSTOM_MAX, CUSTOM_NAME_MAX, IDENTITY_HOST_SEP, IDENTITY_MAX,
  IDENTITY_PID_SEP, PERCPU_MAX,
  KEY_AGENT, KEY_AGENTS, KEY_COLOR, KEY_CPU, KEY_CUSTOM, KEY_HOST, KEY_ID,
  KEY_INTERVAL, KEY_LAST, KEY_LAST_SEEN, KEY_LOST, KEY_MEM, KEY_NOW,
  KEY_PERCPU, KEY_PID, KEY_SAMPLES, KEY_SERIES, KEY_STATE, KEY_SYS,
  KEY_COUNTERS, KEY_TIMESTAMP,
  CHARTED_COLUMNS, CHARTED_PATHS, HISTORY_LOAD1, HISTORY_PATH_SEP, HISTORY_SYS_CPU, HISTORY_SYS_MEM,
  HISTORY_T,
  STATE_JOINED, STATE_LEFT, STATE_LIVE
} from './wire.js';
import { Colours, colourFor, cssColour } from './looks.js';

export { colourFor, cssColour };

// The column keys of the charted metrics (wire.h's CHARTED_COLUMNS, by name
// for the page's panels; the same order, which tests/web/metrics.test.mjs
// checks): the names /api/history gives their columns, so a history column
// fills the series column of the same key.
export const METRIC = Object.freeze({
  cpu: KEY_CPU,
  mem: KEY_MEM,
  sysCpu: HISTORY_SYS_CPU,
  sysMem: HISTORY_SYS_MEM,
  load1: HISTORY_LOAD1
});
export const CORE_PREFIX = 'core:';       // "core:N": sys.percpu[N]
export const CUSTOM_PREFIX = 'custom:';   // "custom:NAME": custom[NAME]

// Length of `text` in bytes of UTF-8, as TextEncoder would write it (a lone
// surrogate becomes U+FFFD, three bytes), without making the bytes.
export function utf8Bytes (text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length &&
             (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

// A whole number JSON readers hold exactly, from 0 to 2^53: what `pid` must be.
export function isCount (x) {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= COUNT_MAX;
}

const nonEmpty = (x) => typeof x === 'string' && x !== '';

// A control character, C0, DEL or C1: the rule of common/utf8.c
// (utf8_find_control), which the agent and the collector share; the table
// tests/identity_cases.json ("control") is run against both.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

// True when `text` holds a control character (see CONTROL).
export function hasControl (text) {
  return CONTROL.test(text);
}

// The identity of sample `s` (docs/HTTP-API.md, "Series identity"): `agent`,
// then "@host" if there is a host, then ":pid" if there is a pid; else `color`.
// null for a sample the collector drops: an identity field of the wrong type,
// neither agent nor colour, a control character in agent, host or colour (C0,
// DEL or C1: the collector drops it as control_character), or more than
// IDENTITY_MAX bytes of UTF-8.
export function identityOf (s) {
  if (s === null || typeof s !== 'object') return null;
  const agent = s[KEY_AGENT];
  const host = s[KEY_HOST];
  const pid = s[KEY_PID];
  const color = s[KEY_COLOR];
  for (const text of [agent, host, color]) {
    if (text !== undefined && typeof text !== 'string') return null;
    if (text !== undefined && hasControl(text)) return null;
  }
  if (pid !== undefined && !isCount(pid)) return null;
  let id;
  if (nonEmpty(agent)) {
    id = agent;
    if (nonEmpty(host)) id += IDENTITY_HOST_SEP + host;
    if (pid !== undefined) id += IDENTITY_PID_SEP + String(pid);
  } else if (nonEmpty(color)) {
    id = color;
  } else {
    return null;
  }
  return utf8Bytes(id) <= IDENTITY_MAX ? id : null;
}

// The service of a series (docs/HTTP-API.md, `group=service`): agent@host when
// it has an agent, a host and a pid and `id`, its identity, is theirs
// (agent@host:pid), so a service that restarts with a new pid stays one line;
// else its identity. `agent`, `host`: strings, or null when absent; `pid` a
// number or null. The collector's rule is common/service.c: the shared table
// tests/service_cases.json holds both to the same answers.
export function serviceOf (id, agent, host, pid) {
  if (id === null || !nonEmpty(agent) || !nonEmpty(host) || !isCount(pid)) return id;
  const service = agent + IDENTITY_HOST_SEP + host;
  return id.startsWith(service + IDENTITY_PID_SEP) ? service : id;
}

export class Column {
  constructor (capacity = 64) {
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
    this.start = 0;
    this.end = 0;
  }

  get length () { return this.end - this.start; }
  get lastT () { return this.end > this.start ? this.t[this.end - 1] : -Infinity; }
  get lastV () { return this.end > this.start ? this.v[this.end - 1] : NaN; }

  // Appends a point; a point not newer than the last one is dropped (it is the
  // overlap between backfill and live stream, or a replay).
  push (t, v) {
    if (!(t > this.lastT)) return false;
    if (this.end === this.t.length) this.makeRoom();
    this.t[this.end] = t;
    this.v[this.end] = v;
    this.end++;
    return true;
  }

  makeRoom () {
    const n = this.length;
    const cap = this.t.length;
    // Slide down when at most half is live, else double.
    const size = n * 2 <= cap ? cap : cap * 2;
    const t = size === cap ? this.t : new Float64Array(size);
    const v = size === cap ? this.v : new Float64Array(size);
    if (size === cap) {
      t.copyWithin(0, this.start, this.end);
      v.copyWithin(0, this.start, this.end);
    } else {
      t.set(this.t.subarray(this.start, this.end));
      v.set(this.v.subarray(this.start, this.end));
    }
    this.t = t;
    this.v = v;
    this.start = 0;
    this.end = n;
  }

  // Forgets points older than `minT`.
  trim (minT) {
    while (this.start < this.end && this.t[this.start] < minT) this.start++;
  }

  // First index with t >= minT, less one so the line enters from the left edge.
  firstFrom (minT) {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid] < minT) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(this.start, lo - 1);
  }

  // [times, values] views of the points from minT on (no copy).
  view (minT) {
    const i = this.firstFrom(minT);
    return [this.t.subarray(i, this.end), this.v.subarray(i, this.end)];
  }
}

export class Series {
  // `fields`: identity fields by their wire keys (a sample, or what /api/agents
  // says of the series); `colours`: the page's Colours (looks.js), which gives
  // the series its service's colour.
  constructor (id, fields, colours = new Colours()) {
    this.id = id;
    this.colours = colours;
    this.agent = null;
    this.host = null;
    this.pid = null;
    this.color = null;
    this.state = STATE_LIVE;
    this.lastSeen = 0;         // browser clock (ms) of the last sample
    this.interval = null;
    this.samples = 0;          // the collector's count of samples, as last reported
    this.lost = 0;             // the collector's count of samples lost (by seq), as last reported
    this.last = null;          // the last sample object
    this.columns = new Map();
    this.rates = new Rates();  // its counters' previous readings
    this.update(fields);
  }

  // Takes the identity fields of `f` that are well formed; returns whether the
  // colour changed.
  update (f) {
    if (nonEmpty(f[KEY_AGENT])) this.agent = f[KEY_AGENT];
    if (nonEmpty(f[KEY_HOST])) this.host = f[KEY_HOST];
    if (isCount(f[KEY_PID])) this.pid = f[KEY_PID];
    if (typeof f[KEY_INTERVAL] === 'number' && f[KEY_INTERVAL] > 0) this.interval = f[KEY_INTERVAL];
    const color = f[KEY_COLOR];
    if (!nonEmpty(color) || color === this.color) return false;
    this.color = color;
    return this.colours.note(this.service, this.pid, color);
  }

  // Its service (serviceOf): what its colour follows.
  get service () { return serviceOf(this.id, this.agent, this.host, this.pid); }

  get colour () { return this.colours.of(this.service); }

  column (key) {
    let c = this.columns.get(key);
    if (!c) {
      c = new Column();
      this.columns.set(key, c);
    }
    return c;
  }

  put (key, t, v) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
    return this.column(key).push(t, v);
  }

  trim (minT) {
    for (const c of this.columns.values()) c.trim(minT);
  }
}

// ISO 8601 with offset to Unix seconds (microseconds are cut to milliseconds).
export function parseTime (text, fallback) {
  if (typeof text !== 'string') return fallback;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms / 1000 : fallback;
}

function num (x) { return typeof x === 'number' && Number.isFinite(x) ? x : null; }
const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);

// The value at `path` of sample `s` (a store path: parts joined by
// HISTORY_PATH_SEP, an array's element by its index), or undefined.
export function valueAt (s, path) {
  let v = s;
  for (const part of path.split(HISTORY_PATH_SEP)) {
    const isIndex = String(Math.trunc(Math.abs(Number(part)))) === part;
    if (isIndex ? !Array.isArray(v) : !isObject(v)) return undefined;
    v = v[part];
  }
  return v;
}

// The metric columns one sample feeds: [key, value] pairs. At most PERCPU_MAX
// cores and CUSTOM_MAX custom metrics; a custom name that is empty or longer than
// CUSTOM_NAME_MAX bytes is skipped, as the collector skips it.
export function metricsOf (s) {
  const out = [];
  for (let i = 0; i < CHARTED_PATHS.length; i++) {
    const v = num(valueAt(s, CHARTED_PATHS[i]));
    if (v !== null) out.push([CHARTED_COLUMNS[i], v]);
  }
  const sys = s[KEY_SYS];
  if (isObject(sys)) {
    const percpu = sys[KEY_PERCPU];
    if (Array.isArray(percpu)) {
      const n = Math.min(percpu.length, PERCPU_MAX);
      for (let i = 0; i < n; i++) {
        const c = num(percpu[i]);
        if (c !== null) out.push([CORE_PREFIX + i, c]);
      }
    }
  }
  const custom = s[KEY_CUSTOM];
  if (isObject(custom)) {
    let taken = 0;
    for (const name of Object.keys(custom)) {
      if (taken === CUSTOM_MAX) break;
      if (name === '' || utf8Bytes(name) > CUSTOM_NAME_MAX) continue;
      const v = num(custom[name]);
      if (v === null) continue;
      out.push([CUSTOM_PREFIX + name, v]);
      taken++;
    }
  }
  return out;
}

// The names in sample `s`'s `custom` that are counters (its `counters` list):
// the page charts their rate per second, not their running total.
export function countersOf (s) {
  const list = isObject(s) && Array.isArray(s[KEY_COUNTERS]) ? s[KEY_COUNTERS] : [];
  return new Set(list.filter((n) => typeof n === 'string' && n !== ''));
}

// The rates of counters: each reading against the previous one of its key.
export class Rates {
  constructor () {
    this.last = new Map();     // key -> [t, v] of the previous reading
  }

  // The rate per second from the previous reading of `key` to (t, v); null
  // for the first, for one not newer, and across a reset (the value fell: the
  // process restarted).
  take (key, t, v) {
    const prev = this.last.get(key);
    if (prev && !(t > prev[0])) return null;
    this.last.set(key, [t, v]);
    if (!prev || v < prev[1]) return null;
    return (v - prev[1]) / (t - prev[0]);
  }
}

// The history columns of /api/history besides `custom`, by column key.
const HISTORY_COLUMNS = CHARTED_COLUMNS;

// Every series the page knows, by identity, and the updates the feed brings.
// No DOM: the page learns of changes through two callbacks.
export class SeriesStore {
  // options: onKeys(series, keys): `series` has data in the columns `keys` (new
  //            or not: the page attaches a chart line to each one it lacks);
  //          onColour(series): its colour changed;
  //          colours: the page's Colours (looks.js; shared with history.js),
  //            else one of its own with isColour(text) as for colourFor;
  //          nowMs(): the browser clock.
  constructor ({
    onKeys = () => {}, onColour = () => {}, isColour = cssColour, colours = new Colours({ isColour }),
    nowMs = () => Date.now()
  } = {}) {
    this.map = new Map();      // identity -> Series
    this.onKeys = onKeys;
    this.onColour = onColour;
    this.colours = colours;
    this.counters = new Set(); // custom metric names some sample said are counters
    this.nowMs = nowMs;
    this.clockOffset = 0;      // collector clock minus browser clock, seconds
    this.dropped = 0;          // samples without an identity (the collector drops those)
  }

  get size () { return this.map.size; }
  get (id) { return this.map.get(id); }
  has (id) { return this.map.has(id); }

  // Whether column `key` is a custom metric some sample called a counter.
  isCounter (key) {
    return key.startsWith(CUSTOM_PREFIX) && this.counters.has(key.slice(CUSTOM_PREFIX.length));
  }
  values () { return this.map.values(); }

  // The collector's clock, as best known, in Unix seconds.
  nowS () { return this.nowMs() / 1000 + this.clockOffset; }

  // The series `id`, made if new, updated with `fields`.
  seriesFor (id, fields = {}) {
    let s = this.map.get(id);
    if (!s) {
      s = new Series(id, fields, this.colours);
      this.map.set(id, s);
    } else if (s.update(fields)) {
      this.onColour(s);
    }
    return s;
  }

  // Takes in one live sample; returns its series, or null when it has no identity.
  ingest (obj) {
    const id = identityOf(obj);
    if (id === null) {
      this.dropped++;
      return null;
    }
    const s = this.seriesFor(id, obj);
    const t = parseTime(obj[KEY_TIMESTAMP], this.nowS());
    const counters = countersOf(obj);
    for (const name of counters) this.counters.add(name);
    const keys = [];
    for (const [key, v] of metricsOf(obj)) {
      if (this.isCounter(key)) {
        const r = s.rates.take(key, t, v);
        if (r !== null) s.put(key, t, r);
      } else s.put(key, t, v);
      keys.push(key);
    }
    s.last = obj;
    s.lastSeen = this.nowMs();
    s.state = STATE_LIVE;
    this.onKeys(s, keys);
    return s;
  }

  // Takes in the backfill: `agents` as /api/agents answers, `history` as
  // /api/history does; anything malformed in them is skipped.
  backfill ({ agents, history }) {
    const nowMs = this.nowMs();
    const list = isObject(agents) && Array.isArray(agents[KEY_AGENTS]) ? agents[KEY_AGENTS] : null;
    if (isObject(agents) && typeof agents[KEY_NOW] === 'number') {
      this.clockOffset = agents[KEY_NOW] - nowMs / 1000;
    }
    const serverNow = this.nowS();
    const listed = new Set();
    for (const a of list || []) {
      if (!isObject(a) || typeof a[KEY_ID] !== 'string') continue;
      listed.add(a[KEY_ID]);
      const s = this.seriesFor(a[KEY_ID], a);
      if (a[KEY_STATE] === STATE_LIVE || a[KEY_STATE] === STATE_LEFT) s.state = a[KEY_STATE];
      if (isCount(a[KEY_LOST])) s.lost = a[KEY_LOST];
      if (isCount(a[KEY_SAMPLES])) s.samples = a[KEY_SAMPLES];
      if (typeof a[KEY_LAST_SEEN] === 'number') {
        s.lastSeen = nowMs - Math.max(0, serverNow - a[KEY_LAST_SEEN]) * 1000;
      }
      if (isObject(a[KEY_LAST])) {
        s.last = a[KEY_LAST];
        for (const name of countersOf(s.last)) this.counters.add(name);
      }
    }
    // A series this collector does not know (it restarted) is not live any more;
    // if it still is, its next sample says so.
    if (list) {
      for (const s of this.map.values()) if (!listed.has(s.id)) s.state = STATE_LEFT;
    }
    const withCustom = new Set();
    const series = isObject(history) && Array.isArray(history[KEY_SERIES]) ? history[KEY_SERIES] : [];
    for (const h of series) {
      if (!isObject(h) || typeof h[KEY_ID] !== 'string' || !Array.isArray(h[HISTORY_T])) continue;
      const times = h[HISTORY_T];
      const s = this.seriesFor(h[KEY_ID], { [KEY_COLOR]: h[KEY_COLOR] });
      const fill = (key, vals) => {
        let any = false;
        const counter = this.isCounter(key);
        for (let i = 0; i < times.length && i < vals.length; i++) {
          if (typeof times[i] !== 'number') continue;
          let v = vals[i];
          if (counter) {
            if (typeof v !== 'number' || !Number.isFinite(v)) continue;
            v = s.rates.take(key, times[i], v);
            if (v === null) continue;
          }
          if (s.put(key, times[i], v)) any = true;
        }
        return any;
      };
      const keys = [];
      for (const key of HISTORY_COLUMNS) {
        if (!Array.isArray(h[key])) continue;
        if (fill(key, h[key]) || s.columns.has(key)) keys.push(key);
      }
      const custom = isObject(h[KEY_CUSTOM]) ? h[KEY_CUSTOM] : {};
      for (const name of Object.keys(custom)) {
        if (!Array.isArray(custom[name])) continue;
        fill(CUSTOM_PREFIX + name, custom[name]);
        keys.push(CUSTOM_PREFIX + name);
        withCustom.add(s.id);
      }
      this.onKeys(s, keys);
    }
    // A series without custom history (an older collector) starts from its last sample.
    for (const s of this.map.values()) {
      if (!s.last || !isObject(s.last[KEY_CUSTOM]) || withCustom.has(s.id)) continue;
      const t = parseTime(s.last[KEY_TIMESTAMP], serverNow);
      const keys = [];
      for (const [key, v] of metricsOf({ [KEY_CUSTOM]: s.last[KEY_CUSTOM] })) {
        if (this.isCounter(key)) s.rates.take(key, t, v); // the next reading makes a rate
        else s.put(key, t, v);
        keys.push(key);
      }
      this.onKeys(s, keys);
    }
  }

  // `event: agent`: a series joined or left. Returns the series, or null.
  agent (ev) {
    if (!isObject(ev) || typeof ev[KEY_ID] !== 'string') return null;
    const s = this.seriesFor(ev[KEY_ID]);
    if (ev[KEY_STATE] === STATE_LEFT) s.state = STATE_LEFT;
    else if (ev[KEY_STATE] === STATE_JOINED) s.state = STATE_LIVE;
    return s;
  }

  // `event: lost`: the collector's totals for a series whose seq jumped (sent
  // just before the sample that jumped, and counting it).
  lost (ev) {
    if (!isObject(ev) || typeof ev[KEY_ID] !== 'string') return null;
    const s = this.seriesFor(ev[KEY_ID]);
    if (isCount(ev[KEY_LOST])) s.lost = ev[KEY_LOST];
    if (isCount(ev[KEY_SAMPLES])) s.samples = ev[KEY_SAMPLES];
    return s;
  }

  // Forgets points older than `minT` in every series.
  trim (minT) {
    for (const s of this.map.values()) s.trim(minT);
  }
}
