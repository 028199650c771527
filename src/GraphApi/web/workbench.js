// 信访工作台: the officers' workbench, on the public GraphQL API only. The token is held in memory (never
// stored): signing in again after a reload is the price of not leaving it in the browser.
import { refusals, labels, gql, sentence, h, show, fill, errorBox, field, options, dateText } from './common.js';
import { decode, finishSignIn, signInView } from './signin.js';

let token = null;
let claims = null;

const ask = (query, variables) => gql(query, variables, token);

// ---- signing in ---------------------------------------------------------------------------------

const sequenceKey = 'caseengine.lastSequence';

/** Takes a token (throws when it is not one), then shows what the hash names. */
function signedIn(jwt) {
  claims = decode(jwt);
  token = jwt;
  document.getElementById('who').textContent = `${claims.role ?? ''} ${claims.dept ?? ''}`.trim();
}

const signIn = (message) => signInView({
  path: '/workbench', message, before: [h('h2', { text: '登录' })],
  signedIn: (jwt) => { signedIn(jwt); route(); },
});

// ---- live updates (graphql-transport-ws) --------------------------------------------------------

// The protocol's few messages by hand: connection_init with the token, one subscription, next/complete,
// ping/pong. A library would need a bundling step the pages otherwise do without.
let socket = null;
let lastSequence = JSON.parse(sessionStorage.getItem(sequenceKey) ?? 'null');
const listeners = new Set();

function follow(department) {
  if (socket) return;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  socket = new WebSocket(url, 'graphql-transport-ws');
  socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
  socket.addEventListener('message', (m) => {
    const message = JSON.parse(m.data);
    if (message.type === 'connection_ack') {
      socket.send(JSON.stringify({ id: 'queue', type: 'subscribe', payload: {
        query: 'subscription($f: PetitionEventFilter, $after: Long) { petitionEvents(filter: $f, after: $after) { sequence type petitionId } }',
        variables: { f: { departmentId: department, includeSubordinates: false }, after: lastSequence } } }));
    } else if (message.type === 'next') {
      lastSequence = message.payload.data?.petitionEvents?.sequence ?? lastSequence;
      // Kept in the tab (a number, nothing personal) so a subscription cut by the token's expiry resumes after it, across the sign-in.
      sessionStorage.setItem(sequenceKey, JSON.stringify(lastSequence));
      for (const listener of listeners) listener();
    } else if (message.type === 'ping') {
      socket.send(JSON.stringify({ type: 'pong' }));
    }
  });
  // Closed (the token expired: 4403, or the network): after signing in again it resumes after the last event seen.
  socket.addEventListener('close', (e) => {
    socket = null;
    if (e.code === 4403) { token = null; listeners.clear(); signIn('登录已过期，请重新登录；重新登录后将接着显示期间的变化。'); }
  });
}

// ---- 待办事项: the inbox ------------------------------------------------------------------------

const inboxQuery = `query($d: ID!, $after: String, $f: InboxFilter, $o: InboxOrder) { inbox(departmentId: $d, first: 20, after: $after, filter: $f, orderBy: $o) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { stage dueAt overdue receivedAt petition { id caseNumber subject category } } } } }`;

async function inbox() {
  const department = claims.dept;
  const list = h('div', {}, h('p', { text: '正在加载…' }));
  const live = h('p', { class: 'meta', id: 'live', role: 'status' });
  // The API's filters and orders: stage, category, overdue only, text in the subject; keyset pages.
  const stage = h('select', { id: 'filter-stage' }, h('option', { value: '', text: '全部阶段' }), options(labels.stage));
  const category = h('select', { id: 'filter-category' }, h('option', { value: '', text: '全部类别' }), options(labels.category));
  const order = h('select', { id: 'filter-order' }, options({ DUE_AT_ASC: '期限最近的在前', RECEIVED_AT_DESC: '最新收到的在前', RECEIVED_AT_ASC: '最早收到的在前' }, 'DUE_AT_ASC'));
  const overdueOnly = h('input', { id: 'filter-overdue', type: 'checkbox' });
  const text = h('input', { id: 'filter-text', type: 'search' });
  const filters = h('form', { class: 'card', role: 'search', 'aria-label': '筛选' },
    ...field('filter-stage', '阶段', stage), ...field('filter-category', '类别', category), ...field('filter-order', '排序', order),
    ...field('filter-text', '标题包含', text), h('label', { class: 'check', for: 'filter-overdue' }, overdueOnly, '只看超期'));
  show(h('h2', { text: `待办事项（${department}）` }), filters, live, list);
  let after = null;
  let timer = null;
  const filter = () => ({
    stages: stage.value ? [stage.value] : null, category: category.value || null, overdueOnly: overdueOnly.checked || null, text: text.value.trim() || null,
  });
  const load = async () => {
    try {
      const data = (await ask(inboxQuery, { d: department, after, f: filter(), o: order.value })).inbox;
      const rows = data.edges.map(({ node }) => h('tr', {},
        h('td', {}, h('a', { href: `#/p/${node.petition.id}`, text: node.petition.caseNumber })),
        h('td', { text: node.petition.subject }),
        h('td', { text: labels.stage[node.stage] ?? node.stage }),
        h('td', { class: node.overdue ? 'overdue' : null, text: node.dueAt ? `${dateText(node.dueAt)}${node.overdue ? '（已超期）' : ''}` : '—' })));
      const next = h('button', { type: 'button', class: 'secondary', text: '下一页' });
      next.addEventListener('click', () => { after = data.pageInfo.endCursor; load(); });
      fill(list, 
        h('p', { class: 'meta', text: `共 ${data.totalCount} 件` }),
        h('div', { class: 'scroll' }, h('table', { class: 'queue' }, h('thead', {}, h('tr', {}, ['信访件编号', '标题', '阶段', '期限'].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', { id: 'inbox-rows' }, rows))),
        data.pageInfo.hasNextPage ? next : null);
    } catch (e) {
      fill(list, errorBox(sentence(e)));
    }
  };
  // A changed filter starts from the first page; typing waits for a pause (no request per key).
  let typing = null;
  for (const el of [stage, category, order, overdueOnly]) el.addEventListener('change', () => { after = null; load(); });
  text.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(() => { after = null; load(); }, 400); });
  filters.addEventListener('submit', (event) => event.preventDefault());
  // An event in the department's queue reloads the page shown, at most every half second (no request storm).
  listeners.clear();
  listeners.add(() => {
    live.textContent = '有新的变化，已更新。';
    clearTimeout(timer);
    timer = setTimeout(load, 500);
  });
  follow(department);
  await load();
}

// ---- a petition: its state, deadlines, history and the acts offered now -----------------------------

const petitionQuery = `query($id: ID!) { petition(id: $id) {
  id caseNumber subject content category status stage version availableActions
  currentDepartment { id name region { code } }
  openDeadlines { stage dueAt }
  reply { decision text }
  supervisions { id respondedAt }
  history { version type occurredAt actor { role departmentId } } } }`;

const actNames = {
  forwardPetition: '转送', transferLevel: '移交其他层级', acceptPetition: '受理', declinePetition: '不予受理',
  returnPetition: '退回', reclassifyPetition: '改变类别', assignOfficer: '指定承办人', extendDeadline: '延长期限',
  startHearing: '开始听证', concludeHearing: '结束听证', issueReply: '出具处理意见', supervisePetition: '督办',
  respondToSupervision: '回复督办', decideReview: '作出复查意见', decideReReview: '作出复核意见', withdrawPetition: '撤回',
  evaluatePetition: '评价', requestReview: '申请复查', requestReReview: '申请复核', dismissSuspectedDuplicate: '排除疑似重复',
};

async function petition(id, notice) {
  const holder = h('div', {}, h('p', { text: '正在加载…' }));
  show(holder);
  let p;
  try {
    p = (await ask(petitionQuery, { id })).petition;
  } catch (e) {
    fill(holder, errorBox(sentence(e)));
    return;
  }
  if (!p) { fill(holder, errorBox(refusals.NOT_FOUND)); return; }
  const forms = await Promise.all(p.availableActions.filter((a) => actNames[a]).map((a) => actForm(a, p)));
  fill(holder, 
    notice ? h('p', { class: 'notice', role: 'status', id: 'notice', text: notice }) : null,
    h('h2', { text: `${p.caseNumber} ${p.subject}` }),
    h('section', { class: 'card' }, h('dl', {},
      [['状态', labels.status[p.status]], ['阶段', labels.stage[p.stage]], ['当前单位', p.currentDepartment.name],
        ['类别', labels.category[p.category]], ['版本', String(p.version)]].map(([k, v]) => [h('dt', { text: k }), h('dd', { id: `field-${k}`, text: v })])),
      h('p', { text: p.content })),
    h('section', { class: 'card' }, h('h3', { text: '进行中的期限' }),
      p.openDeadlines.length ? h('ul', {}, p.openDeadlines.map((d) => h('li', { text: `${labels.stage[d.stage] ?? d.stage}：${dateText(d.dueAt)}` }))) : h('p', { text: '无' })),
    h('section', { class: 'card' }, h('h3', { text: '可以进行的操作' }),
      forms.length ? h('div', { class: 'actions', id: 'actions' }, forms) : h('p', { text: '当前没有您可以进行的操作。' })),
    h('section', { class: 'card' }, h('h3', { text: '办理过程' }),
      h('ol', { class: 'timeline' }, p.history.map((e) => h('li', { text: `${dateText(e.occurredAt)} ${labels.event[e.type] ?? e.type}（${e.actor?.departmentId ?? e.actor?.role ?? '系统'}）` })))));
}

/** A small form per act: its input fields, sent with the version shown (a later change is a conflict, explained). */
async function actForm(act, p) {
  const inputs = {};
  const fields = [];
  const text = (name, label) => { inputs[name] = h('textarea', { id: `${act}-${name}` }); fields.push(...field(`${act}-${name}`, label, inputs[name])); };
  const choose = (name, label, map) => { inputs[name] = h('select', { id: `${act}-${name}` }, options(map)); fields.push(...field(`${act}-${name}`, label, inputs[name])); };
  if (act === 'forwardPetition') {
    const agencies = (await ask(`query($r: ID!) { departments(regionCode: $r, kind: HANDLING_AGENCY) { id name } }`, { r: p.currentDepartment.region.code })).departments;
    choose('toDepartmentId', '转送至', Object.fromEntries(agencies.map((d) => [d.id, d.name])));
  }
  if (['declinePetition', 'returnPetition', 'transferLevel', 'extendDeadline', 'startHearing', 'reclassifyPetition'].includes(act)) text('reason', '理由');
  if (act === 'transferLevel') { inputs.toDepartmentId = h('input', { id: `${act}-to` }); fields.push(...field(`${act}-to`, '移交至（部门编号）', inputs.toDepartmentId)); }
  if (act === 'reclassifyPetition') choose('category', '新类别', labels.category);
  if (act === 'assignOfficer') { inputs.officerId = h('input', { id: `${act}-officer` }); fields.push(...field(`${act}-officer`, '承办人', inputs.officerId)); }
  if (act === 'extendDeadline') { inputs.days = h('input', { id: `${act}-days`, type: 'number', min: '1', max: '30', value: '30' }); fields.push(...field(`${act}-days`, '延长天数', inputs.days)); }
  if (act === 'concludeHearing') text('summary', '听证情况');
  if (act === 'issueReply') { choose('decision', '处理意见', labels.decision); text('text', '意见内容'); }
  if (act === 'supervisePetition') { text('instruction', '督办要求'); inputs.dueAt = h('input', { id: `${act}-due`, type: 'date' }); fields.push(...field(`${act}-due`, '回复期限', inputs.dueAt)); }
  if (act === 'respondToSupervision') text('response', '回复内容');
  if (act === 'decideReview' || act === 'decideReReview') { choose('outcome', '意见', { UPHELD: '维持', AMENDED: '变更', REVOKED: '撤销' }); text('text', '意见内容'); }
  const send = h('button', { type: 'submit', text: actNames[act] });
  const status = h('div');
  const form = h('form', { novalidate: true, 'aria-label': actNames[act] }, h('h4', { text: actNames[act] }), ...fields, send, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (send.disabled) return;
    const input = { commandId: crypto.randomUUID(), petitionId: p.id };
    if (!['supervisePetition', 'respondToSupervision', 'withdrawPetition', 'evaluatePetition', 'requestReview', 'requestReReview'].includes(act)) input.expectedVersion = p.version;
    for (const [name, el] of Object.entries(inputs)) input[name] = el.type === 'number' ? Number(el.value) : el.value;
    if (act === 'forwardPetition') input.mode = 'TRANSFER';
    if (act === 'supervisePetition') input.dueAt = new Date(`${inputs.dueAt.value}T00:00:00+08:00`).toISOString();
    if (act === 'respondToSupervision') input.supervisionId = p.supervisions.find((s) => !s.respondedAt)?.id;
    const type = { requestReReview: 'RequestReviewInput', decideReReview: 'DecideReviewInput' }[act] ?? `${act[0].toUpperCase()}${act.slice(1)}Input`;
    send.disabled = true;
    try {
      await ask(`mutation($input: ${type}!) { ${act}(input: $input) { petition { version } } }`, { input });
      await petition(p.id, `已${actNames[act]}。`);
    } catch (e) {
      // Another officer (or another tab) acted first: say so and show the petition as it is now.
      if (e.code === 'CONCURRENCY_CONFLICT') await petition(p.id, '该事项已被他人处理，页面已刷新为最新状态，请确认后再操作。');
      else { fill(status, errorBox(sentence(e))); send.disabled = false; }
    }
  });
  return form;
}

// ---- 统计: the office's numbers for a period, with bars ---------------------------------------------

async function stats() {
  // Days are China's (the statistics' days are): after midnight in Beijing it is already tomorrow there.
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  const from = h('input', { id: 'from', type: 'date', value: `${today.slice(0, 8)}01` });
  const to = h('input', { id: 'to', type: 'date', value: today });
  const go = h('button', { type: 'submit', text: '查看' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true }, ...field('from', '起始日期', from), ...field('to', '截止日期', to), go);
  const percent = (x) => (x == null ? '—' : `${(x * 100).toFixed(1)}%`);
  const load = async () => {
    try {
      const s = (await ask(`query($d: ID!, $f: Date!, $t: Date!) { statistics(departmentId: $d, from: $f, to: $t) {
        totals { received accepted replied overdue evaluated } onTimeRate satisfactionRate onlineShare
        byChannel { channel count } byCategory { category count } series(period: DAY) { periodStart received replied } } }`,
        { d: claims.dept, f: from.value, t: to.value })).statistics;
      const bars = (rows, name) => {
        const max = Math.max(1, ...rows.map((r) => r.count));
        return h('div', { class: 'bars' }, rows.map((r) => {
          const bar = h('div', { class: 'bar' });
          bar.style.width = `${(100 * r.count) / max}%`; // CSSOM, which a CSP without unsafe-inline allows
          return [h('span', { text: name(r) }), bar, h('span', { text: String(r.count) })];
        }));
      };
      fill(out, 
        h('section', { class: 'card' }, h('dl', { id: 'totals' },
          [['收件', s.totals.received], ['受理', s.totals.accepted], ['答复', s.totals.replied], ['超期', s.totals.overdue],
            ['按期办结率', percent(s.onTimeRate)], ['满意率', percent(s.satisfactionRate)], ['网上信访占比', percent(s.onlineShare)]]
            .map(([k, v]) => [h('dt', { text: k }), h('dd', { id: `total-${k}`, text: String(v) })]))),
        h('section', { class: 'card' }, h('h3', { text: '按渠道' }), bars(s.byChannel, (r) => r.channel)),
        h('section', { class: 'card' }, h('h3', { text: '按类别' }), bars(s.byCategory, (r) => labels.category[r.category] ?? r.category)),
        h('section', { class: 'card' }, h('h3', { text: '每日收件' }),
          bars(s.series.filter((b) => b.received > 0).map((b) => ({ day: b.periodStart, count: b.received })), (r) => r.day)));
    } catch (e) {
      fill(out, errorBox(sentence(e)));
    }
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); load(); });
  show(h('h2', { text: `统计（${claims.dept}）` }), form, out);
  await load();
}

// ---- 历史状态: a petition as it was at a moment (auditors) -------------------------------------------

function asOf() {
  const id = h('input', { id: 'asof-id' });
  const at = h('input', { id: 'asof-at', type: 'datetime-local', step: '0.001' });
  const go = h('button', { type: 'submit', text: '查看' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true }, ...field('asof-id', '信访事项编号（ID）', id), ...field('asof-at', '时间点（北京时间）', at), go);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const moment = new Date(`${at.value}+08:00`).toISOString();
      const p = (await ask(`query($id: ID!, $at: DateTime) { petitionAsOf(id: $id, at: $at) { caseNumber status stage version
        history { version type occurredAt } } }`, { id: id.value.trim(), at: moment })).petitionAsOf;
      if (!p) { fill(out, errorBox(refusals.NOT_FOUND)); return; }
      fill(out, h('section', { class: 'card', id: 'asof' },
        h('dl', {}, [['信访件编号', p.caseNumber], ['当时状态', labels.status[p.status]], ['当时阶段', labels.stage[p.stage]], ['版本', String(p.version)]]
          .map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
        h('ol', { class: 'timeline' }, p.history.map((e) => h('li', { text: `${dateText(e.occurredAt)} ${labels.event[e.type] ?? e.type}` })))));
    } catch (e) {
      fill(out, errorBox(sentence(e)));
    }
  });
  show(h('h2', { text: '某一时间点的状态' }), form, out);
}

// ---- 超期事项: the overdue list of the office and the departments below it --------------------------

async function overdue() {
  const list = h('div', {}, h('p', { text: '正在加载…' }));
  show(h('h2', { text: `超期事项（${claims.dept} 及下级）` }), list);
  let after = null;
  const load = async () => {
    try {
      const data = (await ask(`query($d: ID!, $after: String) { overdue(departmentId: $d, first: 20, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { stage dueAt daysOverdue supervisionCount department { name } petition { id caseNumber subject } } } } }`,
        { d: claims.dept, after })).overdue;
      const next = h('button', { type: 'button', class: 'secondary', text: '下一页' });
      next.addEventListener('click', () => { after = data.pageInfo.endCursor; load(); });
      fill(list, h('p', { class: 'meta', text: `共 ${data.totalCount} 件` }),
        h('div', { class: 'scroll' }, h('table', { class: 'queue' },
          h('thead', {}, h('tr', {}, ['信访件编号', '标题', '单位', '阶段', '超期天数', '督办次数'].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, data.edges.map(({ node }) => h('tr', {},
            h('td', {}, h('a', { href: `#/p/${node.petition.id}`, text: node.petition.caseNumber })),
            h('td', { text: node.petition.subject }), h('td', { text: node.department.name }),
            h('td', { text: labels.stage[node.stage] ?? node.stage }), h('td', { class: 'overdue', text: String(node.daysOverdue) }),
            h('td', { text: String(node.supervisionCount) })))))),
        data.pageInfo.hasNextPage ? next : null);
    } catch (e) {
      fill(list, errorBox(sentence(e)));
    }
  };
  await load();
}

// ---- 形势分析: rising regions, categories and keywords (supervisors of petition offices) ---------------

async function situation() {
  const region = claims.dept?.split('-')[0] ?? '';
  const period = h('select', { id: 'period' }, options({ WEEK: '周', MONTH: '月', QUARTER: '季度' }, 'MONTH'));
  const date = h('input', { id: 'date', type: 'date', value: new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10) });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true }, ...field('period', '周期', period), ...field('date', '日期', date), h('button', { type: 'submit', text: '分析' }));
  const rising = (title, items) => h('section', { class: 'card' }, h('h3', { text: title }),
    items.length ? h('ol', {}, items.map((i) => h('li', { text: `${i.name}：${i.count} 件（基准 ${i.baselineMean.toFixed(1)}${i.ratio ? `，${i.ratio.toFixed(1)} 倍` : ''}）` })))
      : h('p', { text: '无明显上升' }));
  const load = async () => {
    try {
      const r = (await ask(`query($r: ID!, $p: AnalysisPeriod!, $d: Date!) { situationAnalysis(regionCode: $r, period: $p, date: $d) {
        regionName periodStart periodEnd received baselineMean
        risingRegions { name count baselineMean ratio } risingCategories { name count baselineMean ratio } keywords { keyword count score } } }`,
        { r: region, p: period.value, d: date.value })).situationAnalysis;
      fill(out, 
        h('p', { id: 'situation-summary', text: `${r.regionName} ${r.periodStart} 至 ${r.periodEnd}：收件 ${r.received} 件，基准 ${r.baselineMean.toFixed(1)} 件` }),
        rising('上升的地区', r.risingRegions), rising('上升的类别', r.risingCategories),
        h('section', { class: 'card' }, h('h3', { text: '关键词' }),
          r.keywords.length ? h('ol', {}, r.keywords.map((k) => h('li', { text: `${k.keyword}（${k.count}）` }))) : h('p', { text: '无' })));
    } catch (e) {
      fill(out, errorBox(sentence(e)));
    }
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); load(); });
  show(h('h2', { text: '形势分析' }), form, out);
  await load();
}

// ---- routes -------------------------------------------------------------------------------------

function route() {
  if (!token) return signIn();
  const hash = location.hash || '#/';
  if (hash.startsWith('#/p/')) return petition(decodeURIComponent(hash.slice(4)));
  if (hash === '#/stats') return stats();
  if (hash === '#/overdue') return overdue();
  if (hash === '#/situation') return situation();
  if (hash === '#/asof') return asOf();
  return inbox();
}
window.addEventListener('hashchange', route);
finishSignIn('/workbench').then((jwt) => { if (jwt) signedIn(jwt); }).catch(() => {}).then(route);
