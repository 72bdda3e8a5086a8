// Slide viewer: page images of an entry's slides, one at a time with Previous / Next
// (buttons, or the arrow keys while the viewer has focus). Without this script the
// pages are simply stacked.
(function () {
  "use strict";

  function setUp(viewer) {
    var pages = viewer.querySelectorAll("[data-slide-page]");
    var controls = viewer.querySelector("[data-slides-controls]");
    if (pages.length < 2 || !controls) return;
    var prev = viewer.querySelector("[data-slides-prev]");
    var next = viewer.querySelector("[data-slides-next]");
    var counter = viewer.querySelector("[data-slides-counter]");
    var current = 0;

    function show(index) {
      current = Math.max(0, Math.min(pages.length - 1, index));
      for (var i = 0; i < pages.length; i++) pages[i].hidden = i !== current;
      counter.textContent = "Slide " + (current + 1) + " of " + pages.length;
      var focused = document.activeElement;
      prev.disabled = current === 0;
      next.disabled = current === pages.length - 1;
      // A button disabled under the keyboard would drop focus to the page: keep it here.
      if (focused === prev && prev.disabled) next.focus();
      if (focused === next && next.disabled) prev.focus();
    }

    prev.addEventListener("click", function () { show(current - 1); });
    next.addEventListener("click", function () { show(current + 1); });
    viewer.addEventListener("keydown", function (event) {
      if (event.key === "ArrowLeft") { show(current - 1); event.preventDefault(); }
      if (event.key === "ArrowRight") { show(current + 1); event.preventDefault(); }
    });
    controls.hidden = false;
    show(0);
  }

  var viewers = document.querySelectorAll("[data-slides]");
  for (var i = 0; i < viewers.length; i++) setUp(viewers[i]);
})();
