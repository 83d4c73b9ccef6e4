// Numbers as people read them.

export function ms(value) {
  if (value === null || value === undefined) return "";
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60000) return `${(value / 1000).toFixed(1)} s`;
  const seconds = Math.round(value / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function count(value) {
  return value === null || value === undefined ? "" : value.toLocaleString("en");
}

export function tokens(totals) {
  if (!totals || !totals.calls) return "";
  return `${count(totals.input_tokens)} / ${count(totals.output_tokens)}`;
}

export const COST_UNKNOWN = "a model call with no known price, or no usage reported";

export function cost(totals) {
  if (!totals || !totals.calls) return "";
  return money(totals.cost_usd);
}

export function money(value) {
  if (value === null || value === undefined) return "?";
  const digits = value === 0 ? 2 : Math.abs(value) >= 1 ? 2 : Math.abs(value) >= 0.01 ? 4 : 6;
  return `${value < 0 ? "-" : ""}$${Math.abs(value).toFixed(digits)}`;
}

// A difference with its sign; one smaller than `least` is no difference.
export function signed(value, show, least = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "";
  if (value === 0 || Math.abs(value) < least) return "±0";
  return `${value > 0 ? "+" : "-"}${show(Math.abs(value))}`;
}

export function when(iso, since) {
  if (!iso) return "";
  const date = new Date(iso);
  const day = date.toISOString().slice(0, 10);
  const time = date.toISOString().slice(11, 19);
  if (since && new Date(since).toISOString().slice(0, 10) === day) return time;
  return `${day} ${time}`;
}

export function plural(n, word) {
  return `${count(n)} ${word}${n === 1 ? "" : "s"}`;
}
