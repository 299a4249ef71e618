// history.js: the lines of a long window, with no DOM.
//
// A long window (over 15 minutes, view.js) is drawn from one /api/history
// answer from the store: per line, buckets of the answer's `step` seconds with
// the mean, min and max of each metric. With `group=service` a line is one
// agent@host across its pids (a restarted service stays one line), with
// `group=series` one series (agent@host:pid). HistoryLines takes the answer in
// (load) and then the live samples (ingest): each is folded into the bucket of
// the same width it falls in, so the line keeps growing at the right edge at
// the answer's resolution, and a service the answer did not have gets a line.
//
// Each line keeps, per column key (series.js METRIC, "custom:NAME"), three
// series.js Columns with the same times: mean, min and max. A bucket that the
// answer gave and a live sample falls into again takes the sample in with the
// answer's bucket counted as one point (the answer does not say how many it
// held).

import { Column, CUSTOM_PREFIX, METRIC, Rates, identityOf, isCount, metricsOf, parseTime, serviceOf } from './series.js';
import { Colours, DEPARTED, cssColour } from './looks.js';
import {
  CHARTED_COLUMNS, CHARTED_PATHS, KEY_AGENT, KEY_COLOR, KEY_CPU, KEY_CUSTOM, KEY_HOST, KEY_ID,
  KEY_MEM, KEY_NOW, KEY_PID, KEY_SERIES, KEY_TIMESTAMP,
  HISTORY_FROM, HISTORY_GROUP, HISTORY_GROUP_SERVICE, HISTORY_MAX, HISTORY_MEAN, HISTORY_METRICS, HISTORY_MIN, HISTORY_PATH_SEP,
  HISTORY_PIDS, HISTORY_STEP, HISTORY_T, STATE_LEFT, STATE_LIVE
} from './wire.js';

// The store's metric paths of the charted columns, by column key (wire.h's
// two lists of the charted metrics, in one order).
export const PATHS = Object.freeze(Object.fromEntries(CHARTED_COLUMNS.map((key, i) => [key, CHARTED_PATHS[i]])));
const CUSTOM_PATH = KEY_CUSTOM + HISTORY_PATH_SEP;

// The column key of a metric path of the answer, or null for one not charted.
export function keyOfPath (p) {
  for (const [key, q] of Object.entries(PATHS)) if (q === p) return key;
  if (p.startsWith(CUSTOM_PATH) && p.length > CUSTOM_PATH.length) return CUSTOM_PREFIX + p.slice(CUSTOM_PATH.length);
  return null;
}

const nonEmpty = (x) => typeof x === 'string' && x !== '';
const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const isNum = (x) => typeof x === 'number' && Number.isFinite(x);

// The line a sample (or a series' identity fields) belongs to: its service
// (series.js serviceOf) when lines join pids, else its identity; null when it
// has none.
export function lineIdOf (fields, perPid) {
  const id = identityOf(fields);
  if (perPid || id === null) return id;
  return serviceOf(id, fields[KEY_AGENT], fields[KEY_HOST], fields[KEY_PID]);
}

// A metric of one line: bucket means, mins and maxes, aligned.
export class Band {
  constructor () {
    this.mean = new Column();
    this.min = new Column();
    this.max = new Column();
    this.newest = -Infinity;   // the newest point taken in (a bucket's time is a mean)
    this.lastBucket = NaN;     // bucket number of the last bucket
    this.acc = null;           // its sums while live points are folded into it
  }

  get length () { return this.mean.length; }

  // A whole bucket of the answer; one not newer than the last is dropped.
  push (t, mean, min, max) {
    if (!this.mean.push(t, mean)) return false;
    this.min.push(t, min);
    this.max.push(t, max);
    this.newest = Math.max(this.newest, t);
    this.acc = null;
    return true;
  }

  // One live point at `t` in bucket number `bucket`: folded into the last
  // bucket when it is the same one, else a new bucket. A point not newer than
  // the newest taken in is dropped (the overlap of answer and stream).
  fold (t, v, bucket) {
    if (!(t > this.newest)) return false;
    if (this.mean.length && bucket === this.lastBucket) {
      const i = this.mean.end - 1;
      const a = this.acc ||
        (this.acc = { n: 1, tSum: this.mean.t[i], vSum: this.mean.v[i], min: this.min.v[i], max: this.max.v[i] });
      a.n++;
      a.tSum += t;
      a.vSum += v;
      a.min = Math.min(a.min, v);
      a.max = Math.max(a.max, v);
      // The bucket's time is the mean time of its points, as the store's is;
      // it stays after the previous bucket's, which lies in an earlier bucket.
      const mt = a.tSum / a.n;
      this.mean.t[i] = this.min.t[i] = this.max.t[i] = mt;
      this.mean.v[i] = a.vSum / a.n;
      this.min.v[i] = a.min;
      this.max.v[i] = a.max;
    } else {
      this.push(t, v, v, v);
      this.acc = { n: 1, tSum: t, vSum: v, min: v, max: v };
      this.lastBucket = bucket;
    }
    this.newest = t;
    return true;
  }

  // The median time between its points (0 with fewer than two): a service
  // sampling once a minute has minute gaps in buckets of seconds, which are
  // not holes in its line.
  get spacing () {
    const c = this.mean;
    const n = Math.min(c.length - 1, 256);
    if (n < 1) return 0;
    const d = [];
    for (let i = c.end - n; i < c.end; i++) d.push(c.t[i] - c.t[i - 1]);
    d.sort((a, b) => a - b);
    return d[n >> 1];
  }

  trim (minT) {
    this.mean.trim(minT);
    this.min.trim(minT);
    this.max.trim(minT);
  }
}

// One line of a long window.
export class Line {
  // `colours`: the page's Colours (looks.js), which gives the line its
  // service's colour.
  constructor (id, fields = {}, colours = new Colours()) {
    this.id = id;
    this.agent = nonEmpty(fields[KEY_AGENT]) ? fields[KEY_AGENT] : null;
    this.host = nonEmpty(fields[KEY_HOST]) ? fields[KEY_HOST] : null;
    this.pid = isCount(fields[KEY_PID]) ? fields[KEY_PID] : null;
    this.pids = [];
    this.colours = colours;
    this.bands = new Map();    // column key -> Band
    this.rates = new Rates();  // its counters' previous live readings, by pid and key
  }

  // Its service: its id when it joins pids, agent@host when it is one pid's.
  get service () { return serviceOf(this.id, this.agent, this.host, this.pid); }

  get colour () { return this.colours.of(this.service); }

  band (key) {
    let b = this.bands.get(key);
    if (!b) this.bands.set(key, (b = new Band()));
    return b;
  }

  addPid (pid) {
    if (isCount(pid) && !this.pids.includes(pid)) this.pids.push(pid);
  }

  // The newest time any of its metrics reaches, -Infinity when empty.
  get lastT () {
    let t = -Infinity;
    for (const b of this.bands.values()) t = Math.max(t, b.newest);
    return t;
  }

  get firstT () {
    let t = Infinity;
    for (const b of this.bands.values()) if (b.length) t = Math.min(t, b.mean.t[b.mean.start]);
    return t;
  }
}

export class HistoryLines {
  // options: onKeys(line, keys): `line` has data in columns `keys` (the page
  //            attaches a chart line to each it lacks); colours: the page's
  //            Colours (looks.js), shared with the SeriesStore (else one of
  //            its own, with isColour as for colourFor); counters: a Set of
  //            the custom metric names that are counters (the SeriesStore's),
  //            charted as their rate per second.
  constructor ({
    onKeys = () => {}, isColour = cssColour, colours = new Colours({ isColour }), counters = new Set()
  } = {}) {
    this.onKeys = onKeys;
    this.colours = colours;
    this.counters = counters;
    this.clear();
  }

  clear () {
    this.map = new Map();      // line id -> Line
    this.perPid = false;
    this.from = 0;             // the answer's window and bucket width
    this.step = 0;
    this.now = 0;
    this.stored = false;       // the answer came from the store (it has `step`)
  }

  get size () { return this.map.size; }
  get (id) { return this.map.get(id); }
  values () { return this.map.values(); }

  isCounter (key) {
    return key.startsWith(CUSTOM_PREFIX) && this.counters.has(key.slice(CUSTOM_PREFIX.length));
  }

  lineFor (id, fields) {
    let line = this.map.get(id);
    if (!line) this.map.set(id, (line = new Line(id, fields, this.colours)));
    return line;
  }

  // Takes in an /api/history answer for `range` ({ from, to }); anything
  // malformed in it is skipped. Its `group` says how live samples are filed
  // (one without, the memory answer of a collector without a store, is per
  // series, and keeps its points as they are: it has no `step`).
  load (answer, range) {
    this.clear();
    if (!isObject(answer)) return;
    this.perPid = answer[HISTORY_GROUP] !== HISTORY_GROUP_SERVICE;
    this.stored = isNum(answer[HISTORY_STEP]) && answer[HISTORY_STEP] > 0;
    this.step = this.stored ? answer[HISTORY_STEP] : 0;
    this.from = isNum(answer[HISTORY_FROM]) ? answer[HISTORY_FROM] : range.from;
    this.now = isNum(answer[KEY_NOW]) ? answer[KEY_NOW] : range.to;
    const list = Array.isArray(answer[KEY_SERIES]) ? answer[KEY_SERIES] : [];
    for (const h of list) {
      if (!isObject(h) || typeof h[KEY_ID] !== 'string' || !Array.isArray(h[HISTORY_T])) continue;
      const line = this.lineFor(h[KEY_ID], h);
      line.addPid(h[KEY_PID]);
      if (Array.isArray(h[HISTORY_PIDS])) for (const p of h[HISTORY_PIDS]) line.addPid(p);
      // The colour is its first pid's (the store lists the pids in that order).
      if (nonEmpty(h[KEY_COLOR])) this.colours.note(line.service, line.pids.length ? line.pids[0] : null, h[KEY_COLOR]);
      const keys = [];
      for (const [key, cols] of columnsOf(h)) {
        const b = line.band(key);
        const t = h[HISTORY_T];
        // A counter's buckets hold its running total: the line is the rate
        // from one bucket's mean to the next (no band: min and max of a
        // total say nothing of its rate).
        if (this.isCounter(key)) {
          const rates = new Rates();
          for (let i = 0; i < t.length; i++) {
            if (!isNum(t[i]) || !isNum(cols.mean[i])) continue;
            const r = rates.take(key, t[i], cols.mean[i]);
            if (r !== null) b.push(t[i], r, r, r);
          }
          b.lastBucket = this.bucketOf(b.mean.lastT);
          if (b.length) keys.push(key);
          continue;
        }
        for (let i = 0; i < t.length; i++) {
          const mean = cols.mean[i];
          if (!isNum(t[i]) || !isNum(mean)) continue;
          const lo = isNum(cols.min?.[i]) ? cols.min[i] : mean;
          const hi = isNum(cols.max?.[i]) ? cols.max[i] : mean;
          b.push(t[i], mean, Math.min(lo, mean), Math.max(hi, mean));
        }
        b.lastBucket = this.bucketOf(b.mean.lastT);
        if (b.length) keys.push(key);
      }
      this.onKeys(line, keys);
    }
  }

  // Bucket number of time `t` in the answer's grid (each point its own
  // bucket when there is no grid).
  bucketOf (t) {
    return this.step > 0 ? Math.floor((t - this.from) / this.step) : t;
  }

  // Takes in one live sample; returns its line, or null when it has no identity.
  ingest (obj, nowS) {
    const id = lineIdOf(obj, this.perPid);
    if (id === null) return null;
    const line = this.lineFor(id, obj);
    line.addPid(obj[KEY_PID]);
    if (nonEmpty(obj[KEY_COLOR])) this.colours.note(serviceOf(identityOf(obj), obj[KEY_AGENT], obj[KEY_HOST], obj[KEY_PID]), obj[KEY_PID], obj[KEY_COLOR]);
    const t = parseTime(obj[KEY_TIMESTAMP], nowS);
    const bucket = this.bucketOf(t);
    const keys = [];
    for (const [key, v] of metricsOf(obj)) {
      // Custom metrics only where the answer had them: a line of live points
      // alone would look like a metric that began a minute ago.
      if (!Object.hasOwn(PATHS, key) && !line.bands.has(key)) continue;
      let value = v;
      if (this.isCounter(key)) {
        value = line.rates.take(obj[KEY_PID] + '|' + key, t, v);
        if (value === null) continue;
      }
      if (line.band(key).fold(t, value, bucket)) keys.push(key);
    }
    if (keys.length) this.onKeys(line, keys);
    return line;
  }

  trim (minT) {
    for (const line of this.map.values()) for (const b of line.bands.values()) b.trim(minT);
  }
}

// The metrics of one answer line: [column key, { mean, min, max }] with the
// arrays aligned with `t`, from `metrics` where the answer has it, else from
// the old names (means only: the memory answer, or a collector before the store).
export function columnsOf (h) {
  const out = new Map();
  const metrics = isObject(h[HISTORY_METRICS]) ? h[HISTORY_METRICS] : {};
  for (const [p, m] of Object.entries(metrics)) {
    const key = keyOfPath(p);
    if (key === null || !isObject(m) || !Array.isArray(m[HISTORY_MEAN])) continue;
    out.set(key, {
      mean: m[HISTORY_MEAN],
      min: Array.isArray(m[HISTORY_MIN]) ? m[HISTORY_MIN] : null,
      max: Array.isArray(m[HISTORY_MAX]) ? m[HISTORY_MAX] : null
    });
  }
  for (const key of Object.keys(PATHS)) {
    if (!out.has(key) && Array.isArray(h[key])) out.set(key, { mean: h[key], min: null, max: null });
  }
  const custom = isObject(h[KEY_CUSTOM]) ? h[KEY_CUSTOM] : {};
  for (const [name, vals] of Object.entries(custom)) {
    const key = CUSTOM_PREFIX + name;
    if (!out.has(key) && Array.isArray(vals)) out.set(key, { mean: vals, min: null, max: null });
  }
  return out;
}

export { DEPARTED };

// The line a series.js Series belongs to (lineIdOf for its identity fields).
export function lineIdOfSeries (s, perPid) {
  return perPid ? s.id : serviceOf(s.id, s.agent, s.host, s.pid);
}

// Rows for the table and legend of a long window, one per line, shaped like a
// series.js Series: `state` is live when one of its series is, left when the
// page has seen them leave, DEPARTED when only history has it; `pid` lists
// the pids it joins; `last` is the newest sample of its series, else the means
// of its last bucket. `seriesList`: the SeriesStore's series; `nowMs`, `nowS`:
// the browser's and the collector's clocks (for the "ago" of a departed line).
export function lineRows (lines, seriesList, perPid, nowMs, nowS) {
  const bySeries = new Map();
  for (const s of seriesList) {
    const id = lineIdOfSeries(s, perPid);
    if (!bySeries.has(id)) bySeries.set(id, []);
    bySeries.get(id).push(s);
  }
  const out = [];
  for (const line of lines.values()) {
    const mine = bySeries.get(line.id) || [];
    let newest = null;
    for (const s of mine) if (!newest || s.lastSeen > newest.lastSeen) newest = s;
    const live = mine.some((s) => s.state === STATE_LIVE);
    const pids = [...line.pids];
    for (const s of mine) if (s.pid !== null && !pids.includes(s.pid)) pids.push(s.pid);
    const lastT = line.lastT;
    const cpu = line.bands.get(METRIC.cpu);
    const mem = line.bands.get(METRIC.mem);
    out.push({
      id: line.id,
      host: line.host,
      colour: line.colour,
      pid: pids.length ? pids.join(', ') : null,
      state: live ? STATE_LIVE : mine.length ? STATE_LEFT : DEPARTED,
      lastSeen: newest ? newest.lastSeen : Number.isFinite(lastT) ? nowMs - Math.max(0, nowS - lastT) * 1000 : 0,
      last: newest && newest.last ? newest.last : { [KEY_CPU]: cpu ? cpu.mean.lastV : NaN, [KEY_MEM]: mem ? mem.mean.lastV : NaN },
      lost: mine.reduce((n, s) => n + s.lost, 0)
    });
  }
  return out;
}
