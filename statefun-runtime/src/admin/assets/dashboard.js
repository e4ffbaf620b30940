// The dashboard: polls the admin JSON API and renders it. Every value from the runtime is
// put in the page as text, never as markup: addresses and state are chosen by functions.
'use strict';

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  const { dataset, ...rest } = props || {};
  Object.assign(node, rest);
  Object.assign(node.dataset, dataset || {});
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function td(value, className) {
  return el('td', { className: className || '' }, value);
}

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  const body = await response.json().catch(() => null);
  return { status: response.status, body };
}

function addressPath(address) {
  return address.split('/').map(encodeURIComponent).join('/');
}

function addressLink(address) {
  if (!address) return '(ingress)';
  return el('a', { href: '#/address/' + addressPath(address), className: 'mono' }, address);
}

function ms(value) {
  if (value === null || value === undefined) return '–';
  return typeof value === 'number' ? value.toFixed(value < 10 ? 2 : 0) : String(value);
}

// ---- overview ----

function renderTotals(totals) {
  $('totals').replaceChildren(
    el('span', {}, 'in flight ', totals.in_flight),
    el('span', {}, 'backlog ', totals.backlog),
    el('span', {}, 'delayed ', totals.delayed),
    el('span', {}, 'addresses with state ', totals.addresses_with_state),
    el('span', {}, 'messages ', totals.messages),
    el('span', { className: totals.parked ? 'bad' : '' }, 'parked ', totals.parked));
}

function renderFunctions(data) {
  renderTotals(data.totals);
  fill($('functions').tBodies[0], data.functions.map((f) => el('tr', {},
    td(el('code', {}, f.type)),
    td(f.endpoint ? (f.endpoint.url || f.endpoint.transport) + ' (' + f.endpoint.transport + ', ' + f.endpoint.generation + ')' : '–'),
    td(f.batches, 'num'), td(f.invocations, 'num'), td(f.failures, 'num'),
    td(ms(f.latency_ms.p50), 'num'), td(ms(f.latency_ms.p99), 'num'))));
  renderGraph(data.functions);
}

// The graph of function types: nodes on a circle, an arrow per sender → target pair,
// its width growing with the logarithm of the message count.
function renderGraph(functions) {
  const graph = $('graph');
  const names = new Set();
  const edges = [];
  for (const f of functions) {
    names.add(f.type);
    for (const [target, count] of Object.entries(f.sent_to)) {
      names.add(target);
      edges.push({ from: f.type, to: target, count });
    }
  }
  const nodes = [...names].sort();
  const width = 420, height = 300, radius = Math.min(width, height) / 2 - 50;
  const position = new Map(nodes.map((name, index) => {
    const angle = (2 * Math.PI * index) / Math.max(nodes.length, 1) - Math.PI / 2;
    return [name, { x: width / 2 + radius * Math.cos(angle), y: height / 2 + radius * Math.sin(angle) }];
  }));
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5,
    markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#5a6478' }));
  defs.append(marker);
  const children = [defs];
  for (const edge of edges) {
    const a = position.get(edge.from), b = position.get(edge.to);
    const stroke = 1 + Math.log2(1 + edge.count);
    const label = svg('text', {});
    if (edge.from === edge.to) {
      children.push(svg('path', { d: `M${a.x - 8},${a.y - 16} C${a.x - 40},${a.y - 70} ${a.x + 40},${a.y - 70} ${a.x + 8},${a.y - 16}`,
        fill: 'none', stroke: '#5a6478', 'stroke-width': stroke, 'marker-end': 'url(#arrow)', class: 'edge' }));
      label.setAttribute('x', a.x); label.setAttribute('y', a.y - 58);
    } else {
      const dx = b.x - a.x, dy = b.y - a.y, length = Math.hypot(dx, dy) || 1;
      const ux = dx / length, uy = dy / length;
      // Offset to the side so that edges both ways do not overlap.
      const ox = -uy * 6, oy = ux * 6;
      children.push(svg('line', { x1: a.x + ux * 18 + ox, y1: a.y + uy * 18 + oy,
        x2: b.x - ux * 20 + ox, y2: b.y - uy * 20 + oy, stroke: '#5a6478',
        'stroke-width': stroke, 'marker-end': 'url(#arrow)', class: 'edge' }));
      label.setAttribute('x', (a.x + b.x) / 2 + ox * 2); label.setAttribute('y', (a.y + b.y) / 2 + oy * 2);
    }
    label.setAttribute('text-anchor', 'middle');
    label.textContent = edge.count;
    children.push(label);
  }
  for (const name of nodes) {
    const p = position.get(name);
    children.push(svg('circle', { cx: p.x, cy: p.y, r: 16, fill: '#dbe7f5', stroke: '#243447', class: 'node' }));
    const text = svg('text', { x: p.x, y: p.y + 32, 'text-anchor': 'middle' });
    text.textContent = name;
    children.push(text);
  }
  if (nodes.length === 0) {
    const text = svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' });
    text.textContent = 'no messages yet';
    children.push(text);
  }
  graph.replaceChildren(...children);
}

function deliveryRows(deliveries) {
  return deliveries.map((d) => el('tr', {},
    td(d.seq, 'num'), td(d.at.replace('T', ' ').replace('Z', '')), td(addressLink(d.from)),
    td(addressLink(d.to)), td(el('code', {}, d.typename || '–')), td(d.batch_size, 'num'),
    td(d.outcome + (d.error ? ': ' + d.error : ''), d.outcome === 'failed' ? 'bad' : ''),
    td(ms(d.latency_ms), 'num')));
}

// A retry or skip button of the parked `address`; `after` runs once the runtime answered.
function parkedAction(address, verb, after) {
  return el('button', { type: 'button', className: 'parked-' + verb, onclick: async () => {
    const response = await fetch('/api/parked/' + addressPath(address) + '/' + verb, { method: 'POST' });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) $('status').textContent = verb + ' ' + address + ': ' + (body.error || response.statusText);
    after();
  } }, verb);
}

function parkedSummary(p) {
  return 'since ' + p.since.replace('T', ' ').replace('Z', '') + ', ' + p.messages + ' message(s) waiting, '
    + p.retries + ' automatic retr' + (p.retries === 1 ? 'y' : 'ies') + ' failed, next at '
    + p.next_retry.replace('T', ' ').replace('Z', '');
}

async function refreshParked() {
  const parked = $('parked');
  const result = await getJson('/api/parked');
  const list = result.status === 200 && result.body ? result.body.parked : [];
  if (list.length === 0) { parked.replaceChildren('none'); return; }
  parked.replaceChildren(el('table', {}, el('tbody', {}, ...list.map((p) => el('tr', { dataset: { address: p.path } },
    td(addressLink(p.path)), td(p.error, 'bad'), td(parkedSummary(p)),
    td(el('span', {}, parkedAction(p.path, 'retry', refresh), ' ', parkedAction(p.path, 'skip', refresh))))))));
}

async function refreshEgress() {
  const { body } = await getJson('/api/egress');
  const rows = await Promise.all(body.topics.map(async (topic) => {
    const peek = await getJson('/api/egress/' + encodeURIComponent(topic.topic) + '?limit=3');
    const oldest = peek.status === 200 ? peek.body.messages.join(' · ') : '';
    return el('tr', {}, td(el('code', {}, topic.topic)), td(topic.length, 'num'), td(oldest));
  }));
  fill($('egress').tBodies[0], rows);
}

let searchAfter = null;

async function search(more) {
  const params = new URLSearchParams();
  const type = $('search-type').value.trim();
  const prefix = $('search-prefix').value;
  if (type) params.set('type', type);
  if (prefix) params.set('prefix', prefix);
  if (more && searchAfter) params.set('after', searchAfter);
  params.set('limit', '50');
  const { status, body } = await getJson('/api/addresses?' + params);
  const list = $('addresses');
  if (status !== 200) { list.replaceChildren(el('li', { className: 'bad' }, body ? body.error : status)); return; }
  const items = body.addresses.map((address) => el('li', {}, addressLink(address)));
  if (more) list.append(...items); else list.replaceChildren(...items);
  if (!more && items.length === 0) list.replaceChildren(el('li', {}, 'none'));
  searchAfter = body.next;
  $('addresses-more').hidden = !body.next;
}

async function refreshOverview() {
  const [functions, deliveries] = await Promise.all([getJson('/api/functions'), getJson('/api/deliveries?limit=25')]);
  renderFunctions(functions.body);
  fill($('deliveries').tBodies[0], deliveryRows(deliveries.body.deliveries));
  await Promise.all([refreshParked(), refreshEgress()]);
}

// ---- an address ----

async function refreshAddress(address) {
  $('address-title').replaceChildren('Address ', el('code', {}, address));
  const [view, deliveries, functions] = await Promise.all([
    getJson('/api/addresses/' + addressPath(address)),
    getJson('/api/deliveries?limit=50&address=' + encodeURIComponent(address)),
    getJson('/api/functions')]);
  renderTotals(functions.body.totals);
  const stateBody = $('address-state').tBodies[0];
  if (view.status === 404) {
    fill(stateBody, [el('tr', {}, el('td', { colSpan: 4 }, 'nothing at this address'))]);
    $('address-facts').replaceChildren();
    renderAddressParked(address, null);
    fill($('address-timers').tBodies[0], []);
  } else {
    const v = view.body;
    fill(stateBody, Object.entries(v.state).map(([name, s]) => el('tr', { dataset: { state: name } },
      td(el('code', {}, name)), td(el('code', {}, s.typename)),
      td(el('code', { className: 'state-value' }, s.value === null ? '(undecoded)' : JSON.stringify(s.value))),
      td(el('code', {}, s.base64)))));
    $('address-facts').replaceChildren(
      'backlog ', el('b', { id: 'address-backlog' }, v.backlog), ' · in flight ', el('b', {}, v.in_flight ? 'yes' : 'no'),
      ' · parked ', el('b', { id: 'address-parked-flag' }, v.parked ? 'yes' : 'no'));
    renderAddressParked(address, v.parked);
    const timers = v.delayed.map((d) => el('tr', {},
      td(d.due), td(d.token === null ? '–' : d.token), td(el('code', {}, d.typename)),
      td(addressLink(d.from)), td(addressLink(d.to))));
    fill($('address-timers').tBodies[0], timers.length ? timers : [el('tr', {}, el('td', { colSpan: 5 }, 'none'))]);
  }
  fill($('address-deliveries').tBodies[0], deliveryRows(deliveries.body.deliveries));
}

// A parked address's error, how it waits, and its retry and skip buttons.
function renderAddressParked(address, parked) {
  const box = $('address-parked');
  box.hidden = !parked;
  if (!parked) { box.replaceChildren(); return; }
  box.replaceChildren(el('h3', {}, 'Parked'),
    el('p', { className: 'bad', id: 'address-parked-error' }, parked.error),
    el('p', {}, parkedSummary(parked), ' · endpoint ', el('code', {}, parked.endpoint)),
    el('p', {}, parkedAction(address, 'retry', refresh), ' ', parkedAction(address, 'skip', refresh),
      ' retry sends the failed batch again (fix the function first); skip drops its head message'));
}

// ---- routing and polling ----

function currentAddress() {
  const match = location.hash.match(/^#\/address\/(.+)$/);
  return match ? match[1].split('/').map(decodeURIComponent).join('/') : null;
}

async function refresh() {
  const address = currentAddress();
  $('overview').hidden = address !== null;
  $('address-page').hidden = address === null;
  try {
    if (address === null) await refreshOverview(); else await refreshAddress(address);
    $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (error) {
    $('status').textContent = 'cannot reach the runtime: ' + error;
  }
}

$('send-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = $('send-result');
  const address = $('send-address').value.trim();
  const typename = $('send-typename').value.trim();
  const headers = typename ? { 'content-type': 'application/vnd.' + typename } : {};
  try {
    const response = await fetch('/api/send/' + addressPath(address), { method: 'POST', headers, body: $('send-body').value });
    const body = await response.json().catch(() => ({}));
    result.className = 'result ' + (response.ok ? 'ok' : 'bad');
    result.textContent = response.ok ? 'sent to ' + body.sent : body.error || response.statusText;
    result.dataset.count = String(Number(result.dataset.count || 0) + (response.ok ? 1 : 0));
  } catch (error) {
    result.className = 'result bad';
    result.textContent = String(error);
  }
  refresh();
});

$('search-form').addEventListener('submit', (event) => { event.preventDefault(); search(false); });
$('addresses-more').addEventListener('click', () => search(true));
window.addEventListener('hashchange', refresh);

refresh();
search(false);
setInterval(refresh, POLL_MS);
