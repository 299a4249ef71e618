// browser.xss: an agent named `<img src=x onerror=alert(1)>` (and a colour that
// is markup too) runs no script: no dialog opens, no element is injected, and
// the name appears literally in the table and the legend.

import { run, log, check, waitFor, sleep, Collector, startAgent, launch, openDashboard, tableRows, args, start } from './lib.mjs';

const NAME = '<img src=x onerror=alert(1)>';
const COLOR = '"><svg onload=alert(2)>';

run('browser.xss', async () => {
  const col = new Collector();
  await col.start();
  const agent = startAgent(col.endpoint, NAME, COLOR, 0.2);
  // If zapm-agent refuses such a name, publish it from Python: the page is what is tested.
  const refused = await Promise.race([agent.exited.then(() => true), sleep(1000).then(() => false)]);
  if (refused) {
    log('zapm-agent refused the name; publishing it with publisher.py');
    check(args.python, 'no --python given');
    start('publisher', args.python, [new URL('./publisher.py', import.meta.url).pathname,
      '--connect', col.endpoint, '--count', '1', '--name', NAME, '--color', COLOR, '--rate', '5', '--seconds', '60']);
  }

  const ctx = await launch();
  const page = await openDashboard(ctx, col.url);
  const rows = await waitFor('the hostile row', async () => {
    const r = await tableRows(page);
    return r.length === 1 && r;
  }, 15000);
  log('row:', JSON.stringify(rows[0]));
  check(rows[0].label.startsWith(NAME), 'name not shown literally:', JSON.stringify(rows[0].label));
  const chip = await page.textContent('#legend .chip .label');
  // The legend names a line as the table does: by its identity (looks.js).
  check(chip.startsWith(NAME) && chip === rows[0].label, 'legend label not literal:', JSON.stringify(chip));

  // Click it, filter by it, let the table refresh a few times.
  await page.click('#agents-body tr');
  await page.fill('#filter', '<img');
  await sleep(2000);

  const dom = await page.evaluate(() => ({
    imgs: [...document.images].map((i) => i.getAttribute('src')),
    handlers: document.querySelectorAll('[onerror], [onload]').length,
    svgs: document.querySelectorAll('svg').length
  }));
  log('dom:', JSON.stringify(dom));
  check(page.zapm.dialogs.length === 0, 'a dialog opened:', JSON.stringify(page.zapm.dialogs));
  check(dom.imgs.length === 1 && dom.imgs[0] === '/favicon.svg', 'unexpected <img> elements:', JSON.stringify(dom.imgs));
  check(dom.handlers === 0, 'elements with inline handlers:', dom.handlers);
  check(dom.svgs === 0, 'injected <svg> elements:', dom.svgs);
  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
});
