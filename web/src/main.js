// main.js: wires the page: the feed, the series store, the charts, the table
// and the controls. What a sample, a backfill or an event does to the series is
// series.js's job (SeriesStore); this file only decides what to draw and when.
//
// The view (window, zooms, filter, per-pid lines: view.js) lives in the URL.
// Windows up to 15 minutes draw the SeriesStore (memory backfill and live, one
// line per series); longer ones draw HistoryLines (history.js): one
// /api/history answer from the store, one line per agent@host unless per-pid
// is on, with the live samples folded in at the right edge. A zoom into a long
// window fetches its range again, at that range's resolution.
//
// Samples are queued as they arrive and taken in once per animation frame;
// charts redraw at most once per frame (and not more often than every
// REDRAW_MS while data streams in), the table and legend twice a second. Every
// series keeps RETAIN_S seconds so the time window can grow without a refetch.

import { CONN, Feed } from './feed.js';
import { CORE_PREFIX, CUSTOM_PREFIX, METRIC, SeriesStore } from './series.js';
import { Panel, formatClock, formatDate } from './charts.js';
import { AgentsTable, Legend } from './table.js';
import { HistoryLines, lineRows } from './history.js';
import { Colours, STATE_TEXT, labelOf } from './looks.js';
import { emptyHint } from './hint.js';
import {
  WINDOWS, formatView, fromStore, historyQuery, parseView, pointsFor, rangeOf, retryAfter,
  sameView, spanText, windowOf, withWindow, zoomIn, zoomOut
} from './view.js';
import { STATE_LEFT, STATE_LIVE } from './wire.js';

const RETAIN_S = 900;          // the longest window offered
const REDRAW_MS = 100;         // at most ten redraws a second under streaming data,
const REDRAW_PER_LINE_MS = 2;  // slower with many lines (200 lines: twice a second;
const REDRAW_MAX_MS = 500;     // data comes at ~1 Hz, rasterising is the cost)
const SCROLL_MS = 250;         // redraw this often anyway, so time scrolls
const TABLE_MS = 500;          // table and legend refresh
const FLUSH_AT = 4000;         // take samples in at once past this backlog (hidden tab)
const HELD_MAX = 50000;        // live samples kept for the lines while history loads
const GAP_BUCKETS = 3.5;       // a long line breaks where this many buckets (or samples) are missing
const FETCH_ATTEMPTS = 20;     // tries of one history fetch (503 and network errors)
const CORE_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948',
  '#b07aa1', '#ff9da7', '#9c755f', '#8cd17d', '#499894', '#d37295'];

const $ = (sel) => document.querySelector(sel);

let view = parseView(location.search);
let longMode = false;          // the panels show `lines`, not the series
let loadSeq = 0;               // the history fetch in flight; older answers are dropped
let loading = false;
let held = null;               // live samples that came while history loads
let paused = false;
let filterText = view.filter.toLowerCase();
let selected = null;
let perCore = false;
let pending = [];
let frameQueued = false;
let dataDirty = true;
let lastDraw = 0;
let connState = CONN.connecting;

const stats = {
  frames: 0, draws: 0, drawMs: [], samples: 0, resets: 0, backfills: 0,
  historyFetches: 0, historyRetries: 0, historyErrors: 0
};

// One colour per service in every view (looks.js): the series and the lines
// of the long windows take theirs from here.
const colours = new Colours({ onChange: recolour });
const store = new SeriesStore({ onKeys: attachSeries, colours });
const lines = new HistoryLines({ onKeys: attachLine, colours, counters: store.counters });
const customNames = new Set(); // every custom metric the page has seen: long windows ask for them
let customTimer = 0;
const nowS = () => store.nowS();
const match = (id) => filterText === '' || id.toLowerCase().includes(filterText);

// ---- panels ---------------------------------------------------------------

// Every chart zooms: a drag picks a range, a double-click goes back one.
const zoom = {
  onZoom (from, to) {
    const v = zoomIn(view, from, to);
    if (v) go(v, true);
  },
  onZoomOut () {
    const v = zoomOut(view);
    if (v) go(v, true);
  }
};

// By column key (series.js METRIC), which names them in window.zapm.snapshot().
const panels = {
  [METRIC.cpu]: new Panel($('#plot-cpu'), { floor: 1, unit: '%', ...zoom }),
  [METRIC.mem]: new Panel($('#plot-mem'), { floor: 1, unit: 'MB', ...zoom }),
  [METRIC.sysCpu]: new Panel($('#plot-sys-cpu'), { fixed: [0, 100], unit: '%', ...zoom }),
  [METRIC.sysMem]: new Panel($('#plot-sys-mem'), { fixed: [0, 100], unit: '%', ...zoom }),
  [METRIC.load1]: new Panel($('#plot-load'), { floor: 1, ...zoom })
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
  // A counter is charted as its rate.
  if (store.counters.has(name)) {
    const unit = document.createElement('span');
    unit.className = 'unit';
    unit.textContent = 'per s';
    unit.title = 'a counter: its increase per second';
    h.append(' ', unit);
  }
  const plot = document.createElement('div');
  plot.className = 'plot';
  card.append(h, plot);
  $('#custom-grid').append(card);
  $('#custom').hidden = false;
  p = new Panel(plot, { min: 0, floor: 0, ...zoom });
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
  if (longMode) return;
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
      if (s.columns.has(METRIC.sysCpu)) p.add(s.id, s.id, s.columns.get(METRIC.sysCpu), s.colour, labelOf(s));
    }
  }
  p.filter(perCore ? () => true : match);
  p.focus(perCore ? null : selected);
}

// The panel of column `key` (made for a custom metric), or null.
function panelOf (key) {
  if (Object.hasOwn(panels, key)) {
    if (key !== METRIC.cpu && key !== METRIC.mem) $('#system').hidden = false;
    return panels[key];
  }
  if (key.startsWith(CUSTOM_PREFIX)) return customPanel(key.slice(CUSTOM_PREFIX.length));
  return null;
}

// SeriesStore's onKeys: notes the custom metrics (a long window asks the store
// for them; one it did not ask for is fetched again, soon) and attaches.
function attachSeries (s, keys) {
  let fresh = false;
  for (const key of keys) {
    if (!key.startsWith(CUSTOM_PREFIX)) continue;
    const name = key.slice(CUSTOM_PREFIX.length);
    if (customNames.has(name)) continue;
    customNames.add(name);
    fresh = true;
  }
  if (fresh && longMode) {
    clearTimeout(customTimer);
    customTimer = setTimeout(() => { if (longMode) loadHistory(); }, 300);
  }
  attach(s, keys);
}

// Makes sure each panel shows a line for every metric this series has. Not in
// a long window: its lines are attachLine's.
function attach (s, keys) {
  if (longMode) return;
  for (const key of keys) {
    if (key === METRIC.sysCpu && perCore) continue;
    if (key === CORE0) {
      $('#per-core').hidden = false;
      if (perCore && !panels[METRIC.sysCpu].has(CORE0)) rebuildCores();
      continue;
    }
    const p = panelOf(key);
    if (p && !p.has(s.id)) {
      p.add(s.id, s.id, s.column(key), s.colour, labelOf(s));
      p.filter(match);
    }
  }
}

// The same for a line of a long window (HistoryLines' onKeys): its mean, with
// the min-max band under it.
function attachLine (line, keys) {
  if (!longMode) return;
  for (const key of keys) {
    const p = panelOf(key);
    if (p && !p.has(line.id)) {
      const b = line.band(key);
      // A hole is GAP_BUCKETS missing buckets, or as many of its own samples'
      // spacing when it samples more seldom than a bucket.
      const gap = lines.step > 0 ? GAP_BUCKETS * Math.max(lines.step, b.spacing) : Infinity;
      p.add(line.id, line.id, b.mean, line.colour, labelOf(line), { band: b, gap });
      p.filter(match);
    }
  }
}

// Empties every chart, for the other kind of lines.
function clearPanels () {
  selected = null;
  for (const p of allPanels()) {
    p.clear();
    p.focus(null);
  }
  table.reset();
}

// Colours' onChange: a service's colour changed, so did every line of it (a
// per-core line keeps its core's colour).
function recolour () {
  for (const p of allPanels()) {
    for (const e of p.entries) {
      if (e.key !== e.id) continue;
      const owner = longMode ? lines.get(e.id) : store.get(e.id);
      if (owner) p.setColour(e.key, owner.colour);
    }
  }
  dataDirty = true;
}

function backfill (data) {
  stats.backfills++;
  store.backfill(data);
  const hint = emptyHint(data.agents, location);
  $('#agents-empty-command').textContent = hint.command;
  $('#agents-empty-note').textContent = hint.note;
  $('#agents-empty-note').hidden = hint.note === '';
  // A backfill after the first (the collector restarted, or we fell behind):
  // a long window asks the store again too.
  if (longMode && stats.backfills > 1) loadHistory();
  dataDirty = true;
  refreshTable();
  schedule();
}

// ---- the view ---------------------------------------------------------------

// Shows view `v`; `push`: as a new entry of the browser's history (a window or
// a zoom), else in place of the current one (the filter, as it is typed).
function go (v, push) {
  if (sameView(v, view)) return;
  const longBefore = fromStore(view);
  const rangeBefore = formatView({ ...view, filter: '' });
  view = v;
  const url = location.pathname + formatView(view) + location.hash;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  // The filter alone fetches nothing.
  apply(fromStore(view) !== longBefore || formatView({ ...view, filter: '' }) !== rangeBefore);
}

// Brings the page in line with `view`: controls, mode, and (when `refetch`
// and the view is long) a new history fetch.
function apply (refetch) {
  for (const b of document.querySelectorAll('#window button')) {
    b.setAttribute('aria-pressed', b.dataset.window === view.window ? 'true' : 'false');
  }
  if ($('#filter').value.trim() !== view.filter) $('#filter').value = view.filter;
  filterText = view.filter.toLowerCase();
  $('#per-pid').setAttribute('aria-pressed', view.perPid ? 'true' : 'false');
  $('#unzoom').hidden = view.zooms.length === 0;
  const long = fromStore(view);
  $('#per-pid').hidden = !long;
  if (long && !longMode) {
    longMode = true;
    clearPanels();
    $('#per-core').hidden = true;
    refetch = true;
  } else if (!long && longMode) {
    longMode = false;
    loadSeq++;                 // an answer still on its way is not wanted
    loading = false;
    held = null;
    lines.clear();
    clearPanels();
    for (const s of store.values()) attach(s, [...s.columns.keys()]);
    rebuildCores();
    setStatus(null);
  }
  if (long && refetch) loadHistory();
  for (const p of allPanels()) p.filter(match);
  refreshTable();
  dataDirty = true;
  lastDraw = 0;
  schedule();
}

// The status line under the header: null hides it; `kind` is loading, error
// or note; `retry` shows a button that fetches again.
function setStatus (kind, text = '', retry = false) {
  const box = $('#status');
  box.hidden = kind === null;
  box.dataset.kind = kind || '';
  $('#status-text').textContent = text;
  $('#status-retry').hidden = !retry;
  $('#main').setAttribute('aria-busy', kind === 'loading' ? 'true' : 'false');
}

const sleepMs = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function rangeText (r) {
  const day = r.seconds > 86400;
  const at = (t) => (day ? formatDate(t) + ' ' : '') + formatClock(t, 60);
  return r.live ? 'the last ' + spanText(r.seconds) : at(r.from) + ' – ' + at(r.to);
}

// Fetches the view's range from the store and shows it. A 503 (the store is
// busy) is retried after its Retry-After, a network error after a back-off,
// FETCH_ATTEMPTS times; a 400 shows the collector's line. Live samples that
// come meanwhile are held and folded in after the answer.
async function loadHistory () {
  const seq = ++loadSeq;
  const r = rangeOf(view, nowS());
  const points = pointsFor($('#plot-cpu').clientWidth);
  const url = '/api/history?' + historyQuery(r, points, view.perPid, [...customNames]);
  loading = true;
  held = [];
  stats.historyFetches++;
  for (let attempt = 1; attempt <= FETCH_ATTEMPTS; attempt++) {
    setStatus('loading', 'Loading ' + rangeText(r) + ' from the store…');
    let wait;
    try {
      const res = await fetch(url, { cache: 'no-store' });
      if (seq !== loadSeq) return;
      if (res.ok) {
        const answer = await res.json();
        if (seq !== loadSeq) return;
        showHistory(answer, r);
        return;
      }
      const text = (await res.text()).trim() || 'HTTP ' + res.status;
      if (seq !== loadSeq) return;
      if (res.status !== 503) {
        stats.historyErrors++;
        failHistory('Could not load ' + rangeText(r) + ': ' + text + ' (HTTP ' + res.status + ')');
        return;
      }
      wait = retryAfter(res.headers.get('Retry-After'));
      setStatus('loading', text + ' — asking again in ' + wait + ' s…');
    } catch (e) {
      if (seq !== loadSeq) return;
      wait = Math.min(2 * attempt, 10);
      setStatus('loading', 'History: ' + (e.message || e) + ' — asking again in ' + wait + ' s…');
    }
    stats.historyRetries++;
    await sleepMs(wait * 1000);
    if (seq !== loadSeq) return;
  }
  stats.historyErrors++;
  failHistory('Could not load ' + rangeText(r) + ': the collector did not answer after ' + FETCH_ATTEMPTS + ' tries');
}

function failHistory (text) {
  loading = false;
  held = null;
  setStatus('error', text, true);
}

function showHistory (answer, r) {
  loading = false;
  clearPanels();
  lines.load(answer, r);
  const late = held || [];
  held = null;
  if (r.live) for (const obj of late) lines.ingest(obj, nowS());
  if (lines.stored) setStatus(null);
  else setStatus('note', 'This collector keeps no history on disk (--store none): showing what it holds in memory.');
  refreshTable();
  dataDirty = true;
  lastDraw = 0;
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
  const live = longMode && view.zooms.length === 0;
  for (const obj of batch) {
    if (store.ingest(obj)) stats.samples++;
    if (!live) continue;
    if (loading) {
      if (held && held.length < HELD_MAX) held.push(obj);
    } else lines.ingest(obj, nowS());
  }
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
  const r = rangeOf(view, nowS());
  for (const p of allPanels()) p.draw(r.from, r.to);
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

// What the table and legend list: the series, or in a long window its lines.
function listed () {
  if (longMode) return lineRows(lines, store.values(), lines.perPid, Date.now(), nowS());
  return [...store.values()];
}

function refreshTable () {
  const list = listed().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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
  legend.update(listed().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), match, selected);
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

// What each state means (looks.js), under the table; the badges' titles say it too.
for (const [state, text] of Object.entries(STATE_TEXT)) {
  const row = document.createElement('div');
  const dt = document.createElement('dt');
  const badge = document.createElement('span');
  badge.className = 'badge ' + (state === STATE_LIVE ? STATE_LIVE : STATE_LEFT);
  badge.textContent = state;
  dt.append(badge);
  const dd = document.createElement('dd');
  dd.textContent = text.slice(text.indexOf(':') + 1).trim();
  row.append(dt, dd);
  $('#states').append(row);
}

// ---- controls -------------------------------------------------------------

for (const w of WINDOWS) {
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.window = w.name;
  b.textContent = w.name;
  b.title = 'The last ' + w.label;
  b.setAttribute('aria-label', w.label);
  b.setAttribute('aria-pressed', 'false');
  b.addEventListener('click', () => go(withWindow(view, w.name), true));
  $('#window').append(b);
}

$('#unzoom').addEventListener('click', () => go(withWindow(view, view.window), true));
$('#per-pid').addEventListener('click', () => go({ ...view, perPid: !view.perPid }, true));
$('#status-retry').addEventListener('click', () => loadHistory());
addEventListener('popstate', () => {
  const v = parseView(location.search);
  if (sameView(v, view)) return;
  view = v;
  apply(true);
});

$('#pause').addEventListener('click', () => {
  paused = !paused;
  $('#pause').textContent = paused ? 'Resume' : 'Pause';
  $('#pause').setAttribute('aria-pressed', paused ? 'true' : 'false');
  document.body.classList.toggle('paused', paused);
  lastDraw = 0;
  schedule();
});

$('#filter').addEventListener('input', (ev) => {
  go({ ...view, filter: ev.target.value.trim() }, false);
  if (perCore && !longMode) panels[METRIC.sysCpu].filter(() => true);
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
setInterval(() => {
  store.trim(nowS() - RETAIN_S - 5);
  if (longMode && view.zooms.length === 0) lines.trim(rangeOf(view, nowS()).from - 2 * lines.step);
}, 5000);

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
    const r = rangeOf(view, nowS());
    const out = {
      state: connState, paused, windowS: (windowOf(view.window) || WINDOWS[0]).seconds,
      view: { ...view, search: formatView(view), long: longMode, loading, from: r.from, to: r.to, live: r.live, step: lines.step },
      status: $('#status').hidden ? null : { kind: $('#status').dataset.kind, text: $('#status-text').textContent },
      series: store.size, panels: {}
    };
    const describe = (p) => ({
      lines: p.entries.length, points: p.points, ids: p.entries.map((e) => e.id), spans: p.drawn,
      colours: Object.fromEntries(p.entries.map((e) => [e.id, e.colour])),
      labels: Object.fromEntries(p.entries.map((e) => [e.id, e.label]))
    });
    for (const [name, p] of Object.entries(panels)) out.panels[name] = describe(p);
    for (const [name, p] of customPanels) out.panels[CUSTOM_PREFIX + name] = describe(p);
    return out;
  }
};

feed.start();
apply(true);
