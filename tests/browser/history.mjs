// browser.history: a 24 h window built from stored data across a collector
// restart, one line per service across a pid change.
//
// A day of old history is written into a fresh store with seed_store (the
// collector refuses old samples): "orders" on this host with pid 1111 until
// 20 minutes ago, and "billing" (pid 2222) that stopped 12 hours ago. Then the
// real collector opens that store, a real zapm-agent named "orders" publishes
// (a new pid), the collector is restarted (SIGTERM, same file), and the page is
// opened with ?w=24h. Asserted: one line for orders@host on the cpu chart,
// from about 24 h ago (seeded) up to now (the live pid); the table and legend
// list it once; billing is listed as departed and can be picked and filtered;
// per pid, the live pid's line begins before the restart (served from the
// store); a drag zooms (the URL changes, the range is fetched at the new
// resolution), a double-click goes back; back/forward and a copied URL in a
// new page show the same view; a 503 is retried after its Retry-After and a
// 400 shows the collector's line. Screenshots: light, dark, 375 px.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  run, log, check, waitFor, sleep, Collector, startAgent, launch, openDashboard,
  snapshot, tableRows, artifacts, args
} from './lib.mjs';

const DAY = 86400;

// Waits until the page shows a long view that is not loading, with `n` lines.
async function settled (page, what, n = null, ms = 30000) {
  return waitFor(what, async () => {
    const s = await snapshot(page);
    return s.view.long && !s.view.loading && s.status === null &&
      (n === null || s.panels.cpu.lines === n) && s;
  }, ms, 200);
}

run('browser.history', async () => {
  check(args.seed && fs.existsSync(args.seed), 'seed_store not found:', args.seed);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zapm-history-'));
  const store = path.join(dir, 'zapm.db');
  const host = os.hostname();
  const now0 = Math.floor(Date.now() / 1000);
  const out = execFileSync(args.seed, [store, String(now0),
    `orders,${host},1111,#e15759,${DAY + 600},1200`,
    `billing,${host},2222,#4e79a7,${DAY - 400},${DAY / 2}`], { encoding: 'utf8', timeout: 60000 });
  log(out.trim());

  const col = new Collector(args.collector, ['--store', store, '--store-seal-s', '1']);
  await col.start();
  const agent = startAgent(col.endpoint, 'orders', 'tomato', 0.5);
  const live = `orders@${host}:${agent.pid}`;
  await waitFor('the agent live on the first collector', async () => {
    const a = await (await fetch(col.url + '/api/agents')).json();
    return a.agents.some((x) => x.id === live && x.state === 'live');
  }, 15000);
  await sleep(6000);            // a few seconds of the live pid, sealed into the store
  const restartAt = Date.now() / 1000;
  log('restarting the collector');
  await col.stop();
  await col.start();
  await waitFor('the agent live again after the restart', async () => {
    const a = await (await fetch(col.url + '/api/agents')).json();
    return a.agents.some((x) => x.id === live && x.state === 'live');
  }, 15000);

  const ctx = await launch();
  const page = await openDashboard(ctx, col.url, '/?w=24h');
  const service = `orders@${host}`;
  const departed = `billing@${host}`;

  // ---- 24 h, one line per service -------------------------------------------
  let s = await settled(page, '24 h from the store, two lines', 2);
  log('24 h view:', JSON.stringify(s.view), JSON.stringify(s.panels.cpu));
  check(s.view.window === '24h' && s.windowS === DAY, 'not the 24 h window:', JSON.stringify(s.view));
  check(JSON.stringify(s.panels.cpu.ids.slice().sort()) === JSON.stringify([departed, service].sort()),
    'cpu lines are not one per service:', JSON.stringify(s.panels.cpu.ids));
  const step24 = s.view.step;
  check(step24 > 60 && step24 < 600, 'bucket width of the 24 h answer:', step24);
  const spanOf = async (id) => (await snapshot(page)).panels.cpu.spans[id];
  // From the seeded start (within two buckets of the window's left edge) up to
  // now (the live pid's last bucket; its time is the mean of its points).
  const span = await waitFor('orders reaches now', async () => {
    const x = await snapshot(page);
    const sp = x.panels.cpu.spans[service];
    return sp && sp[1] >= x.view.to - step24 - 15 && [sp, x.view];
  }, 20000, 250);
  log('orders span', JSON.stringify(span));
  check(span[0][0] <= span[1].from + 2 * step24, 'orders does not begin ~24 h ago:', span[0][0] - span[1].from, 's after the left edge');
  check(span[1].to - span[0][0] >= DAY - 3 * step24, 'orders covers only', (span[1].to - span[0][0]) / 3600, 'h');
  const billSpan = await spanOf(departed);
  check(billSpan && billSpan[1] <= now0 - DAY / 2 + step24, 'billing reaches past where it was seeded to end:', JSON.stringify(billSpan));

  // The table and the legend list each service once; billing has left: the
  // collector read the last day back into memory at start (issue 19), so it
  // knows billing's series, as it would had it run all along.
  const rows = await tableRows(page);
  log('rows', JSON.stringify(rows));
  check(rows.filter((r) => r.id === service).length === 1 && rows.length === 2, 'rows are not one per service:', JSON.stringify(rows));
  check(rows.find((r) => r.id === service).state === 'live', 'orders is not live:', JSON.stringify(rows));
  check(rows.find((r) => r.id === departed).state === 'left', 'billing has not left:', JSON.stringify(rows));
  const pids = await page.$eval(`#agents-body tr[data-id="${service}"] .pid`, (td) => td.textContent);
  check(pids.split(', ').includes('1111') && pids.split(', ').includes(String(agent.pid)), 'orders row pids:', pids);
  const chips = await page.$$eval('#legend button.chip', (cs) => cs.map((c) => [c.dataset.id, c.classList.contains('gone')]));
  check(chips.filter(([id]) => id === service).length === 1, 'legend chips:', JSON.stringify(chips));
  check(chips.some(([id, gone]) => id === departed && gone), 'billing chip not marked departed:', JSON.stringify(chips));

  // A departed service can be picked and filtered.
  await page.click(`#agents-body tr[data-id="${departed}"]`);
  await waitFor('focus on billing', async () => {
    const f = await page.evaluate(() => window.zapm.focus());
    return f.id === departed && f.cpu === departed && f.width === 3;
  }, 5000);
  await page.click(`#agents-body tr[data-id="${departed}"]`);
  await page.fill('#filter', 'billing');
  await waitFor('only billing shown, filter in the URL', async () => {
    const r = await tableRows(page);
    const shown = r.filter((x) => !x.hidden);
    return shown.length === 1 && shown[0].id === departed && new URL(page.url()).searchParams.get('q') === 'billing';
  }, 5000);
  await page.fill('#filter', '');
  await waitFor('filter cleared from the URL', async () => !new URL(page.url()).searchParams.has('q'), 5000);

  // ---- zoom: drag, URL, finer buckets, double-click back --------------------
  const fetches0 = (await page.evaluate(() => window.zapm.stats.historyFetches));
  const over = await page.$('#plot-cpu .u-over');
  const box = await over.boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.25, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.45, y, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.6, y, { steps: 5 });
  await page.mouse.up();
  s = await waitFor('zoomed view loaded', async () => {
    const x = await snapshot(page);
    return x.view.zooms.length === 1 && !x.view.loading && x.status === null && x.panels.cpu.lines >= 1 && x;
  }, 30000, 200);
  const zoomSeconds = s.view.to - s.view.from;
  log('zoomed to', zoomSeconds / 3600, 'h, step', s.view.step, 'URL', page.url());
  check(Math.abs(zoomSeconds - 0.35 * DAY) < 0.1 * DAY, 'the zoom is not the dragged range:', zoomSeconds);
  check(new URL(page.url()).searchParams.get('z'), 'the zoom is not in the URL:', page.url());
  check(s.view.step < step24 / 2, 'the zoomed range was not fetched at its own resolution: step', s.view.step, 'vs', step24);
  check((await page.evaluate(() => window.zapm.stats.historyFetches)) > fetches0, 'no fetch for the zoom');
  const zoomedUrl = page.url();

  await page.dblclick('#plot-cpu .u-over');
  s = await settled(page, 'back to the 24 h window');
  check(s.view.zooms.length === 0 && !new URL(page.url()).searchParams.has('z'), 'double-click did not go back:', page.url());
  check(new URL(page.url()).searchParams.get('w') === '24h', 'the window left the URL:', page.url());

  // Back and forward: the zoom comes and goes with the browser's history.
  await page.goBack();
  s = await waitFor('back: zoomed again', async () => {
    const x = await snapshot(page);
    return x.view.zooms.length === 1 && !x.view.loading && x.status === null && x;
  }, 30000, 200);
  check(page.url() === zoomedUrl, 'back did not restore the zoomed URL:', page.url());
  await page.goForward();
  await waitFor('forward: unzoomed', async () => (await snapshot(page)).view.zooms.length === 0, 10000);
  await page.goBack();
  s = await waitFor('zoomed for the copy', async () => {
    const x = await snapshot(page);
    return x.view.zooms.length === 1 && !x.view.loading && x.status === null && x;
  }, 30000, 200);

  // The copied URL in a new page shows the same view.
  const copy = await openDashboard(ctx, col.url, new URL(page.url()).pathname + new URL(page.url()).search);
  const c = await waitFor('the copy loaded', async () => {
    const x = await snapshot(copy);
    return x.view.zooms.length === 1 && !x.view.loading && x.status === null && x.panels.cpu.lines >= 1 && x;
  }, 30000, 200);
  check(c.view.search === s.view.search && c.view.from === s.view.from && c.view.to === s.view.to,
    'the copy shows another view:', JSON.stringify(c.view), 'vs', JSON.stringify(s.view));
  check(JSON.stringify(c.panels.cpu.ids) === JSON.stringify(s.panels.cpu.ids), 'the copy has other lines:',
    JSON.stringify(c.panels.cpu.ids), 'vs', JSON.stringify(s.panels.cpu.ids));
  check(await copy.$eval('#window button[data-window="24h"]', (b) => b.getAttribute('aria-pressed')) === 'true',
    'the copy does not show 24 h as the window');
  await copy.close();
  await page.click('#unzoom');
  await settled(page, 'zoom out button');

  // ---- per pid: the live pid's line begins before the restart ---------------
  await page.click('#per-pid');
  s = await settled(page, 'per-pid lines');
  check(new URL(page.url()).searchParams.get('perpid') === '1', 'per pid is not in the URL:', page.url());
  const perPid = s.panels.cpu.ids.slice().sort();
  log('per pid:', JSON.stringify(perPid));
  check(perPid.includes(`orders@${host}:1111`) && perPid.includes(live) && perPid.includes(`billing@${host}:2222`) &&
    perPid.length === 3, 'per-pid lines:', JSON.stringify(perPid));
  await page.click('#window button[data-window="1h"]');
  s = await waitFor('1 h per pid', async () => {
    const x = await snapshot(page);
    return x.view.window === '1h' && x.view.long && !x.view.loading && x.panels.cpu.spans[live] && x;
  }, 30000, 200);
  const liveSpan = s.panels.cpu.spans[live];
  log('live pid span', JSON.stringify(liveSpan), 'restart at', restartAt, 'step', s.view.step);
  check(liveSpan[0] < restartAt - 1, 'the live pid has nothing from before the restart: starts',
    liveSpan[0] - restartAt, 's after it');
  await page.click('#per-pid');

  // A zoom into a short window stays in memory: no fetch, the range holds.
  await page.click('#window button[data-window="15m"]');
  await waitFor('15 min from memory', async () => {
    const x = await snapshot(page);
    return !x.view.long && x.panels.cpu.ids.includes(live) && x.panels.cpu.spans[live];
  }, 15000, 200);
  const fetches1 = await page.evaluate(() => window.zapm.stats.historyFetches);
  const over15 = await (await page.$('#plot-cpu .u-over')).boundingBox();
  await page.mouse.move(over15.x + over15.width * 0.8, over15.y + over15.height / 2);
  await page.mouse.down();
  await page.mouse.move(over15.x + over15.width * 0.99, over15.y + over15.height / 2, { steps: 8 });
  await page.mouse.up();
  s = await waitFor('a memory zoom', async () => {
    const x = await snapshot(page);
    return x.view.zooms.length === 1 && !x.view.live && x;
  }, 10000, 100);
  check(!s.view.long && new URL(page.url()).searchParams.get('z'), 'a 15 min zoom went to the store or left the URL');
  check(Math.abs((s.view.to - s.view.from) - 0.19 * 900) < 30, 'the 15 min zoom spans', s.view.to - s.view.from, 's');
  await sleep(1500);
  const still = await snapshot(page);
  check(still.view.from === s.view.from && still.view.to === s.view.to, 'a zoom slid with time');
  check((await page.evaluate(() => window.zapm.stats.historyFetches)) === fetches1, 'a memory zoom fetched history');
  await page.dblclick('#plot-cpu .u-over');
  await waitFor('15 min unzoomed', async () => (await snapshot(page)).view.zooms.length === 0, 10000);

  await page.click('#window button[data-window="24h"]');
  s = await settled(page, '24 h again', 2);

  // ---- a 503 is retried after Retry-After; a 400 shows the collector's line -
  const bad = await fetch(col.url + '/api/history?points=0');
  const badText = (await bad.text()).trim();
  check(bad.status === 400 && badText.length > 0, 'the collector answered points=0 with', bad.status);
  const errPage = await ctx.newPage();
  let busy = 0;
  // Only the long window's fetch (the feed's backfill asks for seconds=).
  const isHistory = (url) => url.pathname === '/api/history' && url.searchParams.has('from');
  await errPage.route(isHistory, async (route) => {
    if (busy++ === 0) {
      await route.fulfill({ status: 503, headers: { 'Retry-After': '1', 'Content-Type': 'text/plain' }, body: 'the history store is busy: retry in a second\n' });
    } else await route.continue();
  });
  await errPage.goto(col.url + '/?w=6h', { waitUntil: 'load', timeout: 15000 });
  await waitFor('the retry status', async () => {
    const x = await snapshot(errPage);
    return x.status && x.status.kind === 'loading' && /busy/.test(x.status.text) &&
      (await errPage.getAttribute('#main', 'aria-busy')) === 'true';
  }, 10000, 50);
  await waitFor('the retried fetch shown', async () => {
    const x = await snapshot(errPage);
    return x.status === null && x.panels.cpu.ids.includes(service) && (await errPage.getAttribute('#main', 'aria-busy')) === 'false';
  }, 20000, 200);
  check((await errPage.evaluate(() => window.zapm.stats.historyRetries)) >= 1, 'no retry counted');
  await errPage.unroute(isHistory);
  await errPage.route(isHistory, (route) => route.fulfill({ status: 400, headers: { 'Content-Type': 'text/plain' }, body: badText + '\n' }));
  await errPage.click('#window button[data-window="7d"]');
  await waitFor('the error status', async () => {
    const x = await snapshot(errPage);
    return x.status && x.status.kind === 'error' && x.status.text.includes(badText) && await errPage.isVisible('#status-retry');
  }, 10000, 100);
  log('error status:', (await snapshot(errPage)).status.text);
  await errPage.close();

  // ---- screenshots: light, dark, 375 px ---------------------------------------
  const shots = artifacts();
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.mouse.move(0, 0);
  await sleep(500);
  const light = path.join(shots, 'history-24h-light.png');
  await page.screenshot({ path: light, fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await sleep(600);
  const dark = path.join(shots, 'history-24h-dark.png');
  await page.screenshot({ path: dark, fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await sleep(800);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, 'page scrolls sideways at 375 px by', overflow, 'px');
  const phone = path.join(shots, 'history-24h-phone.png');
  await page.screenshot({ path: phone, fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });

  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
  check(page.zapm.console.length === 0, 'console errors:', JSON.stringify(page.zapm.console));
  for (const f of [light, dark, phone]) console.log('screenshot:', f);
  fs.rmSync(dir, { recursive: true, force: true });
});
