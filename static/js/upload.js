// The entry form: checks each file's size as it is picked, and shows a progress bar while
// the files upload. Without JavaScript the form posts as usual and the server still
// refuses files over 10 MB; this only spares people a long wait for a refusal.
//
// When the form has data-direct-upload (the site stores files on S3), each picked file
// goes straight to S3: ask our server for a presigned POST (views.entry_upload_presign),
// POST the file to S3 with the bar following it, put the returned key into the hidden
// input named by data-upload-key, clear the file input, and only then post the form,
// which now carries keys instead of files.
(function () {
  "use strict";

  var form = document.querySelector("[data-upload-form]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;

  var presignUrl = form.dataset.directUpload || "";
  if (presignUrl && !(window.fetch && window.Promise)) presignUrl = "";
  var progress = form.querySelector("[data-upload-progress]");
  var bar = progress && progress.querySelector("progress");
  var label = progress && progress.querySelector("label");
  var failed = form.querySelector("[data-upload-failed]");
  var failedText = failed ? failed.textContent : "";
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
    input.addEventListener("change", function () {
      checkSize(input);
      // A new pick replaces an earlier direct upload that was not saved yet.
      var keyInput = form.querySelector('[data-upload-key="' + input.name + '"]');
      if (keyInput) keyInput.value = "";
    });
  });

  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    button.addEventListener("click", function () { submitter = button; });
  });

  function buttons() {
    return form.querySelectorAll("button[type=submit]");
  }

  function showFailure(message) {
    if (progress) progress.hidden = true;
    if (failed) {
      failed.textContent = message || failedText;
      failed.hidden = false;
    }
    buttons().forEach(function (b) { b.disabled = false; });
  }

  // Direct upload to S3 ----------------------------------------------------------------

  function csrfToken() {
    var input = form.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function pickedFiles() {
    var picked = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      var keyInput = form.querySelector('[data-upload-key="' + input.name + '"]');
      if (keyInput && input.files && input.files.length) {
        picked.push({ input: input, file: input.files[0], keyInput: keyInput });
      }
    });
    return picked;
  }

  function presign(item) {
    var body = new FormData();
    body.append("field", item.input.name);
    body.append("name", item.file.name);
    body.append("size", String(item.file.size));
    return fetch(presignUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok || !answer.url) throw new Error(answer.error || "");
        return answer;
      });
    });
  }

  function postToS3(item, post, onProgress) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      Object.keys(post.fields).forEach(function (name) { data.append(name, post.fields[name]); });
      data.append("file", item.file);  // S3 wants the file last
      var request = new XMLHttpRequest();
      request.open("POST", post.url);
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      });
      request.addEventListener("load", function () {
        if (request.status >= 200 && request.status < 300) resolve();
        else reject(new Error(""));
      });
      request.addEventListener("error", function () { reject(new Error("")); });
      request.send(data);
    });
  }

  function uploadAll(picked) {
    var total = picked.reduce(function (sum, item) { return sum + item.file.size; }, 0) || 1;
    var done = 0;
    return picked.reduce(function (previous, item) {
      return previous.then(function () {
        return presign(item).then(function (post) {
          return postToS3(item, post, function (fraction) {
            if (bar) bar.value = Math.min(99, Math.round(((done + fraction * item.file.size) / total) * 100));
          }).then(function () {
            done += item.file.size;
            item.keyInput.value = post.key;
            item.input.value = "";  // the form now sends the key, not the file
          });
        });
      });
    }, Promise.resolve());
  }

  // Posting the form to our server ---------------------------------------------------

  function sendForm(trackProgress) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("action") || window.location.href);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    if (trackProgress) {
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && bar) bar.value = Math.round((e.loaded / e.total) * 100);
      });
    }
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
    request.addEventListener("error", function () { showFailure(""); });
    request.send(data);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // The button says what to do (action=submit or draft), and the server refuses a form
    // without one. Enter in a field clicks the first button already; a submit with no
    // button (a script's requestSubmit()) is sent as that first button too.
    submitter = event.submitter || submitter || form.querySelector("button[type=submit]");
    buttons().forEach(function (b) { b.disabled = true; });
    if (failed) failed.hidden = true;
    if (progress) { progress.hidden = false; bar.value = 0; }
    if (label) label.textContent = "Uploading…";

    var picked = presignUrl ? pickedFiles() : [];
    if (!picked.length) {
      sendForm(true);
      return;
    }
    uploadAll(picked).then(
      function () {
        if (bar) bar.value = 100;
        if (label) label.textContent = "Uploaded. Saving your entry…";
        sendForm(false);
      },
      function (error) { showFailure(error.message); }
    );
  });
})();
