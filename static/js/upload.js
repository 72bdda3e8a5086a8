// The entry form: checks each file's size as it is picked, and shows a progress bar while
// the form uploads. Without JavaScript the form posts as usual and the server still
// refuses files over 10 MB; this only spares people a long wait for a refusal.
(function () {
  "use strict";

  var form = document.querySelector("[data-upload-form]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;

  var progress = form.querySelector("[data-upload-progress]");
  var bar = progress && progress.querySelector("progress");
  var failed = form.querySelector("[data-upload-failed]");
  var submitter = null;

  function fieldError(input) {
    var field = input.closest("[data-upload-field]");
    return field && field.querySelector("[data-upload-error]");
  }

  function checkSize(input) {
    var max = Number(input.dataset.maxBytes);
    var error = fieldError(input);
    var tooBig = Array.prototype.some.call(input.files || [], function (file) {
      return max && file.size > max;
    });
    if (error) error.hidden = !tooBig;
    input.classList.toggle("is-invalid", tooBig);
    input.setAttribute("aria-invalid", tooBig ? "true" : "false");
    if (tooBig) input.value = "";  // never send a file the server will refuse
    return !tooBig;
  }

  form.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () { checkSize(input); });
  });

  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    button.addEventListener("click", function () { submitter = button; });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    var buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    if (failed) failed.hidden = true;
    if (progress) { progress.hidden = false; bar.value = 0; }

    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("action") || window.location.href);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    var label = progress && progress.querySelector("label");
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable && bar) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    request.upload.addEventListener("load", function () {
      if (label) label.textContent = "Uploaded. Saving your entry…";
    });
    request.addEventListener("load", function () {
      if (bar) bar.value = 100;
      // Show the page the server answered with (after a save, the page it redirected to,
      // whose one-time message a second request would no longer carry) at its own URL.
      if (request.responseURL && request.responseURL !== window.location.href) {
        window.history.replaceState(null, "", request.responseURL);
      }
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", function () {
      if (progress) progress.hidden = true;
      if (failed) failed.hidden = false;
      buttons.forEach(function (b) { b.disabled = false; });
    });
    request.send(data);
  });
})();
