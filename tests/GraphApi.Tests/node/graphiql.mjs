// Opens GraphiQL (GET /graphql as a browser) in headless chromium, runs the prefilled query with the
// prefilled headers by clicking the execute button, and prints one JSON line: the result pane's text,
// requests that left the server's origin, responses >= 400, and console errors (CSP violations show up there).
// Usage: node graphiql.mjs <graphql url> <query> <headers json> <text the result pane must show> [chromium path]
import { chromium } from 'playwright-core';

const [url, query, headers, expected, executablePath = '/usr/bin/chromium'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
const report = { result: '', foreignRequests: [], failedResponses: [], consoleErrors: [], title: '' };
try {
  const page = await browser.newPage();
  const origin = new URL(url).origin;
  page.on('request', r => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) report.foreignRequests.push(r.url()); });
  page.on('response', r => { if (r.status() >= 400) report.failedResponses.push(`${r.status()} ${r.url()}`); });
  page.on('console', m => { if (m.type() === 'error') report.consoleErrors.push(m.text()); });
  page.on('pageerror', e => report.consoleErrors.push(String(e)));
  const target = `${url}?query=${encodeURIComponent(query)}&headers=${encodeURIComponent(headers)}`;
  await page.goto(target, { waitUntil: 'load', timeout: 60000 });
  report.title = await page.title();
  const execute = page.locator('button.graphiql-execute-button');
  await execute.waitFor({ state: 'visible', timeout: 60000 });
  await execute.click();
  const pane = page.locator('section.result-window');
  await pane.filter({ hasText: expected }).or(pane.filter({ hasText: 'errors' })).waitFor({ timeout: 60000 });
  // CodeMirror renders indentation as no-break spaces.
  report.result = (await pane.innerText()).replace(/\u00a0/g, ' ');
} catch (e) {
  report.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
