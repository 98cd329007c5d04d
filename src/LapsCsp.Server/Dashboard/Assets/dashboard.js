// The lapscsp dashboard: reads /dashboard/api/* and draws the page. Read-only; every text goes in through textContent,
// so device data (names, event messages, SyncML bodies) is always escaped. No library, no network but this origin.
'use strict';

(() => {
  const api = '/dashboard/api';
  const svgNs = 'http://www.w3.org/2000/svg';
  const pageSize = 50;
  // ?refresh=N sets the auto-refresh period in seconds (default 5, at least 1).
  const refreshSeconds = Math.max(1, Number(new URLSearchParams(location.search).get('refresh')) || 5);

  const view = { q: '', state: '', skip: 0, selected: null, openTrace: new Set(), last: {} };
  const $ = id => document.querySelector(`[data-testid="${id}"]`);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(svgNs, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Times are shown in UTC, as the server (and its simulated clock) keeps them.
  function time(value) {
    if (!value) return '–';
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? String(value) : d.toISOString().slice(0, 19).replace('T', ' ') + 'Z';
  }

  function shortTime(value) {
    return new Date(value).toISOString().slice(5, 16).replace('T', ' ');
  }

  async function getJson(path) {
    const response = await fetch(api + path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.json();
  }

  // Renders only when the data changed, so that a refresh keeps scroll positions and focus. How old the server's view
  // of the data is (asOf, ageSeconds) changes on every poll without the data changing.
  function changed(key, data) {
    const text = JSON.stringify(data, (k, v) => (k === 'asOf' || k === 'ageSeconds' ? undefined : v));
    if (view.last[key] === text) return false;
    view.last[key] = text;
    return true;
  }

  function entries(obj) {
    return Object.entries(obj || {}).map(([k, v]) => `${k} ${v}`).join(' · ');
  }

  function renderSummary(s) {
    $('summary-devices').textContent = s.devices.total;
    $('summary-sources').textContent = Object.entries(s.devices.bySource).map(([k, v]) => `${k} ${v.total}`).join(' · ');
    $('summary-managed').textContent = s.devices.byLapsState.managed || 0;
    $('summary-states').textContent = entries(s.devices.byLapsState);
    $('summary-sessions').textContent = s.sessions;
    $('summary-pending').textContent = `${s.pendingCommands} pending commands`;
    $('summary-commands').textContent = s.commands.total;
    $('summary-codes').textContent = entries(s.commands.byStatus);
    $('summary-rotations-succeeded').textContent = s.rotations.succeeded;
    const failed = $('summary-rotations-failed');
    failed.textContent = `${s.rotations.failed} failed`;
    failed.className = s.rotations.failed > 0 ? 'sub bad' : 'sub';
  }

  function stateBadge(state) {
    return el('span', { class: `state ${state}`, 'data-col': 'lapsState' }, state);
  }

  function renderDevices(page) {
    const body = $('devices-body');
    const rows = page.value.map(d => {
      const selected = view.selected && view.selected.source === d.source && view.selected.id === d.id;
      const row = el('tr', { 'data-testid': 'device-row', 'data-device-id': d.id, 'data-source': d.source, tabindex: 0, 'aria-selected': selected ? 'true' : 'false' },
        el('td', { 'data-col': 'id' }, d.id, d.name && d.name !== d.id ? el('span', { class: 'name' }, d.name) : null),
        el('td', { 'data-col': 'source' }, d.source),
        el('td', { 'data-col': 'joinType' }, d.joinType || '–'),
        el('td', {}, stateBadge(d.lapsState)),
        el('td', { 'data-col': 'managedAccount' }, d.managedAccount || '–'),
        el('td', { 'data-col': 'backupDirectory' }, d.backupDirectory || '–'),
        el('td', { 'data-col': 'lastCheckIn' }, time(d.lastCheckIn)),
        el('td', { 'data-col': 'lastRotation' }, time(d.lastRotation)),
        el('td', { class: 'num', 'data-col': 'pendingCommands' }, d.pendingCommands));
      const open = () => select(d.source, d.id);
      row.addEventListener('click', open);
      row.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
      return row;
    });
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { class: 'empty', colspan: 9, 'data-testid': 'devices-empty' }, 'No device matches.')));
    body.replaceChildren(...rows);
    const last = Math.min(page.skip + page.value.length, page.total);
    $('device-count').textContent = page.total === 0 ? '0 devices' : `${page.skip + 1}–${last} of ${page.total} devices`;
    $('page-previous').disabled = page.skip === 0;
    $('page-next').disabled = last >= page.total;
  }

  // A line chart of counts per bucket: one polyline and one circle per bucket for each series.
  function renderChart(container, buckets, series, colorOf) {
    const width = 600, height = 200, left = 34, right = 8, top = 10, bottom = 22;
    const keys = Object.keys(series);
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': container.dataset.testid });
    const legend = el('ul', { class: 'legend' });
    if (buckets.length === 0) {
      chart.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty', 'data-testid': 'chart-empty' }, 'No data yet'));
      container.replaceChildren(chart);
      return;
    }

    const max = Math.max(1, ...keys.flatMap(k => series[k]));
    const x = i => left + (buckets.length === 1 ? (width - left - right) / 2 : i * (width - left - right) / (buckets.length - 1));
    const y = v => top + (height - top - bottom) * (1 - v / max);
    chart.append(svg('line', { x1: left, y1: y(0), x2: width - right, y2: y(0), class: 'axis' }));
    for (const v of [...new Set([0, Math.round(max / 2), max])]) {
      chart.append(svg('text', { x: left - 4, y: y(v) + 3, 'text-anchor': 'end', class: 'tick' }, String(v)));
    }
    chart.append(svg('text', { x: left, y: height - 6, class: 'tick' }, shortTime(buckets[0])));
    if (buckets.length > 1) {
      chart.append(svg('text', { x: width - right, y: height - 6, 'text-anchor': 'end', class: 'tick' }, shortTime(buckets[buckets.length - 1])));
    }

    keys.forEach((key, n) => {
      const color = colorOf(key, n);
      const counts = series[key];
      const group = svg('g', { 'data-testid': 'series', 'data-series': key, class: color });
      if (counts.length > 1) group.append(svg('polyline', { points: counts.map((v, i) => `${x(i)},${y(v)}`).join(' '), class: color }));
      counts.forEach((v, i) => {
        const point = svg('circle', { cx: x(i), cy: y(v), r: 3, 'data-testid': 'point', 'data-count': v });
        point.append(svg('title', {}, `${key}: ${v} at ${time(buckets[i])}`));
        group.append(point);
      });
      chart.append(group);
      legend.append(el('li', {}, el('i', { class: color }), `${key} (${counts.reduce((a, b) => a + b, 0)})`));
    });
    container.replaceChildren(chart, legend);
  }

  function renderSeries(s) {
    $('bucket-size').textContent = s.buckets.length ? `· per ${duration(s.bucketSeconds)}` : '';
    renderChart($('chart-status'), s.buckets, s.statusCodes, (key, n) => `c${n % 6}`);
    renderChart($('chart-rotations'), s.buckets, s.rotations, key => (key === 'failed' ? 'cbad' : 'cok'));
  }

  function duration(seconds) {
    if (seconds % 86400 === 0) return `${seconds / 86400} d`;
    if (seconds % 3600 === 0) return `${seconds / 3600} h`;
    return `${seconds / 60} min`;
  }

  function traceKey(m) {
    return `${m.time}|${m.direction}|${m.sessionId}|${m.msgId}`;
  }

  function renderDetail(detail) {
    const d = detail.device;
    $('detail-title').textContent = `${d.id} (${d.source})`;
    $('detail-facts').textContent = [d.name, d.joinType, d.lapsState, d.managedAccount && `account ${d.managedAccount}`,
      d.backupDirectory && `backup to ${d.backupDirectory}`, `${d.sessions} sessions`, `last check-in ${time(d.lastCheckIn)}`]
      .filter(Boolean).join(' · ');

    const events = detail.events.map(e => el('tr', { 'data-testid': 'event-row', 'data-event-id': e.eventId, class: e.level },
      el('td', {}, time(e.time)), el('td', { class: 'num' }, e.eventId), el('td', {}, e.level), el('td', {}, e.message)));
    if (events.length === 0) events.push(el('tr', {}, el('td', { colspan: 4, class: 'empty' }, 'No event.')));
    $('event-log').tBodies[0].replaceChildren(...events);

    const rotations = detail.rotations.map(r => el('li', { 'data-testid': 'rotation', class: r.outcome === 'failed' ? 'bad' : '' },
      `${time(r.time)} ${r.outcome}${r.backupDirectory ? ` (${r.backupDirectory})` : ''}`));
    if (rotations.length === 0) rotations.push(el('li', { class: 'muted' }, 'none'));
    $('detail-rotations').replaceChildren(...rotations);

    const trace = detail.trace.map(m => {
      const key = traceKey(m);
      const item = el('details', { 'data-testid': 'trace-message', 'data-direction': m.direction, open: view.openTrace.has(key) },
        el('summary', {},
          el('span', { class: 'dir' }, m.direction === 'toDevice' ? '→ device' : '← device'),
          ` ${time(m.time)} · session ${m.sessionId} · message ${m.msgId} · ${m.body.length} chars`),
        el('pre', { 'data-testid': 'trace-body' }, m.body));
      item.addEventListener('toggle', () => { if (item.open) view.openTrace.add(key); else view.openTrace.delete(key); });
      return item;
    });
    if (trace.length === 0) trace.push(el('p', { class: 'muted', 'data-testid': 'trace-empty' }, 'No message recorded yet.'));
    $('trace').replaceChildren(...trace);
    $('device-detail').hidden = false;
  }

  function devicesQuery() {
    const params = new URLSearchParams({ skip: view.skip, top: pageSize });
    if (view.q) params.set('q', view.q);
    if (view.state) params.set('state', view.state);
    return `/devices?${params}`;
  }

  function detailPath() {
    const s = view.selected;
    return `/devices/${encodeURIComponent(s.source)}/${encodeURIComponent(s.id)}?events=100&trace=50`;
  }

  async function loadDetail() {
    if (!view.selected) return;
    const detail = await getJson(detailPath());
    if (changed('detail', detail)) renderDetail(detail);
  }

  function select(source, id) {
    view.selected = { source, id };
    view.openTrace.clear();
    delete view.last.detail;
    for (const row of document.querySelectorAll('[data-testid="device-row"]')) {
      row.setAttribute('aria-selected', row.dataset.source === source && row.dataset.deviceId === id ? 'true' : 'false');
    }
    loadDetail().then(() => $('device-detail').scrollIntoView({ block: 'nearest' }), showError);
  }

  function showError(error) {
    const status = $('refresh-status');
    status.textContent = `not refreshed: ${error.message}`;
    status.classList.add('error');
  }

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    try {
      const [summary, devices, series] = await Promise.all([getJson('/summary'), getJson(devicesQuery()), getJson('/series')]);
      if (changed('summary', summary)) renderSummary(summary);
      if (changed('devices', devices)) renderDevices(devices);
      if (changed('series', series)) renderSeries(series);
      await loadDetail();
      const status = $('refresh-status');
      status.classList.remove('error');
      const age = summary.ageSeconds >= 1 ? ` · data ${Math.round(summary.ageSeconds)} s old` : '';
      status.textContent = `server time ${time(summary.time)}${age} · refreshes every ${refreshSeconds} s`;
      document.body.dataset.loaded = 'true';
    } catch (error) {
      showError(error);
    } finally {
      timer = setTimeout(tick, refreshSeconds * 1000);
    }
  }

  function tick() {
    if (document.hidden) timer = setTimeout(tick, refreshSeconds * 1000);
    else refresh();
  }

  function reloadDevices() {
    getJson(devicesQuery()).then(page => { if (changed('devices', page)) renderDevices(page); }, showError);
  }

  document.addEventListener('DOMContentLoaded', () => {
    let debounce = null;
    $('filter-text').addEventListener('input', e => {
      clearTimeout(debounce);
      debounce = setTimeout(() => { view.q = e.target.value.trim(); view.skip = 0; reloadDevices(); }, 200);
    });
    $('filter-state').addEventListener('change', e => { view.state = e.target.value; view.skip = 0; reloadDevices(); });
    $('page-previous').addEventListener('click', () => { view.skip = Math.max(0, view.skip - pageSize); reloadDevices(); });
    $('page-next').addEventListener('click', () => { view.skip += pageSize; reloadDevices(); });
    $('detail-close').addEventListener('click', () => {
      view.selected = null;
      $('device-detail').hidden = true;
      for (const row of document.querySelectorAll('[aria-selected="true"]')) row.setAttribute('aria-selected', 'false');
    });
    document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
    refresh();
  });
})();
