// The notifications page: a notification that arrives while it is open is fetched as
// server-rendered HTML and put at the top of the list (only on the newest page of "All").
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("notifications");
    if (!list || list.dataset.live !== "1" || !window.Myna) return;
    window.Myna.on("notification", function (notification) {
      if (!notification || !notification.id) return;
      if (document.getElementById("notification-" + notification.id)) return;
      window.Myna.fragment("/web/fragments/notifications/" + encodeURIComponent(notification.id))
        .then(function (html) {
          var inserted = window.Myna.insert(list, html, false);
          if (!inserted.length) return;
          var empty = document.getElementById("notifications-empty");
          if (empty) empty.remove();
          var what = inserted[0].querySelector(".what");
          if (what) window.Myna.announce(what.textContent.replace(/\s+/g, " ").trim());
        })
        .catch(function () {
          /* not visible to us after all: nothing to show */
        });
    });
  });
})();
