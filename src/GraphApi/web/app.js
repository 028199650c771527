// 网上信访: the citizen pages, on the public GraphQL API only (POST /graphql, same origin).
// No framework: a few views rendered with DOM calls; text always goes in as text (textContent),
// the one exception being a publication's bodyHtml, which the server cleans by an allow-list.

import { refusals, labels, gql, sentence, h, show, fill, errorBox, field, options, dateText } from './common.js';

// ---- signing in (我的信访) ---------------------------------------------------------------------
// Signed in, a citizen submits with a PETITIONER token and finds its petitions under 我的信访 without the
// access code. The token lives in this variable only: a reload signs out. signin.js is fetched only when
// needed (a sign-in, or the way back from the provider), so the first load does not carry it.

let token = null;
let account = null; // the token's sub: whose submission a kept form is
let signInNotice = null; // said once on the next sign-in view (a refused role, an expired token)
const signin = () => import('./signin.js');

async function signedIn(jwt) {
  const claims = (await signin()).decode(jwt);
  if (claims.role !== 'PETITIONER') {
    signInNotice = '该账号不是信访人账号，请使用信访人账号登录。';
    throw new Error('role');
  }
  token = jwt;
  account = claims.sub ?? null;
}

/** The token was refused (expired): forgotten, and the citizen asked to sign in again. */
function signedOut(e) {
  if (!(token && e.code === 'UNAUTHENTICATED')) return false;
  token = null;
  account = null;
  signInNotice = '登录已过期，请重新登录。';
  return true;
}

// ---- 须知与政策: publications ---------------------------------------------------------------

// The province the server serves these pages for (CitizenPages:Province).
const province = document.documentElement.dataset.province || '340000';

// The first list came with the page (a JSON data block): shown without another round trip, once.
let initialList = (() => {
  const block = document.getElementById('initial-publications');
  try { return block ? JSON.parse(block.textContent).items : null; } catch { return null; }
})();

async function publications() {
  const holder = h('div', {}, h('p', { text: '正在加载…' }));
  show(h('h2', { text: '信访须知、政策法规与新闻' }), holder);
  try {
    const items = initialList
      ?? (await gql(`query($p: ID) { publications(province: $p, first: 50) { items { id kind title publishedAt } } }`, { p: province })).publications.items;
    initialList = null;
    fill(holder, items.length
      ? h('ul', { class: 'list' }, items.map((p) => h('li', {},
          h('a', { href: `#/pub/${p.id}` }, h('span', { class: 'meta', text: `【${labels.kind[p.kind] ?? p.kind}】` }), p.title))))
      : h('p', { text: '暂无发布的内容。' }));
  } catch (e) {
    fill(holder, errorBox(sentence(e)));
  }
}

async function publication(id) {
  const holder = h('div', {}, h('p', { text: '正在加载…' }));
  show(holder);
  try {
    const data = await gql(`query($id: ID!) { publication(id: $id) { title kind bodyHtml source publishedAt updatedAt } }`, { id });
    const p = data.publication;
    if (!p) { fill(holder, errorBox('该内容不存在或已撤回。')); return; }
    const body = h('div', { class: 'body' });
    body.innerHTML = p.bodyHtml; // cleaned by the server's allow-list (no script, style or event attribute)
    fill(holder, h('article', { class: 'card' },
      h('h2', { text: p.title }),
      h('p', { class: 'meta', text: `${labels.kind[p.kind] ?? ''} · 发布于 ${dateText(p.publishedAt)}` }),
      body,
      p.source ? h('p', { class: 'meta', text: `来源：${p.source}` }) : null,
      h('p', {}, h('a', { href: '#/', text: '返回列表' }))));
  } catch (e) {
    fill(holder, errorBox(sentence(e)));
  }
}

// ---- 我要信访: submit -------------------------------------------------------------------------

const pendingKey = 'caseengine.pendingSubmission';

async function children(code) {
  const data = await gql(`query($c: ID!) { region(code: $c) { children { code name } } }`, { c: code });
  return data.region ? data.region.children : [];
}

function regionSelect(id, label, first) {
  const select = h('select', { id, name: id }, h('option', { value: '', text: first }));
  return { select, nodes: field(id, label, select) };
}

async function submitView() {
  const city = regionSelect('city', '市级信访部门（可不选，直接向省信访局反映）', '省信访局（不选择市）');
  const county = regionSelect('county', '县级信访部门（可不选）', '不选择县');
  const form = h('form', { novalidate: true });
  const status = h('div', { 'aria-live': 'assertive' });
  const category = h('select', { id: 'category', name: 'category', required: true }, options(labels.category, 'COMPLAINT_REQUEST'));
  const subject = h('input', { id: 'subject', name: 'subject', required: true, maxlength: '200' });
  const content = h('textarea', { id: 'content', name: 'content', required: true });
  const name = h('input', { id: 'name', name: 'name', required: true, autocomplete: 'name' });
  const phone = h('input', { id: 'phone', name: 'phone', inputmode: 'tel', autocomplete: 'tel' });
  const idNumber = h('input', { id: 'idNumber', name: 'idNumber' });
  const address = h('input', { id: 'address', name: 'address', autocomplete: 'street-address' });
  const consent = h('input', { id: 'consent', type: 'checkbox', required: true });
  const send = h('button', { type: 'submit', text: '提交信访事项' });

  form.append(
    h('p', { class: 'notice', text: '请选择向哪一级信访部门反映：省、市或县。' }),
    ...city.nodes, ...county.nodes,
    ...field('category', '信访类别', category),
    ...field('subject', '标题', subject),
    ...field('content', '主要内容（事实、理由和请求）', content),
    h('fieldset', { class: 'card' },
      h('legend', { text: '信访人信息' }),
      ...field('name', '姓名', name),
      ...field('phone', '手机号码', phone),
      ...field('idNumber', '身份证号码（可不填）', idNumber),
      ...field('address', '通信地址（可不填）', address)),
    h('label', { class: 'check', for: 'consent' }, consent,
      '我同意将上述个人信息提供给办理本事项的信访部门和有权处理的机关，仅用于办理本事项；检举控告事项中，信访人的身份信息对被检举人保密。'),
    send, status);
  show(h('h2', { text: '我要信访' }),
    token ? h('p', { class: 'notice', id: 'signed-in', text: '您已登录：本次提交将记入“我的信访”，查看和评价无需查询码。' }) : null,
    form);

  try {
    for (const r of await children(province)) city.select.append(h('option', { value: r.code, text: r.name }));
  } catch (e) { fill(status, errorBox(sentence(e))); }
  city.select.addEventListener('change', async () => {
    fill(county.select, h('option', { value: '', text: '不选择县' }));
    if (!city.select.value) return;
    try {
      for (const r of await children(city.select.value)) county.select.append(h('option', { value: r.code, text: r.name }));
    } catch (e) { fill(status, errorBox(sentence(e))); }
  });

  // A form restored after a lost answer keeps its command id: sending it again makes no second petition.
  const pending = JSON.parse(sessionStorage.getItem(pendingKey) ?? 'null');
  if (pending) {
    const f = pending.form;
    category.value = f.category; subject.value = f.subject; content.value = f.content;
    name.value = f.name; phone.value = f.phone; idNumber.value = f.idNumber; address.value = f.address;
    fill(status, h('p', { class: 'notice', text: '上次提交尚未收到答复，已恢复填写的内容；再次提交不会重复登记。' }));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (send.disabled) return; // a double tap sends once
    if (!subject.value.trim() || !content.value.trim() || !name.value.trim()) {
      fill(status, errorBox('请填写标题、主要内容和姓名。'));
      return;
    }
    if (!consent.checked) {
      fill(status, errorBox('请阅读并同意个人信息的使用说明。'));
      return;
    }
    const formValues = {
      entryRegionCode: county.select.value || city.select.value || province,
      category: category.value, subject: subject.value.trim(), content: content.value.trim(),
      name: name.value.trim(), phone: phone.value.trim(), idNumber: idNumber.value.trim(), address: address.value.trim(),
    };
    const kept = JSON.parse(sessionStorage.getItem(pendingKey) ?? 'null');
    const same = kept && JSON.stringify(kept.form) === JSON.stringify(formValues);
    // A command is its id and its caller: a resend goes as the first send went (anonymous, or the same
    // account), else the server would take it for another command and a later tap would register twice.
    if (same && (kept.sub ?? null) !== null && kept.sub !== account) {
      fill(status, errorBox('上次提交时您已登录。请先在“我的信访”中用同一账号登录，再提交；不会重复登记。'));
      return;
    }
    const asKept = same && (kept.sub ?? null) === null;
    const commandId = same ? kept.commandId : crypto.randomUUID();
    const sendAs = asKept ? null : account;
    sessionStorage.setItem(pendingKey, JSON.stringify({ commandId, form: formValues, sub: sendAs }));
    send.disabled = true;
    fill(status, h('p', { text: '正在提交…' }));
    try {
      const data = await gql(`mutation($input: SubmitPetitionInput!) { submitPetition(input: $input) { caseNumber accessCode } }`, {
        input: {
          commandId, channel: 'MOBILE_APP', entryRegionCode: formValues.entryRegionCode, category: formValues.category,
          subject: formValues.subject, content: formValues.content,
          petitioner: { name: formValues.name, phone: formValues.phone || null, idNumber: formValues.idNumber || null, address: formValues.address || null },
        },
      }, sendAs === null ? null : token);
      sessionStorage.removeItem(pendingKey);
      const r = data.submitPetition;
      // The access code is shown once and never stored by the page.
      show(h('h2', { text: '提交成功' }), h('div', { class: 'card', role: 'status' },
        h('p', { text: '您的信访事项已登记。请记下或截图保存以下信息，查询办理进度和评价时需要用到：' }),
        h('dl', {}, h('dt', { text: '信访件编号' }), h('dd', { class: 'keep', id: 'case-number', text: r.caseNumber }),
          h('dt', { text: '查询码' }), h('dd', { class: 'keep', id: 'access-code', text: r.accessCode })),
        h('p', { class: 'meta', text: '查询码只显示这一次，请妥善保管，不要告诉他人。' }),
        h('p', {}, sendAs !== null ? h('a', { href: '#/mine', text: '去我的信访查看' }) : h('a', { href: '#/track', text: '去查询办理进度' }))));
    } catch (e) {
      // A coded answer ends the attempt (the form is corrected, then sent as a new one); a lost one keeps the
      // command id, and so does an expired token (the form waits while the citizen signs in again).
      if (signedOut(e)) {
        fill(status, errorBox('登录已过期。请在“我的信访”中重新登录后再提交；已填写的内容会保留，不会重复登记。'));
        send.disabled = false;
        return;
      }
      if (e.code !== 'NETWORK') sessionStorage.removeItem(pendingKey);
      fill(status, errorBox(sentence(e)));
      send.disabled = false;
    }
  });
}

// ---- 查询办理: track, evaluate, review, withdraw -------------------------------------------------

// What the petitioner's own view shows, whether reached by case number and access code or by its token.
const petitionFields = `id caseNumber subject category status stage submittedAt availableActions
  currentDepartment { name }
  deadline { stage lastDay dueAt overdue }
  reply { decision text issuedAt }
  review { outcome } reReview { outcome }
  evaluation { satisfaction }`;

/** A petition reached with the case number and access code (anyone holding them). */
const tracked = (caseNumber, accessCode) => ({
  accessCode,
  load: async () => (await gql(`query($n: String!, $a: String!) { trackPetition(caseNumber: $n, accessCode: $a) { ${petitionFields} } }`,
    { n: caseNumber, a: accessCode })).trackPetition,
});

/** A petition reached with the signed-in petitioner's token (its own). */
const own = (id) => ({
  accessCode: null,
  load: async () => (await gql(`query($id: ID!) { petition(id: $id) { ${petitionFields} } }`, { id }, token)).petition,
});

function trackView() {
  const number = h('input', { id: 'caseNumber', name: 'caseNumber', required: true, autocomplete: 'off' });
  const code = h('input', { id: 'accessCode', name: 'accessCode', required: true, autocomplete: 'off', type: 'password' });
  const look = h('button', { type: 'submit', text: '查询' });
  const result = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true }, ...field('caseNumber', '信访件编号', number), ...field('accessCode', '查询码', code), look);
  show(h('h2', { text: '查询办理进度' }), form, result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (look.disabled) return;
    if (!number.value.trim() || !code.value.trim()) { fill(result, errorBox('请填写信访件编号和查询码。')); return; }
    look.disabled = true;
    // The code stays in this form only (the page stores nothing); every read is a POST.
    await showPetition(result, tracked(number.value.trim(), code.value.trim()));
    look.disabled = false;
  });
}

function deadlineText(d) {
  if (!d) return '当前没有进行中的期限';
  const days = Math.ceil((new Date(d.dueAt) - Date.now()) / 86400000);
  const when = `${labels.stage[d.stage] ?? d.stage}期限至 ${d.lastDay}`;
  return d.overdue ? `${when}，已超期` : `${when}，还剩 ${Math.max(days, 0)} 天`;
}

async function showPetition(holder, source, notice) {
  let p;
  try {
    p = await source.load();
  } catch (e) {
    if (signedOut(e)) { mineView(); return; }
    fill(holder, errorBox(sentence(e)));
    return;
  }
  if (!p) { fill(holder, errorBox(refusals.NOT_FOUND)); return; }
  const rows = [
    ['信访件编号', p.caseNumber], ['标题', p.subject], ['类别', labels.category[p.category]],
    ['办理状态', labels.status[p.status] ?? p.status], ['当前阶段', labels.stage[p.stage] ?? p.stage],
    ['当前办理单位', p.currentDepartment.name], ['期限', deadlineText(p.deadline)], ['登记时间', dateText(p.submittedAt)],
  ];
  const card = h('section', { class: 'card', id: 'petition' },
    notice ? h('p', { class: 'notice', role: 'status', text: notice }) : null,
    h('dl', {}, rows.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
    p.reply ? h('div', {}, h('h3', { text: `答复意见（${labels.decision[p.reply.decision]}）` }), h('p', { id: 'reply', text: p.reply.text }),
      h('p', { class: 'meta', text: `答复时间 ${dateText(p.reply.issuedAt)}` })) : null,
    p.evaluation ? h('p', { text: `您的评价：${labels.satisfaction[p.evaluation.satisfaction]}` }) : null);
  fill(holder, card, ...acts(p, holder, source));
}

// The acts the API says this petitioner may take now (Petition.availableActions).
function acts(p, holder, source) {
  const offered = new Set(p.availableActions);
  const out = [];
  const run = async (button, mutation, type, extra, done) => {
    if (button.disabled) return;
    button.disabled = true;
    try {
      // The access code when reached by it; else the token speaks for the petitioner.
      await gql(`mutation($input: ${type}!) { ${mutation}(input: $input) { petition { id } } }`,
        { input: { commandId: crypto.randomUUID(), petitionId: p.id, accessCode: source.accessCode, ...extra } }, token);
      await showPetition(holder, source, done);
    } catch (e) {
      if (signedOut(e)) { mineView(); return; }
      if (e.code === 'CONCURRENCY_CONFLICT') await showPetition(holder, source, refusals.CONCURRENCY_CONFLICT);
      else { holder.append(errorBox(sentence(e))); button.disabled = false; }
    }
  };
  if (offered.has('evaluatePetition')) {
    const choice = h('select', { id: 'satisfaction' }, options(labels.satisfaction, 'SATISFIED'));
    const b = h('button', { type: 'button', text: '提交评价' });
    b.addEventListener('click', () => run(b, 'evaluatePetition', 'EvaluatePetitionInput', { satisfaction: choice.value }, '评价已提交。'));
    out.push(h('section', { class: 'card' }, h('h3', { text: '评价办理结果' }), ...field('satisfaction', '满意程度', choice), b));
  }
  for (const [act, title, text] of [
    ['requestReview', '申请复查', '对答复意见不服的，可以自收到之日起30日内请求原办理机关的上一级机关复查。'],
    ['requestReReview', '申请复核', '对复查意见不服的，可以自收到之日起30日内向复查机关的上一级机关请求复核。'],
  ]) {
    if (!offered.has(act)) continue;
    const reason = h('textarea', { id: `${act}-reason` });
    const b = h('button', { type: 'button', text: title });
    b.addEventListener('click', () => {
      if (!reason.value.trim()) { holder.append(errorBox('请填写理由。')); return; }
      run(b, act, 'RequestReviewInput', { reason: reason.value.trim() }, `${title}已提交。`);
    });
    out.push(h('section', { class: 'card' }, h('h3', { text: title }), h('p', { class: 'meta', text }), ...field(`${act}-reason`, '理由', reason), b));
  }
  if (offered.has('withdrawPetition')) {
    const b = h('button', { type: 'button', class: 'secondary', text: '撤回信访事项' });
    b.addEventListener('click', () => run(b, 'withdrawPetition', 'WithdrawPetitionInput', {}, '信访事项已撤回。'));
    out.push(h('section', { class: 'card' }, h('h3', { text: '撤回' }), h('p', { class: 'meta', text: '撤回后本事项不再办理。' }), b));
  }
  return out;
}

// ---- 我的信访: a signed-in petitioner's own petitions ---------------------------------------------

async function mineView() {
  const heading = h('h2', { text: '我的信访' });
  if (!token) {
    const { signInView, canSignIn } = await signin();
    if (!canSignIn()) {
      show(heading, h('p', { class: 'notice', text: '本平台暂未开通账号登录。请使用信访件编号和查询码查询办理进度。' }),
        h('p', {}, h('a', { href: '#/track', text: '去查询办理进度' })));
      return;
    }
    const message = signInNotice;
    signInNotice = null;
    signInView({
      path: '/', message, before: [heading, h('p', { class: 'notice', text: '登录后，以账号提交的信访事项会列在这里，查看和评价无需查询码。未登录也可以提交，凭信访件编号和查询码查询。' })],
      signedIn: (jwt) => signedIn(jwt).then(mineView, mineView),
    });
    return;
  }
  const holder = h('div', { 'aria-live': 'polite' }, h('p', { text: '正在加载…' }));
  show(heading, holder);
  let items;
  try {
    items = (await gql(`query($p: ID!) { myPetitions(province: $p, first: 50) { id caseNumber subject status submittedAt } }`,
      { p: province }, token)).myPetitions;
  } catch (e) {
    if (signedOut(e)) { mineView(); return; }
    fill(holder, errorBox(sentence(e)));
    return;
  }
  if (!items.length) {
    fill(holder, h('p', { text: '您还没有以账号提交的信访事项。' }), h('p', {}, h('a', { href: '#/submit', text: '我要信访' })));
    return;
  }
  const detail = h('div', { 'aria-live': 'polite' });
  fill(holder, h('ul', { class: 'list', id: 'mine' }, items.map((p) => {
    const open = h('button', { type: 'button', class: 'link' },
      h('span', { class: 'meta', text: `【${labels.status[p.status] ?? p.status}】` }), p.subject);
    open.addEventListener('click', () => showPetition(detail, own(p.id)));
    return h('li', {}, open, h('p', { class: 'meta', text: `${p.caseNumber} · ${dateText(p.submittedAt)}` }));
  })), detail);
}

// ---- routes -----------------------------------------------------------------------------------

function route() {
  const hash = location.hash || '#/';
  const shown = hash.startsWith('#/pub/') ? publication(decodeURIComponent(hash.slice(6)))
    : hash === '#/submit' ? submitView()
    : hash === '#/track' ? trackView()
    : hash === '#/mine' ? mineView()
    : publications();
  // The list that came with the page is for the first view only; later ones ask the API.
  initialList = null;
  return shown;
}
window.addEventListener('hashchange', route);
// Back from the provider (a code, or its refusal, in the address): signed in, then on to where the citizen was.
if (['code', 'error'].some((k) => new URLSearchParams(location.search).has(k)))
  signin().then((m) => m.finishSignIn('/')).then((jwt) => jwt && signedIn(jwt)).catch(() => {}).then(route);
else
  route();
