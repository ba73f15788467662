/* Draws the comparison charts with Plotly from the chart data of assessment/charts.py.
   Each chart element names, in data-source, the JSON block that holds its data. */
(function () {
  "use strict";

  var FONT = { family: "DejaVu Sans, Segoe UI, system-ui, sans-serif", size: 13 };
  var CONFIG = { responsive: true, displaylogo: false };

  function readData(element) {
    var source = document.getElementById(element.dataset.source);
    return source ? JSON.parse(source.textContent) : null;
  }

  function closed(values) {
    /* A radar trace closes its loop by repeating the first point. */
    return values.concat(values.slice(0, 1));
  }

  function radar(element, data) {
    var theta = closed(data.axes);
    var traces = [];
    if (data.band) {
      traces.push({ type: "scatterpolar", r: closed(data.band[0]), theta: theta, mode: "lines",
        line: { width: 0 }, hoverinfo: "skip", showlegend: false });
      traces.push({ type: "scatterpolar", r: closed(data.band[1]), theta: theta, mode: "lines",
        line: { width: 0 }, fill: "tonext", fillcolor: "rgba(122,135,148,0.18)",
        name: element.dataset.band || "q1–q3", hoverinfo: "skip" });
    }
    data.series.forEach(function (s) {
      traces.push({ type: "scatterpolar", r: closed(s.values), theta: theta, name: s.name,
        mode: "lines+markers", connectgaps: false,
        line: { color: s.colour, width: 2.5, dash: s.dashed ? "dash" : "solid" } });
    });
    /* the first axis at the top, the others clockwise, as every radar (chart data says so); the
       radial ticks sit between the first two axes, small, so they never run into an axis title */
    var rotation = data.rotation === undefined ? 90 : data.rotation;
    var direction = data.direction || "clockwise";
    var half = 180 / data.axes.length;
    return Plotly.newPlot(element, traces, {
      font: FONT, margin: { t: 40, b: 40, l: 80, r: 80 }, height: 500,
      polar: {
        radialaxis: { range: data.scale, tickvals: [20, 40, 60, 80, 100],
          angle: direction === "clockwise" ? rotation - half : rotation + half,
          tickangle: 0, tickfont: { size: 10 } },
        angularaxis: { rotation: rotation, direction: direction, tickfont: { size: 12 } }
      },
      legend: { orientation: "h" }
    }, CONFIG);
  }

  var INK = "#1d2733";  /* the page's text colour */
  var WHITE = "#ffffff";

  function luminance(hex) {
    /* WCAG relative luminance of a #rrggbb colour. */
    var channels = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  function readableOn(hex) {
    /* White or ink, whichever has more contrast with the background (as the dashboard table). */
    var background = luminance(hex);
    var onWhite = 1.05 / (background + 0.05);
    var onInk = (background + 0.05) / (luminance(INK) + 0.05);
    return onWhite > onInk ? WHITE : INK;
  }

  function heatmap(element, data) {
    /* Colour by stage with a stepped colour scale: z is the stage, the text is the score. The
       scores are a text trace on top, each in white or ink for its cell's colour: the heatmap's
       own text has one automatic colour, too faint on the orange and light green stages. */
    var colours = data.stage_colours;
    var scale = [];
    for (var stage = 1; stage <= 5; stage++) {
      scale.push([(stage - 1) / 5, colours[stage]]);
      scale.push([stage / 5, colours[stage]]);
    }
    var insufficient = element.dataset.insufficient || "";
    /* the texts are the table's own (one formatter, in Python): never rounded again here */
    var text = data.texts.map(function (row) {
      return row.map(function (t) { return t === null ? insufficient : t; });
    });
    var traces = [{
      type: "heatmap", x: data.columns, y: data.rows, z: data.stages, text: text,
      zmin: 0.5, zmax: 5.5, colorscale: scale, showscale: false, xgap: 2, ygap: 2,
      hovertemplate: "%{y} · %{x}: %{text}<extra></extra>"
    }];
    if (data.rows.length <= 60) {
      var cells = { x: [], y: [], text: [], ink: [] };
      data.rows.forEach(function (row, i) {
        data.columns.forEach(function (column, j) {
          var cellStage = data.stages[i][j];
          cells.x.push(column);
          cells.y.push(row);
          cells.text.push(text[i][j]);
          cells.ink.push(cellStage ? readableOn(colours[cellStage]) : INK);
        });
      });
      traces.push({ type: "scatter", mode: "text", x: cells.x, y: cells.y, text: cells.text,
        textfont: { color: cells.ink }, hoverinfo: "skip", showlegend: false });
    }
    return Plotly.newPlot(element, traces, {
      font: FONT, margin: { t: 40, l: 160, r: 20, b: 20 },
      height: Math.max(260, 22 * data.rows.length + 180),
      /* automargin: the column titles, turned to fit, are not cut off at the top */
      xaxis: { side: "top", automargin: true, range: [-0.5, data.columns.length - 0.5] },
      yaxis: { automargin: true, range: [data.rows.length - 0.5, -0.5] }
    }, CONFIG);
  }

  function distribution(element, data) {
    var traces = data.axes.map(function (axis) {
      return { type: "box", name: axis.label, y: axis.values, text: axis.names,
        boxpoints: "all", jitter: 0.5, pointpos: 0, fillcolor: "rgba(0,0,0,0)",
        line: { color: data.colour },
        marker: { size: 7, color: axis.stages.map(function (s) { return data.stage_colours[s]; }),
          line: { color: "#1d2733", width: 0.5 } },
        hovertemplate: "%{text}: %{y:.1f}<extra>" + axis.label + "</extra>" };
    });
    return Plotly.newPlot(element, traces, {
      font: FONT, margin: { t: 20, l: 50, r: 20, b: 60 }, height: 440, showlegend: false,
      xaxis: { automargin: true },  /* long area titles, turned, are not cut off at the bottom */
      yaxis: { range: data.scale, dtick: 20, zeroline: false }
    }, CONFIG);
  }

  function progress(element, data) {
    /* one series at a time (overall, then each area), chosen from a menu: hidden legend
       entries would be greyed text; each point is labelled with its city */
    var traces = data.series.map(function (s, index) {
      return { type: "scatter", mode: "markers+text", name: s.label, x: s.start, y: s.change,
        text: s.names, textposition: "top center", textfont: { size: 11, color: "#1f2933" },
        visible: index === 0, marker: { color: s.colour, size: 9 },
        hovertemplate: "%{text}: %{x:.1f} → %{y:+.1f}<extra>" + s.label + "</extra>" };
    });
    var buttons = data.series.map(function (s, index) {
      return { label: s.label, method: "restyle",
        args: ["visible", data.series.map(function (_, other) { return other === index; })] };
    });
    return Plotly.newPlot(element, traces, {
      font: FONT, margin: { t: 50, l: 60, r: 20, b: 60 }, height: 480, showlegend: false,
      updatemenus: [{ buttons: buttons, direction: "down", x: 0, xanchor: "left", y: 1.12,
        yanchor: "top", bgcolor: "#ffffff", bordercolor: "#52606d", font: { color: "#1f2933" } }],
      xaxis: { title: { text: element.dataset.x || "" }, range: data.scale },
      yaxis: { title: { text: element.dataset.y || "" }, zeroline: true, zerolinewidth: 2 }
    }, CONFIG);
  }

  function indicators(element, data) {
    /* one indicator at a time, chosen from a menu (their units differ): a box of the cohort's
       quartiles and one dot per city with a value */
    var traces = data.indicators.map(function (d, index) {
      return { type: "box", name: d.label, y: d.values, text: d.names, visible: index === 0,
        boxpoints: "all", jitter: 0.5, pointpos: 0, fillcolor: "rgba(0,0,0,0)",
        line: { color: data.colour }, marker: { size: 7, color: data.colour },
        hovertemplate: "%{text}: %{y}<extra>" + d.label + "</extra>" };
    });
    var buttons = data.indicators.map(function (d, index) {
      return { label: d.label, method: "restyle",
        args: ["visible", data.indicators.map(function (_, other) { return other === index; })] };
    });
    return Plotly.newPlot(element, traces, {
      font: FONT, margin: { t: 50, l: 60, r: 20, b: 40 }, height: 440, showlegend: false,
      updatemenus: [{ buttons: buttons, direction: "down", x: 0, xanchor: "left", y: 1.12,
        yanchor: "top", bgcolor: "#ffffff", bordercolor: "#52606d", font: { color: "#1f2933" } }],
      xaxis: { showticklabels: false }, yaxis: { zeroline: false, rangemode: "tozero" }
    }, CONFIG);
  }

  var DRAW = { radar: radar, heatmap: heatmap, distribution: distribution, progress: progress,
    indicators: indicators };

  /* Each chart element holds a message that the chart could not be drawn (data-chart-fallback):
     it stays when plotly.js does not load or fails, and goes once the chart is drawn. */
  function drawn(element) {
    element.querySelectorAll("[data-chart-fallback]").forEach(function (message) {
      message.remove();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var draw = DRAW[element.dataset.chart];
      var data = readData(element);
      if (draw && data) {
        var done = draw(element, data);
        if (done && done.then) { done.then(function () { drawn(element); }); }
      }
    });
  });
})();
