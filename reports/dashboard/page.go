package dashboard

import "html/template"

// pageTemplate is the dashboard page: the state so far inlined, the charts'
// script and CSS inlined, updates from /events. It fetches nothing else.
var pageTemplate = template.Must(template.New("dashboard").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fanbench live · {{.Title}}</title>
<style>{{.Style}}</style>
<style>
body { font: 14px/1.45 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0 auto; padding: 16px 24px; max-width: 1400px; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #d1d9e0; margin: 1.2em 0 .4em; }
#status { color: #59636e; margin: 0 0 .6em; }
#banner { padding: .5em 1em; border-radius: 6px; background: #dafbe1; color: #1a7f37; font-weight: 600; }
#banner.bad { background: #d1242f; color: #fff; }
.strategy { display: grid; grid-template-columns: 20em 1fr; gap: 0 1.5em; }
.strategy h2 { grid-column: 1 / -1; }
table.stats { border-collapse: collapse; font-variant-numeric: tabular-nums; align-self: start; }
table.stats th, table.stats td { border-bottom: 1px solid #eaeef2; padding: .2em .5em; text-align: left; vertical-align: top; }
table.stats th { font-weight: 500; color: #59636e; }
#final pre { background: #f6f8fa; padding: 1em; overflow-x: auto; font-size: 12px; }
footer { color: #59636e; margin-top: 2em; font-size: .9em; }
</style>
</head>
<body data-updates="0">
<header>
<h1>fanbench live · <code>{{.Title}}</code></h1>
<p id="status">running…</p>
<div id="banner" data-state="ok">Harness keeps up: the figures are the strategies'.</div>
</header>
<main id="strategies"></main>
<section id="final" hidden>
<h2>Final results</h2>
<p>The full report: <a id="report-link" href="/report.html">report.html</a> (written to the run's output directory).</p>
<pre id="tables"></pre>
</section>
<footer>Updates every second at most, pushed by the run (Server-Sent Events); updates received: <span id="updates">0</span>. Charts: uPlot (<a href="/uplot-LICENSE">licence</a>): hover for values, click a legend entry to toggle it, drag to zoom.</footer>
<script type="application/json" id="state">{{.State}}</script>
<script>{{.Script}}</script>
<script>
(function () {
  "use strict";
  var maxPoints = 3600;
  var state = JSON.parse(document.getElementById("state").textContent);
  var boxes = {}, count = 0, order = 0;
  var fields = ["t", "p50", "p99", "offered", "answered", "delivered"];

  function ensure(name, series) {
    if (boxes[name]) { return boxes[name]; }
    var sec = document.createElement("section");
    sec.className = "strategy";
    sec.dataset.name = name;
    var h = document.createElement("h2");
    h.textContent = name;
    var tbl = document.createElement("table");
    tbl.className = "stats";
    var charts = document.createElement("div");
    charts.className = "charts";
    sec.appendChild(h); sec.appendChild(tbl); sec.appendChild(charts);
    document.getElementById("strategies").appendChild(sec);
    var data = series || { name: name, bands: [], delivered_label: "delivered to both (by arrival)" };
    fields.forEach(function (f) { data[f] = (data[f] || []).slice(); });
    var b = { sec: sec, tbl: tbl, data: data };
    b.chart = fanbenchCharts.render(charts, data, order++);
    boxes[name] = b;
    return b;
  }

  function fmt(v, d) { return (v === null || v === undefined) ? "–" : Number(v).toFixed(d === undefined ? 1 : d); }

  function stats(b, u) {
    var o = u.outcomes || {}, r = u.retries || {}, bo = u.breaker_opens || {};
    var rows = [
      ["elapsed", fmt(u.elapsed_s, 0) + " s of " + fmt(u.total_s, 0) + (u.warmup ? " (warm-up)" : "")],
      ["p50 / p99, last second", fmt(u.p50_ms) + " / " + fmt(u.p99_ms) + " ms"],
      ["p99 so far", fmt(u.p99_so_far_ms) + " ms"],
      ["offered / answered 2xx / delivered, per s", fmt(u.offered, 0) + " / " + fmt(u.answered, 0) + " / " + fmt(u.delivered, 0)],
      ["answered so far (errors)", u.requests + " (" + u.errors + ")"],
      ["outcomes so far: both / a only / b only / none", (o.both || 0) + " / " + (o.a_only || 0) + " / " + (o.b_only || 0) + " / " + (o.none || 0)],
      ["backlog (not yet in both ledgers)", String(u.backlog || 0)],
      ["retries a / b", (r.a || 0) + " / " + (r.b || 0)],
      ["breaker opens a / b", (bo.a || 0) + " / " + (bo.b || 0)],
      ["fault phase", u.phase || "none"]
    ];
    b.tbl.textContent = "";
    rows.forEach(function (row) {
      var tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
      th.textContent = row[0]; td.textContent = row[1];
      tr.appendChild(th); tr.appendChild(td); b.tbl.appendChild(tr);
    });
  }

  function banner(reasons) {
    if (!reasons || !reasons.length) { return; }
    var el = document.getElementById("banner");
    el.className = "bad";
    el.dataset.state = "saturated";
    el.textContent = "Harness saturated: the figures show fanbench's limits, not the strategies'. " + reasons.join("; ");
  }

  function apply(u) {
    var b = ensure(u.strategy);
    var d = b.data;
    if (d.t.length && u.t < d.t[d.t.length - 1]) {
      fields.forEach(function (f) { d[f] = []; }); // the strategy runs again (--repeat)
    }
    d.t.push(u.t); d.p50.push(u.p50_ms > 0 ? u.p50_ms : null); d.p99.push(u.p99_ms > 0 ? u.p99_ms : null);
    d.offered.push(u.offered); d.answered.push(u.answered); d.delivered.push(u.delivered);
    if (d.t.length > maxPoints) { fields.forEach(function (f) { d[f].shift(); }); }
    d.bands = u.bands || [];
    b.chart.update(d);
    stats(b, u);
    banner(u.saturated);
  }

  function finish(f) {
    document.getElementById("tables").textContent = f.tables || "";
    document.getElementById("final").hidden = false;
    document.getElementById("status").textContent = f.interrupted ? "interrupted: what was measured is below" : "finished";
    document.body.dataset.final = "1";
    banner(f.saturated);
  }

  function received(e) {
    var ev = JSON.parse(e.data);
    (ev.updates || []).forEach(apply);
    count++;
    document.body.dataset.updates = count;
    document.getElementById("updates").textContent = count;
    return ev;
  }

  // load draws a state: the page's own, then each stream's first event.
  function load(st) {
    st.series.forEach(function (s) {
      var b = ensure(s.name, s);
      fields.forEach(function (f) { b.data[f] = (s[f] || []).slice(); });
      b.data.bands = s.bands || [];
      b.chart.update(b.data);
    });
    st.last.forEach(function (u) { stats(boxes[u.strategy], u); banner(u.saturated); });
    if (st.final) { finish(st.final); }
  }
  load(state);
  if (state.final) { return; }
  var es = new EventSource("/events");
  es.addEventListener("snapshot", function (e) { load(JSON.parse(e.data)); });
  es.addEventListener("update", received);
  es.addEventListener("final", function (e) { finish(received(e).final); es.close(); });
  // The stream ends with the run; an error after the final event is not news.
})();
</script>
</body>
</html>
`))
