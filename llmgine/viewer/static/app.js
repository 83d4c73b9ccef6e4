// The page's router: one address per view, so every view can be linked to and reloaded.
//   /                      the runs          /search?q=...    search
//   /run/NAME?node=ID      one run           /diff?a=&b=     two runs compared

import { takeToken } from "./api.js";
import { clear, h } from "./dom.js";
import { showDiff } from "./diff.js";
import { showRun } from "./run.js";
import { showRuns } from "./runs.js";
import { showSearch } from "./search.js";

const main = document.getElementById("main");
let leaving = null; // what the current view stops when another is shown

export function navigate(href, { replace = false } = {}) {
  const url = new URL(href, location.href);
  if (url.origin !== location.origin) return;
  history[replace ? "replaceState" : "pushState"](null, "", url.pathname + url.search);
  route();
}

function route() {
  if (leaving) leaving();
  leaving = null;
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  const box = document.getElementById("search-box");
  box.value = path === "/search" ? params.get("q") || "" : "";
  let view;
  if (path === "/") view = showRuns(main);
  else if (path.startsWith("/run/")) {
    view = showRun(main, decodeURIComponent(path.slice(5)), params);
  } else if (path === "/search") view = showSearch(main, params.get("q") || "");
  else if (path === "/diff") view = showDiff(main, params);
  else {
    clear(main, h("p", { class: "error" }, "No such page. ", h("a", { href: "/" }, "The runs")));
    return;
  }
  leaving = view && view.stop ? view.stop : null;
}

document.addEventListener("click", (event) => {
  const anchor = event.target.closest("a[data-nav]");
  if (!anchor || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(anchor.getAttribute("href"));
});

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = document.getElementById("search-box").value.trim();
  if (q) navigate(`/search?${new URLSearchParams({ q })}`);
});

window.addEventListener("popstate", route);
takeToken();
route();
