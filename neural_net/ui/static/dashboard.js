// neural_net dashboard: draws the charts of the page from the JSON in <script id="payload">.
// Everything it loads comes from this server (/static, /api).
"use strict";
(function () {
  const payload = JSON.parse(document.getElementById("payload").textContent);
  const page = document.body.dataset.page;
  const config = {responsive: true, displaylogo: false, typesetMath: false};
  const SPLITS = ["val", "test"];
  window.dashboard = {payload: payload, charts: {}};

  function splitOf(name) {
    for (const s of SPLITS) if (name.startsWith(s + "_")) return [s, name.slice(s.length + 1)];
    return ["train", name];
  }
  // one chart per quantity (loss, accuracy, lr), one trace per split
  function byQuantity(series) {
    const out = {};
    for (const name of Object.keys(series)) {
      const [split, q] = splitOf(name);
      (out[q] = out[q] || []).push({name: name, split: split, data: series[name]});
    }
    return out;
  }
  function ema(y, alpha) {  // TensorBoard's debiased exponential moving average
    if (!alpha) return y;
    let last = 0, n = 0;
    return y.map(v => {
      if (v === null || !isFinite(v)) return v;
      last = last * alpha + (1 - alpha) * v; n += 1;
      return last / (1 - Math.pow(alpha, n));
    });
  }
  function chartDiv(container, id) {
    let div = document.getElementById(id);
    if (!div) {
      div = document.createElement("div");
      div.id = id; div.className = "chart";
      container.appendChild(div);
    }
    return div;
  }
  function layout(title, xTitle, logy) {
    return {title: {text: title}, margin: {l: 55, r: 15, t: 35, b: 40}, height: 300,
            xaxis: {title: {text: xTitle}}, yaxis: {type: logy ? "log" : "linear"}, legend: {orientation: "h"}};
  }

  function constantValue(traces) {
    // the one finite value of every trace's y, or null when they hold two or none
    let v = null;
    for (const t of traces) {
      for (const y of t.y) {
        if (!Number.isFinite(y)) continue;
        if (v === null) v = y;
        else if (y !== v) return null;
      }
    }
    return v;
  }

  function drawCurves(curves, opts) {
    const container = document.getElementById("curves");
    const groups = byQuantity(curves.series);
    for (const q of Object.keys(groups)) {
      const traces = groups[q].map(s => ({
        name: s.name, type: "scatter", mode: "lines" + (s.data.x.length < 60 ? "+markers" : ""),
        // copies: Plotly.react redraws only data it has not seen (the live page appends to these arrays)
        x: (opts.xaxis === "time" && s.data.t ? s.data.t : s.data.x).slice(),
        y: ema(s.data.y, opts.smooth).slice(), line: {dash: s.split === "train" ? "solid" : "dash"}}));
      const div = chartDiv(container, "curve-" + q);
      const lay = layout(q, opts.xaxis === "time" ? "wall time (s)" : "epoch", opts.logy);
      const flat = constantValue(traces);
      if (flat !== null && !opts.logy) {  // a constant curve (a fixed lr): its value mid-axis, not lost in Plotly's ±1
        const d = Math.abs(flat) / 2 || 1;
        lay.yaxis.range = [flat - d, flat + d];
      }
      Plotly.react(div, traces, lay, config);
      window.dashboard.charts[q] = div;
    }
  }

  function runPage() {
    let curves = payload.curves;
    const opts = {xaxis: "epoch", smooth: 0, logy: false};
    const redraw = () => drawCurves(curves, opts);
    document.getElementById("xaxis").onchange = e => { opts.xaxis = e.target.value; redraw(); };
    document.getElementById("smooth").oninput = e => {
      opts.smooth = parseFloat(e.target.value); document.getElementById("smooth-value").textContent = e.target.value; redraw(); };
    document.getElementById("logy").onchange = e => { opts.logy = e.target.checked; redraw(); };
    const full = document.getElementById("full");
    full.onclick = async () => {
      const r = await fetch(`/api/runs/${payload.run_id}/curves?full=1`);
      curves = await r.json(); full.disabled = true; full.textContent = `all ${curves.epochs} epochs shown`; redraw();
    };
    redraw();
    window.dashboard.curvesDrawn = performance.now();
    const hist = document.getElementById("histograms");
    if (hist) {
      // the weights come after the curves are on screen: their JSON is fetched now
      const drawHistograms = hs => {
        window.dashboard.histograms = hs;
        for (const h of hs) {
          const div = chartDiv(hist, "hist-" + h.layer);
          Plotly.newPlot(div, [{type: "heatmap", x: h.centers, y: h.epochs.map(String), z: h.counts,
                                colorscale: "Viridis", colorbar: {title: {text: "count"}}}],
            Object.assign(layout(`weights of matrix ${h.layer} (layer ${payload.layers[h.layer]})`, "value", false),
                          {yaxis: {title: {text: "snapshot epoch"}, type: "category"}}), config);
        }
      };
      fetch(`/api/runs/${payload.run_id}/histograms`).then(r => r.json()).then(drawHistograms);
      const sel = ["hm-layer", "hm-epoch", "hm-base"].map(id => document.getElementById(id));
      const heat = async () => {
        const [layer, epoch, base] = sel.map(s => s.value);
        const url = `/api/runs/${payload.run_id}/weights?layer=${layer}&epoch=${epoch}` + (base ? `&base=${base}` : "");
        const v = await (await fetch(url)).json();
        const title = base ? `change of matrix ${layer} from epoch ${base} to ${epoch}` : `matrix ${layer} at epoch ${epoch}`;
        Plotly.react("heatmap", [{type: "heatmap", z: v.z, colorscale: "RdBu", zmid: 0, reversescale: true}],
          Object.assign(layout(title + (v.block[0] > 1 || v.block[1] > 1 ? ` (${v.block[0]}×${v.block[1]} blocks averaged)` : ""),
                               "output unit", false), {yaxis: {title: {text: "input (last row: bias)"}, autorange: "reversed"}}), config);
        const s = v.stats;
        document.getElementById("heatmap-stats").textContent =
          `${v.shape[0]}×${v.shape[1]}: mean ${s.mean?.toPrecision(4)}, std ${s.std?.toPrecision(4)}, min ${s.min?.toPrecision(4)}, max ${s.max?.toPrecision(4)}, Frobenius norm ${s.norm.toPrecision(4)}`;
        document.getElementById("heatmap-sql").textContent = document.getElementById("heatmap-sql").textContent
          .replace(/epoch = \S+/, `epoch = ${epoch}`).replace(/Layer_id = \S+;/, `Layer_id = ${payload.layer_ids[layer]};`);
        window.dashboard.heatmap = v;
      };
      sel.forEach(s => s.onchange = heat);
      heat();
    }
  }

  function comparePage() {
    const logy = document.getElementById("logy");
    const overlay = () => {
      const traces = payload.runs.filter(r => r.curves.series[payload.metric]).map(r => ({
        name: r.name + " (" + r.run_id.slice(-6) + ")", type: "scatter", mode: "lines",
        x: r.curves.series[payload.metric].x, y: r.curves.series[payload.metric].y}));
      Plotly.react("overlay", traces, layout(payload.metric, "epoch", logy.checked), config);
      window.dashboard.charts.overlay = document.getElementById("overlay");
      if (payload.group) {
        const traces = [];
        payload.groups.forEach((g, i) => {
          const color = Plotly.d3 ? undefined : ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"][i % 6];
          const upper = g.mean.map((m, j) => m === null ? null : m + (g.std[j] || 0));
          const lower = g.mean.map((m, j) => m === null ? null : m - (g.std[j] || 0));
          traces.push({x: g.x, y: upper, type: "scatter", mode: "lines", line: {width: 0}, showlegend: false, hoverinfo: "skip"});
          traces.push({x: g.x, y: lower, type: "scatter", mode: "lines", line: {width: 0}, fill: "tonexty",
                       fillcolor: "rgba(100,100,200,0.2)", showlegend: false, hoverinfo: "skip"});
          traces.push({x: g.x, y: g.mean, type: "scatter", mode: "lines", line: {color: color},
                       name: `${payload.group}=${g.group} (${g.runs} run${g.runs > 1 ? "s" : ""})`});
        });
        Plotly.react("groups", traces, layout(`${payload.metric} by ${payload.group}`, "epoch", logy.checked), config);
        window.dashboard.charts.groups = document.getElementById("groups");
      }
    };
    logy.onchange = overlay;
    overlay();
    // parallel coordinates: every parameter that varies, then the final metrics
    const dims = [];
    const runs = payload.runs;
    const column = (vals, label) => {
      if (vals.every(v => v === null || v === undefined || typeof v === "number")) {
        dims.push({label: label, values: vals.map(v => v === undefined ? null : v)});
      } else {
        const cats = [...new Set(vals.map(String))].sort();
        dims.push({label: label, values: vals.map(v => cats.indexOf(String(v))), tickvals: cats.map((_, i) => i), ticktext: cats});
      }
    };
    // parameters every run has and that vary (at most 8), then the final losses and validation metrics
    const varying = payload.keys.filter(k => runs.every(r => r.params[k] !== undefined && r.params[k] !== null)
                                            && new Set(runs.map(r => String(r.params[k]))).size > 1);
    for (const k of varying.slice(0, 8)) column(runs.map(r => r.params[k]), k);
    for (const f of payload.finals.filter(f => f === "final_loss" || f.startsWith("final_val_")))
      column(runs.map(r => r.finals[f]), f);
    if (dims.length) {
      Plotly.newPlot("parcoords", [{type: "parcoords", dimensions: dims,
        line: {color: runs.map((_, i) => i), colorscale: "Viridis"}}], {margin: {l: 60, r: 60, t: 50, b: 30}, height: 320}, config);
    }
    const sx = document.getElementById("scatter-x"), sy = document.getElementById("scatter-y");
    if (varying.length) sx.value = varying.find(k => runs.every(r => typeof r.params[k] === "number")) || varying[0];
    if (payload.finals.includes("final_val_loss")) sy.value = "final_val_loss";
    const scatter = () => {
      if (!sx.value || !sy.value) return;
      Plotly.react("scatter", [{type: "scatter", mode: "markers+text", text: runs.map(r => r.name), textposition: "top center",
        x: runs.map(r => r.params[sx.value] ?? null), y: runs.map(r => r.finals[sy.value] ?? null), marker: {size: 10}}],
        layout(`${sy.value} vs ${sx.value}`, sx.value, false), config);
    };
    sx.onchange = scatter; sy.onchange = scatter;
    scatter();
  }

  function livePage() {
    let curves = payload.curves;
    let last = Math.max(0, ...Object.values(curves.series).map(s => s.x.length ? s.x[s.x.length - 1] : 0));
    const status = document.getElementById("live-status"), epochLabel = document.getElementById("live-epoch");
    drawCurves(curves, {xaxis: "epoch", smooth: 0, logy: false});
    window.dashboard.polls = 0;
    const tick = async () => {
      let done = false;
      try {
        const r = await fetch(`/api/runs/${payload.run_id}/poll?after=${last}`);
        const got = await r.json();
        window.dashboard.polls += 1;
        if (got.series && Object.keys(got.series).length) {
          for (const name of Object.keys(got.series)) {
            const s = curves.series[name] = curves.series[name] || {x: [], y: []};
            s.x.push(...got.series[name].x); s.y.push(...got.series[name].y);
          }
          last = got.last;
          drawCurves(curves, {xaxis: "epoch", smooth: 0, logy: false});
        }
        status.textContent = got.status; status.className = "status " + got.status;
        epochLabel.textContent = got.epochs;
        done = !(got.status === "running" || got.status === "created");
      } catch (e) { /* the server is restarting: try again */ }
      if (!done) setTimeout(tick, payload.poll_ms);
    };
    setTimeout(tick, payload.poll_ms);
  }

  if (page === "run") runPage();
  else if (page === "compare") comparePage();
  else if (page === "live") livePage();
})();
