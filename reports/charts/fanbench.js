// fanbench.js draws a strategy's latency and throughput over time with
// uPlot, fault phases as bands over the plotting area (DOM elements of
// class "phase-band", so they can be inspected and read by a screen
// reader). Data: the JSON of charts.Series.
(function () {
  "use strict";
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

  function vals(a) { return (a || []).map(function (v) { return v === null || v === undefined ? null : v; }); }

  function bandsPlugin(get) {
    return {
      hooks: {
        draw: [function (u) {
          var layer = u.over.querySelector(".fb-bands");
          if (!layer) {
            layer = document.createElement("div");
            layer.className = "fb-bands";
            u.over.appendChild(layer);
          }
          layer.textContent = "";
          (get() || []).forEach(function (b) {
            var x0 = u.valToPos(b.from, "x"), x1 = u.valToPos(b.to, "x");
            var lo = Math.max(0, Math.min(x0, x1)), hi = Math.min(u.over.clientWidth || u.bbox.width, Math.max(x0, x1));
            var d = document.createElement("div");
            d.className = "phase-band";
            d.dataset.api = b.api;
            d.dataset.from = b.from;
            d.dataset.to = b.to;
            d.title = "faults on API " + b.api + " from " + b.from + "s to " + b.to + "s";
            d.style.left = lo + "px";
            d.style.width = Math.max(hi - lo, 0) + "px";
            layer.appendChild(d);
          });
        }]
      }
    };
  }

  function chart(el, title, yLabel, lines, data, getBands) {
    var opts = {
      title: title,
      width: Math.max((el.clientWidth || 900) - 10, 300),
      height: 240,
      scales: { x: { time: false } },
      axes: [{ label: "seconds since the start of measurement" }, { label: yLabel }],
      series: [{ label: "t (s)" }].concat(lines),
      plugins: [bandsPlugin(getBands)]
    };
    var div = document.createElement("div");
    div.className = "fb-chart";
    el.appendChild(div);
    return new uPlot(opts, data, div);
  }

  // count says, on the chart box, how many seconds it holds and how many
  // of them have a latency (for tests and curious readers).
  function count(el, s) {
    el.dataset.points = (s.t || []).length;
    el.dataset.latencyPoints = (s.p50 || []).filter(function (v) { return v !== null && v !== undefined; }).length;
  }

  function latencyData(s) { return [s.t || [], vals(s.p50), vals(s.p99)]; }
  function throughputData(s) { return [s.t || [], vals(s.offered), vals(s.answered), vals(s.delivered)]; }

  // render draws the charts of strategy s (its colour the i-th) into el
  // and returns an object whose update(s) redraws them with new data.
  function render(el, s, i) {
    var c = palette[(i || 0) % palette.length];
    var bands = s.bands || [];
    var getBands = function () { return bands; };
    var lat = chart(el, s.name + ": user latency (ms, corrected)", "ms", [
      { label: "p50", stroke: c, width: 1.6 },
      { label: "p99", stroke: c, width: 1.4, dash: [6, 4] }
    ], latencyData(s), getBands);
    var thr = chart(el, s.name + ": throughput (sends per second)", "sends/s", [
      { label: "offered", stroke: "#707070", width: 1.4, dash: [6, 4] },
      { label: "answered 2xx", stroke: c, width: 1.6 },
      { label: s.delivered_label || "delivered to both", stroke: c, width: 1.8, dash: [2, 3] }
    ], throughputData(s), getBands);
    count(el, s);
    return {
      update: function (n) {
        bands = n.bands || [];
        lat.setData(latencyData(n));
        thr.setData(throughputData(n));
        count(el, n);
      }
    };
  }

  window.fanbenchCharts = { render: render };
})();
