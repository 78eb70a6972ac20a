// The event neutrality page's live figures: read the page's JSON twin every few seconds and
// rewrite the numbers in place (the content security policy allows no inline script).
(function () {
  "use strict";
  var root = document.getElementById("event");
  if (!root || !window.fetch) { return; }
  var api = root.getAttribute("data-api");
  var lang = root.getAttribute("data-lang") || "en";
  var seconds = parseInt(root.getAttribute("data-poll"), 10) || 15;

  // The same rounding as the server's format_grams: g, kg (one decimal below 100 kg), t.
  function grams(value) {
    if (value < 1000) { return value + " g"; }
    if (value < 1000000) {
      var kg = value / 1000;
      return (value < 100000 ? kg.toFixed(1) : Math.round(kg).toString()).replace(/\B(?=(\d{3})+(?!\d))/g, ",") + " kg";
    }
    return (value / 1000000).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",") + " t";
  }
  function count(value) { return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function set(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) { el.textContent = text; }
  }

  function show(data) {
    var percent = document.getElementById("percent");
    var short = !data.enough_data && percent ? percent.getAttribute("data-not-enough") : "–";
    set("percent", data.percent === null ? short : data.percent + " %");
    var label = document.getElementById("percent-label");
    if (label) { label.hidden = !data.enough_data; }
    var why = document.getElementById("not-enough");
    if (why) {
      why.hidden = data.enough_data;
      set("not-enough", data.not_enough[lang] || data.not_enough.en);
    }
    var bar = document.getElementById("progress");
    if (bar) { bar.value = Math.min(data.percent || 0, 100); }
    set("footprint", data.enough_data ? grams(data.footprint_grams) : "–");
    set("attendee-estimates", grams(data.attendee_estimates_grams));
    set("attendees", grams(data.attendees_grams));
    set("organiser", grams(data.organiser_grams));
    set("participants", count(data.participants));
    set("estimates", count(data.attendee_estimates));
    set("projects-count", String(data.projects.length));
    set("outliers-count", String(data.outliers_left_out));
    var outliers = document.getElementById("outliers");
    if (outliers) { outliers.hidden = !data.outliers_left_out; }
    var certificate = document.getElementById("event-certificate");
    if (certificate) {
      certificate.hidden = !data.neutral;
      if (data.certificate) {
        set("statement", data.certificate.statement[lang] || data.certificate.statement.en);
        var backing = document.getElementById("organiser-backing");
        if (backing) { backing.hidden = !data.certificate.organiser_certificates.length; }
        var list = document.getElementById("organiser-certificates");
        if (list && list.children.length !== data.certificate.organiser_certificates.length) {
          while (list.firstChild) { list.removeChild(list.firstChild); }
          data.certificate.organiser_certificates.forEach(function (number) {
            var item = document.createElement("li");
            var link = document.createElement("a");
            link.href = "/certificates/verify?number=" + encodeURIComponent(number);
            link.textContent = number;
            item.appendChild(link);
            list.appendChild(item);
          });
        }
      }
    }
    var live = document.getElementById("live");
    if (live) { live.hidden = false; }
    var at = new Date(data.computed_at);
    set("updated", at.toLocaleTimeString(lang === "zh-Hans" ? "zh-CN" : "en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" }));
  }

  function poll() {
    fetch(api, { headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { window.setTimeout(poll, seconds * 1000); });
  }
  poll();
})();
