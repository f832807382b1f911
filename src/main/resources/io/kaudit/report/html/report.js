// kaudit's report and live UI. Builds every element with textContent/attributes (never innerHTML):
// event data is untrusted text and stays text. No network access except, live, its own server.
(function () {
  "use strict";
  // Alerts and their events, most of a report's bytes, come gzipped in base64: the browser unpacks them.
  function unpack(id) {
    var node = document.getElementById(id);
    if (node.type === "application/json") { return Promise.resolve(JSON.parse(node.textContent)); }
    var text = atob(node.textContent.trim()), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(JSON.parse);
  }
  Promise.all([unpack("kaudit-alerts"), unpack("kaudit-events")]).then(function (parts) {
    start(parts[0] || [], parts[1] || {});   // the report keeps each event once, however many of its alerts it lists
  }, function (e) {
    var p = document.createElement("p");
    p.className = "note";
    p.textContent = "This browser cannot unpack the report's data (" + e + "); open it in a browser from 2023 or later.";
    document.body.insertBefore(p, document.body.firstChild);
  });

  function start(alerts, events) {
  var data = JSON.parse(document.getElementById("kaudit-data").textContent);
  var ruleTags = {};
  data.rules.forEach(function (r) { ruleTags[r.name] = r.tags; });
  // what the report leaves out of each alert, read from its event and rule (as kaudit reads them)
  alerts.forEach(function (a) {
    if (a.eid === undefined) { return; }
    var e = a.event = events[a.eid] || {}, ref = e.objectRef || {};
    a.user = e.user && typeof e.user.username === "string" ? e.user.username : undefined;
    a.ip = Array.isArray(e.sourceIPs) && typeof e.sourceIPs[0] === "string" ? e.sourceIPs[0] : undefined;
    a.namespace = typeof ref.namespace === "string" ? ref.namespace : undefined;
    a.verb = typeof e.verb === "string" ? e.verb : undefined;
    a.resource = typeof ref.resource === "string" ? ref.resource + (typeof ref.subresource === "string" ? "/" + ref.subresource : "") : undefined;
  });
  alerts.forEach(function (a) {
    if (!a.tags) { a.tags = ruleTags[a.rule] || []; }
    if (!a.time) { a.time = new Date(a.ts).toISOString(); }
  });
  var LIVE = data.mode === "live";
  var PRIOS = data.priorities;
  var SVG = "http://www.w3.org/2000/svg";
  var state = { range: null, priority: "", rule: "", namespace: "", actor: null, text: "",
    sort: { key: "ts", dir: -1 }, limit: 200, open: {}, tab: "all", paused: false };
  var pending = [];
  var seq = 0;
  function prepare(a) { a._id = seq++; a.action = [a.verb, a.resource].filter(Boolean).join(" "); return a; }
  alerts.forEach(prepare);

  // ------------------------------------------------------------------ helpers
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (k === "text") { e.textContent = attrs[k]; }
        else if (k === "cls") { e.className = attrs[k]; }
        else if (attrs[k] !== null && attrs[k] !== undefined) { e.setAttribute(k, attrs[k]); }
      }
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) { continue; }
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) { if (k === "text") { e.textContent = attrs[k]; } else { e.setAttribute(k, attrs[k]); } }
    return e;
  }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } return e; }
  function num(n) { return Number(n).toLocaleString("en-US"); }
  function iso(ms) { return ms === undefined || ms === null ? "" : new Date(ms).toISOString().replace(".000Z", "Z"); }
  function short(ms) { return iso(ms).replace("T", " ").replace(/\.\d+Z$|Z$/, ""); }
  // in tables: without the year when the whole log is within one
  var oneYear = !data.span || iso(data.span.first).slice(0, 4) === iso(data.span.last).slice(0, 4);
  function cell(ms) { return oneYear ? short(ms).slice(5) : short(ms); }
  function duration(ms) {
    var s = Math.round(ms / 1000);
    if (s < 60) { return s + " s"; }
    if (s < 3600) { return Math.floor(s / 60) + " min" + (s % 60 ? " " + (s % 60) + " s" : ""); }
    if (s < 86400) { return Math.floor(s / 3600) + " h " + Math.floor(s % 3600 / 60) + " min"; }
    return Math.floor(s / 86400) + " d " + Math.floor(s % 86400 / 3600) + " h";
  }
  function prioRank(p) { var i = PRIOS.indexOf(p); return i < 0 ? PRIOS.length : i; }
  function swatch(p) { return el("span", { cls: "sw p-bg-" + p }); }
  function prio(p) { return el("span", { cls: "prio" }, swatch(p), p); }
  function tagEl(t) {
    if (/^T\d{4}(\.\d{3})?$/.test(t)) {
      return el("a", { cls: "tag", href: "https://attack.mitre.org/techniques/" + t.replace(".", "/") + "/",
        target: "_blank", rel: "noopener noreferrer", title: "MITRE ATT&CK technique " + t }, t);
    }
    return el("span", { cls: "tag" }, t);
  }
  function actorOf(a, kind) { return kind === "ip" ? a.ip : a.user; }
  function kindOf(name) { return name.indexOf("system:serviceaccount:") === 0 ? "serviceaccount" : "user"; }
  var KIND_LABEL = { user: "user", serviceaccount: "service account", ip: "source IP" };

  // ------------------------------------------------------------------ filtering
  function filtered() { return state.priority || state.rule || state.namespace || state.actor || state.text; }
  function anyFilter() { return filtered() || state.range; }
  function haystack(a) {
    if (a._hay === undefined) {
      a._hay = [a.rule, a.output, a.user, a.ip, a.namespace, a.verb, a.resource, a.path + ":" + a.line,
        JSON.stringify(a.fields)].join("\n").toLowerCase();
    }
    return a._hay;
  }
  function matches(a, ignoreRange) {
    var t = LIVE ? a.rx : a.ts;   // the live timeline is of when alerts arrived
    if (!ignoreRange && state.range && (t < state.range[0] || t >= state.range[1])) { return false; }
    if (state.priority && a.priority !== state.priority) { return false; }
    if (state.rule && a.rule !== state.rule) { return false; }
    if (state.namespace && (a.namespace || "") !== state.namespace) { return false; }
    if (state.actor && actorOf(a, state.actor.kind) !== state.actor.name) { return false; }
    if (state.text && haystack(a).indexOf(state.text) < 0) { return false; }
    return true;
  }
  function shown() { return alerts.filter(function (a) { return matches(a, false); }); }

  // ------------------------------------------------------------------ overview
  function card(key, label, value, detail, attrs) {
    var c = el("div", { cls: "card", "data-card": key });
    c.appendChild(el("div", { cls: "k" }, label));
    var v = el("div", { cls: "v", "data-stat": key, "data-value": String(value) }, typeof value === "number" ? num(value) : value);
    c.appendChild(v);
    if (detail) { c.appendChild(typeof detail === "string" ? el("div", { cls: "d", title: detail }, detail) : detail); }
    if (attrs && attrs.wide) { c.className += " wide"; }
    return c;
  }
  function renderOverview() {
    var o = clear($("overview"));
    var s = data.stats;
    if (LIVE) {
      o.appendChild(card("events", "Events received", s.events, "since kaudit serve started"));
      o.appendChild(card("alerts", "Alerts", s.alerts, "since start; " + num(alerts.length) + " kept in memory"));
      var win = windowAlerts();
      var byP = {};
      win.forEach(function (a) { byP[a.priority] = (byP[a.priority] || 0) + 1; });
      o.appendChild(prioCard("window", "Last " + duration(data.window_ms), win.length, byP));
      var tags = {};
      win.forEach(function (a) { (a.tags || []).forEach(function (t) { tags[t] = (tags[t] || 0) + 1; }); });
      var top = Object.keys(tags).sort(function (x, y) { return tags[y] - tags[x]; }).slice(0, 8);
      var chips = el("div", { cls: "prio-chips" });
      top.forEach(function (t) { chips.appendChild(el("span", { cls: "chip", "data-tag": t }, t + " " + tags[t])); });
      if (!top.length) { chips.appendChild(el("span", { cls: "muted" }, "none in the window")); }
      var tc = card("tags", "Tags, last " + duration(data.window_ms), top.length, chips);
      tc.className += " wide";
      o.appendChild(tc);
      return;
    }
    var inputs = data.inputs || [];
    o.appendChild(card("inputs", "Inputs", inputs.length, inputs.slice(0, 3).join(", ") + (inputs.length > 3 ? ", \u2026" : "")));
    o.appendChild(card("events", "Events", s.events, num(s.lines) + " lines, " + (s.bytes / 1048576).toFixed(1) + " MiB"));
    if (data.span) {
      o.appendChild(card("span", "Time span", duration(data.span.last - data.span.first),
        short(data.span.first) + " \u2192 " + short(data.span.last)));
    } else {
      o.appendChild(card("span", "Time span", "\u2014", "no events"));
    }
    o.appendChild(prioCard("alerts", "Alerts", s.alerts, s.alerts_by_priority));
    o.appendChild(card("malformed", "Malformed lines", s.malformed, s.first_malformed ? "first at " + s.first_malformed : "none"));
    if (s.inputs_not_read_to_end) {
      o.appendChild(card("incomplete", "Inputs not read to the end", s.inputs_not_read_to_end, s.first_not_read_to_end));
    }
    o.appendChild(card("rules", "Rules loaded", data.rules_loaded, countFired() + " fired"));
  }
  function prioCard(key, label, total, byP) {
    var chips = el("div", { cls: "prio-chips" });
    PRIOS.forEach(function (p) {
      if (byP[p]) { chips.appendChild(el("span", { cls: "chip", "data-priority": p, "data-value": String(byP[p]) }, swatch(p), p + " " + num(byP[p]))); }
    });
    var c = card(key, label, total, chips);
    c.className += " wide";
    return c;
  }
  function countFired() { return data.rules.filter(function (r) { return r.count > 0; }).length; }
  function renderNotes() {
    var cov = data.coverage && data.coverage.sentence;
    $("coverage").hidden = !cov;
    if (cov) {
      var counted = function (m) { var parts = []; for (var k in m) { parts.push(k + " " + num(m[k])); } return parts.join(", "); };
      $("coverage").textContent = "What this log lets rules see: " + cov + " (events by level: " + counted(data.coverage.levels) +
        "; by stage: " + counted(data.coverage.stages) + ").";
    }
    var left = data.alerts_left_out;
    $("left-out").hidden = !left;
    if (left) {
      $("left-out").textContent = "This report lists " + num(data.alerts_kept) + " of " + num(data.alerts_total) +
        " alerts (--html-max-alerts " + num(data.max_alerts) + "): " + num(left) + " left out, the lowest priorities and latest first. " +
        "Counts in the overview, timeline and unfiltered tables cover every alert.";
    }
  }

  // ------------------------------------------------------------------ timeline
  function windowAlerts() {
    var from = Date.now() - data.window_ms;
    return alerts.filter(function (a) { return a.rx >= from; });
  }
  /** {start, width, n, events[], alerts{prio: []}}: the report's grid, or live, buckets over the sliding window. */
  function timelineData() {
    if (!LIVE) { return data.timeline; }
    var n = 60, width = Math.ceil(data.window_ms / n), end = Math.ceil(Date.now() / width) * width, start = end - n * width;
    var t = { start: start, width: width, n: n, events: null, alerts: {} };
    alerts.forEach(function (a) {
      if (!matches(a, true)) { return; }
      var i = Math.floor((a.rx - start) / width);   // live: when it was received
      if (i < 0 || i >= n) { return; }
      (t.alerts[a.priority] = t.alerts[a.priority] || new Array(n).fill(0))[i]++;
    });
    return t;
  }
  function renderTimeline() {
    var box = clear($("timeline"));
    var t = timelineData();
    var W = Math.max(box.clientWidth, 300), H = 200, L = 44, R = 50, T = 10, B = 24;
    var s = svg("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, "aria-label": "alerts over time" });
    box.appendChild(s);
    if (!t || !t.n) {
      s.appendChild(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", "class": "axis", text: "no events" }));
      return;
    }
    var n = t.n, bw = (W - L - R) / n;
    var stack = new Array(n).fill(0);
    var present = PRIOS.filter(function (p) { return t.alerts[p]; });
    // with a filter (report mode), the bars count the alerts in the page that match it
    var bars = t.alerts;
    if (!LIVE && filtered()) {
      bars = {};
      alerts.forEach(function (a) {
        if (!matches(a, true)) { return; }
        var i = Math.floor((a.ts - t.start) / t.width);
        if (i >= 0 && i < n) { (bars[a.priority] = bars[a.priority] || new Array(n).fill(0))[i]++; }
      });
      present = PRIOS.filter(function (p) { return bars[p]; });
    }
    present.forEach(function (p) { bars[p].forEach(function (c, i) { stack[i] += c; }); });
    var maxA = Math.max(1, Math.max.apply(null, stack));
    var y = function (v) { return T + (H - T - B) * (1 - v / maxA); };
    if (t.events) {
      var maxE = Math.max(1, Math.max.apply(null, t.events));
      var d = "M" + L + "," + (H - B);
      t.events.forEach(function (c, i) {
        var yy = T + (H - T - B) * (1 - c / maxE);
        d += " L" + (L + i * bw).toFixed(1) + "," + yy.toFixed(1) + " L" + (L + (i + 1) * bw).toFixed(1) + "," + yy.toFixed(1);
      });
      d += " L" + (W - R) + "," + (H - B) + " Z";
      s.appendChild(svg("path", { d: d, "class": "vol" }));
      var ax2 = svg("g", { "class": "axis" });
      ax2.appendChild(svg("text", { x: W - R + 6, y: T + 9, text: num(maxE) }));
      ax2.appendChild(svg("text", { x: W - R + 6, y: T + 22, text: "events" }));
      s.appendChild(ax2);
    }
    var base = new Array(n).fill(0);
    PRIOS.slice().forEach(function (p) {
      if (!bars[p]) { return; }
      bars[p].forEach(function (c, i) {
        if (!c) { return; }
        var y0 = y(base[i]), y1 = y(base[i] + c);
        s.appendChild(svg("rect", { x: (L + i * bw + 0.5).toFixed(1), y: y1.toFixed(1), width: Math.max(1, bw - 1).toFixed(1),
          height: Math.max(1, y0 - y1).toFixed(1), "class": "p-fill-" + p }));
        base[i] += c;
      });
    });
    var ax = svg("g", { "class": "axis" });
    ax.appendChild(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B }));
    [0, 0.5, 1].forEach(function (f) {
      var v = Math.round(maxA * f);
      ax.appendChild(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", text: num(v) }));
    });
    var span = n * t.width, ticks = Math.min(6, n);
    for (var k = 0; k <= ticks; k++) {
      var ms = t.start + span * k / ticks, x = L + (W - L - R) * k / ticks;
      var label = span > 2 * 86400000 ? iso(ms).slice(5, 16).replace("T", " ") : iso(ms).slice(11, span < 120000 ? 19 : 16);
      ax.appendChild(svg("text", { x: x, y: H - 6, "text-anchor": k === 0 ? "start" : k === ticks ? "end" : "middle", text: label }));
    }
    s.appendChild(ax);
    if (state.range) {
      var x0 = L + (state.range[0] - t.start) / t.width * bw, x1 = L + (state.range[1] - t.start) / t.width * bw;
      s.appendChild(svg("rect", { x: Math.max(L, x0), y: T, width: Math.max(2, Math.min(W - R, x1) - Math.max(L, x0)), height: H - T - B, "class": "brush" }));
    }
    var tip = el("div", { cls: "tip", hidden: "" });
    box.appendChild(tip);
    brush(s, t, L, W - R, bw, T, H - B, tip, bars, present);
    var lg = clear($("legend"));
    present.forEach(function (p) { lg.appendChild(el("span", null, swatch(p), p)); });
    if (t.events) { lg.appendChild(el("span", null, el("span", { cls: "sw vol-sw" }), "events (right scale)")); }
    lg.appendChild(el("span", null, "bucket " + duration(t.width).replace(/^0 s$/, t.width + " ms")));
  }
  function brush(s, t, x0, x1, bw, top, bottom, tip, bars, present) {
    var start = null, sel = null;
    function ms(x) { return t.start + Math.max(0, Math.min(t.n, (x - x0) / bw)) * t.width; }
    function px(ev) { var r = s.getBoundingClientRect(); return (ev.clientX - r.left) * (s.viewBox.baseVal.width / r.width); }
    s.addEventListener("pointerdown", function (ev) {
      start = px(ev);
      sel = svg("rect", { x: start, y: top, width: 1, height: bottom - top, "class": "brush" });
      s.appendChild(sel);
      s.setPointerCapture(ev.pointerId);
    });
    s.addEventListener("pointermove", function (ev) {
      var x = px(ev);
      if (start !== null) {
        sel.setAttribute("x", Math.min(start, x));
        sel.setAttribute("width", Math.max(1, Math.abs(x - start)));
        return;
      }
      var i = Math.floor((x - x0) / bw);
      if (i < 0 || i >= t.n) { tip.hidden = true; return; }
      var lines = [short(t.start + i * t.width) + " (" + duration(t.width) + ")"];
      if (t.events) { lines.push(num(t.events[i]) + " events"); }
      present.forEach(function (p) { if (bars[p][i]) { lines.push(bars[p][i] + " " + p); } });
      tip.textContent = lines.join(" \u00b7 ");
      tip.hidden = false;
      var r = s.getBoundingClientRect();
      tip.style.left = Math.min(ev.clientX - r.left + 12, r.width - 260) + "px";
      tip.style.top = "4px";
    });
    s.addEventListener("pointerleave", function () { tip.hidden = true; });
    s.addEventListener("pointerup", function (ev) {
      if (start === null) { return; }
      var x = px(ev), a = Math.min(start, x), b = Math.max(start, x);
      start = null;
      if (b - a < 3) {            // a click: select its bucket, or clear when already selected
        var i = Math.floor((a - x0) / bw);
        if (i < 0 || i >= t.n) { state.range = null; }
        else {
          var r0 = t.start + i * t.width;
          state.range = state.range && state.range[0] === r0 && state.range[1] === r0 + t.width ? null : [r0, r0 + t.width];
        }
      } else {
        var lo = Math.floor((ms(a) - t.start) / t.width), hi = Math.ceil((ms(b) - t.start) / t.width);
        state.range = [t.start + lo * t.width, t.start + Math.max(lo + 1, hi) * t.width];
      }
      update();
    });
  }

  // ------------------------------------------------------------------ filters
  function fillSelect(id, values, label) {
    var s = $(id), cur = s.value;
    clear(s).appendChild(el("option", { value: "" }, label));
    values.forEach(function (v) { s.appendChild(el("option", { value: v }, v === "" ? "(none)" : v)); });
    s.value = values.indexOf(cur) >= 0 ? cur : "";
  }
  function fillFilters() {
    var ps = {}, rs = {}, ns = {};
    data.rules.forEach(function (r) { if (r.count > 0) { rs[r.name] = 1; ps[r.priority] = 1; } });
    alerts.forEach(function (a) { ps[a.priority] = 1; rs[a.rule] = 1; if (a.namespace) { ns[a.namespace] = 1; } });
    fillSelect("f-priority", PRIOS.filter(function (p) { return ps[p]; }), "All priorities");
    fillSelect("f-rule", Object.keys(rs).sort(), "All rules");
    fillSelect("f-namespace", Object.keys(ns).sort(), "All namespaces");
  }
  function renderChips() {
    var c = clear($("active-filters"));
    function chip(label, undo, key) {
      var e = el("span", { cls: "chip x", "data-filter": key, title: "remove this filter" }, label);
      e.addEventListener("click", function () { undo(); update(); });
      c.appendChild(e);
    }
    if (state.range) { chip("time " + short(state.range[0]) + " \u2192 " + short(state.range[1]), function () { state.range = null; }, "range"); }
    if (state.actor) { chip(KIND_LABEL[state.actor.kind] + " " + state.actor.name, function () { state.actor = null; }, "actor"); }
    if (state.priority) { chip("priority " + state.priority, function () { state.priority = ""; $("f-priority").value = ""; }, "priority"); }
    if (state.rule) { chip("rule " + state.rule, function () { state.rule = ""; $("f-rule").value = ""; }, "rule"); }
    if (state.namespace) { chip("namespace " + state.namespace, function () { state.namespace = ""; $("f-namespace").value = ""; }, "namespace"); }
    if (state.text) { chip("\u201c" + state.text + "\u201d", function () { state.text = ""; $("search").value = ""; }, "text"); }
  }

  // ------------------------------------------------------------------ tables
  function header(table, cols, sort, onSort) {
    var tr = el("tr");
    cols.forEach(function (c) {
      var th = el("th", { cls: c.num ? "num" : null, "data-key": c.key }, c.label);
      if (sort && sort.key === c.key) { th.setAttribute("data-dir", String(sort.dir)); }
      if (onSort) { th.addEventListener("click", function () { onSort(c.key); }); }
      tr.appendChild(th);
    });
    table.appendChild(el("thead", null, tr));
  }
  var ruleSort = { key: "count", dir: -1 }, actorSort = { key: "alerts", dir: -1 };
  function cmp(key, dir) {
    return function (x, y) {
      var a = x[key], b = y[key];
      if (key === "priority") { a = prioRank(a); b = prioRank(b); }
      if (a === undefined || a === null) { a = ""; }
      if (b === undefined || b === null) { b = ""; }
      return ((a < b ? -1 : a > b ? 1 : 0) || (x._id || 0) - (y._id || 0)) * dir;
    };
  }
  function renderRules(list) {
    var rows;
    if (!LIVE && !anyFilter()) {
      rows = data.rules.filter(function (r) { return r.count > 0; });
    } else {
      var by = {}, meta = {};
      data.rules.forEach(function (r) { meta[r.name] = r; });
      list.forEach(function (a) {
        var r = by[a.rule];
        if (!r) { r = by[a.rule] = { name: a.rule, priority: a.priority, tags: a.tags, count: 0, first: a.ts, last: a.ts,
          description: meta[a.rule] ? meta[a.rule].description : "" }; }
        r.count++; r.first = Math.min(r.first, a.ts); r.last = Math.max(r.last, a.ts);
      });
      rows = Object.keys(by).map(function (k) { return by[k]; });
    }
    rows.sort(cmp(ruleSort.key, ruleSort.dir));
    var t = clear($("rules"));
    header(t, [{ key: "name", label: "Rule" }, { key: "priority", label: "Priority" }, { key: "count", label: "Alerts", num: 1 },
      { key: "first", label: "First" }, { key: "last", label: "Last" }, { key: "tags", label: "Tags" }], ruleSort, function (k) {
      ruleSort = { key: k, dir: ruleSort.key === k ? -ruleSort.dir : (k === "name" || k === "priority" ? 1 : -1) }; update();
    });
    var body = el("tbody");
    rows.forEach(function (r) {
      var tags = el("td");
      (r.tags || []).forEach(function (x) { tags.appendChild(tagEl(x)); });
      var tr = el("tr", { cls: "row" + (state.rule === r.name ? " selected" : ""), "data-rule": r.name, title: r.description || "" },
        el("td", null, r.name), el("td", null, prio(r.priority)), el("td", { cls: "num", "data-count": String(r.count) }, num(r.count)),
        el("td", { cls: "mono" }, cell(r.first)), el("td", { cls: "mono" }, cell(r.last)), tags);
      tr.addEventListener("click", function () { state.rule = state.rule === r.name ? "" : r.name; $("f-rule").value = state.rule; update(); });
      body.appendChild(tr);
    });
    if (!rows.length) { body.appendChild(el("tr", null, el("td", { colspan: "6", cls: "empty" }, "No alerts match."))); }
    t.appendChild(body);
    var silent = data.rules.length - countFired();
    $("rules-hint").textContent = LIVE ? "alerts kept in memory, by rule (" + data.rules_loaded + " rules loaded)"
      : (anyFilter() ? "counted over the alerts that match the filters" + (data.alerts_left_out ? " (of the " + num(data.alerts_kept) + " in this report)" : "")
      : silent + " of " + data.rules.length + " rules did not fire");
  }
  function actorRows(list) {
    var byKey = {};
    function key(kind, name) { return (kind === "ip" ? "ip:" : "u:") + name; }
    var rows = [];
    if (!LIVE) {
      data.actors.forEach(function (a) {
        var r = { kind: a.kind, name: a.name, events: a.events, alerts: 0, first: a.first, last: a.last, verbs: a.verbs, resources: a.resources, spark: a.spark };
        if (state.range) {
          var t = data.timeline, ev = 0;
          a.spark.forEach(function (c, i) { var ms = t.start + i * t.width; if (ms >= state.range[0] && ms < state.range[1]) { ev += c; } });
          r.events = ev;
        }
        r.alerts = anyFilter() ? 0 : a.alerts;
        byKey[key(a.kind, a.name)] = r;
        rows.push(r);
      });
    }
    if (LIVE || anyFilter()) {
      list.forEach(function (a) {
        [["user", a.user], ["ip", a.ip]].forEach(function (p) {
          if (!p[1]) { return; }
          var kind = p[0] === "ip" ? "ip" : kindOf(p[1]), k = key(kind, p[1]), r = byKey[k];
          if (!r) {
            r = byKey[k] = { kind: kind, name: p[1], events: null, alerts: 0, first: a.ts, last: a.ts, verbs: [], resources: [], spark: null, _v: {}, _r: {} };
            rows.push(r);
          }
          r.alerts++;
          if (r._v) {
            r.first = Math.min(r.first, a.ts); r.last = Math.max(r.last, a.ts);
            if (a.verb) { r._v[a.verb] = (r._v[a.verb] || 0) + 1; }
            if (a.resource) { r._r[a.resource] = (r._r[a.resource] || 0) + 1; }
          }
        });
      });
      rows.forEach(function (r) {
        if (r._v) {
          r.verbs = Object.keys(r._v).map(function (k) { return [k, r._v[k]]; }).sort(function (x, y) { return y[1] - x[1]; });
          r.resources = Object.keys(r._r).map(function (k) { return [k, r._r[k]]; }).sort(function (x, y) { return y[1] - x[1]; });
        }
      });
      if (filtered()) { rows = rows.filter(function (r) { return r.alerts > 0 || (state.actor && state.actor.name === r.name); }); }
      else if (state.range) { rows = rows.filter(function (r) { return r.alerts > 0 || r.events > 0; }); }
    }
    return rows;
  }
  function sparkline(r) {
    var s = svg("svg", { width: 120, height: 24, viewBox: "0 0 120 24", "class": "spark" });
    if (!r.spark) { return s; }
    var max = Math.max(1, Math.max.apply(null, r.spark)), n = r.spark.length, d = "M0,24";
    r.spark.forEach(function (c, i) { d += " L" + (i * 120 / n).toFixed(1) + "," + (24 - 22 * c / max).toFixed(1) + " L" + ((i + 1) * 120 / n).toFixed(1) + "," + (24 - 22 * c / max).toFixed(1); });
    d += " L120,24 Z";
    if (state.range) {
      var t = data.timeline, x0 = (state.range[0] - t.start) / t.width * 120 / n, x1 = (state.range[1] - t.start) / t.width * 120 / n;
      s.appendChild(svg("rect", { x: Math.max(0, x0), y: 0, width: Math.max(1, Math.min(120, x1) - Math.max(0, x0)), height: 24 }));
    }
    s.appendChild(svg("path", { d: d }));
    return s;
  }
  function topList(pairs) {
    var td = el("td");
    (pairs || []).slice(0, 3).forEach(function (p) { td.appendChild(el("span", { cls: "tag" }, p[0] + " " + num(p[1]))); });
    if (pairs && pairs.length > 3) { td.appendChild(el("span", { cls: "muted" }, "+" + (pairs.length - 3))); }
    td.title = (pairs || []).map(function (p) { return p[0] + " " + p[1]; }).join(", ");
    return td;
  }
  function renderActors(list) {
    var rows = actorRows(list);
    var counts = { all: rows.length, user: 0, serviceaccount: 0, ip: 0 };
    rows.forEach(function (r) { counts[r.kind]++; });
    var tabs = clear($("actor-tabs"));
    [["all", "All"], ["user", "Users"], ["serviceaccount", "Service accounts"], ["ip", "Source IPs"]].forEach(function (k) {
      var b = el("button", { type: "button", cls: state.tab === k[0] ? "on" : "", "data-tab": k[0] }, k[1] + " " + counts[k[0]]);
      b.addEventListener("click", function () { state.tab = k[0]; update(); });
      tabs.appendChild(b);
    });
    if (state.tab !== "all") { rows = rows.filter(function (r) { return r.kind === state.tab; }); }
    rows.sort(cmp(actorSort.key, actorSort.dir));
    var t = clear($("actors"));
    var cols = [{ key: "name", label: "Actor" }, { key: "kind", label: "Kind" }];
    if (!LIVE) { cols.push({ key: "events", label: "Events", num: 1 }); }
    cols.push({ key: "alerts", label: "Alerts", num: 1 });
    if (!LIVE) { cols.push({ key: "spark", label: "Activity" }); }
    cols.push({ key: "first", label: "First seen" }, { key: "last", label: "Last seen" },
      { key: "verbs", label: "Verbs" }, { key: "resources", label: "Resources" });
    header(t, cols, actorSort, function (k) {
      actorSort = { key: k, dir: actorSort.key === k ? -actorSort.dir : (k === "name" || k === "kind" ? 1 : -1) }; update();
    });
    var body = el("tbody");
    rows.slice(0, 300).forEach(function (r) {
      var sel = state.actor && state.actor.name === r.name && state.actor.kind === (r.kind === "ip" ? "ip" : "user");
      var tr = el("tr", { cls: "row" + (sel ? " selected" : ""), "data-actor": r.name, "data-kind": r.kind, title: "show only this actor's alerts" });
      tr.appendChild(el("td", { cls: "mono" }, r.name));
      tr.appendChild(el("td", { cls: "muted" }, KIND_LABEL[r.kind]));
      if (!LIVE) { tr.appendChild(el("td", { cls: "num", "data-events": String(r.events) }, r.events === null ? "\u2014" : num(r.events))); }
      tr.appendChild(el("td", { cls: "num", "data-alerts": String(r.alerts) }, num(r.alerts)));
      if (!LIVE) { tr.appendChild(el("td", null, sparkline(r))); }
      tr.appendChild(el("td", { cls: "mono" }, cell(r.first)));
      tr.appendChild(el("td", { cls: "mono" }, cell(r.last)));
      tr.appendChild(topList(r.verbs));
      tr.appendChild(topList(r.resources));
      tr.addEventListener("click", function () {
        var kind = r.kind === "ip" ? "ip" : "user";
        state.actor = sel ? null : { kind: kind, name: r.name };
        update();
      });
      body.appendChild(tr);
    });
    if (!rows.length) { body.appendChild(el("tr", null, el("td", { colspan: String(cols.length), cls: "empty" }, "No actors match."))); }
    t.appendChild(body);
    var ac = data.actor_counts;
    $("actors-hint").textContent = (rows.length > 300 ? "the first 300 of " + num(rows.length) + "; " : "") +
      (LIVE ? "from the alerts kept in memory" : ac && ac.total > ac.listed ? "the " + num(ac.listed) + " most alerting and active of " + num(ac.total) + " actors" : "users, service accounts and source IPs in the log") +
      (state.range && !LIVE ? "; events counted in the selected time (by bucket)" : "");
  }
  var ALERT_COLS = [{ key: "ts", label: "Time" }, { key: "priority", label: "Priority" }, { key: "rule", label: "Rule" },
    { key: "user", label: "User" }, { key: "ip", label: "Source IP" }, { key: "namespace", label: "Namespace" },
    { key: "action", label: "Verb and resource" }, { key: "path", label: "Location" }];
  function renderAlerts(list) {
    list = list.slice().sort(cmp(state.sort.key, state.sort.dir));
    var t = clear($("alerts"));
    header(t, ALERT_COLS, state.sort, function (k) {
      state.sort = { key: k, dir: state.sort.key === k ? -state.sort.dir : (k === "ts" ? -1 : 1) }; update();
    });
    var body = el("tbody");
    list.slice(0, state.limit).forEach(function (a) {
      var tr = el("tr", { cls: "row" + (a._fresh ? " fresh" : ""), "data-alert": String(a._id) },
        el("td", { cls: "mono", title: a.time }, cell(a.ts)), el("td", null, prio(a.priority)), el("td", null, a.rule),
        el("td", { cls: "mono" }, a.user || ""), el("td", { cls: "mono" }, a.ip || ""), el("td", null, a.namespace || ""),
        el("td", null, a.action),
        el("td", { cls: "mono", title: a.path + ":" + a.line }, a.path + ":" + a.line + (a.index !== undefined ? " #" + a.index : "")));
      a._fresh = false;
      tr.addEventListener("click", function () { state.open[a._id] = !state.open[a._id]; update(); });
      body.appendChild(tr);
      if (state.open[a._id]) { body.appendChild(detail(a)); }
    });
    if (!list.length) { body.appendChild(el("tr", null, el("td", { colspan: String(ALERT_COLS.length), cls: "empty" }, "No alerts match."))); }
    t.appendChild(body);
    var more = $("more");
    more.hidden = list.length <= state.limit;
    more.textContent = "Show more (" + num(list.length - state.limit) + " left)";
    $("alerts-hint").textContent = "showing " + num(Math.min(list.length, state.limit)) + " of " + num(list.length) +
      (anyFilter() ? " matching" : "") + (LIVE ? " (the last " + num(data.keep) + " are kept)" : "") +
      (data.alerts_left_out ? "; " + num(data.alerts_left_out) + " more left out of this report" : "") + " \u00b7 click a row for its event";
  }
  function detail(a) {
    var fields = el("table", { cls: "kv" });
    Object.keys(a.fields || {}).forEach(function (k) {
      var v = a.fields[k];
      fields.appendChild(el("tr", null, el("td", null, k), el("td", { cls: "mono" }, v === null ? "<NA>" : Array.isArray(v) ? v.join(", ") : String(v))));
    });
    fields.appendChild(el("tr", null, el("td", null, "location"), el("td", { cls: "mono" }, a.path + ":" + a.line + (a.index !== undefined ? " (item " + a.index + ")" : ""))));
    fields.appendChild(el("tr", null, el("td", null, "time"), el("td", { cls: "mono" }, a.time)));
    var tags = el("div");
    (a.tags || []).forEach(function (x) { tags.appendChild(tagEl(x)); });
    var left = el("div", null, el("div", { cls: "msg" }, a.output), fields, tags);
    var right = el("div", null, el("pre", { cls: "json" }, a.event ? JSON.stringify(a.event, null, 2) : "(the event is not kept)"));
    return el("tr", { cls: "detail", "data-detail": String(a._id) }, el("td", { colspan: String(ALERT_COLS.length) }, el("div", { cls: "cols" }, left, right)));
  }

  // ------------------------------------------------------------------ wiring
  function update() {
    var list = shown();
    renderOverview();
    renderChips();
    renderTimeline();
    renderRules(list);
    renderActors(list);
    renderAlerts(list);
  }
  $("f-priority").addEventListener("change", function () { state.priority = this.value; update(); });
  $("f-rule").addEventListener("change", function () { state.rule = this.value; update(); });
  $("f-namespace").addEventListener("change", function () { state.namespace = this.value; update(); });
  var typing = null;
  $("search").addEventListener("input", function () {
    var v = this.value.trim().toLowerCase();
    clearTimeout(typing);
    typing = setTimeout(function () { state.text = v; state.limit = 200; update(); }, 150);
  });
  $("more").addEventListener("click", function () { state.limit += 500; update(); });
  var resized = null;
  window.addEventListener("resize", function () { clearTimeout(resized); resized = setTimeout(renderTimeline, 100); });

  renderNotes();
  fillFilters();
  update();

  if (LIVE) {
    $("live-controls").hidden = false;
    $("pause").addEventListener("click", function () {
      state.paused = !state.paused;
      if (!state.paused) { pending.forEach(add); pending = []; fillFilters(); update(); }
      pauseLabel();
    });
    var pauseLabel = function () { $("pause").textContent = state.paused ? "Resume (" + pending.length + " new)" : "Pause"; };
    var add = function (a) {
      prepare(a);
      a._fresh = true;
      alerts.push(a);
      if (alerts.length > data.keep) { alerts.splice(0, alerts.length - data.keep); }
    };
    var source = new EventSource(data.events_url);
    source.onopen = function () { $("live-dot").className = "dot on"; $("live-state").textContent = "live"; };
    source.onerror = function () { $("live-dot").className = "dot off"; $("live-state").textContent = "reconnecting"; };
    source.addEventListener("alert", function (m) {
      var a = JSON.parse(m.data);
      data.stats.alerts++;
      if (state.paused) { pending.push(a); pauseLabel(); return; }
      add(a);
      later();
    });
    // alerts may come in bursts: the page is redrawn at most every 150 ms
    var timer = null;
    var later = function () {
      if (timer === null) { timer = setTimeout(function () { timer = null; fillFilters(); update(); }, 150); }
    };
    source.addEventListener("stats", function (m) {
      var s = JSON.parse(m.data);
      data.stats.events = s.events;
      data.stats.alerts = s.alerts;
      if (!state.paused) { renderOverview(); }
    });
    setInterval(function () { if (!state.paused) { renderOverview(); renderTimeline(); } }, 5000);
  }
  }
})();
