// Ticks the jam countdown rendered by the server (templates/jams/_countdown.html).
// The visitor's clock may be wrong: the page carries the server's time, and every tick
// uses the difference between the two measured when the page arrived.
(function () {
  "use strict";

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function parts(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    return {
      days: Math.floor(total / 86400),
      hours: Math.floor((total % 86400) / 3600),
      minutes: Math.floor((total % 3600) / 60),
      seconds: total % 60,
    };
  }

  function start(el) {
    var starts = Date.parse(el.dataset.starts);
    var deadline = Date.parse(el.dataset.deadline);
    var skew = Date.parse(el.dataset.serverNow) - Date.now();
    var label = el.querySelector("[data-countdown-label]");
    var units = el.querySelector("[data-countdown-units]");
    var ended = el.querySelector("[data-countdown-ended]");
    var timer = null;

    function tick() {
      var now = Date.now() + skew;
      if (now >= deadline) {
        label.hidden = true;
        units.hidden = true;
        ended.hidden = false;
        el.dataset.phase = "ended";
        if (timer) window.clearInterval(timer);
        return;
      }
      var upcoming = now < starts;
      label.textContent = upcoming ? el.dataset.labelUpcoming : el.dataset.labelRunning;
      el.dataset.phase = upcoming ? "upcoming" : "running";
      var left = parts((upcoming ? starts : deadline) - now);
      Object.keys(left).forEach(function (unit) {
        var node = el.querySelector('[data-unit="' + unit + '"]');
        if (node) node.textContent = pad(left[unit]);
      });
    }

    tick();
    timer = window.setInterval(tick, 1000);
  }

  function showLocalTimes() {
    var format = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
    });
    document.querySelectorAll("[data-local-time]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      var target = el.parentElement.querySelector("[data-local-time-text]");
      if (target && !isNaN(when)) {
        target.textContent = "Your time: " + format.format(when);
        target.hidden = false;
      }
    });
  }

  document.querySelectorAll("[data-countdown]").forEach(start);
  showLocalTimes();
})();
