// Copy buttons: <button data-copy-target="ID" hidden> copies the value of the element
// with that id. Hidden until this script runs, so no button shows that cannot work.
(function () {
  "use strict";

  function copy(text, field) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    field.select();  // plain http: the older command still works
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copyTarget);
    if (!field) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(field.value, field).then(
        function () { button.textContent = "Copied!"; },
        function () { field.select(); button.textContent = "Press Ctrl+C to copy"; }
      );
      window.setTimeout(function () { button.textContent = label; }, 3000);
    });
  });
})();
