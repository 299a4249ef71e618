// main.js: wires the feed, the series store, the charts and the table.
//
// Samples are queued as they arrive and taken in once per animation frame;
// charts redraw at most once per frame (and not more often than every
// REDRAW_MS while data streams in), the table and legend twice a second. Every
// series keeps RETAIN_S seconds so the time window can grow without a refetch.

import { Feed } from './feed.js';
import { Series, identityOf, metricsOf, parseTime } from './series.js';
import { Panel } from './charts.js';
import { AgentsTable, Legend } from './table.js';

const RETAIN_S = 900;          // the longest window offered
const REDRAW_MS = 100;         // at most ten redraws a second under streaming data,
const REDRAW_PER_LINE_MS = 2;  // slower with many lines (200 lines: twice a second;
const REDRAW_MAX_MS = 500;     // data comes at ~1 Hz, rasterising is the cost)
const SCROLL_MS = 250;         // redraw this often anyway, so time scrolls
const TABLE_MS = 500;          // table and legend refresh
const FLUSH_AT = 4000;         // take samples in at once past this backlog (hidden tab)
const CORE_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948',
  '#b07aa1', '#ff9da7', '#9c755f', '#8cd17d', '#499894', '#d37295'];

const $ = (sel) => document.querySelector(sel);

const store = new Map();       // identity -> Series
let clockOffset = 0;           // collector clock minus browser clock, seconds
let windowS = 60;
let paused = false;
let filterText = '';
let selected = null;
let perCore = false;
let pending = [];
let frameQueued = false;
let dataDirty = true;
let lastDraw = 0;
let connState = 'connecting';

const stats = { frames: 0, draws: 0, drawMs: [], samples: 0, resets: 0, backfills: 0 };

const nowS = () => Date.now() / 1000 + clockOffset;
const match = (id) => filterText === '' || id.toLowerCase().includes(filterText);

// ---- panels ---------------------------------------------------------------

const panels = {
  cpu: new Panel($('#plot-cpu'), { floor: 1, unit: '%' }),
  mem: new Panel($('#plot-mem'), { floor: 1, unit: 'MB' }),
  sys_cpu: new Panel($('#plot-sys-cpu'), { fixed: [0, 100], unit: '%' }),
  sys_mem: new Panel($('#plot-sys-mem'), { fixed: [0, 100], unit: '%' }),
  load1: new Panel($('#plot-load'), { floor: 1 })
};
const customPanels = new Map(); // metric name -> Panel

function allPanels () {
  return [...Object.values(panels), ...customPanels.values()];
}

function customPanel (name) {
  let p = customPanels.get(name);
  if (p) return p;
  const card = document.createElement('article');
  card.className = 'card small';
  const h = document.createElement('h3');
  h.textContent = name;
  const plot = document.createElement('div');
  plot.className = 'plot';
  card.append(h, plot);
  $('#custom-grid').append(card);
  $('#custom').hidden = false;
  p = new Panel(plot, { min: 0, floor: 0 });
  p.focus(selected);
  customPanels.set(name, p);
  return p;
}

// The series whose cores the per-core chart shows: the picked one if it has
// cores, else the first that does.
function coreSource () {
  const pick = selected !== null ? store.get(selected) : null;
  if (pick && pick.columns.has('core:0')) return pick;
  for (const s of store.values()) if (s.columns.has('core:0')) return s;
  return null;
}

function rebuildCores () {
  const p = panels.sys_cpu;
  p.clear();
  if (perCore) {
    const s = coreSource();
    $('#sys-cpu-title').textContent = s ? 'CPU per core % · ' + (s.host ?? s.id) : 'CPU per core %';
    if (s) {
      for (let i = 0; s.columns.has('core:' + i); i++) {
        p.add('core:' + i, s.id, s.columns.get('core:' + i), CORE_COLOURS[i % CORE_COLOURS.length], 'core ' + i);
      }
    }
  } else {
    $('#sys-cpu-title').textContent = 'System CPU %';
    for (const s of store.values()) {
      if (s.columns.has('sys_cpu')) p.add(s.id, s.id, s.columns.get('sys_cpu'), s.colour);
    }
  }
  p.filter(perCore ? () => true : match);
  p.focus(perCore ? null : selected);
}

// Makes sure each panel shows a line for every metric this series has.
function attach (s, keys) {
  for (const key of keys) {
    if (key === 'cpu' || key === 'mem' || key === 'sys_mem' || key === 'load1' ||
        (key === 'sys_cpu' && !perCore)) {
      const p = panels[key];
      if (!p.has(s.id)) {
        p.add(s.id, s.id, s.column(key), s.colour);
        p.filter(match);
        if (key !== 'cpu' && key !== 'mem') $('#system').hidden = false;
      }
    } else if (key.startsWith('custom:')) {
      const p = customPanel(key.slice(7));
      if (!p.has(s.id)) {
        p.add(s.id, s.id, s.column(key), s.colour);
        p.filter(match);
      }
    } else if (key === 'core:0') {
      $('#per-core').hidden = false;
      if (perCore && !panels.sys_cpu.has('core:0')) rebuildCores();
    }
  }
}

function recolour (s) {
  for (const p of allPanels()) p.setColour(s.id, s.colour);
}

// ---- store ----------------------------------------------------------------

function seriesFor (id, fields) {
  let s = store.get(id);
  if (!s) {
    s = new Series(id, fields);
    store.set(id, s);
  } else {
    const before = s.colour;
    s.update(fields);
    if (s.colour !== before) recolour(s);
  }
  return s;
}

function ingest (obj) {
  const id = identityOf(obj);
  const s = seriesFor(id, obj);
  const t = parseTime(obj.timestamp, nowS());
  const metrics = metricsOf(obj);
  const keys = [];
  for (const [key, v] of metrics) {
    s.put(key, t, v);
    keys.push(key);
  }
  if (typeof obj.seq === 'number') {
    if (s.lastSeq !== null && obj.seq > s.lastSeq + 1) s.lost += obj.seq - s.lastSeq - 1;
    s.lastSeq = obj.seq;
  }
  s.last = obj;
  s.lastSeen = Date.now();
  s.samples++;
  s.state = 'live';
  stats.samples++;
  attach(s, keys);
}

function backfill ({ agents, history }) {
  stats.backfills++;
  if (agents && typeof agents.now === 'number') clockOffset = agents.now - Date.now() / 1000;
  const serverNow = agents && typeof agents.now === 'number' ? agents.now : nowS();
  const listed = new Set();
  for (const a of (agents && Array.isArray(agents.agents)) ? agents.agents : []) {
    if (a && typeof a.id === 'string') listed.add(a.id);
    if (!a || typeof a.id !== 'string') continue;
    const s = seriesFor(a.id, { agent: a.agent, host: a.host, pid: a.pid, color: a.color, interval: a.interval });
    if (a.state === 'live' || a.state === 'left') s.state = a.state;
    if (typeof a.lost === 'number') s.lost = a.lost;
    if (typeof a.samples === 'number') s.samples = a.samples;
    if (typeof a.last_seen === 'number') s.lastSeen = Date.now() - Math.max(0, serverNow - a.last_seen) * 1000;
    if (a.last && typeof a.last === 'object') {
      s.last = a.last;
      if (typeof a.last.seq === 'number') s.lastSeq = a.last.seq;
    }
  }
  // A series this collector does not know (it restarted) is not live any more;
  // if it still is, its next sample says so.
  if (agents && Array.isArray(agents.agents)) {
    for (const s of store.values()) if (!listed.has(s.id)) s.state = 'left';
  }
  const backfilledCustom = new Set();
  const cols = [['cpu', 'cpu'], ['mem', 'mem'], ['sys_cpu', 'sys_cpu'], ['sys_mem', 'sys_mem'], ['load1', 'load1']];
  for (const h of (history && Array.isArray(history.series)) ? history.series : []) {
    if (!h || typeof h.id !== 'string' || !Array.isArray(h.t)) continue;
    const s = seriesFor(h.id, { color: h.color });
    const keys = [];
    for (const [field, key] of cols) {
      const vals = h[field];
      if (!Array.isArray(vals)) continue;
      let any = false;
      for (let i = 0; i < h.t.length && i < vals.length; i++) {
        if (typeof h.t[i] === 'number' && s.put(key, h.t[i], vals[i])) any = true;
      }
      if (any || s.columns.has(key)) keys.push(key);
    }
    const custom = h.custom && typeof h.custom === 'object' ? h.custom : {};
    for (const name of Object.keys(custom)) {
      const vals = custom[name];
      if (!Array.isArray(vals)) continue;
      const key = 'custom:' + name;
      for (let i = 0; i < h.t.length && i < vals.length; i++) {
        if (typeof h.t[i] === 'number') s.put(key, h.t[i], vals[i]);
      }
      keys.push(key);
      backfilledCustom.add(s.id);
    }
    attach(s, keys);
  }
  // A series without custom history (an older collector) starts from its last sample.
  for (const s of store.values()) {
    if (s.last && s.last.custom && !backfilledCustom.has(s.id)) {
      const t = parseTime(s.last.timestamp, nowS());
      const keys = [];
      for (const [key, v] of metricsOf({ custom: s.last.custom })) {
        s.put(key, t, v);
        keys.push(key);
      }
      attach(s, keys);
    }
  }
  dataDirty = true;
  refreshTable();
  schedule();
}

// ---- drawing --------------------------------------------------------------

function schedule () {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(frame);
}

function takePending () {
  if (pending.length === 0) return;
  const batch = pending;
  pending = [];
  for (const obj of batch) ingest(obj);
  dataDirty = true;
}

function frame (ts) {
  frameQueued = false;
  stats.frames++;
  takePending();
  if (paused) return;
  const since = ts - lastDraw;
  let lines = 0;
  for (const p of allPanels()) lines += p.entries.length;
  if (since < Math.min(REDRAW_MS + lines * REDRAW_PER_LINE_MS, REDRAW_MAX_MS)) {
    schedule();                // drawn recently: draw on a later frame
    return;
  }
  const t0 = performance.now();
  const xMax = nowS();
  const xMin = xMax - windowS;
  for (const p of allPanels()) p.draw(xMin, xMax);
  const ms = performance.now() - t0;
  stats.draws++;
  stats.drawMs.push(ms);
  if (stats.drawMs.length > 2000) stats.drawMs.splice(0, 1000);
  lastDraw = ts;
  dataDirty = false;
}

// ---- table, legend, header ------------------------------------------------

const table = new AgentsTable($('#agents-body'), pick);
const legend = new Legend($('#legend'), pick);

function refreshTable () {
  const list = [...store.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  table.update(list, match, Date.now());
  legend.update(list, match, selected);
  let live = 0;
  for (const s of list) if (s.state === 'live') live++;
  $('#agent-count').textContent = String(live);
  $('#agent-total').textContent = String(list.length);
  $('#agents-empty').hidden = list.length > 0;
}

function pick (id) {
  selected = id;
  table.select(id);
  for (const p of allPanels()) p.focus(id);
  if (perCore) rebuildCores();
  legend.update([...store.values()], match, selected);
  dataDirty = true;
  lastDraw = 0;
  schedule();
}

function showState (state) {
  connState = state;
  if (state === 'reset') stats.resets++;
  const box = $('#conn');
  box.dataset.state = state;
  $('#conn-text').textContent = state;
}

// ---- controls -------------------------------------------------------------

for (const b of document.querySelectorAll('#window button')) {
  b.addEventListener('click', () => {
    windowS = Number(b.dataset.window);
    for (const o of document.querySelectorAll('#window button')) {
      o.setAttribute('aria-pressed', o === b ? 'true' : 'false');
    }
    lastDraw = 0;
    schedule();
  });
}

$('#pause').addEventListener('click', () => {
  paused = !paused;
  $('#pause').textContent = paused ? 'Resume' : 'Pause';
  $('#pause').setAttribute('aria-pressed', paused ? 'true' : 'false');
  document.body.classList.toggle('paused', paused);
  lastDraw = 0;
  schedule();
});

$('#filter').addEventListener('input', (ev) => {
  filterText = ev.target.value.trim().toLowerCase();
  for (const p of allPanels()) p.filter(match);
  if (perCore) panels.sys_cpu.filter(() => true);
  refreshTable();
  lastDraw = 0;
  schedule();
});

$('#per-core').addEventListener('click', () => {
  perCore = !perCore;
  $('#per-core').setAttribute('aria-pressed', perCore ? 'true' : 'false');
  rebuildCores();
  lastDraw = 0;
  schedule();
});

// Theme changes: rebuild the charts so axes and grid take the new colours.
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  for (const p of allPanels()) p.dirtySeries = true;
  lastDraw = 0;
  schedule();
});

// ---- start ----------------------------------------------------------------

const feed = new Feed({
  onBackfill: backfill,
  onSample (obj) {
    pending.push(obj);
    if (pending.length >= FLUSH_AT) takePending();
    schedule();
  },
  onAgent (ev) {
    if (typeof ev.id !== 'string') return;
    const s = seriesFor(ev.id, {});
    if (ev.state === 'left') s.state = 'left';
    else if (ev.state === 'joined') s.state = 'live';
  },
  onState: showState,
  onError (text) { $('#conn').title = text; }
}, { historySeconds: RETAIN_S });

setInterval(schedule, SCROLL_MS);
// Twice a second, or once with many rows: a refresh touches every row.
let lastTable = 0;
setInterval(() => {
  const now = performance.now();
  if (now - lastTable < (store.size > 100 ? 2 * TABLE_MS : TABLE_MS) - 50) return;
  lastTable = now;
  refreshTable();
}, TABLE_MS);
setInterval(() => {
  const minT = nowS() - RETAIN_S - 5;
  for (const s of store.values()) s.trim(minT);
}, 5000);

// A read-only view for the browser tests and for curious people at the console.
window.zapm = {
  stats,
  state: () => connState,
  focus () {
    const p = panels.cpu;
    let width = null;
    if (p.plot && p.focusId !== null) {
      const i = p.entries.findIndex((e) => e.id === p.focusId);
      if (i >= 0) width = p.plot.series[i + 1].width;
    }
    return { id: selected, cpu: p.focusId, width };
  },
  snapshot () {
    const out = { state: connState, paused, windowS, series: store.size, panels: {} };
    for (const [name, p] of Object.entries(panels)) {
      out.panels[name] = { lines: p.entries.length, points: p.points, ids: p.entries.map((e) => e.id) };
    }
    for (const [name, p] of customPanels) {
      out.panels['custom:' + name] = { lines: p.entries.length, points: p.points, ids: p.entries.map((e) => e.id) };
    }
    return out;
  }
};

feed.start();
refreshTable();
