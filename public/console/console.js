// @ts-check
/**
 * @module console
 * The operators' console: a static client of the admin API, nothing else. The admin token lives
 * only in this tab's sessionStorage; every request sends it as a bearer token to the same origin.
 * Data is put on the page with textContent only, so nothing a partner or marketplace sent can
 * become markup.
 */

const TOKEN_KEY = "lifecycle-gateway.adminToken";
const PAGE_SIZE = 50;

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

// ---- admin API ----------------------------------------------------------------------------------

class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<any>}
 */
async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: "omit",
    cache: "no-store",
  });
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = data?.error?.message ?? `HTTP ${response.status}`;
    if (response.status === 401) signOut("The token was not accepted.");
    throw new ApiError(response.status, message);
  }
  return data;
}

/** @param {string} key */
const instancePath = (key) => `/admin/instances/${encodeURIComponent(key)}`;

// ---- small DOM helpers ----------------------------------------------------------------------------

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {Array<Node | string | null | undefined>} [children]
 */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** @param {string | null | undefined} iso */
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "–");

/** @param {string} text @param {"ok" | "warn" | "bad"} tone */
const pill = (text, tone) => el("span", { class: `pill ${tone}` }, [text]);

/** @param {string} message @param {boolean} [error] */
function say(message, error = false) {
  const status = $("status");
  status.textContent = message;
  status.classList.toggle("error", error);
}

/** @param {unknown} err */
function fail(err) {
  say(err instanceof Error ? err.message : String(err), true);
}

/**
 * Asks before anything that sends traffic to a partner or stops it.
 * @param {string} text
 * @returns {Promise<boolean>}
 */
function confirmAction(text) {
  const dialog = /** @type {HTMLDialogElement} */ ($("confirm"));
  $("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    $("confirm-ok").focus();
  });
}

// ---- pages ----------------------------------------------------------------------------------------

const PAGES = ["sign-in", "overview", "dead-letters", "instances", "instance"];

/** @param {string} name */
function show(name) {
  for (const page of PAGES) $(`page-${page}`).hidden = page !== name;
  const signedIn = name !== "sign-in";
  $("nav").hidden = !signedIn;
  for (const link of document.querySelectorAll("#nav a")) {
    const current = link.getAttribute("data-page") === (name === "instance" ? "instances" : name);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  $("main").focus({ preventScroll: true });
}

/** @param {string} [message] */
function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  show("sign-in");
  say(message ?? "Signed out.", Boolean(message));
  $("token").focus();
}

/**
 * "1 instance", "3 instances", "100+ instances" (a first page with more behind it).
 * @param {{ items: unknown[], cursor: string | null }} page @param {string} one @param {string} many
 */
function counted(page, one, many) {
  const n = page.items.length;
  return `${n}${page.cursor ? "+" : ""} ${n === 1 && !page.cursor ? one : many}`;
}

async function overview() {
  show("overview");
  say("Loading…");
  const [health, connectors, dead, drift] = await Promise.all([
    fetch("/healthz", { cache: "no-store" }).then((r) => r.json()),
    api("/admin/connectors"),
    api("/admin/dead-letters?limit=100"),
    api("/admin/drift?limit=100").catch(() => null),
  ]);
  $("health-summary").replaceChildren(
    pill(health.status, health.status === "ok" ? "ok" : "bad"),
    ` version ${health.version}, connectors: ${health.connectors.join(", ") || "none"}`,
  );
  $("health-problems").replaceChildren(...health.problems.map((/** @type {string} */ p) => el("li", {}, [p])));
  $("dead-count").textContent = counted(dead, "dead-lettered delivery", "dead-lettered deliveries");
  if (drift) {
    $("drift-card").hidden = false;
    $("drift-summary").textContent = drift.items.length ? `${counted(drift, "instance", "instances")} drifted` : "No drift found.";
    $("drift-list").replaceChildren(
      ...drift.items
        .slice(0, DRIFT_SHOWN)
        .map((/** @type {any} */ d) =>
          el("li", {}, [el("a", { href: `#/instances/${encodeURIComponent(d.instanceKey)}` }, [d.instanceKey]), ` ${driftLine(d)}`]),
        ),
    );
  }
  const rows = connectors.connectors.map((/** @type {any} */ c) => {
    const by = c.pause?.by === "breaker" ? "by the circuit breaker" : c.pause?.by === "operator" ? "by an operator" : "";
    const breakerOpen = c.breaker && c.breaker.state !== "closed" && !c.paused;
    const state = !c.enabled
      ? pill("not configured", "warn")
      : c.paused
        ? pill(`paused ${by}`.trim(), "bad")
        : breakerOpen
          ? pill(`breaker ${c.breaker.state}`, "warn")
          : pill("sending", "ok");
    const notes = [];
    if (c.paused && c.pause) notes.push(`${c.pause.reason} (since ${when(c.pause.since)})`);
    if (c.parkedInstances) notes.push(`${c.parkedInstances} instance${c.parkedInstances === 1 ? "" : "s"} waiting`);
    if (c.breaker?.nextProbeAt) notes.push(`next probe ${when(c.breaker.nextProbeAt)}`);
    const action = el("button", { type: "button", "data-connector": c.name, "data-action": c.paused ? "resume" : "pause" }, [
      c.paused ? `Resume ${c.name}` : `Pause ${c.name}`,
    ]);
    if (!c.enabled) action.setAttribute("disabled", "");
    action.addEventListener("click", () => void toggleConnector(c.name, c.paused ? "resume" : "pause"));
    const recent = c.recent ?? {};
    const failure = c.lastFailure ? `${when(c.lastFailure.at)}${c.lastFailure.reason ? `: ${c.lastFailure.reason}` : ""}` : "–";
    return el("tr", {}, [
      el("th", { scope: "row" }, [c.name]),
      el("td", {}, [state, notes.length ? el("div", { class: "hint" }, [notes.join(" · ")]) : null]),
      el("td", {}, [String(recent.delivered ?? 0)]),
      el("td", {}, [String(recent.retrying ?? 0)]),
      el("td", {}, [String(recent.dead ?? 0)]),
      el("td", {}, [when(c.lastSuccessAt)]),
      el("td", { class: "reason" }, [failure]),
      el("td", {}, [action]),
    ]);
  });
  $("connectors")
    .querySelector("tbody")
    ?.replaceChildren(...rows);
  say(`Updated ${new Date().toLocaleTimeString()}.`);
}

/** @param {string} name @param {"pause" | "resume"} action */
async function toggleConnector(name, action) {
  const text =
    action === "pause"
      ? `Pause ${name}? Its deliveries will wait, in order, without spending attempts.`
      : `Resume ${name}? Waiting deliveries will be sent in each instance's order.`;
  if (!(await confirmAction(text))) return;
  try {
    await api(`/admin/connectors/${encodeURIComponent(name)}/${action}`, {
      method: "POST",
      body: action === "pause" ? { reason: "paused from the console" } : {},
    });
    await overview();
    say(`${name} ${action === "pause" ? "paused" : "resumed"}.`);
  } catch (err) {
    fail(err);
  }
}

/** @type {{ cursor: string | null, items: any[] }} */
const deadState = { cursor: null, items: [] };

/** @param {boolean} more */
async function deadLetters(more = false) {
  show("dead-letters");
  say("Loading…");
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (more && deadState.cursor) query.set("cursor", deadState.cursor);
  const page = await api(`/admin/dead-letters?${query}`);
  deadState.items = more ? [...deadState.items, ...page.items] : page.items;
  deadState.cursor = page.cursor;
  renderDeadLetters();
  say(`${deadState.items.length} shown.`);
}

function renderDeadLetters() {
  const connector = /** @type {HTMLSelectElement} */ ($("dead-connector")).value;
  const shown = deadState.items.filter((d) => !connector || d.connector === connector);
  const rows = shown.map((d) => {
    const box = el("input", { type: "checkbox", value: d.deliveryId, "data-instance": d.instanceKey, "aria-label": `Select ${d.deliveryId}` });
    box.addEventListener("change", updateReplaySelected);
    const replay = el("button", { type: "button", class: "secondary" }, ["Replay"]);
    replay.addEventListener("click", () => void replay1([{ deliveryId: d.deliveryId, instanceKey: d.instanceKey }]));
    return el("tr", {}, [
      el("td", {}, [box]),
      el("td", {}, [when(d.deadAt)]),
      el("td", {}, [d.connector]),
      el("td", {}, [d.eventType]),
      el("td", {}, [el("a", { href: `#/instances/${encodeURIComponent(d.instanceKey)}` }, [d.instanceKey])]),
      el("td", {}, [String(d.attempts)]),
      el("td", { class: "reason" }, [d.reason]),
      el("td", {}, [replay]),
    ]);
  });
  $("dead-letters")
    .querySelector("tbody")
    ?.replaceChildren(...rows);
  $("dead-more").hidden = !deadState.cursor;
  /** @type {HTMLInputElement} */ ($("dead-all")).checked = false;
  updateReplaySelected();
}

function selectedDead() {
  return [...document.querySelectorAll("#dead-letters tbody input:checked")].map((box) => ({
    deliveryId: /** @type {HTMLInputElement} */ (box).value,
    instanceKey: box.getAttribute("data-instance") ?? "",
  }));
}

function updateReplaySelected() {
  const count = selectedDead().length;
  const button = /** @type {HTMLButtonElement} */ ($("dead-replay-selected"));
  button.disabled = count === 0;
  button.textContent = count ? `Replay ${count} selected` : "Replay selected";
}

/** @param {Array<{ deliveryId: string, instanceKey: string }>} items */
async function replay1(items) {
  if (!(await confirmAction(`Replay ${items.length} dead ${items.length === 1 ? "delivery" : "deliveries"}? The partner will be called again.`))) return;
  const results = [];
  for (const item of items) {
    try {
      const answer = await api(`/admin/deliveries/${encodeURIComponent(item.deliveryId)}/replay?instance=${encodeURIComponent(item.instanceKey)}`, {
        method: "POST",
        body: {},
      });
      const how = answer.forced ? ` (forced past ${answer.supersededBy})` : "";
      results.push(el("li", {}, [`${item.deliveryId}: queued again${how}, status ${answer.delivery?.status ?? "?"}`]));
    } catch (err) {
      results.push(el("li", {}, [`${item.deliveryId}: not replayed: ${err instanceof Error ? err.message : String(err)}`]));
    }
  }
  $("replay-result").replaceChildren(el("h3", {}, ["What replay did"]), el("ul", {}, results));
  await deadLetters(false);
  say(`Replay finished for ${items.length}.`);
}

/** @type {{ cursor: string | null, query: URLSearchParams }} */
const searchState = { cursor: null, query: new URLSearchParams() };

/** @param {boolean} more */
async function instances(more = false) {
  show("instances");
  const form = /** @type {HTMLFormElement} */ ($("instance-search"));
  const data = new FormData(form);
  const key = String(data.get("key") ?? "").trim();
  if (key && !more) {
    location.hash = `#/instances/${encodeURIComponent(key)}`;
    return;
  }
  say("Searching…");
  if (!more) {
    searchState.query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const name of ["state", "source"]) {
      const value = String(data.get(name) ?? "");
      if (value) searchState.query.set(name, value);
    }
  }
  const query = new URLSearchParams(searchState.query);
  if (more && searchState.cursor) query.set("cursor", searchState.cursor);
  const page = await api(`/admin/instances?${query}`);
  const tbody = /** @type {HTMLElement} */ ($("instances").querySelector("tbody"));
  const rows = page.items.map((/** @type {any} */ i) =>
    el("tr", {}, [
      el("td", {}, [el("a", { href: `#/instances/${encodeURIComponent(i.key)}` }, [i.key])]),
      el("td", {}, [i.state]),
      el("td", {}, [when(i.expiresAt)]),
      el("td", {}, [when(i.updatedAt)]),
    ]),
  );
  if (more) tbody.append(...rows);
  else tbody.replaceChildren(...rows);
  searchState.cursor = page.cursor;
  $("instances-more").hidden = !page.cursor;
  say(`${tbody.children.length} shown.`);
}

/** The overview lists this many drifted instances; `/admin/drift` pages through the rest. */
const DRIFT_SHOWN = 10;

/**
 * One drift in words: what the partner holds against what the instance says.
 * @param {{ connector: string, partnerValue: string, instanceValue: string, since: string, repaired: boolean }} d
 */
function driftLine(d) {
  return `${d.connector} holds "${d.partnerValue}", the instance says "${d.instanceValue}", since ${when(d.since)}${d.repaired ? "; repair sent" : ""}`;
}

/** @param {string} key */
async function instance(key) {
  show("instance");
  say("Loading…");
  const details = await api(`${instancePath(key)}?limit=100`);
  const i = details.instance;
  $("instance-title").textContent = i.key;
  /** @type {Array<[string, string]>} */
  const facts = [
    ["State", i.state],
    ["Expires", when(i.expiresAt)],
    ["Source", i.source],
    ["Test", i.test ? "yes" : "no"],
    ["Plan", JSON.stringify(i.plan)],
    ["Updated", when(i.updatedAt)],
    ["Personal data", details.personalData],
  ];
  for (const d of details.drift ?? []) facts.push([`Drift (${d.connector})`, driftLine(d)]);
  $("instance-facts").replaceChildren(...facts.flatMap(([name, value]) => [el("dt", {}, [name]), el("dd", {}, [value])]));
  /** @type {HTMLTextAreaElement} */ ($("refs-text")).value = Object.entries(i.refs)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  $("refs-form").dataset.key = i.key;
  $("app-info").textContent = JSON.stringify(i.appInfo, null, 2);

  /** @type {Map<number, any[]>} */
  const byEvent = new Map();
  for (const d of details.deliveries) byEvent.set(d.eventSeq, [...(byEvent.get(d.eventSeq) ?? []), d]);
  const items = details.events.map((/** @type {any} */ e) => {
    const deliveries = (byEvent.get(e.seq) ?? []).map((/** @type {any} */ d) => {
      const tone = d.status === "delivered" ? "ok" : d.status === "dead" ? "bad" : "warn";
      const attempts = d.attemptLog.map((/** @type {any} */ a) =>
        el("li", {}, [
          `#${a.n} ${when(a.at)}: ${a.outcome}${a.status ? ` (HTTP ${a.status})` : ""}, ${Math.round(a.durationMs)} ms${a.excerpt ? ` — ${a.excerpt}` : ""}`,
        ]),
      );
      return el("li", {}, [
        `${d.connector} `,
        pill(d.status, tone),
        ` ${d.deliveryId}${d.reason ? ` — ${d.reason}` : ""}`,
        attempts.length ? el("ol", { class: "attempts", "aria-label": `Attempts of ${d.deliveryId}` }, attempts) : null,
      ]);
    });
    return el("li", {}, [
      el("strong", {}, [e.type]),
      ` ${when(e.occurredAt)} · ${e.fromState ?? "–"} → ${e.toState}${e.test ? " · test" : ""}`,
      deliveries.length ? el("ul", { class: "deliveries", "aria-label": `Deliveries of event ${e.seq}` }, deliveries) : null,
    ]);
  });
  $("timeline").replaceChildren(...items);
  say(`Loaded ${details.events.length} events, ${details.deliveries.length} deliveries.`);
}

/** @param {SubmitEvent} event */
async function saveRefs(event) {
  event.preventDefault();
  const key = $("refs-form").dataset.key ?? "";
  /** @type {Record<string, string>} */
  const refs = {};
  for (const line of /** @type {HTMLTextAreaElement} */ ($("refs-text")).value.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) refs[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  try {
    await api(`${instancePath(key)}/refs`, { method: "PUT", body: { refs } });
    await instance(key);
    say("Refs saved.");
  } catch (err) {
    fail(err);
  }
}

// ---- routing --------------------------------------------------------------------------------------

async function route() {
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    show("sign-in");
    return;
  }
  const hash = location.hash || "#/overview";
  try {
    if (hash.startsWith("#/instances/")) await instance(decodeURIComponent(hash.slice("#/instances/".length)));
    else if (hash === "#/instances") await instances(false);
    else if (hash === "#/dead-letters") await deadLetters(false);
    else await overview();
  } catch (err) {
    fail(err);
  }
}

function start() {
  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($("token"));
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = "";
    try {
      await api("/admin/connectors");
      say("Signed in.");
      if (!location.hash || location.hash === "#/sign-in") location.hash = "#/overview";
      else await route();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) fail(err);
    }
  });
  $("sign-out").addEventListener("click", () => signOut());
  $("dead-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    renderDeadLetters();
  });
  $("dead-all").addEventListener("change", (event) => {
    const checked = /** @type {HTMLInputElement} */ (event.target).checked;
    for (const box of document.querySelectorAll("#dead-letters tbody input[type=checkbox]")) /** @type {HTMLInputElement} */ (box).checked = checked;
    updateReplaySelected();
  });
  $("dead-replay-selected").addEventListener("click", () => void replay1(selectedDead()));
  $("dead-more").addEventListener("click", () => void deadLetters(true).catch(fail));
  $("instance-search").addEventListener("submit", (event) => {
    event.preventDefault();
    if (location.hash !== "#/instances") location.hash = "#/instances";
    else void instances(false).catch(fail);
  });
  $("instances-more").addEventListener("click", () => void instances(true).catch(fail));
  $("refs-form").addEventListener("submit", (event) => void saveRefs(/** @type {SubmitEvent} */ (event)));
  window.addEventListener("hashchange", () => void route());
  void route();
}

start();
