// 我的信访: a citizen on a phone signs in at the OpenID Connect provider (authorization code + PKCE), submits
// signed in (the first answer lost, the page reloaded: the resend waits for the same account), finds the
// petition in 我的信访 without an access code, withdraws it there, and after a reload is signed out (the token
// was in memory only).
// Usage: node citizen-oidc.mjs <base url> <json args: { subject }> [chromium path]
// Prints one JSON line: what the page showed, console errors, axe-core's serious and critical findings.
import { chromium } from 'playwright-core';
import { audit as check, loseFirstSubmissionAnswer } from './pagecheck.mjs';

const [base, json, executablePath = '/usr/bin/chromium'] = process.argv.slice(2);
const args = JSON.parse(json);
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
const report = { consoleErrors: [], axe: [], overflow: [] };
const audit = (page, where) => check(page, where, report);

try {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', m => { if (m.type() === 'error') report.consoleErrors.push(m.text()); });
  page.on('pageerror', e => report.consoleErrors.push(String(e)));

  await page.goto(new URL('/#/mine', base).toString(), { waitUntil: 'load' });
  await page.getByRole('button', { name: '统一身份认证登录' }).waitFor();
  await audit(page, 'sign in');
  await page.getByRole('button', { name: '统一身份认证登录' }).click();
  await page.getByText('您还没有以账号提交的信访事项。').waitFor();
  report.addressAfterSignIn = page.url();

  await page.getByRole('link', { name: '我要信访' }).first().click();
  await page.locator('#signed-in').waitFor();
  await page.locator('#subject').fill(args.subject);
  await page.locator('#content').fill('小区门口的路灯坏了两个月，晚上出行不便，请求尽快修复。');
  await page.locator('#name').fill('李四');
  await page.locator('#phone').fill('13912345678');
  await page.locator('#consent').check();
  // The first answer is lost (the server registers it), then the page is reloaded: the token is gone, the
  // form and its command id are kept. Sent now without the token it would be another caller's command.
  await loseFirstSubmissionAnswer(page);
  await page.getByRole('button', { name: '提交信访事项' }).click();
  await page.getByRole('alert').waitFor();
  await page.reload({ waitUntil: 'load' });
  await page.getByText('上次提交尚未收到答复').waitFor();
  await page.locator('#consent').check();
  await page.getByRole('button', { name: '提交信访事项' }).click();
  await page.getByText('上次提交时您已登录').waitFor();
  report.refusedWithoutSignIn = await page.getByRole('alert').innerText();
  // Signed in again with the same account, the kept form goes as the first send went: one petition.
  await page.getByRole('link', { name: '我的信访' }).click();
  await page.getByRole('button', { name: '统一身份认证登录' }).click();
  await page.locator('#mine').getByText(args.subject).waitFor();
  report.listedBeforeResend = await page.locator('#mine li').count();
  await page.getByRole('link', { name: '我要信访' }).first().click();
  await page.getByText('上次提交尚未收到答复').waitFor();
  await page.locator('#consent').check();
  await page.getByRole('button', { name: '提交信访事项' }).click();
  await page.locator('#case-number').waitFor();
  report.caseNumber = await page.locator('#case-number').innerText();

  await page.getByRole('link', { name: '去我的信访查看' }).click();
  await page.locator('#mine').getByText(args.subject).waitFor();
  await audit(page, 'mine');
  await page.locator('#mine').getByText(args.subject).click();
  await page.locator('#petition').waitFor();
  report.shown = await page.locator('#petition').innerText();
  await audit(page, 'own petition');
  // Acting by the token: no access code is asked for or sent.
  let withdrawInput = null;
  page.on('request', r => { if ((r.postData() ?? '').includes('withdrawPetition')) withdrawInput = JSON.parse(r.postData()).variables.input; });
  await page.getByRole('button', { name: '撤回信访事项' }).click();
  await page.getByText('信访事项已撤回。').waitFor();
  report.withdrawAccessCode = withdrawInput ? (withdrawInput.accessCode ?? null) : 'no request';
  report.shownAfter = await page.locator('#petition').innerText();
  report.storage = await page.evaluate(() => JSON.stringify(sessionStorage) + JSON.stringify(localStorage));

  // A reload forgets the token.
  await page.reload({ waitUntil: 'load' });
  await page.getByRole('button', { name: '统一身份认证登录' }).waitFor();
  report.signedOutAfterReload = true;
} catch (e) {
  report.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
