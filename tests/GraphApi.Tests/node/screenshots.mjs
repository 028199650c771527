// Screenshots of every page at 360 and 1280 px (docs/screenshots/make.sh runs it against the demo server).
// Usage: node screenshots.mjs <base url> <officer token> <supervisor token> <auditor token> <folder> <petitioner token>
import { chromium } from 'playwright-core';

const [base, officer, supervisor, auditor, folder, petitioner] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
const sizes = { phone: { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }, desktop: { viewport: { width: 1280, height: 800 } } };

async function submit(subject, content, token) {
  const r = await fetch(new URL('/graphql', base), {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({
      query: 'mutation($input: SubmitPetitionInput!) { submitPetition(input: $input) { caseNumber accessCode petition { id } } }',
      variables: { input: { commandId: crypto.randomUUID(), channel: 'MOBILE_APP', entryRegionCode: '340101', category: 'COMPLAINT_REQUEST',
        subject, content, petitioner: { name: '张三丰', phone: '13812345678' } } },
    }),
  }).then(x => x.json());
  return r.data.submitPetition;
}

const first = await submit('村道损坏无人维修', '村里的道路损坏已有半年，多次反映无人维修，请求尽快维修。');
await submit('小区噪音扰民', '小区旁工地夜间施工，噪音严重影响休息，请求依法处理。');
await submit('农民工工资拖欠', '某工地拖欠工资三个月，请求协调解决。');
await submit('路灯损坏影响出行', '小区门口的路灯坏了两个月，晚上出行不便，请求尽快修复。', petitioner);

async function shoot(name, size, go) {
  const context = await browser.newContext({ ...sizes[size], locale: 'zh-CN' });
  const page = await context.newPage();
  await go(page);
  await page.screenshot({ path: `${folder}/${name}-${size}.png`, fullPage: true });
  await context.close();
}

async function signIn(page, token, hash) {
  await page.goto(new URL(`/workbench${hash}`, base).toString());
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: '登录' }).click();
}

for (const size of Object.keys(sizes)) {
  await shoot('citizen-notices', size, async p => { await p.goto(base); await p.locator('.list a').first().waitFor(); });
  await shoot('citizen-notice', size, async p => {
    await p.goto(base); await p.getByRole('link', { name: /信访事项的办理期限/ }).click(); await p.locator('article .body').waitFor();
  });
  await shoot('citizen-submit', size, async p => {
    await p.goto(`${base}#/submit`); await p.locator('#city option:nth-child(2)').waitFor({ state: 'attached' });
  });
  await shoot('citizen-track', size, async p => {
    await p.goto(`${base}#/track`);
    await p.locator('#caseNumber').fill(first.caseNumber); await p.locator('#accessCode').fill(first.accessCode);
    await p.getByRole('button', { name: '查询' }).click(); await p.locator('#petition').waitFor();
  });
  await shoot('citizen-mine', size, async p => {
    await p.goto(`${base}#/mine`); await p.locator('#token').fill(petitioner); await p.getByRole('button', { name: '登录', exact: true }).click();
    await p.locator('#mine button').first().click(); await p.locator('#petition').waitFor();
  });
  await shoot('workbench-inbox', size, async p => { await signIn(p, officer, '#/'); await p.getByText(/^共 \d+ 件$/).waitFor(); });
  await shoot('workbench-petition', size, async p => {
    await signIn(p, officer, `#/p/${first.petition.id}`); await p.getByRole('heading', { name: '办理过程' }).waitFor();
  });
  await shoot('workbench-statistics', size, async p => { await signIn(p, officer, '#/stats'); await p.locator('#totals').waitFor(); });
  await shoot('workbench-situation', size, async p => { await signIn(p, supervisor, '#/situation'); await p.locator('#situation-summary').waitFor(); });
  await shoot('workbench-as-of', size, async p => {
    await signIn(p, auditor, '#/asof');
    await p.locator('#asof-id').fill(first.petition.id);
    await p.locator('#asof-at').fill(new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 23));
    await p.getByRole('button', { name: '查看' }).click(); await p.locator('#asof').waitFor();
  });
}
await browser.close();
