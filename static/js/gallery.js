// Gallery: choosing a sort or a filter shows the entries at once (the form is sent as if
// its button were pressed). Without this script the button does it.
(function () {
  "use strict";

  var forms = document.querySelectorAll("[data-gallery-controls]");
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT") event.currentTarget.requestSubmit();
    });
  }
})();
