// main.js: wires the page: the feed, the series store, the charts, the table
// and the controls. What a sample, a backfill or an event does to the series is
// series.js's job (SeriesStore); this file only decides what to draw and when.
//
// Samples are queued as they arrive and taken in once per animation frame;
// charts redraw at most once per frame (and not more often than every
// REDRAW_MS while data streams in), the table and legend twice a second. Every
// series keeps RETAIN_S seconds so the time window can grow without a refetch.

import { CONN, Feed } from './feed.js';
import { CORE_PREFIX, CUSTOM_PREFIX, METRIC, SeriesStore } from './series.js';
import { Panel } from './charts.js';
import { AgentsTable, Legend } from './table.js';
import { STATE_LIVE } from './wire.js';

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

let windowS = 60;
let paused = false;
let filterText = '';
let selected = null;
let perCore = false;
let pending = [];
let frameQueued = false;
let dataDirty = true;
let lastDraw = 0;
let connState = CONN.connecting;

const stats = { frames: 0, draws: 0, drawMs: [], samples: 0, resets: 0, backfills: 0 };

const store = new SeriesStore({ onKeys: attach, onColour: recolour });
const nowS = () => store.nowS();
const match = (id) => filterText === '' || id.toLowerCase().includes(filterText);

// ---- panels ---------------------------------------------------------------

// By column key (series.js METRIC), which names them in window.zapm.snapshot().
const panels = {
  [METRIC.cpu]: new Panel($('#plot-cpu'), { floor: 1, unit: '%' }),
  [METRIC.mem]: new Panel($('#plot-mem'), { floor: 1, unit: 'MB' }),
  [METRIC.sysCpu]: new Panel($('#plot-sys-cpu'), { fixed: [0, 100], unit: '%' }),
  [METRIC.sysMem]: new Panel($('#plot-sys-mem'), { fixed: [0, 100], unit: '%' }),
  [METRIC.load1]: new Panel($('#plot-load'), { floor: 1 })
};
const CORE0 = CORE_PREFIX + 0;
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
  if (pick && pick.columns.has(CORE0)) return pick;
  for (const s of store.values()) if (s.columns.has(CORE0)) return s;
  return null;
}

function rebuildCores () {
  const p = panels[METRIC.sysCpu];
  p.clear();
  if (perCore) {
    const s = coreSource();
    $('#sys-cpu-title').textContent = s ? 'CPU per core % · ' + (s.host ?? s.id) : 'CPU per core %';
    if (s) {
      for (let i = 0; s.columns.has(CORE_PREFIX + i); i++) {
        p.add(CORE_PREFIX + i, s.id, s.columns.get(CORE_PREFIX + i), CORE_COLOURS[i % CORE_COLOURS.length], 'core ' + i);
      }
    }
  } else {
    $('#sys-cpu-title').textContent = 'System CPU %';
    for (const s of store.values()) {
      if (s.columns.has(METRIC.sysCpu)) p.add(s.id, s.id, s.columns.get(METRIC.sysCpu), s.colour);
    }
  }
  p.filter(perCore ? () => true : match);
  p.focus(perCore ? null : selected);
}

// Makes sure each panel shows a line for every metric this series has
// (SeriesStore's onKeys).
function attach (s, keys) {
  for (const key of keys) {
    if (key === METRIC.sysCpu && perCore) continue;
    if (Object.hasOwn(panels, key)) {
      const p = panels[key];
      if (!p.has(s.id)) {
        p.add(s.id, s.id, s.column(key), s.colour);
        p.filter(match);
        if (key !== METRIC.cpu && key !== METRIC.mem) $('#system').hidden = false;
      }
    } else if (key.startsWith(CUSTOM_PREFIX)) {
      const p = customPanel(key.slice(CUSTOM_PREFIX.length));
      if (!p.has(s.id)) {
        p.add(s.id, s.id, s.column(key), s.colour);
        p.filter(match);
      }
    } else if (key === CORE0) {
      $('#per-core').hidden = false;
      if (perCore && !panels[METRIC.sysCpu].has(CORE0)) rebuildCores();
    }
  }
}

// SeriesStore's onColour.
function recolour (s) {
  for (const p of allPanels()) p.setColour(s.id, s.colour);
}

function backfill (data) {
  stats.backfills++;
  store.backfill(data);
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
  for (const obj of batch) if (store.ingest(obj)) stats.samples++;
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
  for (const s of list) if (s.state === STATE_LIVE) live++;
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
  if (state === CONN.reset) stats.resets++;
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
  if (perCore) panels[METRIC.sysCpu].filter(() => true);
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
  onAgent (ev) { store.agent(ev); },
  onLost (ev) { store.lost(ev); },
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
setInterval(() => store.trim(nowS() - RETAIN_S - 5), 5000);

// A read-only view for the browser tests and for curious people at the console.
window.zapm = {
  stats,
  state: () => connState,
  focus () {
    const p = panels[METRIC.cpu];
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
      out.panels[CUSTOM_PREFIX + name] = { lines: p.entries.length, points: p.points, ids: p.entries.map((e) => e.id) };
    }
    return out;
  }
};

feed.start();
refreshTable();
