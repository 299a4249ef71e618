// browser.seam: the 5 minute window after a collector restart holds the
// minutes before it (issue 19: one history behind every window).
//
// A real zapm-agent publishes into a collector with a fresh store for about
// 20 s; the collector is stopped (SIGTERM) and started again on the same file
// while the agent goes on. The page opened with ?w=5m (a memory window: the
// collector's /api/history?seconds=N) must draw the agent's line from its
// first sample, before the restart, up to now; /api/history must hold each
// time once, with no gap at the seam longer than the restart took.
// Screenshot: seam-5m-after-restart.png in the artifacts (and in
// $ZAPM_SHOTS when set).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  run, log, check, waitFor, sleep, Collector, startAgent, launch, openDashboard,
  snapshot, artifacts, SLOW
} from './lib.mjs';

run('browser.seam', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zapm-seam-'));
  const store = path.join(dir, 'zapm.db');
  const col = new Collector(undefined, ['--store', store]);
  await col.start();
  const agent = startAgent(col.endpoint, 'orders', 'tomato', 0.25);
  const id = `orders@${os.hostname()}:${agent.pid}`;
  const history = async () => {
    const d = await (await fetch(col.url + '/api/history?seconds=300')).json();
    return d.series.find((s) => s.id === id) || null;
  };
  const first = await waitFor('the agent\'s first points', async () => {
    const line = await history();
    return line && line.t.length >= 4 && line.t[0];
  }, 15000 * SLOW);
  await sleep(20000);
  const before = await history();
  log('before the restart:', before.t.length, 'points from', first);
  const stopAt = Date.now() / 1000;
  await col.stop();
  await col.start();
  const restartS = Date.now() / 1000 - stopAt;
  await waitFor('the agent live again after the restart', async () => {
    const a = await (await fetch(col.url + '/api/agents')).json();
    return a.agents.some((x) => x.id === id && x.state === 'live');
  }, 15000 * SLOW);

  // The API: every point from before the restart, each once, then the new ones.
  const after = await history();
  check(after && after.t.length > before.t.length, 'no new points after the restart');
  const n = before.t.length;
  check(JSON.stringify(after.t.slice(0, n)) === JSON.stringify(before.t),
    'the points before the restart differ after it:', before.t.slice(-3), after.t.slice(n - 3, n));
  check(JSON.stringify(after.cpu.slice(0, n)) === JSON.stringify(before.cpu), 'cpu values differ');
  const gaps = after.t.slice(1).map((t, i) => t - after.t[i]);
  check(gaps.every((g) => g > 0), 'a time twice (a duplicate at the seam)');
  const widest = Math.max(...gaps);
  log('restart took', restartS.toFixed(2), 's; widest gap', widest.toFixed(2), 's');
  check(widest < restartS + 1.5, 'a gap of', widest, 's at the seam (the restart took', restartS, 's)');

  // The page: the 5 minute window draws the line from before the restart.
  const ctx = await launch();
  const page = await openDashboard(ctx, col.url, '/?w=5m');
  const s = await waitFor('the 5 min window drawing the line from before the restart', async () => {
    const snap = await snapshot(page);
    const span = snap.panels.cpu.spans[id];
    return span && span[0] <= first + 1 && span[1] >= stopAt + 1 && snap;
  }, 15000 * SLOW, 200);
  log('5 min view:', JSON.stringify(s.panels.cpu.spans[id]), 'first sample', first, 'stop', stopAt);
  check(s.view.window === '5m' && !s.view.long, 'not the 5 min window:', JSON.stringify(s.view));
  check(page.zapm.errors.length === 0, 'page errors:', page.zapm.errors);
  await sleep(500);
  const shot = path.join(artifacts(), 'seam-5m-after-restart.png');
  await page.screenshot({ path: shot, fullPage: true });
  if (process.env.ZAPM_SHOTS) {
    fs.mkdirSync(process.env.ZAPM_SHOTS, { recursive: true });
    fs.copyFileSync(shot, path.join(process.env.ZAPM_SHOTS, path.basename(shot)));
  }
  log('screenshot:', shot);
  await col.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
