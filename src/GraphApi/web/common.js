// What the citizen pages and the workbench share: the API call, coded refusals as sentences, the
// Chinese labels of the schema's enums, and a small DOM builder (text always goes in as text).

export const api = '/graphql';

// Every refusal is shown as a sentence, never as the raw error.
export const refusals = {
  VALIDATION: '填写的内容不符合要求，请检查后重新提交。',
  NOT_FOUND: '没有找到对应的信访事项，请核对信访件编号和查询码。',
  FORBIDDEN: '您无权进行此项操作。',
  UNAUTHENTICATED: '此项操作需要先登录。',
  CONCURRENCY_CONFLICT: '该事项刚刚有了新的进展，页面已刷新，请确认后再操作。',
  INVALID_TRANSITION: '该事项当前所处的阶段不能进行此项操作。',
  DEADLINE_PASSED: '已超过规定的期限，不能再进行此项操作。',
  RATE_LIMITED: '操作过于频繁，请稍后再试。',
  QUERY_TOO_COMPLEX: '请求的内容过多，请缩小范围后重试。',
  INTERNAL: '信访系统暂时出现问题，请稍后再试。',
};
export const failure = '暂时无法连接信访系统，请检查网络后重试。';

export const labels = {
  category: { COMPLAINT_REQUEST: '投诉请求', SUGGESTION: '意见建议', REPORT_ACCUSATION: '检举控告', LEGAL_PROCEDURE: '涉法涉诉' },
  status: {
    REGISTERED: '已登记', FORWARDED: '已转送', IN_HANDLING: '办理中', DECLINED: '不予受理', REPLIED: '已答复',
    UNDER_REVIEW: '复查中', REVIEWED: '已复查', UNDER_RE_REVIEW: '复核中', CLOSED: '已办结', TERMINATED: '已终结',
    WITHDRAWN: '已撤回', MERGED: '已合并',
  },
  stage: {
    ROUTING: '登记交转', ACCEPTANCE: '受理', HANDLING: '办理', REVIEW_WINDOW: '可申请复查', REVIEW: '复查',
    RE_REVIEW_WINDOW: '可申请复核', RE_REVIEW: '复核', SUPERVISION_RESPONSE: '督办回复', EVALUATION: '评价', NONE: '—',
  },
  decision: { SUPPORTED: '支持', PARTIALLY_SUPPORTED: '部分支持', NOT_SUPPORTED: '不支持', EXPLAINED: '解释说明' },
  satisfaction: { SATISFIED: '满意', BASICALLY_SATISFIED: '基本满意', DISSATISFIED: '不满意' },
  kind: { NOTICE: '信访须知', POLICY: '政策', LAW: '法律法规', NEWS: '新闻', HELP: '使用帮助' },
  event: {
    PetitionSubmitted: '登记', PetitionReclassified: '改变类别', PetitionForwarded: '转送', PetitionTransferredLevel: '移交',
    PetitionReturned: '退回', PetitionDeclined: '不予受理', PetitionAccepted: '受理', OfficerAssigned: '指定承办人',
    DeadlineExtended: '延期', HearingStarted: '开始听证', HearingConcluded: '结束听证', ReplyIssued: '出具处理意见',
    ResultReported: '报告办理结果', SupervisionIssued: '督办', SupervisionAnswered: '回复督办', PetitionEvaluated: '评价',
    ReviewRequested: '申请复查', ReviewDecided: '复查意见', ReReviewRequested: '申请复核', ReReviewDecided: '复核意见',
    PetitionWithdrawn: '撤回', DuplicateSuspected: '疑似重复', SuspectedDuplicateDismissed: '排除疑似重复', DuplicateLinked: '合并重复件',
    DeadlineMissed: '超期', DeadlineRecalculated: '重新计算期限', PetitionClosed: '办结', PetitionTerminated: '终结',
    PetitionHandedOver: '移交他省办理', HandedOverPetitionReceived: '接收移交', LinkedProgressReported: '移交件进展',
    HandedOverPetitionReturned: '移交件退回', HandOverReturned: '移交退回',
  },
};

// ---- the API ----------------------------------------------------------------------------------

export class Refused extends Error {
  constructor(code) { super(code); this.code = code; }
}

/** One GraphQL request over POST; `token` (the workbench's, held in memory) signs it. */
export async function gql(query, variables, token) {
  let response;
  const headers = { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    response = await fetch(api, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new Refused('NETWORK');
  }
  let body;
  try { body = await response.json(); } catch { throw new Refused('NETWORK'); }
  if (body.errors && body.errors.length) throw new Refused(body.errors[0].extensions?.code ?? 'UNKNOWN');
  return body.data;
}

export const sentence = (e) => (e instanceof Refused && refusals[e.code]) || failure;

// ---- the DOM ----------------------------------------------------------------------------------

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export const app = document.getElementById('app');
/** Replaces an element's children; absent parts (null) are left out, never shown as text. */
export const fill = (el, ...nodes) => el.replaceChildren(...nodes.flat(Infinity).filter((n) => n != null));
export function show(...nodes) {
  fill(app, ...nodes);
  app.focus();
}
export const errorBox = (text) => h('p', { class: 'error', role: 'alert', text });
export const field = (id, label, input) => [h('label', { for: id, text: label }), input];
export const options = (map, chosen) => Object.entries(map).map(([v, t]) => h('option', { value: v, selected: v === chosen }, t));
export const dateText = (iso) => new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

