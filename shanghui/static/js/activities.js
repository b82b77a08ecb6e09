// Activity statistics: the charts of /activities/stats/ (ECharts, from the page's JSON).
(function () {
  "use strict";
  function draw() {
    const source = document.getElementById("activity-stats-data");
    if (!source || typeof window.echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const options = {
      month: () => ({
        tooltip: { trigger: "axis" },
        legend: { data: ["人次", "时长"] },
        xAxis: { type: "category", data: data.month.labels },
        yAxis: [{ type: "value", name: "人次" }, { type: "value", name: "小时" }],
        series: [
          { name: "人次", type: "bar", data: data.month.person_times },
          { name: "时长", type: "line", yAxisIndex: 1, data: data.month.hours },
        ],
      }),
      kind: () => ({ tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "65%"], data: data.kind }] }),
      organisation: () => ({
        tooltip: { trigger: "axis" },
        grid: { left: 160 },
        xAxis: { type: "value", name: "小时" },
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
      chart.setOption({ color: ["#c0392b", "#2c7fb8", "#41ab5d", "#fd8d3c", "#756bb1", "#636363"], ...build() });
      charts.push(chart);
    }
    window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
