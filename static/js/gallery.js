// Gallery: choosing a sort or a filter shows the entries at once (the form is sent as if
// its button were pressed); without this script the button does it. Empty fields are
// left out of the address, so the same choice always has the same URL (and cached page).
(function () {
  "use strict";

  var forms = document.querySelectorAll("[data-gallery-controls]");
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT") event.currentTarget.requestSubmit();
    });
    forms[i].addEventListener("formdata", function (event) {
      var empty = [];
      event.formData.forEach(function (value, name) {
        if (value === "") empty.push(name);
      });
      empty.forEach(function (name) { event.formData.delete(name); });
    });
  }
})();
