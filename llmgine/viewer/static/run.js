// One run: its figures, its sessions, its tree with the details of what is selected, and
// the messages it writes while it runs (a tail request waits on the server for the next).

import { get, runPath } from "./api.js";
import { clear, h, link } from "./dom.js";
import * as f from "./format.js";
import { afterPaint, Tree } from "./tree.js";

const LIVE_SHOWN = 30;
const WAIT_S = 10;

export function showRun(main, name, params) {
  const control = new AbortController();
  const header = h("div", { class: "heading" });
  const sessions = h("div", { class: "sessions" });
  const treeBox = h("div", { class: "tree", role: "tree", "aria-label": "the run" });
  const details = h("aside", { class: "details", "aria-label": "details" },
    h("p", { class: "dim" }, "Click a row to see its messages."));
  const liveList = h("ol", { class: "live-list" });
  const liveStatus = h("span", { class: "dim" }, "");
  clear(
    main,
    header,
    sessions,
    h("div", { class: "columns" },
      h("section", { class: "left" },
        h("div", { class: "tree-head" },
          h("span", {}, "step"), h("span", {}, "timeline"), h("span", { class: "num" }, "took"),
          h("span", { class: "num", title: "input / output tokens" }, "tokens"),
          h("span", { class: "num" }, "cost")),
        treeBox),
      h("div", { class: "right" },
        details,
        h("section", { class: "live" }, h("h2", {}, "Live ", liveStatus), liveList))),
  );
  let tree = null;
  let last = 0;
  let refreshing = null;
  let stopped = false;

  async function showHeader() {
    const run = await get(runPath(name), {}, { signal: control.signal });
    const took = run.first && run.last ? new Date(run.last) - new Date(run.first) : null;
    clear(
      header,
      h("h1", {}, name),
      h("p", { class: "figures" },
        f.when(run.first), took !== null ? ` · took ${f.ms(took)}` : "",
        ` · ${f.plural(run.sessions, "session")} · ${f.plural(run.turns, "turn")}`,
        ` · ${f.plural(run.messages, "message")}`,
        run.totals.calls ? ` · ${f.plural(run.totals.calls, "model call")}` : "",
        run.totals.calls ? ` · ${f.tokens(run.totals)} tokens · ${f.cost(run.totals)}` : "",
        run.failures ? h("span", { class: "bad" }, ` · ${f.count(run.failures)} failed`) : ""),
      run.problem ? h("p", { class: "error" }, `${run.skipped} line(s) skipped: ${run.problem}`) : null,
    );
    showSessions(run);
    return run;
  }

  function showSessions(run) {
    const rows = run.session_nodes.map((s) =>
      h("tr", { onclick: () => tree && tree.reveal([s.id]), class: "clickable" },
        h("td", {}, s.title),
        h("td", { class: "time" }, f.when(s.first, run.first)),
        h("td", { class: "num" }, f.ms(s.ms)),
        h("td", { class: "num" }, f.count(s.turns)),
        h("td", { class: "num" }, f.count(s.messages)),
        h("td", { class: "models" }, s.models.join(", ")),
        h("td", { class: "num" }, f.tokens(s.totals)),
        h("td", { class: "num" }, f.cost(s.totals)),
        h("td", { class: s.failures ? "num bad" : "num" }, f.count(s.failures))));
    const more = run.sessions_total > run.session_nodes.length
      ? h("p", { class: "dim" }, `and ${f.count(run.sessions_total - run.session_nodes.length)} more in the tree`) : null;
    clear(sessions, h("details", { open: run.session_nodes.length <= 12 },
      h("summary", {}, `Sessions (${f.count(run.sessions_total)})`),
      h("table", { class: "runs" },
        h("thead", {}, h("tr", {}, ["session", "started (UTC)", "took", "turns", "messages", "models", "tokens", "cost", "failed"]
          .map((t, i) => h("th", { class: [0, 1, 5].includes(i) ? "" : "num" }, t)))),
        h("tbody", {}, rows)), more));
  }

  let asked = null; // the node whose details were asked for last: an older answer is dropped

  async function showDetails(id) {
    asked = id;
    const answer = await get(runPath(name, "nodes", encodeURIComponent(id)), {}, { signal: control.signal });
    if (asked !== id) return;
    const node = answer.node;
    const figures = [
      node.ms !== null ? `took ${f.ms(node.ms)}` : null,
      node.totals.calls ? `${f.plural(node.totals.calls, "model call")}` : null,
      node.totals.calls ? `${f.tokens(node.totals)} tokens (in / out)` : null,
      node.totals.calls ? `cost ${f.cost(node.totals)}` : null,
      ...node.facts,
    ].filter(Boolean);
    clear(
      details,
      h("h2", {}, h("span", { class: "label" }, node.label), " ", node.title),
      figures.length ? h("p", { class: "figures" }, figures.join(" · ")) : null,
      node.outcome ? h("p", { class: node.ok === false ? "bad" : "" }, `→ ${node.outcome}`) : null,
      node.models ? h("p", { class: "dim" }, `models: ${node.models.join(", ") || "none"}`) : null,
      answer.records.map((record) =>
        h("details", { class: "record", open: true },
          h("summary", {},
            h("strong", {}, record.type), ` ${record.kind}`,
            record.time ? ` · ${f.when(record.time)}` : "", ` · line ${record.line}`,
            record.summary ? ` · ${record.summary}` : ""),
          record.note ? h("p", { class: "note" }, record.note) : null,
          h("pre", {}, JSON.stringify(record.fields, null, 2)))),
    );
  }

  function select(id) {
    const url = new URL(location.href);
    url.searchParams.set("node", id);
    url.searchParams.delete("line");
    history.replaceState(null, "", url.pathname + url.search);
    showDetails(id).catch((error) => showError(details, error));
  }

  async function revealLine(line) {
    const answer = await get(runPath(name, "path"), { line }, { signal: control.signal });
    if (!answer.path.length) {
      clear(details, h("p", { class: "dim" }, `Line ${line} is the bus's own bookkeeping: it is not drawn in the tree.`));
      return;
    }
    await tree.reveal(answer.path);
  }

  async function follow() {
    while (!stopped) {
      try {
        const answer = await get(runPath(name, "tail"), { after: last, wait: WAIT_S }, { signal: control.signal });
        if (stopped) return;
        if (answer.records.length) {
          showLive(answer.records);
          scheduleRefresh();
        }
        last = Math.max(last, answer.last);
      } catch (error) {
        if (stopped || error.name === "AbortError") return;
        clear(liveStatus, h("span", { class: "error" }, error.message));
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }

  function showLive(records) {
    clear(liveStatus, `· ${new Date().toLocaleTimeString()}: ${f.plural(records.length, "new message")}`);
    for (const record of records) {
      liveList.prepend(h("li", { class: "fresh", dataset: { line: record.line }, onclick: () => revealLine(record.line) },
        h("span", { class: "time" }, f.when(record.time).slice(-8)), " ",
        h("span", { class: "session" }, record.session), " ",
        h("strong", {}, record.type), " ", record.text));
    }
    while (liveList.children.length > LIVE_SHOWN) liveList.lastChild.remove();
  }

  function scheduleRefresh() {
    if (refreshing) return;
    refreshing = setTimeout(async () => {
      try {
        const run = await showHeader();
        tree.span = spanOf(run);
        await tree.refresh();
      } catch (error) {
        if (error.name !== "AbortError") clear(liveStatus, h("span", { class: "error" }, error.message));
      } finally {
        refreshing = null;
      }
    }, 250);
  }

  (async () => {
    let run;
    try {
      run = await showHeader();
    } catch (error) {
      if (error.name !== "AbortError") showError(main, error, true);
      return;
    }
    last = run.last_line;
    tree = new Tree(name, treeBox, { onSelect: select, span: spanOf(run) });
    await tree.load();
    if (run.session_nodes.length === 1) await tree.toggle(run.session_nodes[0].id);
    afterPaint(() => {
      performance.mark("llmgine:tree"); // the first rows of the run are on the screen
      window.__viewer = { ...window.__viewer, treePaint: performance.now() };
    });
    clear(liveStatus, "· following the log");
    follow();
    if (params.get("node")) {
      const node = params.get("node");
      const line = /^L\d+$/.test(node) ? Number(node.slice(1)) : null;
      if (line) await revealLine(line);
      else await tree.reveal([node]);
    } else if (params.get("line")) await revealLine(Number(params.get("line")));
  })().catch((error) => {
    if (error.name !== "AbortError") showError(details, error);
  });

  return {
    stop() {
      stopped = true;
      control.abort();
      clearTimeout(refreshing);
    },
  };
}

function spanOf(run) {
  return run.first && run.last ? Math.max(1, new Date(run.last) - new Date(run.first)) : 1;
}

function showError(element, error, withLink = false) {
  clear(element, h("p", { class: "error" }, error.message), withLink ? link("/", "All runs") : null);
}
