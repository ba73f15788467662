// Draws the results radar with plotly.js (served by the app) from the chart data on the page:
// the same data, axis order, scale and colours as the radar in the PDF report. The chart area
// holds a message that it could not be drawn (class chart-fallback): it stays when plotly.js does
// not load, and goes once the chart is drawn.
(function () {
  "use strict";

  var target = document.getElementById("radar");
  var block = document.getElementById("radar-data");
  if (!target || !block || !window.Plotly) {
    return;
  }
  var chart = JSON.parse(block.textContent);

  function wrap(title) {
    // long area titles on several lines, so that they fit beside the chart (polar axes have no
    // automatic margins)
    var lines = [];
    title.split(" ").forEach(function (word) {
      var last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= 16) {
        lines[last] += " " + word;
      } else {
        lines.push(word);
      }
    });
    return lines.join("<br>");
  }

  var axes = chart.axes.map(wrap);
  var theta = axes.concat([axes[0]]); // close the polygon

  function closed(values) {
    return values.concat([values[0]]);
  }

  // the stages of the scoring rules: the rings are drawn at their edges (as in the PDF's radar)
  // and each point's hover names its stage
  var stages = chart.stages || [];
  var rings = stages.map(function (band) {
    return band.from;
  }).concat([chart.scale[1]]);

  function stageOf(value) {
    var label = "";
    stages.forEach(function (band) {
      if (value !== null && value >= band.from) {
        label = band.label;
      }
    });
    return label;
  }

  var traces = chart.series.map(function (series) {
    return {
      type: "scatterpolar",
      mode: "lines+markers",
      name: series.name,
      r: closed(series.values),
      theta: theta,
      fill: series.dashed ? "none" : "toself",
      fillcolor: series.dashed ? undefined : series.colour + "33",
      line: { color: series.colour, width: 2, dash: series.dashed ? "dash" : "solid" },
      marker: { color: series.colour, size: 6 },
      connectgaps: false,
      customdata: closed(series.values.map(stageOf)),
      hovertemplate: "%{theta}: %{r:.1f} (%{customdata})<extra>" + series.name + "</extra>",
    };
  });
  var layout = {
    polar: {
      gridshape: "linear", // polygons, as the printed radar's rings
      radialaxis: { range: chart.scale, tickvals: rings, angle: 90, gridcolor: "#c9d1d9" },
      angularaxis: { direction: "clockwise", rotation: 90 },
    },
    showlegend: true,
    legend: { orientation: "h", y: -0.1 },
    margin: { l: 60, r: 60, t: 30, b: 30 },
    font: { family: "DejaVu Sans, Segoe UI, system-ui, sans-serif", size: 13 },
  };
  // the chart area says that the chart could not be drawn (plotly.js did not load, or failed)
  // until the chart is there; only then does the message go
  window.Plotly.newPlot(target, traces, layout, { responsive: true, displaylogo: false }).then(
    function () {
      target.querySelectorAll("[data-chart-fallback]").forEach(function (message) {
        message.remove();
      });
    }
  );
})();
