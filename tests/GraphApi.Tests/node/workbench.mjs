// Drives the officers' workbench (/workbench) in headless chromium on a desktop screen.
// Usage: node workbench.mjs <base url> <json args> [chromium path]
//   args: { office, agency, other, auditor (tokens), subject }
// An office officer watches the inbox while a citizen submits (the row arrives live), opens it and
// forwards it with the offered act; the agency's officer has it open in two tabs, accepts in one and
// meets the conflict in the other; the office's statistics count it; an auditor reads it as it was
// between forward and accept; an officer of another department cannot open it.
// Prints one JSON line (as citizen.mjs): what the pages showed, axe-core's serious and critical
// findings, requests leaving the origin, console errors.
import { chromium } from 'playwright-core';
import { audit as check } from './pagecheck.mjs';

const [base, json, executablePath = '/usr/bin/chromium'] = process.argv.slice(2);
const args = JSON.parse(json);
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
const report = { foreignRequests: [], failedResponses: [], consoleErrors: [], axe: [] };
const audit = (page, where) => check(page, where, report);
const origin = new URL(base).origin;
const workbench = new URL('/workbench', base).toString();

async function signedIn(context, token, hash = '#/') {
  const page = await context.newPage();
  page.on('request', r => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) report.foreignRequests.push(r.url()); });
  page.on('response', r => { if (r.status() >= 500) report.failedResponses.push(`${r.status()} ${r.url()}`); });
  page.on('console', m => { if (m.type() === 'error') report.consoleErrors.push(m.text()); });
  page.on('pageerror', e => report.consoleErrors.push(String(e)));
  await page.goto(`${workbench}${hash}`, { waitUntil: 'load' });
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: '登录' }).click();
  return page;
}

const beijing = (ms) => new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 23);

try {
  const desktop = { viewport: { width: 1280, height: 800 }, locale: 'zh-CN' };
  const office = await signedIn(await browser.newContext(desktop), args.office, '#/stats');
  await office.locator('#total-收件').waitFor();
  report.receivedBefore = Number(await office.locator('#total-收件').innerText());
  await office.getByRole('link', { name: '待办事项' }).click();
  await office.getByText(/^共 \d+ 件$/).waitFor();
  await audit(office, 'inbox');

  // A citizen submits; the row arrives in the open inbox without a reload.
  const submitted = await fetch(new URL('/graphql', base), {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($input: SubmitPetitionInput!) { submitPetition(input: $input) { petition { id } } }',
      variables: { input: { commandId: crypto.randomUUID(), channel: 'WEBSITE', entryRegionCode: '340101', category: 'COMPLAINT_REQUEST',
        subject: args.subject, content: '村里的道路损坏已有半年，请求尽快维修。', petitioner: { name: '张三丰', phone: '13812345678' } } },
    }),
  }).then(r => r.json());
  const id = submitted.data.submitPetition.petition.id;
  await office.getByRole('cell', { name: args.subject }).waitFor();
  report.live = await office.locator('#live').innerText();
  // The API's filters: another category hides it, its own words find it.
  await office.locator('#filter-category').selectOption('SUGGESTION');
  await office.getByRole('cell', { name: args.subject }).waitFor({ state: 'detached' });
  await office.locator('#filter-category').selectOption('');
  await office.locator('#filter-text').fill(args.subject.slice(0, 6));
  await office.getByRole('cell', { name: args.subject }).waitFor();
  report.filtered = true;

  // Opened, and forwarded with the offered act.
  await office.getByRole('row', { name: args.subject }).getByRole('link').click();
  await office.getByRole('form', { name: '转送', exact: true }).waitFor();
  report.officeActs = await office.locator('#actions form').evaluateAll(forms => forms.map(f => f.getAttribute('aria-label')));
  await audit(office, 'petition');
  await office.locator('#forwardPetition-toDepartmentId').selectOption('340101-EDU');
  await office.getByRole('button', { name: '转送', exact: true }).click();
  await office.locator('#notice').waitFor();
  report.forwarded = await office.locator('#notice').innerText();
  const between = Date.now();

  // The agency's officer in two tabs: one accepts, the other still shows the version before.
  const agency = await browser.newContext(desktop);
  const first = await signedIn(agency, args.agency, `#/p/${id}`);
  const second = await signedIn(agency, args.agency, `#/p/${id}`);
  await first.getByRole('form', { name: '受理', exact: true }).waitFor();
  await second.getByRole('form', { name: '受理', exact: true }).waitFor();
  await second.getByRole('button', { name: '受理', exact: true }).click();
  await second.locator('#notice').waitFor();
  report.accepted = await second.locator('#notice').innerText();
  await first.getByRole('button', { name: '受理', exact: true }).click();
  await first.locator('#notice').waitFor();
  report.conflict = await first.locator('#notice').innerText();
  report.statusAfterConflict = await first.locator('#field-状态').innerText();

  // The office's statistics count the new petition (the read side catches up: asked again until it does).
  await office.getByRole('link', { name: '统计' }).click();
  for (let i = 0; i < 60; i++) {
    await office.locator('#total-收件').waitFor();
    report.receivedAfter = Number(await office.locator('#total-收件').innerText());
    if (report.receivedAfter > report.receivedBefore) break;
    await Promise.all([office.waitForResponse(r => r.url().endsWith('/graphql')), office.getByRole('button', { name: '查看', exact: true }).click()]);
  }
  await audit(office, 'statistics');

  // An auditor reads the petition as it was between forward and accept.
  const auditor = await signedIn(await browser.newContext(desktop), args.auditor, '#/asof');
  await auditor.locator('#asof-id').fill(id);
  await auditor.locator('#asof-at').fill(beijing(between));
  await auditor.getByRole('button', { name: '查看', exact: true }).click();
  await auditor.locator('#asof').waitFor();
  report.asOf = await auditor.locator('#asof').innerText();

  // Another department's officer: not found.
  const other = await signedIn(await browser.newContext(desktop), args.other, `#/p/${id}`);
  await other.getByRole('alert').waitFor();
  report.otherDepartment = await other.getByRole('alert').innerText();
  report.id = id;

  // The office's overdue list, and a supervisor's situation analysis.
  await office.getByRole('link', { name: '超期事项' }).click();
  await office.getByText(/^共 \d+ 件$/).waitFor();
  await audit(office, 'overdue');
  const supervisor = await signedIn(await browser.newContext(desktop), args.supervisor, '#/situation');
  await supervisor.locator('#situation-summary').waitFor();
  report.situation = await supervisor.locator('#situation-summary').innerText();
  await audit(supervisor, 'situation');

  // On a phone: the inbox and a petition stay within the screen (tables scroll inside their box).
  const phone = await signedIn(await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' }), args.office);
  await phone.getByText(/^共 \d+ 件$/).waitFor();
  report.phoneOverflow = [];
  if (await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)) report.phoneOverflow.push('inbox');
  await audit(phone, 'phone inbox');
  await phone.goto(`${workbench}#/p/${id}`);
  await phone.getByRole('heading', { name: '办理过程' }).waitFor();
  if (await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)) report.phoneOverflow.push('petition');
  await audit(phone, 'phone petition');
} catch (e) {
  report.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
