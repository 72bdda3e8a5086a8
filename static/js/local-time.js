// Beside a time printed in the jam's zone (jams/templatetags/times.py, `local_time`), the
// same moment in the visitor's own zone, in the site's one format:
//   "your time: Sat 14 Mar 2026, 19:00 Europe/Paris (UTC+1)".
// Done here, never on the server: the pages are cached and shared between visitors.
// Nothing is added when the visitor's clock reads the same as the jam's then.
(function () {
  "use strict";

  var WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // "UTC+1", "UTC-7", "UTC+5:30": the visitor's offset on that date.
  function offsetLabel(when) {
    var minutes = -when.getTimezoneOffset();
    var sign = minutes >= 0 ? "+" : "-";
    var hours = Math.floor(Math.abs(minutes) / 60);
    var rest = Math.abs(minutes) % 60;
    return "UTC" + sign + hours + (rest ? ":" + pad(rest) : "");
  }

  function visitorZone() {
    try {
      return new Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  // The site's format, built from the parts so no locale turns it into "7:00 PM".
  function format(when, zone) {
    var date = WEEKDAYS[when.getDay()] + " " + when.getDate() + " " + MONTHS[when.getMonth()] + " " + when.getFullYear();
    var time = pad(when.getHours()) + ":" + pad(when.getMinutes());
    var offset = offsetLabel(when);
    var label = zone === "UTC" ? "UTC" : zone ? zone + " (" + offset + ")" : offset;
    return date + ", " + time + " " + label;
  }

  function show() {
    var zone = visitorZone();
    document.querySelectorAll("time[data-local-time]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      var target = el.nextElementSibling;
      if (!target || !target.hasAttribute("data-local-time-text") || isNaN(when)) return;
      if (-when.getTimezoneOffset() === Number(el.dataset.offset)) return;  // same wall time
      target.textContent = " · your time: " + format(when, zone);
      target.hidden = false;
    });
  }

  show();
})();
