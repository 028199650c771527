// The workbench signing in at an OpenID Connect provider (authorization code + PKCE), then its token
// expiring while the inbox is open: the page says so, the officer signs in again, and the subscription
// resumes after the last event it had seen (events of the gap are not lost).
// Usage: node workbench-oidc.mjs <base url> <json args: { subjectBefore, subjectDuring }> [chromium path]
import { chromium } from 'playwright-core';

const [base, json, executablePath = '/usr/bin/chromium'] = process.argv.slice(2);
const args = JSON.parse(json);
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
const report = { consoleErrors: [], subscribeAfter: [] };

const submit = (subject) => fetch(new URL('/graphql', base), {
  method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({
    query: 'mutation($input: SubmitPetitionInput!) { submitPetition(input: $input) { caseNumber } }',
    variables: { input: { commandId: crypto.randomUUID(), channel: 'WEBSITE', entryRegionCode: '340101', category: 'COMPLAINT_REQUEST',
      subject, content: '村里的道路损坏已有半年，请求尽快维修。', petitioner: { name: '张三丰', phone: '13812345678' } } },
  }),
}).then(r => r.json());

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', m => { if (m.type() === 'error') report.consoleErrors.push(m.text()); });
  page.on('pageerror', e => report.consoleErrors.push(String(e)));
  page.on('websocket', ws => ws.on('framesent', f => {
    const message = JSON.parse(f.payload);
    if (message.type === 'subscribe') report.subscribeAfter.push(message.payload.variables.after);
  }));
  await page.goto(new URL('/workbench', base).toString(), { waitUntil: 'load' });
  report.developmentForm = await page.locator('#token').count();
  await page.getByRole('button', { name: '统一身份认证登录' }).click();
  await page.getByText(/^共 \d+ 件$/).waitFor();
  report.who = await page.locator('#who').innerText();
  report.addressAfterSignIn = page.url();

  await submit(args.subjectBefore);
  await page.getByRole('cell', { name: args.subjectBefore }).waitFor();

  // The token's exp passes: the server closes the socket (4403) and the page asks to sign in again.
  await page.locator('#signed-out').waitFor({ timeout: 60000 });
  report.signedOut = await page.locator('#signed-out').innerText();
  await submit(args.subjectDuring);
  await page.getByRole('button', { name: '统一身份认证登录' }).click();
  await page.getByRole('cell', { name: args.subjectDuring }).waitFor();
  await page.getByText('有新的变化，已更新。').waitFor();
  report.storage = await page.evaluate(() => JSON.stringify(sessionStorage) + JSON.stringify(localStorage));
} catch (e) {
  report.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
