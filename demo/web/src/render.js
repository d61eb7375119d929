// Renders the customer dashboard widgets.
import _ from "lodash";

export function renderGreeting(el, params) {
  const name = params.get("name") || "there";
  el.innerHTML = "<h2>Welcome back, " + name + "!</h2>";
}

export function applyTheme(settings, userPrefs) {
  // merges untrusted preferences into the settings object
  return _.merge(settings, userPrefs);
}

export function evaluateFormula(expr) {
  return eval(expr);
}

export function loadWidget(url) {
  const s = document.createElement("script");
  s.src = url;
  document.body.appendChild(s);
}
