// Ticks the jam countdown rendered by the server (templates/jams/_countdown.html).
// The visitor's clock may be wrong: the server's clock is asked once (the page itself
// may come from a cache, so it can't carry the time), and every tick uses the
// difference between the two, taken at the middle of that round trip.
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
    // The end of the grace period, if any: late submissions are taken until then.
    var close = Date.parse(el.dataset.close || el.dataset.deadline);
    var skew = 0;
    var label = el.querySelector("[data-countdown-label]");
    var units = el.querySelector("[data-countdown-units]");
    var ended = el.querySelector("[data-countdown-ended]");
    // The moment each phase's clock counts to: only the current phase's is shown.
    var untils = el.querySelectorAll("[data-countdown-until]");
    var timer = null;
    var synced = !(el.dataset.timeUrl && window.fetch);

    function tick() {
      var now = Date.now() + skew;
      var over = now >= close;
      label.hidden = over;
      units.hidden = over;
      ended.hidden = !over;
      var phase = over ? "ended" : now < starts ? "upcoming" : now < deadline ? "running" : "grace";
      untils.forEach(function (until) { until.hidden = until.dataset.countdownUntil !== phase; });
      if (over) {
        el.dataset.phase = phase;
        // Until the server's clock is known, a fast local clock may only seem past it.
        if (synced && timer) { window.clearInterval(timer); timer = null; }
        return;
      }
      var target = { upcoming: starts, running: deadline, grace: close }[phase];
      label.textContent = el.dataset["label" + phase.charAt(0).toUpperCase() + phase.slice(1)];
      el.dataset.phase = phase;
      var left = parts(target - now);
      Object.keys(left).forEach(function (unit) {
        var node = el.querySelector('[data-unit="' + unit + '"]');
        if (node) node.textContent = pad(left[unit]);
      });
    }

    function sync(serverNow, sent) {
      if (typeof serverNow === "number") skew = serverNow - (sent + Date.now()) / 2;
      synced = true;
      tick();
    }

    tick();
    timer = window.setInterval(tick, 1000);
    if (!synced) {
      var sent = Date.now();
      window.fetch(el.dataset.timeUrl, { cache: "no-store", credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (body) { sync(body.now, sent); })
        .catch(function () { sync(null, sent); });  // keep the visitor's own clock
    }
  }

  document.querySelectorAll("[data-countdown]").forEach(start);
})();
