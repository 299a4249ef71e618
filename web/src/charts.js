// charts.js: one uPlot chart per panel.
//
// Agents sample on their own clocks, so series do not share x values. The
// panels use uPlot's faceted mode (mode 2: each series brings its own [x, y]
// arrays), which takes the series' Float64Array views as they are: no join, no
// alignment, no copy. A panel draws only when draw() is called, and main.js calls
// it at most once per animation frame.
//
// uPlot computes scales and draws axes and grid; the lines are drawn by
// drawLines() in uPlot's `draw` hook. uPlot strokes each series on its own
// under its own clip rectangle; on a software-rasterised canvas (no GPU) that
// cost ~0.2 ms per series, 90 ms for two charts of 200 series. Here all lines
// of one colour form one path: one clip and about one stroke per palette colour.
//
// A line of a long window (history.js) also has a band: the min and max of
// each bucket, filled faintly under its mean, so a spike stays visible however
// wide the buckets; a gap of more than `gap` seconds between two points breaks
// the line (the collector was down, the service stopped). With `onZoom` a drag
// across the chart picks a range (uPlot's select, not its zoom: the page decides
// what to fetch) and a double-click calls `onZoomOut`.

import uPlot from './vendor/uPlot.esm.js';

function cssVar (name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

const EMPTY = [new Float64Array(0), new Float64Array(0)];
const LINE_WIDTH = 1.5;
const FOCUS_WIDTH = 3;
const FADED = 0.18;
const DENSE = 40;              // lines in a chart past which they are drawn thin
const BAND_ALPHA = 0.16;       // the min-max band under a line
const ZOOM_MIN_PX = 6;         // a narrower drag is a click, not a zoom
const DOT = 2.5;               // radius of the ring a lone point is drawn as
const noPaths = () => null;    // uPlot draws no line itself: see drawLines()

export class Panel {
  // opts: { min (y starts here or lower), floor (y reaches at least this),
  //         max (y never above), fixed ([lo, hi] y range), height,
  //         onZoom(from, to) (a drag picked that range), onZoomOut() (double-click) }
  constructor (container, opts = {}) {
    this.el = container;
    this.opts = opts;
    this.entries = [];            // { key, id, column, colour, label, show, band, gap }
    this.byKey = new Map();       // entry key -> index into entries
    this.focusId = null;
    this.plot = null;
    this.dirtySeries = true;      // entries changed since the plot was built
    this.points = 0;              // points drawn by the last draw()
    this.bandHi = null;           // highest band value in view (the y range covers it)
    this.drawn = {};              // entry key -> [first, last] time drawn by the last draw()
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(this.el);
  }

  size () {
    const w = Math.max(120, Math.floor(this.el.clientWidth));
    const h = Math.max(80, Math.floor(this.el.clientHeight || this.opts.height || 200));
    return { width: w, height: h };
  }

  resize () {
    if (this.plot) this.plot.setSize(this.size());
  }

  has (key) { return this.byKey.has(key); }

  // Adds a line: `key` unique in this panel, `id` the series identity it belongs
  // to (for focus and filter), `column` a series.js Column. extra: `band`
  // ({ min, max }: Columns with the times of `column`), `gap` (seconds).
  add (key, id, column, colour, label = id, { band = null, gap = Infinity } = {}) {
    if (this.byKey.has(key)) return;
    this.byKey.set(key, this.entries.length);
    this.entries.push({ key, id, column, colour, label, show: true, band, gap });
    this.dirtySeries = true;
  }

  clear () {
    this.entries = [];
    this.byKey.clear();
    this.drawn = {};
    this.dirtySeries = true;
  }

  setColour (key, colour) {
    const i = this.byKey.get(key);
    if (i === undefined || this.entries[i].colour === colour) return;
    this.entries[i].colour = colour;
    this.dirtySeries = true;
  }

  // Shows only the lines whose identity passes `match`.
  filter (match) {
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      const show = match(e.id);
      if (show !== e.show) {
        e.show = show;
        if (this.plot && !this.dirtySeries) this.plot.series[i + 1].show = show;
      }
    }
  }

  // Highlights the lines of one identity (null: none).
  focus (id) {
    this.focusId = id;
    if (!this.plot || this.dirtySeries) return;
    this.applyFocus();
  }

  applyFocus () {
    const u = this.plot;
    for (let i = 0; i < this.entries.length; i++) {
      const on = this.focusId !== null && this.entries[i].id === this.focusId;
      u.series[i + 1].width = on ? FOCUS_WIDTH : LINE_WIDTH;
    }
  }

  // The hover readout: the time under the cursor and the line nearest to it
  // (within 24 px), with its value at that time.
  hover (u) {
    const tip = this.tip;
    const { left, top } = u.cursor;
    if (!tip || left == null || left < 0 || top == null || top < 0) {
      if (tip) tip.box.hidden = true;
      return;
    }
    const t = u.posToVal(left, 'x');
    let best = null;
    let bestDist = 24;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (!e.show) continue;
      const [ts, vs] = u.data[i + 1];
      const k = nearest(ts, t);
      if (k < 0 || Math.abs(ts[k] - t) > Math.max(30, 4 * (u.scales.x.max - u.scales.x.min) / u.bbox.width)) continue;
      const dist = Math.abs(u.valToPos(vs[k], 'y') - top);
      if (dist < bestDist) {
        bestDist = dist;
        best = { e, v: vs[k], t: ts[k], k };
      }
    }
    const long = u.scales.x.max - u.scales.x.min > 86400;
    tip.time.textContent = (long ? formatDate(best ? best.t : t) + ' ' : '') + formatClock(best ? best.t : t, long ? 60 : 1);
    tip.row.hidden = !best;
    if (!best) tip.range.hidden = true;
    if (best) {
      tip.swatch.style.backgroundColor = best.e.colour;
      tip.name.textContent = best.e.label;
      tip.value.textContent = formatNumber(best.v, 2) + (this.opts.unit ? ' ' + this.opts.unit : '');
      // A bucket of a long window: its min and max too.
      const b = best.e.band;
      tip.range.hidden = !b;
      if (b) {
        const lo = b.min.view(u.scales.x.min)[1][best.k];
        const hi = b.max.view(u.scales.x.min)[1][best.k];
        tip.range.textContent = 'min ' + formatNumber(lo, 2) + ' · max ' + formatNumber(hi, 2);
      }
    }
    tip.box.hidden = false;
    const w = u.over.clientWidth;
    const flip = left > w - 180;
    tip.box.style.left = flip ? '' : (left + 12) + 'px';
    tip.box.style.right = flip ? (w - left + 12) + 'px' : '';
    tip.box.style.top = Math.max(0, Math.min(top - 12, u.over.clientHeight - 48)) + 'px';
  }

  // Strokes every shown line, grouped by colour; with a focused identity the
  // others are faded and its lines are drawn last, wider.
  drawLines (u) {
    const xs = u.scales.x;
    const ys = u.scales.y;
    if (xs.min == null || ys.min == null || xs.max <= xs.min || ys.max <= ys.min) return;
    const { left, top, width, height } = u.bbox;
    const kx = width / (xs.max - xs.min);
    const ky = height / (ys.max - ys.min);
    const x0 = xs.min;
    const y1 = ys.max;
    const ratio = window.devicePixelRatio || 1;
    const focus = this.focusId;
    const groups = new Map();
    const front = [];
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (!e.show) continue;
      if (focus !== null && e.id === focus) {
        front.push(i);
        continue;
      }
      let g = groups.get(e.colour);
      if (!g) groups.set(e.colour, (g = []));
      g.push(i);
    }
    const ctx = u.ctx;
    const trace = (i) => {
      const [t, v] = u.data[i + 1];
      const n = t.length;
      if (n === 0) return;
      const gap = this.entries[i].gap;
      // A point alone (between two gaps, or the only one) is a small ring.
      const dot = (x, y) => {
        ctx.moveTo(x + DOT * ratio, y);
        ctx.arc(x, y, DOT * ratio, 0, 2 * Math.PI);
      };
      let x = left + (t[0] - x0) * kx;
      let y = top + (y1 - v[0]) * ky;
      let alone = true;
      ctx.moveTo(x, y);
      for (let k = 1; k < n; k++) {
        const nx = left + (t[k] - x0) * kx;
        const ny = top + (y1 - v[k]) * ky;
        if (t[k] - t[k - 1] > gap) {
          if (alone) dot(x, y);
          ctx.moveTo(nx, ny);
          alone = true;
        } else {
          ctx.lineTo(nx, ny);
          alone = false;
        }
        x = nx;
        y = ny;
      }
      if (alone) dot(x, y);
    };
    // The band of entry i: along the max, back along the min, per run of points
    // without a gap.
    const band = (i) => {
      const e = this.entries[i];
      const [t] = u.data[i + 1];
      const lo = e.band.min.view(xs.min)[1];
      const hi = e.band.max.view(xs.min)[1];
      const n = Math.min(t.length, lo.length, hi.length);
      for (let a = 0; a < n;) {
        let b = a + 1;
        while (b < n && t[b] - t[b - 1] <= e.gap) b++;
        ctx.moveTo(left + (t[a] - x0) * kx, top + (y1 - hi[a]) * ky);
        for (let k = a + 1; k < b; k++) ctx.lineTo(left + (t[k] - x0) * kx, top + (y1 - hi[k]) * ky);
        for (let k = b - 1; k >= a; k--) ctx.lineTo(left + (t[k] - x0) * kx, top + (y1 - lo[k]) * ky);
        ctx.closePath();
        a = b;
      }
    };
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    for (const [colour, idxs] of [...groups, ...front.map((i) => [this.entries[i].colour, [i]])]) {
      const banded = idxs.filter((i) => this.entries[i].band);
      if (!banded.length) continue;
      ctx.beginPath();
      for (const i of banded) band(i);
      ctx.globalAlpha = BAND_ALPHA * (focus !== null && front.length && !front.includes(banded[0]) ? FADED : 1);
      ctx.fillStyle = colour;
      ctx.fill();
    }
    // Many lines: thin ones with plain joins, much cheaper to rasterise.
    const dense = this.entries.length > DENSE;
    ctx.lineJoin = dense ? 'bevel' : 'round';
    ctx.lineCap = 'butt';
    ctx.lineWidth = (dense ? 1 : LINE_WIDTH) * ratio;
    ctx.globalAlpha = focus !== null && front.length ? FADED : 1;
    for (const [colour, idxs] of groups) {
      ctx.beginPath();
      for (const i of idxs) trace(i);
      ctx.strokeStyle = colour;
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    ctx.lineWidth = FOCUS_WIDTH * ratio;
    for (const i of front) {
      ctx.beginPath();
      trace(i);
      ctx.strokeStyle = this.entries[i].colour;
      ctx.stroke();
    }
    ctx.restore();
  }

  build () {
    if (this.plot) this.plot.destroy();
    this.plot = null;
    this.el.textContent = '';
    const o = this.opts;
    const axisColour = cssVar('--muted', '#888');
    const gridColour = cssVar('--grid', 'rgba(128,128,128,.15)');
    const font = '11px ' + cssVar('--font-ui', 'system-ui, sans-serif');
    const series = [{}];
    for (const e of this.entries) {
      series.push({
        label: '',
        stroke: e.colour,
        width: LINE_WIDTH,
        show: e.show,
        paths: noPaths,
        points: { show: false },
        facets: [{ scale: 'x', auto: false }, { scale: 'y', auto: true }]
      });
    }
    const yRange = (u, min, max) => {
      if (o.fixed) return o.fixed;
      let lo = o.min ?? 0;
      if (min !== null && min < lo) lo = min;
      let hi = max === null ? 1 : max;
      if (this.bandHi !== null && this.bandHi > hi) hi = this.bandHi;
      if (o.max != null) hi = Math.min(Math.max(hi * 1.1, o.floor ?? 1), o.max);
      else hi = Math.max(hi * 1.1, o.floor ?? 1);
      if (hi <= lo) hi = lo + 1;
      return [lo, hi];
    };
    const opts = {
      mode: 2,
      ...this.size(),
      legend: { show: false },
      padding: [10, 28, 0, 0],
      cursor: {
        points: { show: false },
        drag: { x: !!o.onZoom, y: false, setScale: false },
        focus: { prox: -1 },
        // The page's double-click (zoom out), not uPlot's (reset the x scale).
        bind: { dblclick: () => null }
      },
      hooks: {
        draw: [(u) => this.drawLines(u)],
        setCursor: [(u) => this.hover(u)],
        setSelect: [(u) => this.select(u)]
      },
      scales: {
        x: { time: true, auto: false },
        y: { auto: true, range: yRange }
      },
      axes: [
        {
          scale: 'x', stroke: axisColour, font, size: 26, space: 64,
          values: (u, splits, ax, space, incr) => splits.map((v) => formatAxisTime(v, incr)),
          grid: { stroke: gridColour, width: 1 },
          ticks: { stroke: gridColour, width: 1, size: 4 }
        },
        {
          scale: 'y', stroke: axisColour, font, size: 44, gap: 4,
          grid: { stroke: gridColour, width: 1 },
          ticks: { show: false },
          values: (u, splits, ax, space, incr) => splits.map((v) => v == null ? '' : formatTick(v, incr))
        }
      ],
      series
    };
    this.plot = new uPlot(opts, [null, ...this.entries.map(() => EMPTY)], this.el);
    this.tip = makeTip();
    this.plot.over.append(this.tip.box);
    if (o.onZoomOut) this.plot.over.addEventListener('dblclick', () => o.onZoomOut());
    this.dirtySeries = false;
    if (this.focusId !== null) this.applyFocus();
  }

  // Redraws with the points in [xMin, xMax].
  draw (xMin, xMax) {
    if (this.entries.length === 0) {
      // Its lines were taken away (the page changed between memory and store).
      if (this.plot) {
        this.plot.destroy();
        this.plot = null;
        const p = document.createElement('p');
        p.className = 'empty';
        p.textContent = 'Nothing in this range';
        this.el.replaceChildren(p);
      }
      return;
    }
    if (this.dirtySeries || !this.plot) this.build();
    const data = [null];
    let points = 0;
    let bandHi = null;
    const drawn = {};
    for (const e of this.entries) {
      const v = e.show ? e.column.view(xMin) : EMPTY;
      points += v[0].length;
      data.push(v);
      if (v[0].length) drawn[e.key] = [v[0][0], v[0][v[0].length - 1]];
      if (e.show && e.band) {
        const [t, hi] = e.band.max.view(xMin);
        for (let k = 0; k < t.length; k++) {
          if (t[k] <= xMax && (bandHi === null || hi[k] > bandHi)) bandHi = hi[k];
        }
      }
    }
    this.points = points;
    this.bandHi = bandHi;
    this.drawn = drawn;
    const u = this.plot;
    u.batch(() => {
      u.setData(data, false);
      u.setScale('x', { min: xMin, max: xMax });
      u.setScale('y', { min: null, max: null });
    });
  }

  // uPlot's setSelect: a drag across the chart picked a range.
  select (u) {
    const { left, width } = u.select;
    if (!(width > 0)) return;
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (width < ZOOM_MIN_PX || !this.opts.onZoom) return;
    this.opts.onZoom(u.posToVal(left, 'x'), u.posToVal(left + width, 'x'));
  }

  destroy () {
    this.resizer.disconnect();
    if (this.plot) this.plot.destroy();
    this.plot = null;
  }
}

// Index of the point in sorted `ts` closest to `t`, or -1 when empty.
function nearest (ts, t) {
  const n = ts.length;
  if (n === 0) return -1;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo === n) return n - 1;
  if (lo > 0 && t - ts[lo - 1] < ts[lo] - t) return lo - 1;
  return lo;
}

function makeTip () {
  const box = document.createElement('div');
  box.className = 'tip';
  box.hidden = true;
  const time = document.createElement('div');
  time.className = 'tip-time';
  const row = document.createElement('div');
  row.className = 'tip-row';
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  const name = document.createElement('span');
  name.className = 'tip-name';
  const value = document.createElement('span');
  value.className = 'tip-value';
  row.append(swatch, name, value);
  const range = document.createElement('div');
  range.className = 'tip-range';
  range.hidden = true;
  box.append(time, row, range);
  return { box, time, row, swatch, name, value, range };
}

const pad2 = (n) => (n < 10 ? '0' : '') + n;

// Local wall-clock time of Unix seconds `v`, with seconds when ticks are closer
// than a minute.
export function formatClock (v, incr = 1) {
  const d = new Date(v * 1000);
  const hm = pad2(d.getHours()) + ':' + pad2(d.getMinutes());
  return incr >= 60 ? hm : hm + ':' + pad2(d.getSeconds());
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Local date of Unix seconds `v`: "1 Dec".
export function formatDate (v) {
  const d = new Date(v * 1000);
  return d.getDate() + ' ' + MONTHS[d.getMonth()];
}

// An x tick label: the date for ticks a day or more apart and at midnight,
// else the clock.
export function formatAxisTime (v, incr) {
  const d = new Date(v * 1000);
  if (incr >= 86400 || (incr >= 3600 && d.getHours() === 0 && d.getMinutes() === 0)) return formatDate(v);
  return formatClock(v, incr);
}

// A y tick label with as many decimals as the tick step needs.
export function formatTick (v, incr) {
  if (Math.abs(v) >= 1e4) return formatNumber(v);
  const decimals = incr >= 1 || !(incr > 0) ? 0 : Math.min(6, Math.ceil(-Math.log10(incr) - 1e-9));
  return v.toFixed(decimals);
}

export function formatNumber (v, digits = 1) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (a >= 1e5) return (v / 1e3).toFixed(0) + 'k';
  if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  if (a >= 100) return v.toFixed(0);
  return v.toFixed(digits);
}
