/* Insights charts: every element with data-chart="<id>" is drawn from the JSON in the
   <script id="<id>"> that json_script wrote ({option, links}). Money arrives as text (exact
   decimals) and is read as a number for drawing only; clicking a bar or slice opens the
   drill-down list in links[series][point]. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  var plain = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });

  function num(value) {
    if (typeof value === "string" && value !== "" && !isNaN(value)) return Number(value);
    return value;
  }

  function point(value) {
    if (Array.isArray(value)) return value.map(num);
    if (value && typeof value === "object") return Object.assign({}, value, { value: num(value.value) });
    return num(value);
  }

  function axisFormatter(kind) {
    if (kind === "percent") return function (v) { return v + "%"; };
    if (kind === "money") return function (v) { return compact.format(v); };
    return function (v) { return plain.format(v); };
  }

  function prepare(option) {
    (option.series || []).forEach(function (s) { s.data = (s.data || []).map(point); });
    [].concat(option.xAxis || [], option.yAxis || []).forEach(function (axis) {
      if (axis && axis.type === "value") {
        axis.axisLabel = Object.assign({ formatter: axisFormatter(axis.salesops) }, axis.axisLabel || {});
      }
    });
    if (option.tooltip) {
      option.tooltip.valueFormatter = function (v) {
        return typeof v === "number" ? plain.format(v) : v;
      };
    }
    delete option.salesops;
    return option;
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || typeof echarts === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(prepare(spec.option));
    var links = spec.links || [];
    if (links.length) {
      el.style.cursor = "pointer";
      chart.on("click", function (p) {
        var row = links[p.seriesIndex] || links[0] || [];
        var href = row[p.dataIndex];
        if (href) window.location.href = href;
      });
    }
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.ready = "1";
  }

  function init(root) {
    (root || document).querySelectorAll("[data-chart]:not([data-ready])").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (e) { init(e.target); });
})();
