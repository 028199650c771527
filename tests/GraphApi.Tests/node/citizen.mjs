// Drives the citizen pages (手机信访) in headless chromium on a phone-sized screen, as a citizen would.
// Usage: node citizen.mjs <base url> <phase> <json args> [chromium path]
//   phase "load": the first load under Fast 3G and a 4x slower CPU, until the texts are listed (time and bytes on the wire).
//   phase "submit": reads the notice titled args.notice, submits a petition with subject args.subject
//     while the first answer is lost on the way back (the server has it, the page sees a network
//     failure) and then taps submit twice at once, and tracks it with the case number and access code.
//   phase "review": tracks args.caseNumber with args.accessCode, reads the reply, evaluates the result
//     as dissatisfied and requests review.
// Prints one JSON line: what the page showed, the submissions it sent, requests that left the origin,
// responses >= 400, console errors (CSP violations show up there), axe-core's serious and critical
// findings, whether the page is wider than the screen, and the first load's bytes.
import { chromium } from 'playwright-core';
import { audit as check, loseFirstSubmissionAnswer } from './pagecheck.mjs';

const [base, phase, json, executablePath = '/usr/bin/chromium'] = process.argv.slice(2);
const args = JSON.parse(json);
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
const report = { phase, foreignRequests: [], failedResponses: [], consoleErrors: [], axe: [], overflow: [], submissions: 0, firstLoadBytes: 0 };
const audit = (page, where) => check(page, where, report);
const origin = new URL(base).origin;

try {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('request', r => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) report.foreignRequests.push(r.url());
    if (r.method() === 'POST' && (r.postData() ?? '').includes('submitPetition')) report.submissions++;
  });
  page.on('response', async r => {
    if (r.status() >= 400) report.failedResponses.push(`${r.status()} ${r.url()}`);
  });
  page.on('console', m => { if (m.type() === 'error') report.consoleErrors.push(m.text()); });
  page.on('pageerror', e => report.consoleErrors.push(String(e)));

  if (phase === 'load') {
    // A server that has served the page before (its code compiled), as a citizen meets it.
    const warm = await browser.newContext();
    await (await warm.newPage()).goto(base, { waitUntil: 'load' });
    await warm.close();
    // DevTools' "Fast 3G" (562.5 ms round trip, 1.44 Mbit/s down, 675 kbit/s up) and a CPU 4× slower, then the
    // first load from an empty cache until the list of texts is shown.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 562.5, downloadThroughput: 1.44e6 / 8, uploadThroughput: 675e3 / 8 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    let bytes = 0;
    // Each request's start and end (ms after the navigation began) and bytes: where the time goes.
    const requests = new Map();
    let origin = null;
    cdp.on('Network.requestWillBeSent', e => {
      origin ??= e.timestamp;
      requests.set(e.requestId, { url: new URL(e.request.url).pathname, start: Math.round((e.timestamp - origin) * 1000) });
    });
    cdp.on('Network.loadingFinished', e => {
      bytes += e.encodedDataLength;
      const r = requests.get(e.requestId);
      if (r) Object.assign(r, { end: Math.round((e.timestamp - origin) * 1000), bytes: e.encodedDataLength });
    });
    const started = Date.now();
    await page.goto(base, { waitUntil: 'commit' });
    await page.getByRole('link', { name: args.notice }).waitFor();
    report.throttledLoadMs = Date.now() - started;
    report.transferredBytes = bytes;
    report.requests = [...requests.values()];
  } else if (phase === 'submit') {
    let bytes = 0;
    const count = r => r.body().then(b => { bytes += b.length; }, () => {});
    page.on('response', count);
    await page.goto(base, { waitUntil: 'load' });
    // 须知: the list, then the notice itself.
    const link = page.getByRole('link', { name: args.notice });
    await link.waitFor();
    report.firstLoadBytes = bytes;
    page.off('response', count);
    await audit(page, 'list');
    await link.click();
    await page.getByRole('heading', { name: args.notice }).waitFor();
    report.noticeText = await page.locator('article .body').innerText();
    report.noticeScripts = await page.locator('article .body script').count();
    await audit(page, 'notice');

    // 我要信访: the city and county of the office, the matter, the petitioner, consent.
    await page.getByRole('link', { name: '我要信访' }).click();
    const city = page.locator('#city');
    await city.locator('option:nth-child(2)').waitFor({ state: 'attached' });
    await city.selectOption({ index: 1 });
    const county = page.locator('#county');
    await county.locator('option:nth-child(2)').waitFor({ state: 'attached' });
    await county.selectOption({ index: 1 });
    report.entryRegion = await county.inputValue();
    await page.locator('#subject').fill(args.subject);
    await page.locator('#content').fill('村里的道路损坏已有半年，多次反映无人维修，请求尽快维修。');
    await page.locator('#name').fill('张三丰');
    await page.locator('#phone').fill('13812345678');
    await page.locator('#consent').check();
    await audit(page, 'submit form');

    // The first answer is lost: the server takes the submission, the page sees the network fail.
    await loseFirstSubmissionAnswer(page);
    await page.getByRole('button', { name: '提交信访事项' }).click();
    await page.getByRole('alert').waitFor();
    report.lostAnswer = await page.getByRole('alert').innerText();
    // Then a double tap on the same form.
    await page.evaluate(() => { const b = document.querySelector('form button[type=submit]'); b.click(); b.click(); });
    await page.locator('#case-number').waitFor();
    report.caseNumber = await page.locator('#case-number').innerText();
    report.accessCode = await page.locator('#access-code').innerText();
    report.storedAfter = await page.evaluate(() => JSON.stringify(sessionStorage) + JSON.stringify(localStorage));
    await audit(page, 'submitted');

    // 查询办理 with the number and the code.
    await page.getByRole('link', { name: '去查询办理进度' }).click();
    await page.locator('#caseNumber').fill(report.caseNumber);
    await page.locator('#accessCode').fill(report.accessCode);
    await page.getByRole('button', { name: '查询' }).click();
    await page.locator('#petition').waitFor();
    report.tracked = await page.locator('#petition').innerText();
    await audit(page, 'tracked');
    // A wrong code is a sentence, not an error dump.
    await page.locator('#accessCode').fill('WRONG-CODE');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByRole('alert').waitFor();
    report.wrongCode = await page.getByRole('alert').innerText();
  } else {
    await page.goto(`${base}#/track`, { waitUntil: 'load' });
    await page.locator('#caseNumber').fill(args.caseNumber);
    await page.locator('#accessCode').fill(args.accessCode);
    await page.getByRole('button', { name: '查询' }).click();
    await page.locator('#reply').waitFor();
    report.reply = await page.locator('#reply').innerText();
    await audit(page, 'replied');
    await page.locator('#satisfaction').selectOption('DISSATISFIED');
    await page.getByRole('button', { name: '提交评价' }).click();
    await page.getByText('评价已提交。').waitFor();
    await page.locator('#requestReview-reason').fill('答复未解决道路维修问题。');
    await page.getByRole('button', { name: '申请复查' }).click();
    await page.getByText('申请复查已提交。').waitFor();
    report.tracked = await page.locator('#petition').innerText();
  }
} catch (e) {
  report.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
