// Two runs compared: their figures side by side, then their steps aligned, the first
// divergence marked and scrolled to. Long stretches of identical steps are folded.

import { get } from "./api.js";
import { clear, h, link } from "./dom.js";
import * as f from "./format.js";
import { navigate } from "./app.js";

const CONTEXT = 2; // identical steps kept around a difference when the rest is folded
const STATUS = {
  same: ["", "the same in both runs"],
  changed: ["≠", "in both runs, different"],
  only_a: ["−", "only in run A"],
  only_b: ["+", "only in run B"],
};

export function showDiff(main, params) {
  const a = params.get("a") || "";
  const b = params.get("b") || "";
  const result = h("div", {});
  clear(main, h("div", { class: "heading" }, h("h1", {}, "Compare two runs")), form(params), result);
  if (!a || !b) {
    clear(result, h("p", { class: "dim" }, "Choose two runs (or a session of each)."));
    return null;
  }
  let stopped = false;
  clear(result, h("p", { class: "dim" }, "Reading both runs…"));
  get("diff", { a, b, sa: params.get("sa"), sb: params.get("sb") }).then((diff) => {
    if (!stopped) render(result, diff);
  }).catch((error) => {
    if (!stopped) clear(result, h("p", { class: "error" }, error.message));
  });
  return { stop() { stopped = true; } };
}

function form(params) {
  const fields = {};
  const pick = (key, label) => {
    const select = h("select", { name: key, "aria-label": `run ${label}` });
    const session = h("input", { name: `s${key}`, placeholder: "every session", "aria-label": `session of run ${label}`, value: params.get(`s${key}`) || "" });
    fields[key] = select;
    fields[`s${key}`] = session;
    return h("label", {}, h("strong", {}, label), " ", select, " session ", session);
  };
  const element = h("form", { class: "pick" }, pick("a", "A"), pick("b", "B"), h("button", { type: "submit" }, "Compare"));
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const key of ["a", "b", "sa", "sb"]) if (fields[key].value) query.set(key, fields[key].value);
    navigate(`/diff?${query}`);
  });
  get("runs", { limit: 500 }).then((answer) => {
    for (const key of ["a", "b"]) {
      const chosen = params.get(key);
      const names = answer.runs.map((r) => r.name);
      if (chosen && !names.includes(chosen)) names.unshift(chosen);
      fields[key].replaceChildren(...names.map((n) => h("option", { value: n, selected: n === chosen }, n)));
    }
  }).catch(() => {});
  return element;
}

function render(result, diff) {
  const rows = diff.rows;
  const first = diff.first_divergence;
  const verdict = diff.identical
    ? h("p", { class: "verdict same" }, `The runs match step for step (${f.plural(rows.length, "step")}; ids, times and token counts aside).`)
    : verdictOf(rows[first], first, diff.truncated && first === rows.length);
  clear(
    result,
    figures(diff),
    verdict,
    h("table", { class: "diff" },
      h("thead", {}, h("tr", {},
        h("th", {}, ""), h("th", {}, "A: ", link(`/run/${encodeURIComponent(diff.a.run)}`, diff.a.run)),
        h("th", {}, "B: ", link(`/run/${encodeURIComponent(diff.b.run)}`, diff.b.run)),
        h("th", { class: "num", title: "tokens in + out, B − A" }, "Δ tokens"),
        h("th", { class: "num" }, "Δ cost"), h("th", { class: "num" }, "Δ took"))),
      h("tbody", {}, folded(rows, first))),
    diff.truncated ? h("p", { class: "dim" }, "Only the first steps are compared: the runs are longer.") : null,
  );
  const target = result.querySelector(".first");
  if (target) target.scrollIntoView({ block: "center" });
}

function verdictOf(row, index, unknown) {
  if (unknown || !row) return h("p", { class: "verdict" }, "The compared steps match, but the runs go on past them.");
  const side = row.a || row.b;
  const where = `step ${index + 1}: ${side.label} ${side.title}`;
  const what = row.status === "only_a" ? "only run A has it"
    : row.status === "only_b" ? "only run B has it"
    : row.field ? `${row.field}: ${row.before} → ${row.after}` : "they differ";
  return h("p", { class: "verdict differ" }, h("strong", {}, "First divergence"), ` at ${where} — ${what}`);
}

function figures(diff) {
  const line = (name, pick, show) => {
    const x = pick(diff.a);
    const y = pick(diff.b);
    const delta = x === null || y === null ? "" : f.signed(y - x, show, show === f.money ? 5e-7 : 0);
    return h("tr", {}, h("th", {}, name), h("td", { class: "num" }, x === null ? "?" : show(x)),
      h("td", { class: "num" }, y === null ? "?" : show(y)), h("td", { class: "num delta" }, delta));
  };
  return h("table", { class: "figures-table" },
    h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", { class: "num" }, "A"), h("th", { class: "num" }, "B"), h("th", { class: "num" }, "B − A"))),
    h("tbody", {},
      line("model calls", (s) => s.totals.calls, f.count),
      line("input tokens", (s) => s.totals.input_tokens, f.count),
      line("output tokens", (s) => s.totals.output_tokens, f.count),
      line("cost", (s) => s.totals.cost_usd, f.money),
      line("took", (s) => s.ms, f.ms),
      line("steps", (s) => s.steps, f.count)));
}

// The rows, with long runs of identical steps folded into one row that opens them.
function folded(rows, first) {
  const keep = rows.map((row) => row.status !== "same");
  const near = keep.map((_, i) => keep.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some(Boolean));
  const out = [];
  let i = 0;
  while (i < rows.length) {
    if (near[i] || rows.length <= 12) {
      out.push(rowOf(rows[i], i, i === first));
      i += 1;
      continue;
    }
    let j = i;
    while (j < rows.length && !near[j]) j += 1;
    const hidden = rows.slice(i, j).map((row, k) => rowOf(row, i + k, false));
    if (hidden.length < 4) out.push(...hidden);
    else {
      const opener = h("tr", { class: "fold" }, h("td", { colspan: 6 },
        h("button", { type: "button", onclick: () => opener.replaceWith(...hidden) },
          `… ${f.plural(hidden.length, "identical step")} (show)`)));
      out.push(opener);
    }
    i = j;
  }
  return out;
}

function rowOf(row, index, isFirst) {
  const [mark, meaning] = STATUS[row.status];
  const x = row.a;
  const y = row.b;
  const sum = (n) => (n ? n.totals.input_tokens + n.totals.output_tokens : null);
  const tokens = x && y && (x.totals.calls || y.totals.calls) ? f.signed(sum(y) - sum(x), f.count) : "";
  const cost = x && y && (x.totals.calls || y.totals.calls) && x.totals.cost_usd !== null && y.totals.cost_usd !== null
    ? f.signed(y.totals.cost_usd - x.totals.cost_usd, f.money, 5e-7) : "";
  const took = x && y && x.ms !== null && y.ms !== null ? f.signed(y.ms - x.ms, f.ms) : "";
  const classes = [`status-${row.status}`, isFirst ? "first" : ""].join(" ");
  return h("tr", { class: classes, dataset: { index }, id: isFirst ? "first-divergence" : null },
    h("td", { class: "status", title: meaning }, mark),
    h("td", {}, step(x, row.depth), row.field && row.status === "changed" ? h("div", { class: "field" }, `${row.field}: `, h("span", { class: "before" }, row.before)) : null),
    h("td", {}, step(y, row.depth), row.field && row.status === "changed" ? h("div", { class: "field" }, `${row.field}: `, h("span", { class: "after" }, row.after)) : null),
    h("td", { class: "num" }, tokens), h("td", { class: "num" }, cost), h("td", { class: "num" }, took));
}

function step(node, depth) {
  if (!node) return h("span", { class: "dim" }, "—");
  const element = h("div", { class: "step" },
    h("span", { class: `label label-${node.label.replace(/\s*\d+$/, "")}` }, node.label), " ",
    h("span", { class: "title" }, node.title),
    node.ok === false ? h("span", { class: "mark bad" }, " ✗") : null,
    node.outcome ? h("span", { class: node.ok === false ? "outcome bad" : "outcome" }, ` → ${node.outcome}`) : null);
  element.style.setProperty("--depth", depth);
  return element;
}
