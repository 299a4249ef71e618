// browser.reconnect: the collector is stopped and started again on the same
// ports. The page shows that it lost the stream, reconnects on its own (the
// EventSource retries with Last-Event-ID, the new collector boot answers
// `event: reset`, the page backfills again), goes back to `live`, and new
// samples arrive.

import { run, log, check, waitFor, sleep, Collector, startAgent, launch, openDashboard, snapshot } from './lib.mjs';

run('browser.reconnect', async () => {
  const col = new Collector();
  await col.start();
  startAgent(col.endpoint, 'steady', 'purple', 0.2);

  const ctx = await launch();
  const page = await openDashboard(ctx, col.url);
  await waitFor('live with data', async () => {
    const s = await snapshot(page);
    return s.state === 'live' && s.panels.cpu.lines === 1 && (await page.evaluate(() => window.zapm.stats.samples)) > 3;
  }, 15000);
  const before = await page.evaluate(() => ({ ...window.zapm.stats, drawMs: undefined }));

  await col.stop();
  log('collector stopped');
  const seen = await waitFor('state leaves live', async () => {
    const st = await page.evaluate(() => window.zapm.state());
    return st !== 'live' && st;
  }, 8000);
  log('state while down:', seen);
  check(seen === 'reconnecting', 'state while the collector is down:', seen);
  await sleep(1500);

  await col.start();
  log('collector restarted on the same ports');
  await waitFor('live again', async () => (await page.evaluate(() => window.zapm.state())) === 'live', 15000);
  const base = await page.evaluate(() => window.zapm.stats.samples);
  await waitFor('new samples after restart', async () =>
    (await page.evaluate(() => window.zapm.stats.samples)) >= base + 5, 10000);
  const after = await page.evaluate(() => ({ ...window.zapm.stats, drawMs: undefined }));
  log('before', JSON.stringify(before), 'after', JSON.stringify(after));
  check(after.backfills > before.backfills, 'no backfill after the restart (event: reset not handled?)');
  check(after.resets > before.resets, 'no event: reset seen from the new collector boot');
  const rows = await page.evaluate(() => [...document.querySelectorAll('#agents-body tr .badge')].map((b) => b.textContent));
  check(rows.length === 1 && rows[0] === 'live', 'table after restart:', JSON.stringify(rows));
  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
});
