// The control port's console: it reads /status, /metrics and /traces every few seconds and
// redraws in place. Everything is written as text, never as HTML. A token typed here is kept
// in memory only.
"use strict";
(function () {
  const EVERY_MS = 2000;
  const SPANS_SHOWN = 15;
  let token = "";
  let timer = 0;
  let before = null; // the upstream counts of the last refresh, for the recent error rate

  const $ = (id) => document.getElementById(id);

  function get(path) {
    const headers = token ? { Authorization: "Bearer " + token } : {};
    return fetch(path, { headers: headers, credentials: "same-origin", cache: "no-store" });
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text === undefined || text === null ? "" : String(text);
    if (className) td.className = className;
    return td;
  }

  function fill(id, rows, draw, empty) {
    const body = $(id).tBodies[0];
    body.replaceChildren();
    if (!rows.length) {
      cell(body.insertRow(), empty, "quiet").colSpan = $(id).tHead.rows[0].cells.length;
      return;
    }
    for (const item of rows) draw(body.insertRow(), item);
  }

  function duration(seconds) {
    const s = Math.floor(seconds);
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + m + "m";
    if (m) return m + "m " + (s % 60) + "s";
    return s + "s";
  }

  // Prometheus text: [name, labels, value] for each sample line
  function samples(text) {
    const found = [];
    const line = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
    const pair = /(\w+)="((?:[^"\\]|\\.)*)"/g;
    for (const row of text.split("\n")) {
      if (!row || row[0] === "#") continue;
      const m = line.exec(row);
      if (!m) continue;
      const labels = {};
      for (const p of (m[2] || "").matchAll(pair)) labels[p[1]] = p[2].replace(/\\(.)/g, "$1");
      found.push([m[1], labels, Number(m[3])]);
    }
    return found;
  }

  function drawStatus(status) {
    const labels = (status.capabilities || []).map((c) => c.label || c.file);
    $("label").textContent = labels.join(", ") || "naftiko";
    const specs = [...new Set((status.capabilities || []).map((c) => c.specVersion))];
    $("version").textContent = "naftiko " + status.version + " · spec " + specs.join(", ");
    $("uptime").textContent = "up " + duration(status.uptimeSeconds || 0);
    const ready = $("ready");
    ready.textContent = status.ready === false ? "not ready" : "ready";
    ready.className = status.ready === false ? "bad" : "good";
    document.title = ($("label").textContent || "naftiko") + " · naftiko console";
    fill("adapters", status.adapters || [], (row, a) => {
      cell(row, a.namespace);
      cell(row, a.type);
      cell(row, a.state, a.state === "started" ? "good" : "bad");
      const address = cell(row, "");
      if (a.url) {
        const link = document.createElement("a");
        link.href = a.type === "rest" ? a.url + "/docs" : a.url;
        link.textContent = a.url;
        address.appendChild(link);
      }
      const names = a.routes || a.tools || [];
      const what = cell(row, "");
      if (names.length) {
        const details = document.createElement("details");
        const summary = document.createElement("summary");
        summary.textContent = names.length + (a.routes ? " route(s)" : " tool(s)");
        details.appendChild(summary);
        for (const name of names) {
          const line = document.createElement("div");
          const code = document.createElement("code");
          code.textContent = name;
          line.appendChild(code);
          details.appendChild(line);
        }
        what.appendChild(details);
      }
    }, "no adapter");
  }

  function drawMetrics(text, upstreams) {
    const operations = new Map();
    const answers = new Map();
    for (const [name, l, value] of samples(text)) {
      if (name === "naftiko_requests_total") {
        const key = l.adapter + "\u0000" + l.operation;
        const o = operations.get(key) || { adapter: l.adapter, operation: l.operation, n: 0, errors: 0, sum: 0, count: 0 };
        o.n += value;
        if (l.status === "error" || Number(l.status) >= 500) o.errors += value;
        operations.set(key, o);
      } else if (name === "naftiko_request_duration_seconds_sum" || name === "naftiko_request_duration_seconds_count") {
        const key = l.adapter + "\u0000" + l.operation;
        const o = operations.get(key) || { adapter: l.adapter, operation: l.operation, n: 0, errors: 0, sum: 0, count: 0 };
        if (name.endsWith("_sum")) o.sum += value; else o.count += value;
        operations.set(key, o);
      } else if (name === "naftiko_upstream_requests_total" || name === "naftiko_upstream_failures_total") {
        const a = answers.get(l.namespace) || { total: 0, errors: 0 };
        a.total += value;
        const status = Number(l.status);
        if (name === "naftiko_upstream_failures_total" || status >= 500 || status === 429) a.errors += value;
        answers.set(l.namespace, a);
      }
    }
    const rows = [...operations.values()].filter((o) => o.n > 0).sort((x, y) => y.n - x.n);
    fill("operations", rows, (row, o) => {
      cell(row, o.adapter);
      cell(row, o.operation === "-" ? "(no route)" : o.operation);
      cell(row, o.n, "n");
      cell(row, o.errors, o.errors ? "n bad" : "n");
      cell(row, o.count ? (1000 * o.sum / o.count).toFixed(1) + " ms" : "", "n");
    }, "no request yet");
    drawUpstreams(upstreams, answers);
  }

  function drawUpstreams(upstreams, answers) {
    fill("upstreams", upstreams, (row, u) => {
      cell(row, u.namespace);
      const circuit = u.circuit || "none";
      cell(row, circuit, circuit === "closed" ? "good" : circuit === "none" ? "quiet" : "bad");
      const limits = u.announcedLimits ? JSON.stringify(u.announcedLimits) : "";
      cell(row, limits, limits ? "" : "quiet");
      const now = answers ? answers.get(u.namespace) || { total: 0, errors: 0 } : null;
      cell(row, now ? now.total : "", "n");
      let rate = "";
      if (now) {
        const was = before && before.get(u.namespace);
        const total = was ? now.total - was.total : now.total;
        const errors = was ? now.errors - was.errors : now.errors;
        rate = total > 0 ? (100 * errors / total).toFixed(1) + " %" : "–";
      }
      cell(row, rate, rate && rate !== "–" && parseFloat(rate) > 0 ? "n warn" : "n");
    }, "no upstream");
    if (answers) before = answers;
  }

  function drawTraces(spans) {
    fill("traces", spans.slice(0, SPANS_SHOWN), (row, s) => {
      cell(row, new Date(s.endedAt).toLocaleTimeString());
      cell(row, s.name);
      cell(row, s.kind);
      cell(row, s.durationMs.toFixed(1) + " ms", "n");
      cell(row, s.status, s.status === "error" ? "bad" : "");
      const trace = cell(row, "");
      const link = document.createElement("a");
      link.href = "traces/" + s.trace;
      link.textContent = s.trace.slice(0, 12) + "…";
      trace.appendChild(link);
    }, "no span yet");
  }

  function note(id, text) {
    $(id).textContent = text;
    $(id).hidden = !text;
  }

  async function refresh() {
    try {
      const status = await get("status");
      if (status.status === 401) {
        $("credentials").hidden = false;
        return;
      }
      if (!status.ok) throw new Error("GET /status answered " + status.status);
      $("credentials").hidden = true;
      const found = await status.json();
      drawStatus(found);
      const metrics = await get("metrics");
      if (metrics.ok) {
        drawMetrics(await metrics.text(), found.upstreams || []);
        note("metrics-note", "");
      } else {
        drawUpstreams(found.upstreams || [], null);
        fill("operations", [], null, "metrics are off");
        note("metrics-note", "This control adapter's observability turns metrics off.");
      }
      const traces = await get("traces");
      if (traces.ok) {
        drawTraces((await traces.json()).spans || []);
        note("traces-note", "");
      } else {
        fill("traces", [], null, "no span is kept");
        const problem = await traces.json().catch(() => ({}));
        note("traces-note", problem.detail ? problem.detail + (problem.hint ? " (" + problem.hint + ")" : "") : "");
      }
      note("failure", "");
      $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    } catch (error) {
      note("failure", "The control port did not answer: " + error.message);
    } finally {
      if (!$("credentials").hidden && !token) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, EVERY_MS);
    }
  }

  $("credentials").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    refresh();
  });
  refresh();
})();
