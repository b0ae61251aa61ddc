// The tillqr simulator page: plain JS, no build step. State arrives over Server-Sent Events
// (/events); controls POST JSON to /api/<action>. The panel is painted bit for bit from the
// frame the simulated panel received, so the QR on screen is the device's real QR.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { zoom: 'auto', frame: null, sound: false, audio: null, osc: null, snapshot: null };

// ---- actions ---------------------------------------------------------------------------------

async function act(name, body = {}) {
  showError(null);
  let res;
  try {
    res = await fetch(`/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    showError(`the simulator is not answering (${e.message})`);
    return undefined;
  }
  const reply = await res.json().catch(() => ({ ok: false, error: { message: `HTTP ${res.status}` } }));
  if (!reply.ok) {
    showError(reply.error?.message ?? `HTTP ${res.status}`);
    return undefined;
  }
  return reply.result;
}

function showError(text) {
  const el = $('error');
  el.hidden = text === null;
  el.textContent = text ?? '';
}

// ---- the panel -------------------------------------------------------------------------------

function parseHex(c) {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}

function drawFrame(f) {
  state.frame = f;
  const canvas = $('panel');
  canvas.width = f.width;
  canvas.height = f.height;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(f.width, f.height);
  const bits = Uint8Array.from(atob(f.bits), (ch) => ch.charCodeAt(0));
  const ink = parseHex(f.ink);
  const paper = parseHex(f.paper);
  const px = img.data;
  for (let y = 0; y < f.height; y++) {
    const row = y * f.stride;
    for (let x = 0; x < f.width; x++) {
      const on = (bits[row + (x >> 3)] >> (7 - (x & 7))) & 1;
      const c = on ? ink : paper;
      const i = (y * f.width + x) * 4;
      px[i] = c[0];
      px[i + 1] = c[1];
      px[i + 2] = c[2];
      px[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  canvas.dataset.seq = String(f.seq);
  canvas.dataset.panel = f.panel;
  canvas.dataset.rotation = String(f.rotation);
  $('bezel').dataset.kind = f.kind;
  $('bezel').classList.remove('refreshing');
  $('refreshing').hidden = true;
  $('no-frame').hidden = true;
  $('panel-info').textContent =
    `${f.panel}: ${f.native.width}×${f.native.height} ${f.kind === 'epaper' ? 'e-paper, 1-bit' : `LCD, ${f.ink} on ${f.paper}`}, mounted at ${f.rotation}° · frame ${f.seq} (${f.mode} refresh)`;
  applyZoom();
}

/** Padding and border left and right of an element, in CSS pixels. */
function horizontalChrome(el) {
  const cs = getComputedStyle(el);
  return ['paddingLeft', 'paddingRight', 'borderLeftWidth', 'borderRightWidth'].reduce((sum, k) => sum + (parseFloat(cs[k]) || 0), 0);
}

function applyZoom() {
  const f = state.frame;
  if (f === null) return;
  const canvas = $('panel');
  let scale;
  if (state.zoom === 'auto') {
    // Whole pixels when the panel fits its column (and most of the window's height), else scaled
    // down to fit: the device never spills over the backend controls or off a phone screen.
    const counter = document.querySelector('.counter');
    const chrome = horizontalChrome(document.querySelector('.device')) + horizontalChrome($('bezel'));
    const roomW = Math.max(100, Math.min(counter.clientWidth - chrome, 640));
    const roomH = Math.max(200, window.innerHeight * 0.7);
    const fit = Math.min(roomW / f.width, roomH / f.height);
    scale = fit >= 1 ? Math.floor(fit) : Math.round(fit * 1000) / 1000;
  } else {
    scale = Number(state.zoom);
  }
  canvas.style.width = `${f.width * scale}px`;
  canvas.style.height = `${f.height * scale}px`;
  canvas.dataset.scale = String(scale);
}

// ---- LED and buzzer --------------------------------------------------------------------------

function showSignal(s) {
  if (s === null) return;
  const led = $('led');
  led.dataset.state = s.led;
  led.dataset.pattern = s.pattern ?? 'none';
  $('led-text').textContent = ledLabel(s);
  const bz = $('buzzer');
  bz.dataset.on = String(s.buzzer.on);
  $('buzzer-text').textContent = s.buzzer.on ? (s.buzzer.hz ? `${s.buzzer.hz} Hz` : 'on') : 'silent';
  beep(s.buzzer.on, s.buzzer.hz);
}

// The label names the pattern, not the sampled colour: the waiting heartbeat blinks green, and
// only a paid sale holds green.
const PATTERN_LABELS = {
  waiting: 'waiting (blinking)',
  paid: 'green (paid)',
  failed: 'red (failed)',
  expired: 'amber (expired)',
  cancelled: 'red (cancelled)',
  offline: 'red flash (offline)',
  provisioning: 'amber (provisioning)',
  updating: 'amber/green (updating)',
  test: 'test pattern',
};

function ledLabel(s) {
  return PATTERN_LABELS[s.pattern] ?? s.led;
}

function beep(on, hz) {
  if (!state.sound) on = false;
  if (on) {
    state.audio ??= new AudioContext();
    if (state.osc === null) {
      const gain = state.audio.createGain();
      gain.gain.value = 0.05;
      gain.connect(state.audio.destination);
      state.osc = state.audio.createOscillator();
      state.osc.type = 'square';
      state.osc.connect(gain);
      state.osc.start();
    }
    state.osc.frequency.value = hz ?? 2700;
  } else if (state.osc !== null) {
    state.osc.stop();
    state.osc = null;
  }
}

// The till's announcement: the same WAV the device plays, heard when "sound" is ticked.
function playVoice(v) {
  if (!state.sound) return;
  state.voice?.pause();
  state.voice = new Audio(`data:audio/wav;base64,${v.wav}`);
  // What was said, and how long the browser found it (it decoded the WAV), for a person and for tests.
  document.body.dataset.voice = v.text;
  state.voice.addEventListener('loadedmetadata', (ev) => (document.body.dataset.voiceSeconds = String(ev.target.duration)), { once: true });
  state.voice.play().catch(() => undefined);
}

// ---- sale, status and log --------------------------------------------------------------------

const OUTCOME_LABELS = { paid: 'paid', failed: 'payment failed', expired: 'expired', cancelled: 'cancelled' };

// The card follows the sale the device shows, whoever started it; once the device says how it
// ended, the pay buttons are disabled (a verdict for an ended sale would only be refused).
function showSale(sale) {
  const el = $('sale');
  const ended = !sale || Boolean(sale.outcome);
  for (const b of document.querySelectorAll('#wallets button, #fail, #cancel')) b.disabled = ended;
  const card = $('sale-card');
  const outcome = $('sale-outcome');
  if (!sale) {
    el.textContent = 'none yet';
    el.dataset.order = '';
    delete el.dataset.qr;
    card.dataset.outcome = 'none';
    outcome.textContent = '';
    return;
  }
  el.dataset.order = sale.orderId;
  el.dataset.qr = sale.qr;
  card.dataset.outcome = sale.outcome ?? 'open';
  outcome.textContent = sale.outcome ? (OUTCOME_LABELS[sale.outcome] ?? sale.outcome) : 'open';
  const ref = sale.reference ? ` · ${sale.reference}` : '';
  const by = sale.startedBy === 'other' ? ' · started by another client' : '';
  el.textContent = `${sale.orderId}: ${formatAmount(sale.amount, sale.currency)}${ref} · QR built by the ${sale.qrBy}${by}`;
}

const DECIMALS = { JPY: 0, KRW: 0, TWD: 2, USD: 2, EUR: 2, CNY: 2, HKD: 2, SGD: 2, THB: 2 };

function formatAmount(minor, currency) {
  const d = DECIMALS[currency] ?? 2;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency, minimumFractionDigits: d, maximumFractionDigits: d }).format(minor / 10 ** d);
  } catch {
    return `${minor} ${currency} (minor units)`;
  }
}

function showStatus(st) {
  const el = $('conn');
  if (!st) return;
  const faults = st.faults?.length ? ` · faults: ${st.faults.join(', ')}` : '';
  el.dataset.state = !st.online ? 'offline' : faults ? 'faulty' : 'online';
  const today = st.takings
    ? ` · today: ${st.takings.sales.length === 0 ? 'no sales' : st.takings.sales.map((t) => `${t.count} × ${formatAmount(t.amount, t.currency)}`).join(', ')}`
    : '';
  el.textContent = st.online ? `device online · ${st.state}${faults}${today}` : 'device offline';
}

const time = (ms) => new Date(ms).toLocaleTimeString(undefined, { hour12: false });

function logLine(e) {
  const li = document.createElement('li');
  let text;
  switch (e.kind) {
    case 'sent':
      li.className = e.forged ? 'sent forged' : e.from === 'other' ? 'sent other' : 'sent';
      li.dataset.topic = e.topic;
      li.dataset.from = e.from ?? 'page';
      if (e.orderId) li.dataset.order = e.orderId;
      if (e.forged) li.dataset.forged = e.forged;
      text = `→ ${e.topic}${e.from === 'other' ? ' (another client)' : ''}: ${e.summary}${e.orderId ? ` · ${e.orderId}` : ''}`;
      break;
    case 'event':
      li.className = `event ev-${e.event.type}`;
      li.dataset.type = e.event.type;
      if (e.event.orderId) li.dataset.order = e.event.orderId;
      if (e.event.reason) li.dataset.reason = e.event.reason;
      text = `← ${e.event.type}${e.event.reason ? ` (${e.event.reason})` : ''}${e.event.orderId ? ` · ${e.event.orderId}` : ''}`;
      break;
    case 'status':
      li.className = 'status';
      text = `← status: ${e.status.online ? 'online' : 'offline'}, ${e.status.state}${e.status.faults?.length ? `, faults: ${e.status.faults.join(', ')}` : ''}`;
      break;
    default:
      li.className = 'note';
      text = `· ${e.text}`;
  }
  const t = document.createElement('time');
  t.textContent = time(e.at);
  li.append(t, document.createTextNode(text));
  return li;
}

function addLog(e) {
  const list = $('log');
  list.prepend(logLine(e));
  while (list.children.length > 200) list.lastElementChild.remove();
}

// ---- controls --------------------------------------------------------------------------------

function fillSelect(sel, items, value) {
  sel.replaceChildren(
    ...items.map(([v, label]) => {
      const o = document.createElement('option');
      o.value = String(v);
      o.textContent = label;
      return o;
    }),
  );
  if (value !== undefined) sel.value = String(value);
}

function setup(s) {
  state.snapshot = s;
  $('identity').textContent =
    `${s.deviceId} · ${s.merchant ? `${s.merchant.name}, ${s.merchant.city}` : 'no merchant'} · broker ${s.brokerUrl}${s.embeddedBroker ? ' (embedded)' : ''}`;
  $('kid').textContent = `signing as ${s.devKid}`;
  fillSelect(
    $('panel-select'),
    s.panels.map((p) => [p.id, `${p.id} (${p.width}×${p.height})`]),
    s.display.panel,
  );
  fillSelect(
    $('rotation-select'),
    s.rotations.map((r) => [r, `${r}°`]),
    s.display.rotation,
  );
  const cur = $('currency').value || (s.merchant?.currency ?? 'JPY');
  fillSelect(
    $('currency'),
    s.currencies.map((c) => [c, c]),
    cur,
  );
  fillSelect(
    $('forge-kind'),
    Object.entries(s.forgeries).map(([k, v]) => [k, v.label]),
  );
  showForgery();
  const wallets = $('wallets');
  wallets.replaceChildren(
    ...s.wallets.map((w) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'wallet';
      b.dataset.wallet = w;
      b.textContent = w;
      b.addEventListener('click', () => void act('pay', { wallet: w }));
      return b;
    }),
  );
  $('button').hidden = !s.button;
  if (s.frame) drawFrame(s.frame);
  showSignal(s.signal);
  showStatus(s.status);
  showSale(s.sale);
  showDaemon(s.daemon);
  $('log').replaceChildren();
  for (const e of s.log) addLog(e);
}

function showForgery() {
  const f = state.snapshot?.forgeries[$('forge-kind').value];
  $('forge-detail').textContent = f ? `${f.detail}.` : '';
}

function showDaemon(st) {
  const el = $('daemon');
  el.dataset.state = st;
  el.textContent = st === 'running' ? '' : st === 'restarting' ? 'restarting the daemon with the new panel…' : 'the daemon is stopped';
}

function wire() {
  $('sale-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { amount: $('amount').value, currency: $('currency').value };
    const ref = $('reference').value.trim();
    if (ref) body.reference = ref;
    const sale = await act('sale', body);
    if (sale) showSale(sale);
  });
  $('fail').addEventListener('click', () => void act('fail'));
  $('cancel').addEventListener('click', () => void act('cancel'));
  $('forge').addEventListener('click', () => void act('forge', { kind: $('forge-kind').value }));
  $('forge-kind').addEventListener('change', showForgery);
  $('button').addEventListener('click', () => void act('button'));
  $('panel-select').addEventListener('change', (ev) => void act('display', { panel: ev.target.value }));
  $('rotation-select').addEventListener('change', (ev) => void act('display', { rotation: Number(ev.target.value) }));
  $('zoom-select').addEventListener('change', (ev) => {
    state.zoom = ev.target.value;
    applyZoom();
  });
  $('sound').addEventListener('change', (ev) => {
    state.sound = ev.target.checked;
    if (state.snapshot?.signal) beep(false);
    void act('sound', { on: state.sound });
  });
  window.addEventListener('resize', applyZoom);
}

function connect() {
  const es = new EventSource('/events');
  const on = (name, fn) => es.addEventListener(name, (m) => fn(JSON.parse(m.data)));
  on('hello', (s) => {
    $('conn').dataset.state = 'connected';
    if (!s.starting) setup(s);
  });
  on('frame', drawFrame);
  on('refresh', (r) => {
    if ($('bezel').dataset.kind !== 'epaper') return;
    if (r.mode === 'full') $('bezel').classList.add('refreshing');
    const badge = $('refreshing');
    badge.textContent = `refreshing (${r.mode})…`;
    badge.dataset.mode = r.mode;
    badge.hidden = false;
  });
  on('signal', showSignal);
  on('voice', playVoice);
  on('status', showStatus);
  on('log', addLog);
  on('sale', showSale);
  on('display', (d) => {
    $('panel-select').value = d.panel;
    $('rotation-select').value = String(d.rotation);
  });
  on('daemon', (d) => showDaemon(d.state));
  es.onerror = () => {
    $('conn').dataset.state = 'lost';
    $('conn').textContent = 'simulator not reachable: retrying…';
  };
}

wire();
connect();
