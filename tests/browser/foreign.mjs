// browser.foreign_publishers: three publishers that are not zapm-agent, each
// with fewer identity fields (python3-zmq, tests/browser/publisher.py): agent
// and pid without host, agent and host without pid, and colour only (the book's
// four fields). The page must file their samples under the ids the collector
// gives them (docs/HTTP-API.md, "Series identity"): exactly three rows, all
// live, one line per publisher in every chart, the same ids as /api/agents;
// stopping one turns exactly its row left.

import { run, log, check, waitFor, sleep, Collector, start, stop, args, launch, openDashboard, snapshot, tableRows } from './lib.mjs';

const sorted = (xs) => [...xs].sort();
const same = (a, b) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

run('browser.foreign_publishers', async () => {
  check(args.python, 'no --python given');
  const col = new Collector();
  await col.start();
  const script = new URL('./publisher.py', import.meta.url).pathname;
  const publisher = (label, extra) => start(label, args.python, [script, '--connect', col.endpoint,
    '--count', '1', '--rate', '5', '--seconds', '90', ...extra]);
  // The ids the rule gives them (publisher.py: host "loadhost", pid 20000).
  const ids = { noHost: 'p:20000', noPid: 'a@loadhost', book: 'teal' };
  const noHost = publisher('no host', ['--name', 'p', '--no-host', '--system']);
  publisher('no pid', ['--name', 'a', '--no-pid', '--system']);
  publisher('book', ['--book', '--color', 'teal']);
  const all = Object.values(ids);
  const withSys = [ids.noHost, ids.noPid];

  const agents = await waitFor('three series at the collector', async () => {
    const a = await (await fetch(col.url + '/api/agents')).json();
    return a.agents.length === 3 && a.agents;
  }, 15000);
  check(same(agents.map((a) => a.id), all), 'collector ids:', JSON.stringify(agents.map((a) => a.id)));

  const ctx = await launch();
  const page = await openDashboard(ctx, col.url);
  // Judge once each publisher has had a few samples taken in live (5 a second
  // each) and the table has been refreshed since (twice a second).
  await waitFor('live samples in the page', async () =>
    (await page.evaluate(() => window.zapm.stats.samples)) >= 30, 15000);
  await sleep(1200);
  const rows = await tableRows(page);
  log('rows:', JSON.stringify(rows));
  check(rows.length === 3 && same(rows.map((r) => r.id), all), 'rows are not the three ids:', JSON.stringify(rows));
  check(rows.every((r) => r.state === 'live'), 'a row is not live:', JSON.stringify(rows));

  // Every chart: one line per publisher that has that metric, no other line.
  const snap = await waitFor('every chart drawn with points', async () => {
    const s = await snapshot(page);
    const ok = ['cpu', 'mem', 'sys_cpu', 'sys_mem', 'load1'].every((p) => s.panels[p].points > 0);
    return ok && s;
  }, 10000);
  log('panels', JSON.stringify(Object.fromEntries(Object.entries(snap.panels).map(([k, p]) => [k, p.ids]))));
  for (const p of ['cpu', 'mem']) {
    check(snap.panels[p].lines === 3 && same(snap.panels[p].ids, all), p, 'lines:', JSON.stringify(snap.panels[p].ids));
  }
  for (const p of ['sys_cpu', 'sys_mem', 'load1']) {
    check(same(snap.panels[p].ids, withSys), p, 'lines:', JSON.stringify(snap.panels[p].ids));
  }
  check(snap.series === 3, 'series in the page:', snap.series);
  check((await page.textContent('#agent-count')) === '3', 'live count is not 3');

  // Rows show the fields each publisher sent, and nothing it did not.
  const cells = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#agents-body tr')]
    .map((tr) => [tr.dataset.id, [tr.querySelector('.host').textContent, tr.querySelector('.pid').textContent]])));
  log('host, pid:', JSON.stringify(cells));
  check(same(cells[ids.noHost], ['–', '20000']), 'no-host row:', JSON.stringify(cells[ids.noHost]));
  check(same(cells[ids.noPid], ['loadhost', '–']), 'no-pid row:', JSON.stringify(cells[ids.noPid]));
  check(same(cells[ids.book], ['–', '–']), 'book row:', JSON.stringify(cells[ids.book]));

  await stop(noHost);
  log('stopped the publisher without host');
  const after = await waitFor(ids.noHost + ' left', async () => {
    const r = await tableRows(page);
    const g = r.find((x) => x.id === ids.noHost);
    return g && g.state === 'left' && r;
  }, 8000);
  log('rows after:', JSON.stringify(after));
  check(after.length === 3, 'rows after the stop:', JSON.stringify(after));
  for (const r of after) {
    check(r.state === (r.id === ids.noHost ? 'left' : 'live'), 'row', r.id, 'is', r.state);
  }
  await waitFor('live count 2', async () => (await page.textContent('#agent-count')) === '2', 3000);
  const gone = await page.evaluate(() => [...document.querySelectorAll('#agents-body tr.gone')].map((tr) => tr.dataset.id));
  check(same(gone, [ids.noHost]), 'rows shown as gone:', JSON.stringify(gone));
  const final = await snapshot(page);
  check(final.series === 3 && same(final.panels.cpu.ids, all), 'series after the stop:', JSON.stringify(final.panels.cpu.ids));
  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
});
