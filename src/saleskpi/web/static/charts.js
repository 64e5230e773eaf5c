// Draws the page's charts with the vendored Apache ECharts: the data comes from the page's
// <script type="application/json" id="chart-data"> block (no inline script: the CSP is
// default-src 'self'). Each chart {id, type, labels, series | values} goes into #chart-<id>.
// Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry
// style="" attributes, which the CSP refuses.
(function () {
  "use strict";
  // numbers on the axes and in the tooltips in the page's language (bg: 1 234 567,89)
  var numbers = new Intl.NumberFormat(document.documentElement.lang === "bg" ? "bg-BG" : "en-GB",
                                      {maximumFractionDigits: 2});
  function amount(value) { return value === null || value === undefined ? "" : numbers.format(value); }
  var valueAxis = {type: "value", axisLabel: {formatter: amount}};
  function bar(chart) {
    return {
      tooltip: {trigger: "axis", renderMode: "richText", valueFormatter: amount}, legend: {},
      grid: {containLabel: true},
      xAxis: {type: "category", data: chart.labels, axisLabel: {interval: 0, width: 160, overflow: "break"}},
      yAxis: valueAxis,
      series: chart.series.map(function (s) { return {name: s.name, type: "bar", data: s.data}; })
    };
  }
  function waterfall(chart) {
    // base, then each step stacked on the running total, then the current value
    var v = chart.values, n = v.length, hidden = [], up = [], down = [], total = 0;
    for (var i = 0; i < n; i++) {
      var x = v[i] === null ? 0 : v[i];
      if (i === 0 || i === n - 1) { hidden.push(0); up.push(v[i]); down.push(null); total = i === 0 ? x : total; continue; }
      hidden.push(x >= 0 ? total : total + x);
      up.push(x >= 0 ? x : null); down.push(x < 0 ? -x : null);
      total += x;
    }
    return {
      tooltip: {trigger: "axis", renderMode: "richText", valueFormatter: amount}, grid: {containLabel: true},
      xAxis: {type: "category", data: chart.labels, axisLabel: {interval: 0, rotate: 20}}, yAxis: valueAxis,
      series: [
        {type: "bar", stack: "w", data: hidden, itemStyle: {color: "transparent"}, tooltip: {show: false}},
        {type: "bar", stack: "w", data: up, itemStyle: {color: "#2e7d32"}},
        {type: "bar", stack: "w", data: down, itemStyle: {color: "#c62828"}}
      ]
    };
  }
  function pareto(chart) {
    // the cumulative share of turnover by share of customers, with the class limits as dashed lines
    var percent = function (v) { return numbers.format(Math.round(v * 1000) / 10) + " %"; };
    var share = {type: "value", min: 0, max: 1, axisLabel: {formatter: percent}};
    return {
      animation: false, tooltip: {trigger: "axis", renderMode: "richText", valueFormatter: percent},
      grid: {containLabel: true},
      xAxis: Object.assign({name: chart.x, nameLocation: "middle", nameGap: 28}, share),
      yAxis: Object.assign({name: chart.y}, share),
      series: [{name: chart.name, type: "line", showSymbol: false, data: chart.points,
                markLine: {symbol: "none", lineStyle: {type: "dashed"}, label: {formatter: "{b}"},
                           data: chart.limits.map(function (l) { return {name: l.name, xAxis: l.x}; })}}]
    };
  }
  function draw() {
    var block = document.getElementById("chart-data");
    if (!block || typeof echarts === "undefined") { return; }
    JSON.parse(block.textContent).forEach(function (chart) {
      var el = document.getElementById("chart-" + chart.id);
      if (!el) { return; }
      echarts.init(el).setOption(chart.type === "waterfall" ? waterfall(chart) :
                                 chart.type === "pareto" ? pareto(chart) : bar(chart));
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
