// What the browser tests share: the check on each page they reach (axe-core's serious and critical findings,
// and, when the report keeps an `overflow` list, whether the page is wider than the screen), and the lost answer.
// axe-core runs through the DevTools protocol (not a page script, so the page's CSP stays as served).
import { readFile } from 'node:fs/promises';

const axeSource = await readFile(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

export async function audit(page, where, report) {
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${v.id} (${v.impact}): ${v.nodes.length}`));
  report.axe.push(...found.map(f => `${where}: ${f}`));
  if (report.overflow && await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)) report.overflow.push(where);
}

/** The first submission's answer is lost: the server takes the submission, the page sees the network fail. */
export async function loseFirstSubmissionAnswer(page) {
  let lost = false;
  await page.route('**/graphql', async route => {
    if (!lost && (route.request().postData() ?? '').includes('submitPetition')) {
      lost = true;
      await route.fetch();
      await route.abort('failed');
      return;
    }
    await route.continue();
  });
}
