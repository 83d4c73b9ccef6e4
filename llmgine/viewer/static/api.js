// Requests to the viewer's API, with the token when the server needs one.

const KEY = "llmgine-viewer-token";

// The address printed by `llmgine logs serve` ends with #token=...: keep it for this tab
// and take it out of the address bar.
export function takeToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    history.replaceState(history.state, "", location.pathname + location.search);
  }
}

export class ApiError extends Error {}

export async function get(path, params = {}, { signal } = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(name, value);
  }
  const headers = {};
  const token = sessionStorage.getItem(KEY);
  if (token) headers["X-Llmgine-Token"] = token;
  const text = query.toString();
  const url = `/api/${path}${text ? `?${text}` : ""}`;
  let response;
  try {
    response = await fetch(url, { headers, cache: "no-store", signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("the viewer is not answering: is `llmgine logs serve` still running?");
  }
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new ApiError(body.error || `${response.status}`);
  return body;
}

export function runPath(name, ...rest) {
  return ["runs", encodeURIComponent(name), ...rest].join("/");
}
