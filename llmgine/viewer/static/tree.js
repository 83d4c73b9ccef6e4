// A run as a tree that opens a level at a time: each node's children are asked for when it
// is opened, a page at a time, and kept when it closes. A refresh asks again for every
// level that is open and updates the rows in place, keeping what is open and selected.

import { get, runPath } from "./api.js";
import { clear, h } from "./dom.js";
import * as f from "./format.js";

const PAGE = 200;

export class Tree {
  constructor(run, element, { onSelect, span }) {
    this.run = run;
    this.element = element;
    this.onSelect = onSelect;
    this.span = span || 1;
    this.entries = new Map(); // id -> { node, row, kids, depth, open, offset, count, total }
    this.root = { kids: element, depth: -1, offset: 0, count: 0, total: 0, open: true };
    this.selected = null;
  }

  async load() {
    await this.fill(this.root, "root", { offset: 0, limit: PAGE });
  }

  // Opens (or closes) a node; opening asks for its first page of children.
  async toggle(id, { focus = null } = {}) {
    const entry = this.entries.get(id);
    if (!entry || !entry.node.kids) return;
    if (entry.open && !focus) {
      entry.open = false;
      this.paintOpen(entry);
      return;
    }
    const started = performance.now();
    entry.open = true;
    this.paintOpen(entry);
    if (!entry.count || focus) {
      await this.fill(entry, id, { offset: 0, limit: PAGE, focus });
    }
    afterPaint(() => {
      window.__viewer = { ...window.__viewer, expandMs: performance.now() - started };
    });
  }

  // Asks for a window of children of `id` and shows them under `entry`, in log order.
  async fill(entry, id, { offset, limit, focus = null }) {
    const answer = await get(runPath(this.run, "nodes"), { parent: id, offset, limit, focus });
    const rows = [];
    for (const node of answer.nodes) {
      const child = this.place(node, entry.depth + 1);
      rows.push(child.row, child.kids);
    }
    entry.offset = answer.offset;
    entry.count = answer.nodes.length;
    entry.total = answer.total;
    if (entry.offset > 0) {
      const earlier = Math.min(PAGE, entry.offset);
      rows.unshift(this.pager(`show ${earlier} earlier`, () =>
        this.fill(entry, id, { offset: entry.offset - earlier, limit: entry.count + earlier })));
    }
    const left = entry.total - entry.offset - entry.count;
    if (left > 0) {
      rows.push(this.pager(`show ${Math.min(PAGE, left)} more of ${f.count(left)}`, () =>
        this.fill(entry, id, { offset: entry.offset, limit: entry.count + PAGE })));
    }
    entry.kids.replaceChildren(...rows);
    return answer;
  }

  pager(text, onclick) {
    return h("button", { type: "button", class: "pager", onclick }, text);
  }

  // Makes or updates the row of `node`, keeping its children and whether it is open.
  place(node, depth) {
    let entry = this.entries.get(node.id);
    if (!entry) {
      entry = {
        node, depth, open: false, offset: 0, count: 0, total: 0,
        row: h("div", { class: "row", role: "treeitem", tabindex: "-1", dataset: { id: node.id } }),
        kids: h("div", { class: "kids", role: "group", hidden: true }),
      };
      entry.row.style.setProperty("--depth", depth);
      entry.row.addEventListener("click", (event) => {
        if (event.target.closest(".toggle")) return;
        this.select(node.id);
      });
      entry.row.addEventListener("dblclick", () => this.toggle(node.id));
      entry.row.addEventListener("keydown", (event) => this.key(event, node.id));
      this.entries.set(node.id, entry);
    }
    entry.node = node;
    entry.depth = depth;
    this.paintRow(entry);
    return entry;
  }

  paintRow(entry) {
    const node = entry.node;
    const toggle = node.kids
      ? h("button", { type: "button", class: "toggle", "aria-label": "open", onclick: () => this.toggle(node.id) })
      : h("span", { class: "toggle none" });
    const mark = node.ok === true ? h("span", { class: "mark ok", title: "succeeded" }, "✓")
      : node.ok === false ? h("span", { class: "mark bad", title: "failed" }, "✗") : null;
    const kind = node.label.replace(/\s*\d+$/, "");
    const bar = h("span", { class: `bar bar-${kind}${node.ok === false ? " bar-bad" : ""}` });
    if (node.start_ms !== null && node.start_ms !== undefined) {
      bar.style.left = `${Math.min(100, (100 * node.start_ms) / this.span)}%`;
      bar.style.width = `${Math.max(0.4, (100 * (node.ms || 0)) / this.span)}%`;
    } else bar.hidden = true;
    clear(
      entry.row,
      h("span", { class: "name" },
        toggle,
        h("span", { class: `label label-${kind}` }, node.label),
        h("span", { class: "title" }, node.title),
        mark,
        node.facts.length ? h("span", { class: "facts" }, node.facts.join(" · ")) : null,
        node.outcome ? h("span", { class: node.ok === false ? "outcome bad" : "outcome" }, `→ ${node.outcome}`) : null,
      ),
      h("span", { class: "wf" }, bar),
      h("span", { class: "num" }, f.ms(node.ms)),
      h("span", { class: "num", title: "input / output tokens" }, f.tokens(node.totals)),
      h("span", { class: "num", title: node.totals.calls && node.totals.cost_usd === null ? f.COST_UNKNOWN : null },
        f.cost(node.totals)),
    );
    this.paintOpen(entry);
    entry.row.classList.toggle("selected", this.selected === node.id);
  }

  paintOpen(entry) {
    entry.row.setAttribute("aria-expanded", entry.node.kids ? String(entry.open) : "false");
    entry.row.classList.toggle("open", entry.open);
    entry.kids.hidden = !entry.open;
  }

  select(id) {
    if (this.selected) this.entries.get(this.selected)?.row.classList.remove("selected");
    this.selected = id;
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.row.classList.add("selected");
    entry.row.focus({ preventScroll: true });
    this.onSelect(id, entry.node);
  }

  // Opens each node of `path` (ids from the top) and selects the last.
  async reveal(path) {
    for (let i = 0; i < path.length - 1; i += 1) {
      const entry = this.entries.get(path[i]);
      if (!entry) return;
      if (!entry.open || !this.entries.has(path[i + 1])) await this.toggle(path[i], { focus: path[i + 1] });
    }
    const last = path[path.length - 1];
    if (this.entries.has(last)) {
      this.select(last);
      this.entries.get(last).row.scrollIntoView({ block: "center" });
    }
  }

  // Asks again for every open level, top down, updating the rows in place.
  async refresh() {
    const levels = [[this.root, "root"], ...[...this.entries].filter(([, e]) => e.open && e.count)
      .map(([id, e]) => [e, id])];
    for (const [entry, id] of levels) {
      await this.fill(entry, id, { offset: entry.offset, limit: Math.max(entry.count, PAGE) });
    }
  }

  key(event, id) {
    const entry = this.entries.get(id);
    if (event.key === "ArrowRight" && entry.node.kids && !entry.open) this.toggle(id);
    else if (event.key === "ArrowLeft" && entry.open) this.toggle(id);
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const rows = [...this.element.querySelectorAll(".row")].filter((r) => r.offsetParent !== null);
      const next = rows[rows.indexOf(entry.row) + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) this.select(next.dataset.id);
    } else return;
    event.preventDefault();
  }
}

export function afterPaint(callback) {
  requestAnimationFrame(() => setTimeout(callback, 0));
}
