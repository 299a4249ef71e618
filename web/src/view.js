// view.js: what the page shows, as plain data, and where it lives in the URL.
//
// A view is { window, zooms, filter, perPid }: the time window the header
// offers (WINDOWS), the stack of zoomed ranges (drag to zoom pushes one,
// double-click pops one; the last is shown), the agents filter, and whether a
// long window draws one line per pid instead of one per agent@host. The page
// keeps it in its query string (formatView, parseView), so a link, a reload
// and back/forward show the same view. Windows up to SHORT_MAX_S come from the
// collector's memory and the live stream; longer ones from /api/history
// (historyQuery). No DOM here: tests/web/view.test.mjs runs it in Node.

import {
  CHARTED_PATHS, HISTORY_FROM, HISTORY_GROUP, HISTORY_GROUP_SERIES, HISTORY_GROUP_SERVICE, HISTORY_METRIC,
  HISTORY_PATH_SEP, HISTORY_POINTS, HISTORY_POINTS_MAX, HISTORY_TO, KEY_CUSTOM
} from './wire.js';

// Windows up to this many seconds are drawn from memory (the collector keeps
// 10 minutes, the page 15 from the stream); longer ones are fetched.
export const SHORT_MAX_S = 900;

export const WINDOWS = Object.freeze([
  { name: '1m', seconds: 60, label: '1 min' },
  { name: '5m', seconds: 300, label: '5 min' },
  { name: '15m', seconds: 900, label: '15 min' },
  { name: '1h', seconds: 3600, label: '1 h' },
  { name: '6h', seconds: 6 * 3600, label: '6 h' },
  { name: '24h', seconds: 86400, label: '24 h' },
  { name: '7d', seconds: 7 * 86400, label: '7 d' },
  { name: '30d', seconds: 30 * 86400, label: '30 d' }
].map(Object.freeze));

export const DEFAULT_WINDOW = WINDOWS[0].name;

// The page's own query parameters (the collector never sees them). A zoom is
// "from-to" in Unix seconds, zooms are joined by "_" (neither is escaped).
export const PARAM = Object.freeze({ window: 'w', zoom: 'z', filter: 'q', perPid: 'perpid' });

const ZOOM_MAX = 16;           // zooms kept in a view (and read from a URL)
const TIME_MAX = 1e11;         // the collector's largest Unix time
export const ZOOM_MIN_S = 1;   // the narrowest range a drag may pick

export function windowOf (name) {
  return WINDOWS.find((w) => w.name === name) || null;
}

// Whether window or range length `seconds` is drawn from the store.
export const isLong = (seconds) => seconds > SHORT_MAX_S;

export function defaultView () {
  return { window: DEFAULT_WINDOW, zooms: [], filter: '', perPid: false };
}

// A zoom [from, to] the page can draw: finite, in order, at least ZOOM_MIN_S.
function validZoom (z) {
  return Array.isArray(z) && z.length === 2 && Number.isFinite(z[0]) && Number.isFinite(z[1]) &&
    z[0] >= 0 && z[1] <= TIME_MAX && z[1] - z[0] >= ZOOM_MIN_S;
}

// The view a query string ("?w=24h&z=...", with or without "?") says; what is
// missing or malformed in it is the default.
export function parseView (search) {
  const p = new URLSearchParams(search);
  const v = defaultView();
  const w = p.get(PARAM.window);
  if (w !== null && windowOf(w)) v.window = w;
  const z = p.get(PARAM.zoom);
  if (z) {
    for (const part of z.split('_').slice(0, ZOOM_MAX)) {
      const range = part.split('-').map(Number);
      if (!validZoom(range)) break;
      v.zooms.push(range);
    }
  }
  v.filter = (p.get(PARAM.filter) || '').trim();
  v.perPid = p.get(PARAM.perPid) === '1';
  return v;
}

// Seconds with at most 3 decimals, as short as they go.
const secs = (x) => String(Math.round(x * 1000) / 1000);

// The query string of `v` ("" for the default view, else "?w=...").
export function formatView (v) {
  const p = new URLSearchParams();
  if (v.window !== DEFAULT_WINDOW) p.set(PARAM.window, v.window);
  if (v.zooms.length) p.set(PARAM.zoom, v.zooms.map((z) => secs(z[0]) + '-' + secs(z[1])).join('_'));
  if (v.filter) p.set(PARAM.filter, v.filter);
  if (v.perPid) p.set(PARAM.perPid, '1');
  const text = p.toString();
  return text ? '?' + text : '';
}

export function sameView (a, b) {
  return formatView(a) === formatView(b);
}

// `v` with the window `name` (zooms dropped: they belong to the old window).
export function withWindow (v, name) {
  if (!windowOf(name)) return v;
  return { ...v, window: name, zooms: [] };
}

// `v` zoomed into [from, to] (null when that is no range to zoom to).
export function zoomIn (v, from, to) {
  if (!validZoom([from, to]) || v.zooms.length >= ZOOM_MAX) return null;
  return { ...v, zooms: [...v.zooms, [from, to]] };
}

// `v` one zoom out (null when it is not zoomed).
export function zoomOut (v) {
  if (v.zooms.length === 0) return null;
  return { ...v, zooms: v.zooms.slice(0, -1) };
}

// The range `v` shows at collector time `nowS`: { from, to, seconds, live }
// (`live`: it ends now and slides; a zoom stays put).
export function rangeOf (v, nowS) {
  if (v.zooms.length) {
    const [from, to] = v.zooms[v.zooms.length - 1];
    return { from, to, seconds: to - from, live: false };
  }
  const seconds = (windowOf(v.window) || WINDOWS[0]).seconds;
  return { from: nowS - seconds, to: nowS, seconds, live: true };
}

// Whether `v` is drawn from the store: its window is long. A zoom into a short
// window stays in memory, which holds every point of it.
export const fromStore = (v) => isLong((windowOf(v.window) || WINDOWS[0]).seconds);

// Buckets to ask for a chart `widthPx` wide: about one a pixel.
export function pointsFor (widthPx) {
  const n = Math.round(Number(widthPx) || 0);
  return Math.min(HISTORY_POINTS_MAX, Math.max(60, n));
}

// The most metrics one history query names (the store reads 64; the charted
// ones come first).
export const QUERY_METRICS_MAX = 64;

// The /api/history query string (no "?") for `range` at `points` buckets,
// one line per agent@host or, with `perPid`, per series. `custom`: names of
// custom metrics to chart too (the store answers only the metrics a query
// names, the charted ones when it names none); a name with a comma, which
// would split the list, is left out.
export function historyQuery (range, points, perPid, custom = []) {
  const p = new URLSearchParams();
  p.set(HISTORY_FROM, String(Math.floor(range.from)));
  p.set(HISTORY_TO, String(Math.ceil(range.to)));
  p.set(HISTORY_POINTS, String(Math.min(HISTORY_POINTS_MAX, Math.max(1, Math.round(points)))));
  p.set(HISTORY_GROUP, perPid ? HISTORY_GROUP_SERIES : HISTORY_GROUP_SERVICE);
  const names = [...new Set(custom)].filter((n) => typeof n === 'string' && n !== '' && !n.includes(','))
    .sort().slice(0, QUERY_METRICS_MAX - CHARTED_PATHS.length);
  if (names.length) {
    p.set(HISTORY_METRIC, [...CHARTED_PATHS, ...names.map((n) => KEY_CUSTOM + HISTORY_PATH_SEP + n)].join(','));
  }
  return p.toString();
}

// Seconds to wait before asking again after a 503, from its Retry-After
// (delta seconds; an HTTP date or nothing counts as 1), between 1 and 30.
export function retryAfter (header) {
  const n = Number(header);
  if (!Number.isFinite(n) || header === null || header === '') return 1;
  return Math.min(30, Math.max(1, Math.ceil(n)));
}

// A range's length for people: "24 h", "90 min", "45 s", "7 d".
export function spanText (seconds) {
  if (seconds >= 2 * 86400) return Math.round(seconds / 86400) + ' d';
  if (seconds >= 2 * 3600) return Math.round(seconds / 3600) + ' h';
  if (seconds >= 120) return Math.round(seconds / 60) + ' min';
  return Math.round(seconds) + ' s';
}
