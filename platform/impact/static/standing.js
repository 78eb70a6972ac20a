// A certificate's page says where it stands ("#37 of 1,204 at Summit"): the sentence comes
// from the standings' JSON twin; without JavaScript the link to the standings page stays.
(function () {
  "use strict";
  var place = document.getElementById("standing");
  if (!place || !window.fetch) { return; }
  var lang = place.getAttribute("data-lang") || "en";
  fetch(place.getAttribute("data-standings"), { headers: { "Accept": "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      var text = data && (data.sentence[lang] || data.sentence.en);
      var link = place.querySelector("a");
      if (text && link) { link.textContent = text; }
    })
    .catch(function () { /* the link stays */ });
})();
