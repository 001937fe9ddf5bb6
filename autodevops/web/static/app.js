// The autodevops page: plain JavaScript over the REST API, no build step, nothing from the network.
// Log text and everything the API returns is put on the page as text (textContent), never as HTML.
"use strict";

const $ = (selector) => document.querySelector(selector);
const CATEGORY_COLOURS = ["#2557d6", "#12805c", "#b54708", "#7a5af8", "#c11574", "#0e9384", "#667085", "#98a2b3"];
const state = { patterns: [], analysis: null, logText: "", batch: null, rows: [] };

// One element: el("div", {class: "x"}, "text", child) — strings become text nodes, never markup.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401) {
    showBanner("This server needs a token: open the page once as /?token=YOUR_TOKEN.");
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const body = await response.json();
      detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    } catch (_) { /* not JSON: keep the status text */ }
    throw new Error(`${response.status}: ${detail}`);
  }
  return response;
}

const getJSON = async (path) => (await api(path)).json();
const postJSON = async (path, body) => (await api(path, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
})).json();

function showBanner(text) {
  const banner = $("#banner");
  banner.textContent = text;
  banner.hidden = false;
}

const percent = (value) => `${Math.round(value * 100)} %`;

// ---------------------------------------------------------------- navigation
function show(view) {
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.view === view);
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  if (view === "dashboard") loadDashboard();
}

// ---------------------------------------------------------------- one log
async function analyzeText(text) {
  const status = $("#analyze-status");
  const button = $("#analyze-button");
  if (!text.trim()) { status.textContent = "Paste a log first."; return; }
  button.disabled = true;
  status.textContent = "Analyzing…";
  try {
    const started = performance.now();
    const analysis = await postJSON("/api/analyze", { log: text });
    state.analysis = analysis;
    state.logText = text;
    renderCard(analysis, text);
    status.textContent = `Answered in ${Math.round(performance.now() - started)} ms.`;
  } catch (error) {
    status.textContent = "";
    renderError(error.message);
  } finally {
    button.disabled = false;
  }
}

function renderError(message) {
  const card = $("#card");
  card.replaceChildren(el("div", { class: "error-box" }, message));
  card.hidden = false;
}

function successNote(solution) {
  if (solution.success_rate_note) return solution.success_rate_note;
  if (solution.success_rate === null || solution.success_rate === undefined) return "no success rate yet";
  const count = solution.feedback_count || 0;
  return count === 0
    ? `${percent(solution.success_rate)} prior, no outcomes yet`
    : `${percent(solution.success_rate)} from ${count} outcome${count === 1 ? "" : "s"}`;
}

function commandParts(command) {
  // A command is a string (the contract: "run  # WARNING: why") or an object {run, warning}.
  if (typeof command === "object" && command !== null) return { run: command.run, warning: command.warning };
  const at = command.indexOf("  # WARNING: ");
  return at < 0 ? { run: command, warning: null } : { run: command.slice(0, at), warning: command.slice(at + 13) };
}

function copyButton(text) {
  const button = el("button", { type: "button", class: "copy", title: "Copy the command" }, "Copy");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) {  // no clipboard API (plain http on another host): fall back to a selection copy
      const area = el("textarea", {}, text);
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  });
  return button;
}

function evidenceView(matched, text) {
  // The log's own lines around each evidence line, the evidence highlighted; unmatched evidence listed as is.
  const lines = text.split(/\r?\n/);
  const wanted = matched.map((line) => line.trim()).filter(Boolean);
  const hits = new Set();
  for (const target of wanted) {
    // The analysis reports log lines trimmed: the same line, or else the first line that contains it.
    let index = lines.findIndex((line, i) => !hits.has(i) && line.trim() === target);
    if (index < 0) index = lines.findIndex((line, i) => !hits.has(i) && line.includes(target));
    if (index >= 0) hits.add(index);
  }
  const box = el("div", { class: "evidence" });
  if (hits.size === 0) {
    wanted.forEach((line) => box.append(el("div", { class: "line hit" }, el("span", { class: "no" }, "•"), el("span", { class: "text" }, line))));
    return box;
  }
  const show = new Set();
  for (const i of hits) for (let j = Math.max(0, i - 3); j <= Math.min(lines.length - 1, i + 3); j++) show.add(j);
  let previous = -1;
  for (const i of [...show].sort((a, b) => a - b)) {
    if (previous >= 0 && i > previous + 1) box.append(el("div", { class: "gap" }, "⋯"));
    box.append(el("div", { class: hits.has(i) ? "line hit" : "line" },
      el("span", { class: "no" }, String(i + 1)), el("span", { class: "text" }, lines[i])));
    previous = i;
  }
  return box;
}

function renderCard(a, text) {
  const card = $("#card");
  const solution = a.solution;
  const head = el("div", { class: "card-head" },
    el("div", {},
      el("div", { class: a.pattern_id ? "pattern" : "pattern none", id: "card-pattern" },
        a.pattern_id || (a.error ? "This log could not be read" : "No known pattern fits this log")),
      el("div", { class: "badges" },
        a.category && el("span", { class: "badge category" }, a.category),
        a.failed_step && el("span", { class: "badge" }, `failed step: ${a.failed_step}`),
        a.job_status !== "unknown" && el("span", { class: `badge ${a.job_status}` }, `job ${a.job_status}`),
        a.source !== "pattern" && el("span", { class: "badge" }, `source: ${a.source}`),
        a.truncated && el("span", { class: "badge cut" }, "only the log's tail was read"))),
    el("div", { class: "confidence" },
      el("div", { class: "value", id: "card-confidence" }, percent(a.confidence)),
      el("div", { class: "muted" }, a.pattern_id ? "calibrated confidence" : "confidence that no pattern applies"),
      meter(a.confidence)));
  const body = [head];
  if (a.error) body.push(el("div", { class: "error-box" }, a.error));
  if (solution) {
    body.push(el("div", { class: "title", id: "card-title" }, solution.title));
    body.push(el("div", { class: "facts" },
      solution.estimated_minutes != null && el("span", {}, "estimated ", el("b", {}, `~${solution.estimated_minutes} min`)),
      el("span", {}, "success rate ", el("b", { id: "card-success" }, successNote(solution)))));
    const sub = solution.sub_cause;
    if (sub && sub.id) {
      body.push(el("div", { class: "subcause", id: "card-subcause" }, el("b", {}, "Sub-cause: "),
        sub.title || sub.id.replace(/_/g, " "), sub.evidence && el("code", {}, sub.evidence)));
    }
    if (solution.steps && solution.steps.length) {
      body.push(el("h3", {}, "Steps"));
      body.push(el("ol", { class: "steps" }, solution.steps.map((step) => el("li", {}, prose(String(step).replace(/^\d+\.\s*/, ""))))));
    }
    const commands = [...(solution.diagnostic ? [solution.diagnostic] : []), ...(solution.commands || [])];
    if (commands.length) {
      body.push(el("h3", {}, solution.diagnostic ? "Commands (the first tells the likely causes apart)" : "Commands"));
      for (const command of commands) {
        const { run, warning } = commandParts(command);
        body.push(el("div", { class: "command" },
          el("pre", {}, run, warning && el("span", { class: "warning" }, `⚠ ${warning}`)), copyButton(run)));
      }
      const filled = Object.entries(solution.filled || {});
      if (filled.length) {
        body.push(el("div", { class: "filled muted" }, "Filled in from the log: ",
          filled.map(([name, value], i) => [i ? ", " : "", el("code", {}, `<${name}>`), " = ", el("code", {}, String(value))])));
      }
    }
  }
  if (a.matched_lines && a.matched_lines.length) {
    body.push(el("h3", {}, "Evidence in the log"));
    body.push(evidenceView(a.matched_lines, text));
  }
  if (!a.error) body.push(feedbackBar(a));
  card.replaceChildren(...body);
  card.hidden = false;
  const first = card.querySelector(".evidence .hit");
  if (first) first.parentElement.scrollTop = Math.max(0, first.offsetTop - 60);
}

// Catalog prose marks commands with `backticks`: shown as code, still only as text.
function prose(text) {
  return text.split("`").map((part, i) => (i % 2 ? el("code", {}, part) : part));
}

function meter(value) {
  const fill = el("div");
  fill.style.width = `${Math.round(value * 100)}%`;
  return el("div", { class: value < 0.5 ? "meter low" : "meter" }, fill);
}

function feedbackBar(a) {
  const note = el("span", { class: "note", id: "feedback-note" });
  const say = (text, ok = true) => { note.textContent = text; note.className = `note ${ok ? "ok" : "bad"}`; };
  const outcome = async (value) => {
    try {
      const answer = await postJSON("/api/feedback", { pattern_id: a.pattern_id, outcome: value });
      const rate = answer.success_rate !== undefined ? ` Success rate now ${percent(answer.success_rate)}.` : "";
      say(`Thanks, recorded.${rate}`);
    } catch (error) { say(error.message, false); }
  };
  const select = el("select", { id: "teach-pattern" },
    el("option", { value: "" }, "choose the right pattern…"),
    el("option", { value: "unknown" }, "unknown — no pattern fits"));
  const groups = {};
  for (const p of state.patterns) (groups[p.category] ||= []).push(p);
  for (const [category, patterns] of Object.entries(groups).sort()) {
    select.append(el("optgroup", { label: category },
      patterns.map((p) => el("option", { value: p.id }, `${p.id} — ${p.title}`))));
  }
  const teach = el("span", { class: "teach", hidden: true }, select,
    el("button", { type: "button", id: "teach-button", onclick: async () => {
      if (!select.value) { say("Choose a pattern first.", false); return; }
      try {
        await postJSON("/api/feedback", { pattern_id: select.value, analysis_id: a.analysis_id });
        const again = await postJSON("/api/analyze", { log: state.logText });
        state.analysis = again;
        renderCard(again, state.logText);
        const answer = again.pattern_id || "no pattern (abstains)";
        const fresh = $("#feedback-note");
        fresh.textContent = `Taught: this log is ${select.value}. Re-analyzed: ${answer}.`;
        fresh.className = "note ok";
      } catch (error) { say(error.message, false); }
    } }, "Teach"));
  const bar = el("div", { class: "feedback" }, el("span", { class: "muted" }, "Did it help?"));
  if (a.pattern_id) {
    bar.append(el("button", { type: "button", class: "ok", id: "feedback-worked", onclick: () => outcome("success") }, "✓ This worked"),
      el("button", { type: "button", class: "no", id: "feedback-failed", onclick: () => outcome("failure") }, "✗ This did not"));
  }
  bar.append(el("button", { type: "button", id: "feedback-wrong", onclick: () => { teach.hidden = !teach.hidden; } },
    a.pattern_id ? "Wrong pattern → choose the right one" : "Teach the right pattern"), teach, note);
  return bar;
}

// ---------------------------------------------------------------- archives
async function uploadArchive(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  $("#batch-results").hidden = true;
  $("#batch-progress").hidden = false;
  $("#batch-name").textContent = file.name;
  $("#batch-state").textContent = "Uploading…";
  setProgress(0, null, "running");
  try {
    const { id } = await (await api("/api/batches", { method: "POST", body: form })).json();
    localStorage.setItem("autodevops.batch", id);
    watchBatch(id);
  } catch (error) {
    $("#batch-state").textContent = error.message;
    setProgress(0, null, "failed");
  }
}

function setProgress(done, total, status) {
  const bar = $("#batch-bar");
  bar.style.width = total ? `${Math.min(100, (100 * done) / total)}%` : (status === "done" ? "100%" : "0");
  bar.className = `progress-bar ${status === "done" ? "done" : status === "failed" ? "failed" : ""}`;
  $("#batch-count").textContent = total ? `${done} / ${total} logs` : `${done} logs`;
}

async function watchBatch(id) {
  state.batch = id;
  for (;;) {
    let status;
    try { status = await getJSON(`/api/batches/${encodeURIComponent(id)}`); } catch (error) {
      $("#batch-state").textContent = error.message;
      return;
    }
    if (state.batch !== id) return;  // another upload took over
    $("#batch-progress").hidden = false;
    $("#batch-name").textContent = status.name;
    setProgress(status.done, status.total, status.status);
    $("#batch-state").textContent = status.status === "failed" ? `Failed: ${status.error}` : status.status === "done"
      ? `Done: ${status.counts.answered || 0} answered, ${status.counts.abstained || 0} abstained, ${status.counts.error || 0} unreadable.`
      : status.status === "queued" ? "Waiting for the batch before it…" : "Scoring…";
    $("#batch-state").dataset.status = status.status;
    if (status.status === "done") { await loadResults(id); return; }
    if (status.status === "failed") return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function loadResults(id) {
  const url = `/api/batches/${encodeURIComponent(id)}/results`;
  const text = await (await api(url)).text();
  state.rows = text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
  $("#batch-download").href = url;
  const fill = (select, values) => select.replaceChildren(el("option", { value: "" }, "all"),
    ...[...new Set(values)].sort().map((value) => el("option", { value }, value)));
  fill($("#filter-category"), state.rows.map((r) => r.category).filter(Boolean));
  fill($("#filter-pattern"), state.rows.map((r) => r.pattern_id).filter(Boolean));
  $("#batch-results").hidden = false;
  renderRows();
}

function outcomeOf(row) { return row.error ? "error" : row.pattern_id ? "answered" : "abstained"; }

function renderRows() {
  const category = $("#filter-category").value;
  const pattern = $("#filter-pattern").value;
  const minimum = Number($("#filter-confidence").value);
  const outcome = $("#filter-outcome").value;
  $("#filter-confidence-value").textContent = minimum.toFixed(2);
  const rows = state.rows.filter((r) => (!category || r.category === category) && (!pattern || r.pattern_id === pattern)
    && r.confidence >= minimum && (!outcome || outcomeOf(r) === outcome));
  const shown = rows.slice(0, 1000);  // the table stays fast; the download has everything
  $("#results-table tbody").replaceChildren(...shown.map((r) => el("tr", { class: outcomeOf(r) },
    el("td", { class: "mono" }, r.id),
    el("td", { class: "mono" }, r.pattern_id || (r.error ? "unreadable" : "— abstained")),
    el("td", {}, r.category || ""),
    el("td", { class: "num" }, r.confidence.toFixed(2)),
    el("td", {}, r.failed_step || ""),
    el("td", {}, r.solution ? r.solution.title : (r.error || "")))));
  $("#filter-count").textContent = `${rows.length} of ${state.rows.length} logs${rows.length > shown.length ? " (first 1000 shown)" : ""}`;
}

// ---------------------------------------------------------------- dashboard
async function loadDashboard() {
  try {
    const [stats, report] = await Promise.all([getJSON("/api/stats"), getJSON("/api/report")]);
    renderTiles(stats);
    renderDays(stats);
    renderPatterns(stats);
    renderReport(report);
  } catch (error) { showBanner(error.message); }
}

function renderTiles(stats) {
  const abstained = stats.per_pattern.abstained || 0;
  const days = stats.per_day.length;
  const tile = (label, value) => el("div", { class: "tile" }, el("div", { class: "muted" }, label), el("div", { class: "value" }, value));
  $("#tiles").replaceChildren(tile("Analyses recorded", String(stats.total)),
    tile("Answered", stats.total ? percent((stats.total - abstained) / stats.total) : "–"),
    tile("Patterns seen", String(Object.keys(stats.per_pattern).filter((p) => p !== "abstained").length)),
    tile("Days", String(days)));
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function renderDays(stats) {
  const box = $("#chart-days");
  if (!stats.per_day.length) { box.replaceChildren(el("div", { class: "muted" }, "No analyses recorded yet.")); return; }
  // Abstentions last, in grey: they are logs no known pattern fits, not a category.
  const categories = Object.keys(stats.per_category).filter((c) => c !== "abstained");
  if (stats.per_category.abstained) categories.push("abstained");
  const colour = (c) => (c === "abstained" ? "#d0d5dd" : CATEGORY_COLOURS[categories.indexOf(c) % CATEGORY_COLOURS.length]);
  const label = (c) => (c === "abstained" ? "no known pattern" : c);
  const days = stats.per_day.slice(-30);
  const width = 620, height = 220, left = 34, bottom = 24;
  const top = Math.max(...days.map((d) => Object.values(d.per_category).reduce((a, b) => a + b, 0)));
  const step = (width - left) / days.length;
  const bar = Math.min(step * 0.7, 56);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": "failures per category by day" });
  for (const fraction of [0, 0.5, 1]) {
    const y = height - bottom - fraction * (height - bottom - 10);
    chart.append(svg("line", { x1: left, x2: width, y1: y, y2: y, stroke: "#eef1f6" }),
      svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, String(Math.round(fraction * top))));
  }
  days.forEach((day, i) => {
    let y = height - bottom;
    for (const category of categories) {
      const count = day.per_category[category] || 0;
      if (!count) continue;
      const h = (count / top) * (height - bottom - 10);
      y -= h;
      chart.append(svg("rect", { x: left + i * step + (step - bar) / 2, y, width: bar, height: h, fill: colour(category) },
        svg("title", {}, `${day.day} ${label(category)}: ${count}`)));
    }
    chart.append(svg("text", { x: left + i * step + step / 2, y: height - 6, "text-anchor": "middle" }, day.day.slice(5)));
  });
  const legend = el("div", { class: "legend" }, categories.map((c) => {
    const swatch = el("i");
    swatch.style.background = colour(c);
    return el("span", {}, swatch, label(c));
  }));
  box.replaceChildren(chart, legend);
}

function renderPatterns(stats) {
  const entries = Object.entries(stats.per_pattern).slice(0, 12);
  const top = entries.length ? entries[0][1] : 1;
  $("#chart-patterns").replaceChildren(...(entries.length ? entries.map(([pattern, count]) => {
    const fill = el("div", { class: "fill" });
    fill.style.width = `${(100 * count) / top}%`;
    return el("div", { class: "hbar" }, el("span", { class: "label", title: pattern }, pattern === "abstained" ? "no known pattern" : pattern),
      el("div", { class: "track" }, fill), el("span", { class: "num" }, String(count)));
  }) : [el("div", { class: "muted" }, "No analyses recorded yet.")]));
}

function renderReport(report) {
  const box = $("#report");
  if (!report.available) {
    box.replaceChildren(el("div", { class: "muted" },
      `No benchmark report${report.folder ? ` in ${report.folder}` : ""}: run \`autodevops benchmark\` to make one.`));
    return;
  }
  const columns = [["top1", "top-1"], ["coverage", "coverage"], ["precision", "precision"], ["unknown_abstention", "abstains on unknown"], ["ece", "ECE"]];
  const format = (v) => (typeof v === "number" ? v.toFixed(3) : "–");
  box.replaceChildren(
    el("div", { class: "muted" }, report.generated || ""), el("p", {}, report.summary || ""),
    ...report.warnings.map((w) => el("div", { class: "subcause" }, `⚠ ${w}`)),
    el("div", { class: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "approach"), columns.map(([, label]) => el("th", { class: "num" }, label)))),
      el("tbody", {}, Object.entries(report.approaches).map(([name, m]) =>
        el("tr", {}, el("td", {}, name), columns.map(([key]) => el("td", { class: "num" }, format(m[key])))))))),
    report.html && el("p", {}, el("a", { href: "/report", target: "_blank", rel: "noopener" }, "Open the full report")));
}

// ---------------------------------------------------------------- wiring
function dropTarget(node, onFile) {
  node.addEventListener("dragover", (event) => { event.preventDefault(); node.classList.add("dragging"); });
  node.addEventListener("dragleave", () => node.classList.remove("dragging"));
  node.addEventListener("drop", (event) => {
    event.preventDefault();
    node.classList.remove("dragging");
    if (event.dataTransfer.files.length) onFile(event.dataTransfer.files[0]);
  });
}

async function readLogFile(file) {
  const text = await file.text();
  $("#log-input").value = text;
  analyzeText(text);
}

document.addEventListener("DOMContentLoaded", async () => {
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => show(tab.dataset.view));
  $("#analyze-button").addEventListener("click", () => analyzeText($("#log-input").value));
  $("#log-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) analyzeText($("#log-input").value);
  });
  $("#log-file").addEventListener("change", (event) => event.target.files[0] && readLogFile(event.target.files[0]));
  dropTarget($("#log-input"), readLogFile);
  dropTarget($("#archive-drop"), uploadArchive);
  $("#archive-file").addEventListener("change", (event) => event.target.files[0] && uploadArchive(event.target.files[0]));
  for (const id of ["#filter-category", "#filter-pattern", "#filter-confidence", "#filter-outcome"]) {
    $(id).addEventListener("input", renderRows);
    $(id).addEventListener("change", renderRows);
  }
  try { state.patterns = await getJSON("/api/patterns"); } catch (error) { showBanner(error.message); }
  const last = localStorage.getItem("autodevops.batch");
  if (last) watchBatch(last).catch(() => localStorage.removeItem("autodevops.batch"));
});
