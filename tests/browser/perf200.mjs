// browser.perf200: 200 identities at 1 Hz from one publisher process. Once
// the page charts all 200, measure for ~10 s: requestAnimationFrame deltas
// (frame time), long tasks (PerformanceObserver 'longtask') and the main-thread
// time of each chart redraw (window.zapm.stats.drawMs). Prints p50/p95/max and
// asserts p95 frame time < 50 ms.

import { run, log, check, waitFor, sleep, Collector, start, args, launch, openDashboard, snapshot } from './lib.mjs';

const COUNT = 200;
const MEASURE_MS = 10000;

function pct (xs, p) {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))];
}
const f1 = (x) => x.toFixed(1);

run('browser.perf200', async () => {
  check(args.python, 'no --python given');
  const col = new Collector();
  await col.start();
  start('publisher', args.python, [new URL('./publisher.py', import.meta.url).pathname,
    '--connect', col.endpoint, '--count', String(COUNT), '--rate', '1', '--seconds', '120']);

  const ctx = await launch();
  const page = await openDashboard(ctx, col.url);
  await waitFor(COUNT + ' lines', async () => {
    const s = await snapshot(page);
    return s.panels.cpu.lines >= COUNT && s.panels.mem.lines >= COUNT;
  }, 20000, 250);
  await sleep(2000);   // let the first builds settle

  const result = await page.evaluate((ms) => new Promise((resolve) => {
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

  const snap = await snapshot(page);
  const d = result.deltas;
  const r = result.draws;
  const longTotal = result.longs.reduce((a, b) => a + b, 0);
  console.log(`perf200: ${snap.panels.cpu.lines} series, ${snap.panels.cpu.points} cpu points in window, ` +
    `${result.samples} samples in ${MEASURE_MS / 1000} s`);
  console.log(`perf200: frame time ms p50 ${f1(pct(d, 50))} p95 ${f1(pct(d, 95))} max ${f1(Math.max(...d))} over ${d.length} frames`);
  console.log(`perf200: redraw main-thread ms p50 ${f1(pct(r, 50))} p95 ${f1(pct(r, 95))} max ${f1(Math.max(...r))} over ${r.length} redraws`);
  console.log(`perf200: long tasks ${result.longs.length}, total ${f1(longTotal)} ms, max ${f1(result.longs.length ? Math.max(...result.longs) : 0)} ms`);
  check(result.samples >= COUNT * (MEASURE_MS / 1000) * 0.8, 'too few samples arrived:', result.samples);
  check(r.length >= 10, 'too few redraws:', r.length);
  check(pct(d, 95) < 50, 'p95 frame time', f1(pct(d, 95)), 'ms >= 50 ms');
  check(pct(r, 95) < 40, 'p95 redraw', f1(pct(r, 95)), 'ms >= 40 ms');
  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
}, Number(args.deadline || 90));
