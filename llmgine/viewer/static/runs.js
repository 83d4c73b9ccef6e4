// The runs of the folder, newest first; two can be picked to compare.

import { get } from "./api.js";
import { clear, h, link } from "./dom.js";
import * as f from "./format.js";
import { navigate } from "./app.js";

const REFRESH_MS = 3000;

export function showRuns(main) {
  const picked = new Set();
  const compare = h("button", { type: "button", disabled: true, id: "compare" }, "Compare two runs");
  compare.addEventListener("click", () => {
    const [a, b] = [...picked];
    navigate(`/diff?${new URLSearchParams({ a, b })}`);
  });
  const body = h("tbody");
  const note = h("p", { class: "dim" });
  clear(
    main,
    h("div", { class: "heading" }, h("h1", {}, "Runs"), note, compare),
    h(
      "table",
      { class: "runs" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, ""),
          h("th", {}, "started (UTC)"),
          h("th", {}, "log"),
          h("th", { class: "num" }, "took"),
          h("th", { class: "num", title: "session ids in the log (a workflow's steps each have one; the run's page draws them inside the run)" }, "sessions"),
          h("th", { class: "num" }, "turns"),
          h("th", { class: "num" }, "messages"),
          h("th", {}, "models"),
          h("th", { class: "num", title: "input / output tokens" }, "tokens"),
          h("th", { class: "num" }, "cost"),
          h("th", { class: "num" }, "failed"),
        ),
      ),
      body,
    ),
  );
  let timer = null;
  let stopped = false;

  async function load() {
    let answer;
    try {
      answer = await get("runs", { limit: 100 });
    } catch (error) {
      clear(note, h("span", { class: "error" }, error.message));
      return;
    }
    if (stopped) return;
    const shown = answer.runs.length < answer.total ? ` (the newest ${answer.runs.length})` : "";
    clear(note, `${f.plural(answer.total, "log")} in ${answer.folder}${shown}`);
    if (!answer.runs.length) {
      clear(body, h("tr", {}, h("td", { colspan: 11, class: "empty" },
        "No logs here yet. A bus writes one per run (MessageBus(log_dir=...)); they appear here as they are written.")));
      return;
    }
    clear(body, answer.runs.map((run) => row(run)));
  }

  function row(run) {
    const took = run.first && run.last ? new Date(run.last) - new Date(run.first) : null;
    const box = h("input", { type: "checkbox", "aria-label": `compare ${run.name}` });
    box.checked = picked.has(run.name);
    box.addEventListener("change", () => {
      if (box.checked) picked.add(run.name);
      else picked.delete(run.name);
      while (picked.size > 2) picked.delete(picked.values().next().value);
      compare.disabled = picked.size !== 2;
      for (const other of body.querySelectorAll("input[type=checkbox]")) {
        other.checked = picked.has(other.closest("tr").dataset.run);
      }
    });
    return h(
      "tr",
      { dataset: { run: run.name } },
      h("td", {}, box),
      h("td", { class: "time" }, f.when(run.first)),
      h("td", {}, link(`/run/${encodeURIComponent(run.name)}`, run.name),
        run.problem ? h("div", { class: "error small" }, run.problem) : null),
      h("td", { class: "num" }, f.ms(took)),
      h("td", { class: "num" }, f.count(run.sessions)),
      h("td", { class: "num" }, f.count(run.turns)),
      h("td", { class: "num" }, f.count(run.messages)),
      h("td", { class: "models" }, run.models.join(", ")),
      h("td", { class: "num" }, f.tokens(run.totals)),
      h("td", { class: "num", title: run.totals.cost_usd === null ? f.COST_UNKNOWN : null },
        f.cost(run.totals)),
      h("td", { class: run.failures ? "num bad" : "num" }, f.count(run.failures)),
    );
  }

  async function loop() {
    await load();
    if (!stopped) timer = setTimeout(loop, REFRESH_MS);
  }
  loop();
  return { stop() { stopped = true; clearTimeout(timer); } };
}
