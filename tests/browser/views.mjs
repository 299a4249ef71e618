// browser.views: one colour and one name per service in every view, custom
// metrics in the long windows, the states explained, and an empty page that
// suggests the command this collector takes (issue 19, items 2, 3 and 9).
//
// seed_store writes 90 minutes of "checkout" on host loadhost with pid 7, in
// seagreen, with the custom gauge `orders`, until 20 minutes ago, and
// "billing" (pid 9) that stopped 40 minutes ago. The real collector opens that
// store; publisher.py speaks for checkout's new process (pid 20000, royalblue,
// `orders` too, and the counter `served`, charted per second). Asserted: the live window, the 1 h window (one line per
// service) and 1 h per pid draw checkout in one colour (royalblue, its newest
// pid's) on the charts, in the legend and in the table, each line named by
// its identity in all three; the 1 h window charts `orders` from the store
// (from before the live process began); the state badges and the legend under
// the table explain live, left and departed. A second collector that takes
// CURVE only, with no agent, suggests a CURVE command for its own port.
// Screenshots: live, 1 h, 1 h per pid, the CURVE empty page.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  run, log, check, waitFor, sleep, start, Collector, launch, openDashboard, snapshot, tableRows,
  artifacts, args
} from './lib.mjs';

const HOST = 'loadhost';
const SERVICE = `checkout@${HOST}`;
const OLD = `${SERVICE}:7`;
const LIVE = `${SERVICE}:20000`;
const ROYALBLUE = 'rgb(65, 105, 225)';
const ORDERS = 'custom:orders';

// The colour the page shows for `id` in the legend and the table, as computed
// CSS, and the labels there.
const looks = (page, id) => page.evaluate((id) => {
  const chip = [...document.querySelectorAll('#legend button.chip')].find((c) => c.dataset.id === id);
  const row = document.querySelector(`#agents-body tr[data-id="${CSS.escape(id)}"]`);
  const colour = (el) => el ? getComputedStyle(el).backgroundColor : null;
  return {
    legend: colour(chip && chip.querySelector('.swatch')),
    legendLabel: chip ? chip.querySelector('.label').textContent : null,
    table: colour(row && row.querySelector('.swatch')),
    tableLabel: row ? row.querySelector('.label').textContent : null
  };
}, id);

// The chart colour of line `id` of panel `key`, as computed CSS.
const chartColour = (page, colour) => page.evaluate((c) => {
  const el = document.createElement('span');
  el.style.color = c;
  document.body.append(el);
  const out = getComputedStyle(el).color;
  el.remove();
  return out;
}, colour);

async function settled (page, what, ms = 30000) {
  return waitFor(what, async () => {
    const s = await snapshot(page);
    return s.view.long && !s.view.loading && s.status === null && s;
  }, ms, 200);
}

// Asserts `id` is royalblue and named `id` on the cpu chart, in the legend
// and in the table of the view the page shows.
async function oneLook (page, view, id) {
  const l = await waitFor(view + ': ' + id + ' in the legend and the table', async () => {
    const x = await looks(page, id);
    return x.legend && x.table && x;
  }, 10000, 200);
  const s = await snapshot(page);
  const chart = await chartColour(page, s.panels.cpu.colours[id]);
  log(view, id, 'chart', chart, 'legend', l.legend, 'table', l.table, 'labels', l.legendLabel, l.tableLabel, s.panels.cpu.labels[id]);
  check(chart === ROYALBLUE, view + ': the chart draws', id, 'in', chart, 'not royalblue');
  check(l.legend === ROYALBLUE, view + ': the legend shows', id, 'in', l.legend);
  check(l.table === ROYALBLUE, view + ': the table shows', id, 'in', l.table);
  check(l.legendLabel === id && l.tableLabel === id && s.panels.cpu.labels[id] === id,
    view + ': names of', id, JSON.stringify([l.legendLabel, l.tableLabel, s.panels.cpu.labels[id]]));
}

async function shot (page, name) {
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.mouse.move(0, 0);
  await sleep(600);
  const file = path.join(artifacts(), name);
  await page.screenshot({ path: file, fullPage: true });
  console.log('screenshot:', file);
}

run('browser.views', async () => {
  check(args.seed && fs.existsSync(args.seed), 'seed_store not found:', args.seed);
  check(args.python, 'no --python');
  const keygen = path.join(path.dirname(args.collector), 'zapm-keygen');
  check(fs.existsSync(keygen), 'zapm-keygen not found beside the collector:', keygen);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zapm-views-'));
  const store = path.join(dir, 'zapm.db');
  const now0 = Math.floor(Date.now() / 1000);
  log(execFileSync(args.seed, [store, String(now0),
    `checkout,${HOST},7,seagreen,5400,1200,orders`,
    `billing,${HOST},9,#e15759,4800,2400`], { encoding: 'utf8', timeout: 60000 }).trim());

  const col = new Collector(args.collector, ['--store', store, '--store-seal-s', '1']);
  await col.start();
  start('checkout', args.python, [new URL('./publisher.py', import.meta.url).pathname,
    '--connect', col.endpoint, '--count', '1', '--name', 'checkout', '--host', HOST, '--pid', '20000',
    '--color', 'royalblue', '--custom', 'orders', '--counter', 'served', '--rate', '2', '--seconds', '300']);
  await waitFor('checkout live', async () => {
    const a = await (await fetch(col.url + '/api/agents')).json();
    return a.agents.some((x) => x.id === LIVE && x.state === 'live');
  }, 15000);

  const ctx = await launch();
  const page = await openDashboard(ctx, col.url, '/');

  // ---- live: one line per series ---------------------------------------------
  await waitFor('live lines and the orders chart', async () => {
    const s = await snapshot(page);
    return s.panels.cpu.ids.includes(LIVE) && s.panels[ORDERS] && s.panels[ORDERS].points > 2;
  }, 15000, 200);
  await oneLook(page, 'live', LIVE);
  // A counter is charted as its rate: +10 a sample at 2 Hz is 20 per second.
  const rate = await waitFor('the counter as a rate', async () => {
    const r = await page.evaluate(() => {
      const card = [...document.querySelectorAll('#custom-grid .card')].find((c) => c.querySelector('h3').firstChild.textContent === 'served');
      return card ? card.querySelector('h3').textContent : null;
    });
    return r;
  }, 10000, 200);
  check(/per s/.test(rate), 'the counter chart does not say it is a rate:', rate);

  // The states are explained: a legend under the table and each badge's title.
  const states = await page.$$eval('#states div', (ds) => ds.map((d) =>
    d.querySelector('dt').textContent.trim() + ' ' + d.querySelector('dd').textContent.trim()));
  log('states:', JSON.stringify(states));
  check(await page.isVisible('#states'), 'the states legend is not shown');
  for (const word of ['live', 'left', 'departed']) {
    check(states.some((t) => t.startsWith(word + ' ') && t.length > word.length + 20), 'no explanation of', word, JSON.stringify(states));
  }
  const badgeTitle = await page.$eval(`#agents-body tr[data-id="${LIVE}"] .badge`, (b) => b.title);
  check(/^live: /.test(badgeTitle), 'the live badge has no explanation:', badgeTitle);
  await shot(page, 'views-live.png');

  // ---- 1 h: one line per service, orders from the store -----------------------
  await page.click('#window button[data-window="1h"]');
  let s = await settled(page, '1 h from the store');
  s = await waitFor('1 h with orders from the store', async () => {
    const x = await snapshot(page);
    const sp = x.panels[ORDERS] && x.panels[ORDERS].spans[SERVICE];
    return !x.view.loading && x.panels.cpu.ids.includes(SERVICE) && sp && x;
  }, 20000, 250);
  const ordersSpan = s.panels[ORDERS].spans[SERVICE];
  log('1 h orders span', JSON.stringify(ordersSpan), 'view', s.view.from, s.view.to, 'step', s.view.step);
  // The seeded samples are a minute apart.
  check(ordersSpan[0] <= s.view.from + Math.max(3 * s.view.step, 61),
    'orders does not begin at the left edge of 1 h (the store has it):', ordersSpan[0] - s.view.from, 's in');
  check(ordersSpan[1] >= s.view.to - 3 * s.view.step - 15, 'orders does not reach now:', s.view.to - ordersSpan[1], 's short');
  const url = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)
    .filter((n) => n.includes('/api/history?') && n.includes('from=')).pop());
  log('1 h request:', url);
  check(url && new URL(url).searchParams.get('metric').split(',').includes('custom.orders'), 'the 1 h request did not ask for custom.orders:', url);
  await oneLook(page, '1 h', SERVICE);
  const rows = await tableRows(page);
  // billing stopped 40 minutes ago: the collector read its last points back
  // into memory at start (issue 19, one history behind every window), so
  // /api/agents lists it as left (with samples 0) and the page says left.
  check(rows.some((r) => r.id === `billing@${HOST}` && r.state === 'left'), 'billing has not left:', JSON.stringify(rows));
  const leftTitle = await page.$eval(`#agents-body tr[data-id="billing@${HOST}"] .badge`, (b) => b.title);
  check(/^left: /.test(leftTitle), 'the left badge has no explanation:', leftTitle);
  await shot(page, 'views-1h.png');

  // ---- 1 h per pid -----------------------------------------------------------
  await page.click('#per-pid');
  s = await settled(page, '1 h per pid');
  s = await waitFor('per-pid lines', async () => {
    const x = await snapshot(page);
    return !x.view.loading && x.panels.cpu.ids.includes(OLD) && x.panels.cpu.ids.includes(LIVE) &&
      x.panels[ORDERS] && x.panels[ORDERS].spans[OLD] && x;
  }, 20000, 250);
  await oneLook(page, '1 h per pid', LIVE);
  await oneLook(page, '1 h per pid', OLD);
  await shot(page, 'views-1h-perpid.png');

  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
  check(page.zapm.console.length === 0, 'console errors:', JSON.stringify(page.zapm.console));

  // ---- a CURVE-only collector with no agent ----------------------------------
  const certs = path.join(dir, 'certs');
  fs.mkdirSync(path.join(certs, 'agents'), { recursive: true });
  execFileSync(keygen, [path.join(certs, 'collector')], { stdio: 'ignore' });
  const curve = new Collector(args.collector, ['--store', 'none', '--curve-cert', path.join(certs, 'collector'),
    '--curve-allow', path.join(certs, 'agents')]);
  await curve.start();
  const empty = await openDashboard(ctx, curve.url, '/');
  const hint = await waitFor('the CURVE hint', async () => {
    const h = await empty.evaluate(() => ({
      shown: !document.querySelector('#agents-empty').hidden,
      command: document.querySelector('#agents-empty-command').textContent,
      note: document.querySelector('#agents-empty-note').hidden ? '' : document.querySelector('#agents-empty-note').textContent
    }));
    return h.shown && h.command.includes('--curve-server') && h;
  }, 10000, 200);
  log('CURVE hint:', JSON.stringify(hint));
  check(hint.command.includes('--connect ' + curve.endpoint) && hint.command.includes('--curve-cert'),
    'the CURVE command does not name this collector or the agent\'s certificate:', hint.command);
  check(/CURVE/.test(hint.note) && /zapm-keygen/.test(hint.note), 'the CURVE note:', hint.note);
  await shot(empty, 'views-curve-empty.png');
  await curve.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
