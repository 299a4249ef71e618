// browser.agent_left: an agent that stops turns `left` in the table (the
// collector marks a series left after three intervals; --interval 0.2), while
// the one still running stays `live`.

import { run, log, check, waitFor, Collector, startAgent, launch, openDashboard, tableRows, stop } from './lib.mjs';

run('browser.agent_left', async () => {
  const col = new Collector();
  await col.start();
  startAgent(col.endpoint, 'stays', 'seagreen', 0.2);
  const goes = startAgent(col.endpoint, 'goes', 'orange', 0.2);

  const ctx = await launch();
  const page = await openDashboard(ctx, col.url);
  await waitFor('two live rows', async () => {
    const r = await tableRows(page);
    return r.length === 2 && r.every((x) => x.state === 'live');
  }, 15000);

  const t0 = Date.now();
  await stop(goes);
  log('stopped agent "goes"');
  const rows = await waitFor('"goes" left', async () => {
    const r = await tableRows(page);
    const g = r.find((x) => x.id.startsWith('goes@') || x.id === 'goes');
    return g && g.state === 'left' && r;
  }, 8000);
  log('left after', Date.now() - t0, 'ms:', JSON.stringify(rows));
  const s = rows.find((x) => x.id.startsWith('stays@'));
  check(s && s.state === 'live', 'the running agent is not live:', JSON.stringify(s));
  const cls = await page.evaluate(() => [...document.querySelectorAll('#agents-body tr.gone')].map((tr) => tr.dataset.id));
  check(cls.length === 1 && cls[0].startsWith('goes'), 'left row not shown as gone:', JSON.stringify(cls));
  const count = await page.textContent('#agent-count');
  await waitFor('live count 1', async () => (await page.textContent('#agent-count')) === '1', 2000)
    .catch(() => check(false, 'live count is', count));
  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
});
