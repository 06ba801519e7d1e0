package reports

// htmlTemplate is the page WriteHTML fills: CSS and scripts inline, no
// network, so the file reads the same offline, from a CI artifact or a
// mail. The SVG plots need no script; the interactive charts (uPlot, from
// reports/charts) draw from data inlined in the page.
const htmlTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fanbench · {{.R.Scenario}}</title>
<style>
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --head: #f6f8fa; --warn: #9a6700; --bad: #d1242f; --good: #1a7f37; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: var(--fg); margin: 0 auto; padding: 24px; max-width: 1400px; }
h1 { font-size: 1.7em; margin: 0 0 .3em; }
h1 code { font-size: .9em; }
h2 { font-size: 1.3em; border-bottom: 1px solid var(--line); padding-bottom: .2em; margin-top: 1.8em; }
code { background: var(--head); padding: .1em .35em; border-radius: 4px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.description { color: var(--muted); max-width: 70em; }
dl.context { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; margin: 1em 0; }
dl.context dt { font-weight: 600; }
dl.context dd { margin: 0; }
.callout { border-left: 4px solid var(--warn); background: #fff8c5; padding: .6em 1em; margin: 1em 0; }
.callout.saturated { border-left-color: var(--bad); background: #ffebe9; color: #82071e; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: .5em 0 1em; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; color: var(--muted); padding-bottom: .4em; max-width: 70em; }
th, td { border: 1px solid var(--line); padding: .3em .6em; }
th { white-space: normal; vertical-align: bottom; }
td:first-child, td.num { white-space: nowrap; }
table.wide td.num { white-space: normal; min-width: 4.5em; }
th { background: var(--head); font-weight: 600; }
td.num { text-align: right; }
td:first-child { font-weight: 600; }
ul.notes { padding-left: 1.2em; }
ul.notes li.warn { color: var(--bad); }
tr.fail td { color: var(--bad); }
tr.pass td:first-child { color: var(--good); }
figure { margin: 1.5em 0; }
figure .plot svg { width: 100%; height: auto; max-width: 1000px; display: block; border: 1px solid var(--line); }
figcaption { color: var(--muted); max-width: 70em; margin-top: .4em; }
footer { color: var(--muted); margin-top: 3em; font-size: .9em; }
</style>
</head>
<body>
<header>
<h1>fanbench · scenario <code>{{.R.Scenario}}</code></h1>
{{with .R.Description}}<p class="description">{{.}}</p>{{end}}
<dl class="context">
<dt>seed</dt><dd>{{.R.Seed}}</dd>
<dt>started</dt><dd>{{.Started}}</dd>
<dt>load</dt><dd>{{.Load}}, request timeout {{.R.Load.TimeoutS}}s</dd>
<dt>machine</dt><dd>{{.Machine}} (driver, fronts and mock APIs share it)</dd>
</dl>
{{with .R.SaturationBanner}}<div class="callout saturated" id="saturated"><strong>Harness saturated</strong>: fanbench itself could not keep up, so these strategies' figures measure it, not them.<ul>{{range .}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{if .R.Partial}}<div class="callout" id="partial"><strong>Partial run</strong>: {{partial .R}}.</div>{{end}}
</header>
<main>
{{range .Tables}}{{$t := .}}
<h2>{{if eq .ID "comparison"}}Comparison{{else}}Delivery and outcomes{{end}}</h2>
<div class="table-wrap">
<table id="{{.ID}}"{{if gt (len .Header) 10}} class="wide"{{end}}>
<caption>{{.Caption}}</caption>
<thead><tr>{{range .Header}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if numeric $t $i}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</div>
{{end}}
{{with .Notes}}<h3>Notes</h3>
<ul class="notes">
{{range .}}<li{{if .Warn}} class="warn"{{end}}>{{.Text}}</li>
{{end}}</ul>{{end}}
<h2>SLO</h2>
{{if .SLO.Rows}}<div class="table-wrap">
<table id="{{.SLO.ID}}">
<caption>{{.SLO.Caption}}</caption>
<thead><tr>{{range .SLO.Header}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range $i, $c := .R.SLO}}<tr class="{{if .Pass}}pass{{else}}fail{{end}}">{{range $j, $cell := index $.SLO.Rows $i}}<td{{if numeric $.SLO $j}} class="num"{{end}}>{{$cell}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</div>{{else}}<p>The scenario sets no SLO.</p>{{end}}
{{with .Figures}}<h2>Plots</h2>
{{range .}}<figure id="fig-{{.Name}}">
<div class="plot">{{.SVG}}</div>
<figcaption><strong>{{.Title}}.</strong> {{.Caption}}</figcaption>
</figure>
{{end}}{{end}}
{{with .Interactive}}<h2>Interactive charts</h2>
<p class="description">The same timelines, drawn in the browser: hover for values, click a legend entry to hide or show its series, drag to zoom (double-click to reset). Shaded bands are fault phases.</p>
<style>{{.Style}}</style>
<div id="interactive">{{range .Names}}<section class="fb-strategy" data-name="{{.}}"></section>
{{end}}</div>
<script type="application/json" id="fanbench-series">{{.Data}}</script>
<script>{{.Script}}</script>
<script>
(function () {
  var series = JSON.parse(document.getElementById("fanbench-series").textContent);
  var boxes = document.querySelectorAll("#interactive .fb-strategy");
  series.forEach(function (s, i) { if (boxes[i]) { fanbenchCharts.render(boxes[i], s, i); } });
})();
</script>
{{end}}
{{with .Hgrm}}<p>Latency distributions in HdrHistogram format (in the run directory): {{range $i, $l := .}}{{if $i}}, {{end}}<a href="{{$l.Href}}">{{$l.Text}}</a>{{end}}.</p>{{end}}
</main>
<footer>Generated by fanbench from results.json (schema {{.R.Schema}}).</footer>
</body>
</html>
`
