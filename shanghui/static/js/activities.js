// Activity statistics: the charts of /activities/stats/ (ECharts, from the page's JSON; the series and
// axis names from the chart element's data attributes, in the page's language).
(function () {
  "use strict";
  function draw() {
    const source = document.getElementById("activity-stats-data");
    if (!source || typeof window.echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const options = {
      month: (names) => ({
        tooltip: { trigger: "axis" },
        legend: { data: [names.personTimes, names.hours] },
        xAxis: { type: "category", data: data.month.labels },
        yAxis: [{ type: "value", name: names.personTimes }, { type: "value", name: names.hourUnit }],
        series: [
          { name: names.personTimes, type: "bar", data: data.month.person_times },
          { name: names.hours, type: "line", yAxisIndex: 1, data: data.month.hours },
        ],
      }),
      kind: () => ({ tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "65%"], data: data.kind }] }),
      organisation: (names) => ({
        tooltip: { trigger: "axis" },
        grid: { left: 160 },
        xAxis: { type: "value", name: names.hourUnit },
        yAxis: { type: "category", data: data.organisation.labels.slice().reverse() },
        series: [{ type: "bar", data: data.organisation.hours.slice().reverse() }],
      }),
    };
    const charts = [];
    for (const element of document.querySelectorAll("[data-chart]")) {
      const build = options[element.dataset.chart];
      if (!build) continue;
      element.style.height = element.dataset.chart === "organisation" ? "380px" : "260px";
      const chart = window.echarts.init(element);
      chart.setOption({ color: ["#c0392b", "#2c7fb8", "#41ab5d", "#fd8d3c", "#756bb1", "#636363"], ...build(element.dataset) });
      charts.push(chart);
    }
    window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
