// browser.book_agent: samples that carry only the book's core fields (color,
// timestamp, cpu, mem), as the Python agent of "Using Asyncio in Python" sends
// them, are charted: the identity is the colour, the line takes that colour,
// and the table shows no host or pid.

import { run, log, check, waitFor, Collector, start, args, launch, openDashboard, snapshot, tableRows } from './lib.mjs';

run('browser.book_agent', async () => {
  check(args.python, 'no --python given');
  const col = new Collector();
  await col.start();
  start('book agent', args.python, [new URL('./publisher.py', import.meta.url).pathname,
    '--connect', col.endpoint, '--count', '1', '--book', '--color', 'crimson', '--rate', '5', '--seconds', '60']);

  const ctx = await launch();
  const page = await openDashboard(ctx, col.url);
  const s = await waitFor('the crimson line', async () => {
    const snap = await snapshot(page);
    return snap.panels.cpu.lines === 1 && snap.panels.cpu.points >= 3 && snap;
  }, 15000);
  check(s.panels.cpu.ids[0] === 'crimson', 'identity is not the colour:', JSON.stringify(s.panels.cpu.ids));
  check(s.panels.mem.ids[0] === 'crimson', 'mem identity is not the colour:', JSON.stringify(s.panels.mem.ids));
  const rows = await waitFor('one row', async () => {
    const r = await tableRows(page);
    return r.length === 1 && r;
  }, 5000);
  const cells = await page.evaluate(() => {
    const tr = document.querySelector('#agents-body tr');
    return {
      host: tr.querySelector('.host').textContent,
      pid: tr.querySelector('.pid').textContent,
      swatch: getComputedStyle(tr.querySelector('.swatch')).backgroundColor
    };
  });
  log('row', JSON.stringify(rows[0]), JSON.stringify(cells));
  check(rows[0].label === 'crimson' && rows[0].state === 'live', 'row:', JSON.stringify(rows[0]));
  check(cells.host === '–' && cells.pid === '–', 'host/pid shown for a book agent:', JSON.stringify(cells));
  check(cells.swatch === 'rgb(220, 20, 60)', 'swatch is not crimson:', cells.swatch);
  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
});
