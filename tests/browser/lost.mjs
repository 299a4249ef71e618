// browser.lost: lost samples are counted by the collector alone and the page
// shows its count: live from `event: lost`, and after a reload from
// /api/agents. A publisher adds 3 to seq per sample (2 lost per sample after
// the first), sends for a moment and stops; the table's lost cell must equal
// the collector's count, which must be above zero.

import { run, log, check, waitFor, Collector, start, args, launch, openDashboard } from './lib.mjs';

const lostCell = (page, id) => page.evaluate((id) => {
  const tr = [...document.querySelectorAll('#agents-body tr')].find((t) => t.dataset.id === id);
  return tr ? tr.querySelector('.lost').textContent : null;
}, id);

run('browser.lost', async () => {
  check(args.python, 'no --python given');
  const col = new Collector();
  await col.start();
  const ctx = await launch();
  const page = await openDashboard(ctx, col.url);

  const id = 'gappy@loadhost:20000';
  const pub = start('gappy', args.python, [new URL('./publisher.py', import.meta.url).pathname,
    '--connect', col.endpoint, '--count', '1', '--name', 'gappy', '--rate', '10', '--seconds', '1.5',
    '--seq-step', '3']);
  await pub.exited;
  const agent = await waitFor('the collector counted lost samples', async () => {
    const a = (await (await fetch(col.url + '/api/agents')).json()).agents.find((x) => x.id === id);
    return a && a.lost > 0 && a;
  }, 10000);
  log('collector: samples', agent.samples, 'lost', agent.lost);
  check(agent.lost === 2 * (agent.samples - 1), 'collector lost', agent.lost, 'for', agent.samples, 'samples');

  const live = await waitFor('the live page shows the count', async () => {
    const c = await lostCell(page, id);
    return c === String(agent.lost) && c;
  }, 5000).catch(async (e) => {
    log('lost cell:', await lostCell(page, id));
    throw e;
  });
  log('live page: lost', live);

  await page.reload({ waitUntil: 'load' });
  await waitFor('the reloaded page shows the count', async () =>
    (await lostCell(page, id)) === String(agent.lost), 5000);
  log('reloaded page: lost', await lostCell(page, id));
  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
});
