// Proxy case pages: htmx answers for conflicts and invalid forms, and the statistics charts.
// No inline scripts: the Content-Security-Policy forbids them. Chart data comes from a
// <script type="application/json"> element (json_script), which is data, never executed; the series
// names from the chart element's data attributes, in the page's language.

(() => {
  // htmx leaves 4xx answers unswapped by default. A 409 (someone changed the case first) and a 422
  // (the form has errors) carry the message to show in place of the form.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // --- statistics charts ------------------------------------------------------------------------
  const source = document.getElementById("stats-data");
  if (!source || typeof window.echarts === "undefined") return;
  const data = JSON.parse(source.textContent || "{}");
  const palette = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#c2185b"];

  const options = {
    month: (names) => ({
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 16, bottom: 32 },
      xAxis: { type: "category", data: data.month.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", smooth: true, areaStyle: { opacity: 0.15 }, data: data.month.values, name: names.series }],
    }),
    department: (names) => ({
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.department.labels },
      series: [{ type: "bar", data: data.department.values, name: names.series }],
    }),
    rating: (names) => ({
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 16, bottom: 32 },
      xAxis: { type: "category", data: data.rating.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.rating.values, name: names.series }],
    }),
  };

  const charts = [];
  for (const element of document.querySelectorAll("[data-chart]")) {
    const build = options[element.dataset.chart];
    if (!build) continue;
    // Sized from script: a style attribute would break the Content-Security-Policy.
    element.style.height = element.dataset.chart === "department" ? "320px" : "260px";
    const chart = window.echarts.init(element);
    chart.setOption({ color: palette, ...build(element.dataset) });
    charts.push(chart);
  }
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();

// Agent intake: a returning applicant's mobile number fills in the name, county and masked ID number
// (proxy/views/intake.applicant_lookup; the full ID number stays on the server). Only empty fields are
// filled: what the agent typed is never overwritten.
(() => {
  const mobile = document.querySelector("[data-applicant-lookup]");
  if (!mobile) return;
  const note = document.querySelector("[data-testid='applicant-known']");
  let asked = "";
  const lookup = async () => {
    const value = mobile.value.replace(/\D/g, "");
    if (value.length !== 11 || value === asked) return;
    asked = value;
    const url = `${mobile.dataset.applicantLookup}?${new URLSearchParams({ mobile: value })}`;
    let data;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      data = await response.json();
    } catch {
      return;
    }
    if (!data.found) return;
    const fill = (name, value) => {
      const field = mobile.form.elements.namedItem(name);
      if (!field || field.value) return;
      if (field.tagName === "SELECT" && ![...field.options].some((o) => o.value === value)) return;
      field.value = value;
      field.dispatchEvent(new Event("change", { bubbles: true }));
    };
    fill("name", data.name);
    fill("home_region_code", data.home_region_code);
    fill("id_number", data.id_number);
    if (note) {
      note.textContent = note.dataset.text;
      note.hidden = false;
    }
  };
  mobile.addEventListener("change", lookup);
  mobile.addEventListener("input", lookup);
})();
