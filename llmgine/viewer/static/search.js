// Search results: the query is the address (/search?q=...), so a search can be shared.

import { get } from "./api.js";
import { clear, h, link } from "./dom.js";
import * as f from "./format.js";

const HELP = [
  ["words", "text some field contains (\"two words\" in quotes)"],
  ["session:S", "in session S"],
  ["type:T", "the message type contains T (type:ToolCall)"],
  ["kind:K", "command, event or result"],
  ["tool:NAME", "calls of a tool"],
  ["error:TEXT", "failures whose error contains TEXT (error: alone: every failure)"],
  ["run:LOG", "only in logs whose name contains LOG"],
];

export function showSearch(main, q) {
  const result = h("div", {}, h("p", { class: "dim" }, "Searching…"));
  clear(main, h("div", { class: "heading" }, h("h1", {}, "Search"), h("p", { class: "query" }, q)), result);
  if (!q) {
    clear(result, help());
    return null;
  }
  let stopped = false;
  get("search", { q }).then((answer) => {
    if (stopped) return;
    if (!answer.hits.length) {
      clear(result, h("p", {}, "Nothing matches."), help());
      return;
    }
    const count = `${f.plural(answer.hits.length, "message")}${answer.more ? " (the first; there are more)" : ""}`;
    clear(
      result,
      h("p", { class: "dim" }, `${count} · ${answer.ms} ms`),
      h("table", { class: "runs hits" },
        h("thead", {}, h("tr", {}, ["time (UTC)", "log", "session", "type", "what"].map((t) => h("th", {}, t)))),
        h("tbody", {}, answer.hits.map((hit) => {
          const href = `/run/${encodeURIComponent(hit.run)}?line=${hit.line}`;
          return h("tr", {},
            h("td", { class: "time" }, f.when(hit.time)),
            h("td", {}, link(href, hit.run)),
            h("td", {}, hit.session),
            h("td", {}, link(href, hit.type), h("span", { class: "dim" }, ` ${hit.kind}`)),
            h("td", {}, hit.text));
        }))),
    );
  }).catch((error) => {
    if (!stopped) clear(result, h("p", { class: "error" }, error.message), help());
  });
  return { stop() { stopped = true; } };
}

function help() {
  return h("table", { class: "help" },
    h("caption", {}, "What a search can say (every part must hold)"),
    h("tbody", {}, HELP.map(([term, what]) => h("tr", {}, h("td", {}, h("code", {}, term)), h("td", {}, what)))));
}
