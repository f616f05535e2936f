'use strict';
// Sluice UI: one small script, no framework, no network beyond this server.
// In a report (`sluice report`) every API answer is in #sluice-data and nothing is fetched.

const embedded = (() => {
  const node = document.getElementById('sluice-data');
  return node ? JSON.parse(node.textContent) : null;
})();
const main = document.getElementById('main');
const liveNote = document.getElementById('live');
const view = { log: null, logSearch: '', previews: new Set() };

// ---- helpers -------------------------------------------------------------

/** Builds an element; strings become text nodes (never HTML). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An API path with a query, keys in the order given: the report's map uses the same spelling. */
function apiPath(path, query) {
  const parts = Object.entries(query).filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(String(v)));
  return parts.length ? path + '?' + parts.join('&') : path;
}

async function load(path, asText) {
  if (embedded) {
    if (!(path in embedded)) throw new Error('not in this report: ' + path);
    return embedded[path];
  }
  const response = await fetch(path, { headers: { Accept: asText ? 'text/plain' : 'application/json' } });
  const body = asText ? await response.text() : await response.json();
  if (!response.ok) throw new Error(asText ? body : (body.error || response.statusText));
  return body;
}

function stateBadge(state) { return h('span', { class: 'state ' + (state || 'not_run') }, (state || 'not run').replace('_', ' ')); }
function seconds(ms) {
  if (ms === null || ms === undefined || isNaN(ms)) return '–';
  const s = ms / 1000;
  if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + ' s';
  const m = Math.floor(s / 60);
  return m < 60 ? m + ' min ' + Math.round(s % 60) + ' s' : Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}
function time(iso) { return iso ? new Date(iso).toLocaleString() : '–'; }
function took(start, end) { return start ? seconds((end ? Date.parse(end) : Date.now()) - Date.parse(start)) : '–'; }
function runLink(id) { return embedded ? h('code', {}, id) : h('a', { href: '/runs/' + encodeURIComponent(id), 'data-nav': true }, id); }
function pipelineLink(name) { return embedded ? h('span', {}, name) : h('a', { href: '/pipelines/' + encodeURIComponent(name), 'data-nav': true }, name); }
function instanceName(t) { return t.task + (t.label !== null ? '[' + t.label + ']' : t.map_index !== null ? '[' + t.map_index + ']' : ''); }

// ---- routing -------------------------------------------------------------

function route() {
  const path = embedded ? embedded['#page'] : location.pathname;
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run) return renderRun(decodeURIComponent(run[1]));
  const pipeline = /^\/pipelines\/([^/]+)$/.exec(path);
  if (pipeline) return renderPipeline(decodeURIComponent(pipeline[1]));
  return renderRuns();
}

// Renders overlap (a click while a live update is loading): only the newest
// may touch the page, or a slow older one would put back the page just left.
let latestRender = 0;

async function render() {
  const mine = ++latestRender;
  try {
    const content = await route();
    if (mine !== latestRender) return;
    const focused = document.activeElement && document.activeElement.id;
    main.replaceChildren(...[content].flat());
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  } catch (error) {
    if (mine !== latestRender) return;
    main.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, String(error.message || error)));
  }
}

document.addEventListener('click', (event) => {
  const link = event.target.closest && event.target.closest('a[data-nav]');
  if (!link || embedded || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  history.pushState(null, '', link.getAttribute('href'));
  view.log = null; view.previews.clear();
  render().then(() => main.focus());
});
window.addEventListener('popstate', () => render());

// ---- the runs page ---------------------------------------------------------

async function renderRuns() {
  document.title = 'Runs · Sluice';
  const params = new URLSearchParams(location.search);
  const all = (await load('/api/runs')).runs;
  const wantPipeline = params.get('pipeline') || '', wantState = params.get('state') || '';
  const shown = all.filter((r) => (!wantPipeline || r.pipeline === wantPipeline) && (!wantState || r.state === wantState));
  const children = {};
  for (const r of all) if (r.parent_run_id) (children[r.parent_run_id] = children[r.parent_run_id] || []).push(r);
  const pipelines = [...new Set(all.map((r) => r.pipeline))].sort();
  const states = [...new Set(all.map((r) => r.state))].sort();
  const select = (name, label, values, current) => h('label', {}, label,
    h('select', { name, id: 'filter-' + name, onchange: (e) => {
      const next = new URLSearchParams(location.search);
      if (e.target.value) next.set(name, e.target.value); else next.delete(name);
      history.replaceState(null, '', '/' + (next.toString() ? '?' + next : ''));
      render();
    } }, h('option', { value: '' }, 'all'), values.map((v) => h('option', { value: v, selected: v === current }, v))));
  const rows = shown.map((r) => h('tr', { 'data-run': r.run_id },
    h('td', {}, runLink(r.run_id)),
    h('td', {}, pipelineLink(r.pipeline)),
    h('td', {}, stateBadge(r.state)),
    h('td', {}, time(r.start)),
    h('td', { class: 'num' }, took(r.start, r.end)),
    h('td', {}, Object.entries(r.task_states || {}).map(([s, n]) => n + ' ' + s.replace('_', ' ')).join(', ')),
    h('td', {}, r.parent_run_id ? ['triggered by ', runLink(r.parent_run_id)] : '',
      (children[r.run_id] || []).length ? [r.parent_run_id ? '; ' : '', 'started ', (children[r.run_id] || []).map((c, i) => [i ? ', ' : '', runLink(c.run_id)])] : '')));
  return [
    h('h1', {}, 'Runs'),
    embedded ? null : h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      select('pipeline', 'Pipeline', pipelines, wantPipeline), select('state', 'State', states, wantState)),
    shown.length ? h('table', { class: 'runs' },
      h('thead', {}, h('tr', {}, ['Run', 'Pipeline', 'State', 'Started', 'Took', 'Tasks', 'Triggers'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows)) : h('p', { class: 'empty' }, all.length ? 'No run matches the filters.' : 'No runs recorded yet: sluice run SPEC.yaml'),
  ];
}

// ---- the run page ----------------------------------------------------------

async function renderRun(id) {
  const run = await load('/api/runs/' + encodeURIComponent(id));
  const base = '/api/runs/' + encodeURIComponent(run.run_id);
  document.title = run.pipeline + ' ' + run.run_id + ' · Sluice';
  const starts = run.tasks.flatMap((t) => t.attempts.map((a) => a.start)).filter(Boolean).map(Date.parse);
  const ends = run.tasks.flatMap((t) => t.attempts.map((a) => a.end)).filter(Boolean).map(Date.parse);
  const first = starts.length ? Math.min(...starts) : null;
  const last = ends.length ? Math.max(...ends, ...starts) : null;
  let svg = '';
  try { svg = await load(base + '/graph.svg', true); } catch (error) { svg = null; }
  const graph = h('div', { class: 'graph', id: 'graph' });
  if (svg) {
    graph.innerHTML = svg; // drawn by sluice's own SVG renderer, every text escaped
    for (const node of graph.querySelectorAll('g.node')) {
      node.setAttribute('tabindex', '0');
      const go = () => { const row = [...document.querySelectorAll('tr[data-task]')].find((r) => r.dataset.task === node.dataset.task); if (row) { row.scrollIntoView({ block: 'center' }); row.focus(); } };
      node.addEventListener('click', go);
      node.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
    }
  } else graph.append(h('p', { class: 'empty' }, 'This run kept no plan to draw.'));
  return [
    h('h1', {}, 'Run ', h('code', {}, run.run_id), ' of ', pipelineLink(run.pipeline), ' ', stateBadge(run.state)),
    h('p', { class: 'meta' }, h('span', {}, 'started ' + (first ? new Date(first).toLocaleString() : '–')),
      h('span', {}, 'took ' + (first && last ? seconds(last - first) : '–')),
      h('span', {}, run.tasks.length + ' task instances'),
      run.parent_run_id ? h('span', {}, 'triggered by ', runLink(run.parent_run_id)) : null,
      run.child_runs.length ? h('span', {}, 'started ', run.child_runs.map((c, i) => [i ? ', ' : '', runLink(c)])) : null),
    h('h2', {}, 'Graph'), graph,
    h('h2', {}, 'Timeline'), timeline(run, first, last),
    h('h2', {}, 'Tasks'), await instanceTable(run, base),
    h('section', { id: 'log-section', 'aria-live': 'polite' }, view.log ? await logViewer(base, run) : null),
  ];
}

function timeline(run, first, last) {
  if (first === null) return h('p', { class: 'empty' }, 'No attempt has started.');
  const span = Math.max(1, (last || first) - first);
  const rows = run.tasks.filter((t) => t.attempts.some((a) => a.start)).map((t) => h('div', { class: 'gantt-row' },
    h('span', { class: 'name', title: instanceName(t) }, instanceName(t)),
    h('div', { class: 'gantt-track' }, t.attempts.filter((a) => a.start).map((a) => {
      const s = Date.parse(a.start) - first, e = (a.end ? Date.parse(a.end) : last) - first;
      return h('div', { class: 'gantt-bar ' + a.state, style: 'left:' + (100 * s / span) + '%;width:' + Math.max(0.3, 100 * (e - s) / span) + '%',
        title: instanceName(t) + ' try ' + a.try + ': ' + a.state + ', ' + seconds(e - s), role: 'img',
        'aria-label': instanceName(t) + ' try ' + a.try + ' ' + a.state + ' ' + seconds(e - s) });
    }))));
  return h('div', { class: 'gantt' }, rows, h('div', { class: 'gantt-axis' }, h('span', {}, '0 s'), h('span', {}, seconds(span))));
}

/** The outputs of an instance that are tables kept in the run's records. */
function tableOutputs(t) {
  return Object.entries(t.outputs || {}).filter(([name, v]) => typeof v === 'string' && v.endsWith('/' + name + '.arrow')).map(([name]) => name);
}

async function instanceTable(run, base) {
  const rows = [];
  for (const t of run.tasks) {
    const tries = t.attempts.filter((a) => a.log);
    const lastAttempt = t.attempts[t.attempts.length - 1];
    const outputs = Object.entries(t.outputs || {});
    const tables = tableOutputs(t);
    const previews = [];
    for (const name of tables) {
      const key = instanceName(t) + '.' + name;
      if (view.previews.has(key)) previews.push(await tablePreview(base, t, name));
    }
    rows.push(h('tr', { 'data-task': t.task, tabindex: '-1' },
      h('td', {}, h('code', {}, t.task), t.label !== null ? [' ', h('span', { class: 'mono' }, '[' + t.label + ']')] : t.map_index !== null ? ' [' + t.map_index + ']' : ''),
      h('td', {}, stateBadge(t.state), t.cache_hit ? ' cache hit' : ''),
      h('td', { class: 'num' }, lastAttempt && lastAttempt.start ? took(t.attempts[0].start, lastAttempt.end) : '–'),
      h('td', {}, tries.map((a) => h('button', { type: 'button', onclick: () => { view.log = { task: t.task, label: t.label, try: a.try }; render(); },
        'aria-label': 'log of ' + instanceName(t) + ' try ' + a.try }, 'try ' + a.try + (a.state === 'failed' ? ' ✗' : '')))),
      h('td', {}, outputs.length ? h('dl', { class: 'outputs' }, outputs.map(([name, v]) => [h('dt', {}, name),
        h('dd', {}, tables.includes(name)
          ? h('button', { type: 'button', onclick: () => { const key = instanceName(t) + '.' + name; view.previews.has(key) ? view.previews.delete(key) : view.previews.add(key); render(); } },
            view.previews.has(instanceName(t) + '.' + name) ? 'hide table' : 'preview table')
          : h('code', {}, typeof v === 'string' ? v : JSON.stringify(v)))])) : '', previews),
      h('td', {}, (t.checks || []).length ? h('ul', { class: 'checks' }, t.checks.map((c) => h('li', { class: c.status },
        stateBadge(c.status === 'passed' ? 'success' : 'failed'), ' ', c.output + ' ' + c.label,
        c.status === 'passed' ? '' : ' (' + (c.failing_rows || 0) + ' of ' + (c.rows || 0) + ' rows)'))) : '')));
  }
  return h('table', { class: 'instances' },
    h('thead', {}, h('tr', {}, ['Task', 'State', 'Took', 'Logs', 'Outputs', 'Checks'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows));
}

async function tablePreview(base, t, output) {
  try {
    const table = await load(apiPath(base + '/table', { task: t.task, label: t.label, output, head: 50 }));
    return h('div', { class: 'preview' }, h('table', {},
      h('caption', { class: 'meta' }, output + ': ' + table.rows.length + ' of ' + table.total_rows + ' rows'),
      h('thead', {}, h('tr', {}, table.columns.map((c) => h('th', { scope: 'col' }, c.name, h('br'), h('small', {}, c.type))))),
      h('tbody', {}, table.rows.map((r) => h('tr', {}, r.map((v) => h('td', {}, v === null ? '∅' : String(v))))))));
  } catch (error) { return h('p', { class: 'empty' }, String(error.message || error)); }
}

async function logViewer(base, run) {
  const wanted = view.log;
  const name = wanted.task + (wanted.label !== null ? '[' + wanted.label + ']' : '');
  let text;
  try { text = await load(apiPath(base + '/log', { task: wanted.task, label: wanted.label, try: wanted.try }), true); } catch (error) { text = String(error.message || error); }
  const pre = h('pre', { id: 'log-text', tabindex: '0' });
  const paint = () => {
    const needle = view.logSearch.toLowerCase();
    const count = h('span', { class: 'meta', id: 'log-count' });
    pre.replaceChildren();
    if (!needle) { pre.textContent = text; return count; }
    let hits = 0;
    for (const line of text.split('\n')) {
      const at = line.toLowerCase().indexOf(needle);
      if (at < 0) continue;
      hits++;
      pre.append(line.slice(0, at), h('mark', {}, line.slice(at, at + needle.length)), line.slice(at + needle.length) + '\n');
    }
    count.textContent = hits + ' matching line' + (hits === 1 ? '' : 's');
    return count;
  };
  const counter = h('span', { class: 'meta', id: 'log-count' });
  const search = h('input', { type: 'search', id: 'log-search', placeholder: 'search the log', value: view.logSearch, 'aria-label': 'search the log',
    oninput: (e) => { view.logSearch = e.target.value; const c = paint(); counter.textContent = c.textContent; } });
  const first = paint(); counter.textContent = first.textContent;
  return h('div', { class: 'log' },
    h('div', { class: 'log-head' }, h('h2', { style: 'margin:0;border:0' }, 'Log of ', h('code', {}, name), ' try ' + wanted.try),
      h('label', {}, 'Search', search), counter,
      h('button', { type: 'button', onclick: () => { view.log = null; render(); } }, 'close')),
    pre);
}

// ---- the pipeline page -----------------------------------------------------

async function renderPipeline(name) {
  const base = '/api/pipelines/' + encodeURIComponent(name);
  const pipeline = await load(base);
  document.title = name + ' · Sluice';
  const graph = h('div', { class: 'graph' });
  try { graph.innerHTML = await load(base + '/graph.svg', true); } catch (error) { graph.append(h('p', { class: 'empty' }, String(error.message || error))); }
  const lint = pipeline.lint;
  return [
    h('h1', {}, 'Pipeline ', h('code', {}, name)),
    pipeline.description ? h('p', {}, pipeline.description) : null,
    h('p', { class: 'meta' }, h('span', {}, 'spec ', h('code', {}, pipeline.spec || 'unknown')), h('span', {}, pipeline.tasks.length + ' tasks'), h('span', {}, pipeline.runs.length + ' runs')),
    h('h2', {}, 'Graph'), graph,
    h('h2', {}, 'Params'), pipeline.params && Object.keys(pipeline.params).length ? h('pre', {}, JSON.stringify(pipeline.params, null, 2)) : h('p', { class: 'empty' }, 'No params.'),
    h('h2', {}, 'Lint'), !lint ? h('p', { class: 'empty' }, 'The spec could not be read to lint.')
      : lint.diagnostics.length ? h('ul', {}, lint.diagnostics.map((d) => h('li', { class: 'diag ' + d.severity },
        h('code', {}, d.file.split('/').pop() + ':' + d.line + ':' + d.column), ' ' + d.severity + ': ' + d.message + ' [' + d.rule + ']',
        d.notes.length ? h('div', { class: 'meta' }, d.notes.join(' · ')) : null)))
      : h('p', {}, 'No diagnostics: ' + lint.summary.files + ' file linted clean.'),
    h('h2', {}, 'Runs over time'), runsOverTime(pipeline.runs),
    h('table', {}, h('thead', {}, h('tr', {}, ['Run', 'State', 'Started', 'Took'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, pipeline.runs.map((r) => h('tr', {}, h('td', {}, runLink(r.run_id)), h('td', {}, stateBadge(r.state)), h('td', {}, time(r.start)), h('td', { class: 'num' }, took(r.start, r.end)))))),
  ];
}

/** Each run's duration as a bar, oldest left, coloured by state. */
// Not `history`: a global function of that name hides window.history (pushState).
function runsOverTime(runs) {
  const ordered = runs.slice().reverse().slice(-60);
  if (!ordered.length) return h('p', { class: 'empty' }, 'No runs.');
  const ms = ordered.map((r) => (r.end ? Date.parse(r.end) : Date.now()) - Date.parse(r.start));
  const top = Math.max(1, ...ms);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', String(ordered.length * 14 + 4)); svg.setAttribute('height', '64');
  svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', 'durations of the last ' + ordered.length + ' runs');
  ordered.forEach((r, i) => {
    const bar = document.createElementNS(ns, 'rect');
    const height = Math.max(2, 60 * ms[i] / top);
    bar.setAttribute('x', String(2 + i * 14)); bar.setAttribute('y', String(62 - height));
    bar.setAttribute('width', '10'); bar.setAttribute('height', String(height));
    bar.setAttribute('fill', 'var(--' + r.state + ', #999)'); bar.setAttribute('stroke', '#0004');
    const title = document.createElementNS(ns, 'title');
    title.textContent = r.run_id + ': ' + r.state + ', ' + seconds(ms[i]);
    bar.append(title); svg.append(bar);
  });
  return h('div', { class: 'history' }, svg);
}

// ---- live updates ------------------------------------------------------------

function live() {
  if (embedded) { liveNote.textContent = 'report of ' + (embedded['#generated'] || 'a run'); return; }
  let timer = null;
  const poll = () => { if (!timer) { liveNote.textContent = 'updating every 2 s'; timer = setInterval(render, 2000); } };
  if (!window.EventSource) return poll();
  const events = new EventSource('/api/events');
  events.onopen = () => { liveNote.textContent = 'live'; };
  events.onmessage = () => render();
  events.onerror = () => { events.close(); poll(); };
}

render();
live();
