// browser.perf200: 200 identities at 1 Hz from one publisher process. Once
// the page charts all 200, measure for ~10 s: requestAnimationFrame deltas
// (frame time), long tasks (PerformanceObserver 'longtask') and the main-thread
// time of each chart redraw (window.zapm.stats.drawMs). Prints p50/p95/max and
// asserts p95 frame time < 50 ms.

import path from 'node:path';
import { run, check, waitFor, sleep, Collector, start, args, launch, openDashboard, snapshot, artifacts } from './lib.mjs';

const COUNT = 200;
const MEASURE_MS = 10000;

function pct (xs, p) {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))];
}
const f1 = (x) => x.toFixed(1);

// One window of MEASURE_MS in the page: rAF deltas, long tasks, redraw times.
async function measure (page) {
  const r = await page.evaluate((ms) => new Promise((resolve) => {
    const deltas = [];
    const longs = [];
    const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) longs.push(e.duration); });
    try { obs.observe({ type: 'longtask', buffered: false }); } catch (e) { /* not supported */ }
    const drawStart = window.zapm.stats.drawMs.length;
    const samplesStart = window.zapm.stats.samples;
    let last = performance.now();
    const t0 = last;
    function tick (now) {
      deltas.push(now - last);
      last = now;
      if (now - t0 < ms) requestAnimationFrame(tick);
      else {
        obs.disconnect();
        resolve({
          deltas,
          longs,
          draws: window.zapm.stats.drawMs.slice(drawStart),
          samples: window.zapm.stats.samples - samplesStart
        });
      }
    }
    requestAnimationFrame(tick);
  }), MEASURE_MS);
  const d = r.deltas;
  return {
    frames: d.length,
    frame50: pct(d, 50),
    frame95: pct(d, 95),
    frameMax: Math.max(...d),
    draws: r.draws.length,
    draw50: pct(r.draws, 50),
    draw95: pct(r.draws, 95),
    drawMax: Math.max(...r.draws),
    longs: r.longs.length,
    longTotal: r.longs.reduce((a, b) => a + b, 0),
    longMax: r.longs.length ? Math.max(...r.longs) : 0,
    samples: r.samples
  };
}

run('browser.perf200', async () => {
  check(args.python, 'no --python given');
  const col = new Collector();
  await col.start();
  start('publisher', args.python, [new URL('./publisher.py', import.meta.url).pathname,
    '--connect', col.endpoint, '--count', String(COUNT), '--rate', '1', '--seconds', String(140 + Number(process.env.ZAPM_PERF_WARMUP || 0))]);

  const ctx = await launch();
  const page = await openDashboard(ctx, col.url);
  await waitFor(COUNT + ' lines', async () => {
    const s = await snapshot(page);
    return s.panels.cpu.lines >= COUNT && s.panels.mem.lines >= COUNT;
  }, 20000, 250);
  // Let the first chart builds settle. ZAPM_PERF_WARMUP=70 measures a full
  // one-minute window instead (60 points a line); ctest keeps it short.
  const warmup = Number(process.env.ZAPM_PERF_WARMUP || 2);
  await sleep(warmup * 1000);

  // The test machine may be busy with other work: measure up to two windows
  // and judge the better one (a real regression fails both).
  let best = null;
  for (let round = 1; round <= 2; round++) {
    const m = await measure(page);
    const snap = await snapshot(page);
    console.log(`perf200 window ${round}: ${snap.panels.cpu.lines} series, ${snap.panels.cpu.points} cpu points in window, ` +
      `${m.samples} samples in ${MEASURE_MS / 1000} s`);
    console.log(`perf200 window ${round}: frame time ms p50 ${f1(m.frame50)} p95 ${f1(m.frame95)} max ${f1(m.frameMax)} over ${m.frames} frames`);
    console.log(`perf200 window ${round}: redraw main-thread ms p50 ${f1(m.draw50)} p95 ${f1(m.draw95)} max ${f1(m.drawMax)} over ${m.draws} redraws`);
    console.log(`perf200 window ${round}: long tasks ${m.longs}, total ${f1(m.longTotal)} ms, max ${f1(m.longMax)} ms`);
    check(m.samples >= COUNT * (MEASURE_MS / 1000) * 0.8, 'too few samples arrived:', m.samples);
    check(m.draws >= 10, 'too few redraws:', m.draws);
    if (!best || m.frame95 < best.frame95) best = m;
    if (best.frame95 < 50 && best.draw95 < 40) break;
  }
  const shot = path.join(artifacts(), 'dashboard-200.png');
  await page.screenshot({ path: shot });
  console.log('screenshot:', shot);
  check(best.frame95 < 50, 'p95 frame time', f1(best.frame95), 'ms >= 50 ms');
  check(best.draw95 < 40, 'p95 redraw', f1(best.draw95), 'ms >= 40 ms');
  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
}, Number(args.deadline || 110));
