// series.js: what one agent's samples become in the page.
//
// A series is identified exactly as the collector does it: `agent@host:pid`
// when the sample has all three, else `agent`, else `color`. Each series keeps,
// per metric ("cpu", "mem", "sys_cpu", "sys_mem", "load1", "core:N",
// "custom:NAME"), a Column: two Float64Arrays of time (Unix seconds) and value
// that grow by doubling and are trimmed from the front to the retention window,
// so charts get contiguous subarray views without copying.

const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948',
  '#b07aa1', '#ff9da7', '#9c755f', '#8cd17d', '#499894', '#d37295',
  '#86bcb6', '#f1ce63', '#a0cbe8', '#ffbe7d', '#fabfd2', '#b6992d'
];

export function identityOf (s) {
  const agent = typeof s.agent === 'string' ? s.agent : null;
  const host = typeof s.host === 'string' ? s.host : null;
  const pid = typeof s.pid === 'number' ? s.pid : null;
  if (agent !== null && host !== null && pid !== null) return agent + '@' + host + ':' + pid;
  if (agent !== null) return agent;
  if (typeof s.color === 'string') return s.color;
  return '(unnamed)';
}

function hash (text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

// The agent's own `color` when the browser accepts it as a CSS colour, else a
// palette colour picked by the identity, so a series keeps its colour on reload.
export function colourFor (id, color) {
  if (typeof color === 'string' && color.length <= 64 && CSS.supports('color', color)) return color;
  return PALETTE[hash(id) % PALETTE.length];
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
  constructor (id, fields) {
    this.id = id;
    this.agent = null;
    this.host = null;
    this.pid = null;
    this.color = null;
    this.colour = '#888';
    this.state = 'live';
    this.lastSeen = 0;         // browser clock (ms) of the last sample
    this.interval = null;
    this.samples = 0;
    this.lost = 0;
    this.lastSeq = null;
    this.last = null;          // the last sample object
    this.columns = new Map();
    this.update(fields);
  }

  update (f) {
    if (typeof f.agent === 'string') this.agent = f.agent;
    if (typeof f.host === 'string') this.host = f.host;
    if (typeof f.pid === 'number') this.pid = f.pid;
    if (typeof f.color === 'string' && f.color !== this.color) {
      this.color = f.color;
      this.colour = colourFor(this.id, f.color);
    } else if (this.color === null) {
      this.colour = colourFor(this.id, null);
    }
    if (typeof f.interval === 'number' && f.interval > 0) this.interval = f.interval;
  }

  get name () { return this.agent !== null ? this.agent : (this.color !== null ? this.color : this.id); }

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

// The metric columns one sample feeds: [key, value] pairs.
export function metricsOf (s) {
  const out = [];
  const cpu = num(s.cpu);
  const mem = num(s.mem);
  if (cpu !== null) out.push(['cpu', cpu]);
  if (mem !== null) out.push(['mem', mem]);
  const sys = s.sys;
  if (sys && typeof sys === 'object') {
    const sc = num(sys.cpu_percent);
    if (sc !== null) out.push(['sys_cpu', sc]);
    if (sys.mem && typeof sys.mem === 'object') {
      const sm = num(sys.mem.percent);
      if (sm !== null) out.push(['sys_mem', sm]);
    }
    if (Array.isArray(sys.load)) {
      const l1 = num(sys.load[0]);
      if (l1 !== null) out.push(['load1', l1]);
    }
    if (Array.isArray(sys.percpu)) {
      const n = Math.min(sys.percpu.length, 256);
      for (let i = 0; i < n; i++) {
        const c = num(sys.percpu[i]);
        if (c !== null) out.push(['core:' + i, c]);
      }
    }
  }
  const custom = s.custom;
  if (custom && typeof custom === 'object' && !Array.isArray(custom)) {
    let n = 0;
    for (const name of Object.keys(custom)) {
      if (++n > 64) break;
      const v = num(custom[name]);
      if (v !== null) out.push(['custom:' + name, v]);
    }
  }
  return out;
}
