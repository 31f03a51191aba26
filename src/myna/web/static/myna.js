// The live layer of the web interface. Pages work without it; with it, one WebSocket to the
// streaming API (authenticated by the session cookie, from our own origin only) brings new
// posts, notifications, messages, typing and presence as they happen.
//
// A page names the streams it wants in <body data-streams="user direct group:ID hashtag:NAME">.
// Other scripts listen with Myna.on(event, fn(payload, stream)) and send with Myna.send(obj).
// Anything shown is rendered by the server (Myna.fragment fetches it as HTML), so markup,
// escaping and visibility are decided in one place.
(function () {
  "use strict";

  var listeners = {};
  var socket = null;
  var wanted = [];
  var retry = 1000;
  var openedOnce = false;

  function on(event, fn) {
    (listeners[event] = listeners[event] || []).push(fn);
  }

  function emit(event, payload, stream) {
    (listeners[event] || []).forEach(function (fn) {
      try {
        fn(payload, stream);
      } catch (error) {
        console.error(error);
      }
    });
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  function subscription(name) {
    var parts = name.split(":");
    if (parts[0] === "group") return { type: "subscribe", stream: "group", group: parts[1] };
    if (parts[0] === "hashtag") {
      return { type: "subscribe", stream: "hashtag", tag: parts.slice(1).join(":") };
    }
    return { type: "subscribe", stream: name };
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/api/v1/streaming");
    socket.addEventListener("open", function () {
      retry = 1000;
      wanted.forEach(function (name) {
        send(subscription(name));
      });
      // The server answers a ping after the subscriptions before it are in place: only then
      // is the page live, and only then may scripts catch up on what they missed.
      send({ type: "ping" });
    });
    socket.addEventListener("message", function (message) {
      var data;
      try {
        data = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (data.event === "pong") {
        document.documentElement.dataset.live = "1";
        emit(openedOnce ? "reconnected" : "connected", null, null);
        openedOnce = true;
        return;
      }
      if (!data.event) return;
      var payload = data.payload;
      if (typeof payload === "string" && data.event !== "delete") {
        try {
          payload = JSON.parse(payload);
        } catch (error) {
          /* keep the string */
        }
      }
      emit(data.event, payload, data.stream || []);
    });
    socket.addEventListener("close", function () {
      delete document.documentElement.dataset.live;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  // GETs a server-rendered piece of a page; resolves to its HTML.
  function fragment(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(
      function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      }
    );
  }

  // Inserts HTML before the first child of `parent` (or appends when `atEnd`).
  function insert(parent, html, atEnd) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var nodes = Array.prototype.slice.call(holder.children);
    nodes.forEach(function (node) {
      if (node.id && document.getElementById(node.id)) return; // already shown
      if (atEnd) parent.appendChild(node);
      else parent.insertBefore(node, parent.firstChild);
    });
    return nodes;
  }

  function announce(text) {
    var region = document.getElementById("live-status");
    if (region) region.textContent = text;
  }

  // The unread-notifications badge in the navigation.
  function bumpBadge() {
    var badge = document.getElementById("unread-badge");
    if (!badge) return;
    badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1);
    badge.hidden = false;
  }

  // The home timeline: new posts wait behind a "N new posts" bar until the reader asks.
  function homeTimeline() {
    var timeline = document.getElementById("timeline");
    var bar = document.getElementById("new-posts");
    if (!timeline || !bar) return;
    var stream = timeline.dataset.stream || "user";
    var pending = [];
    on("update", function (status, streams) {
      if (streams[0] !== stream.split(":")[0]) return;
      if (!status || !status.id || pending.indexOf(status.id) !== -1) return;
      if (document.getElementById("status-" + status.id)) return;
      pending.push(status.id);
      bar.querySelector(".n").textContent = String(pending.length);
      bar.hidden = false;
      announce(bar.textContent.trim());
    });
    on("delete", function (id) {
      var shown = document.getElementById("status-" + id);
      if (shown) shown.remove();
      pending = pending.filter(function (other) {
        return other !== id;
      });
    });
    bar.addEventListener("click", function () {
      var ids = pending.slice().reverse();
      pending = [];
      bar.hidden = true;
      if (!ids.length) return;
      fragment("/web/fragments/statuses?ids=" + ids.join(",")).then(function (html) {
        var inserted = insert(timeline, html, false);
        if (inserted.length) inserted[0].focus && inserted[0].setAttribute("tabindex", "-1");
        var empty = document.getElementById("timeline-empty");
        if (empty) empty.remove();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.signedIn !== "1" || !("WebSocket" in window)) return;
    wanted = (document.body.dataset.streams || "").split(/\s+/).filter(Boolean);
    if (wanted.indexOf("user") === -1 && wanted.indexOf("user:notification") === -1) {
      wanted.push("user:notification");
    }
    on("notification", function (notification, streams) {
      if (wanted.indexOf("user") !== -1 && streams[0] === "user:notification") return;
      bumpBadge();
      emit("notification-shown", notification, streams);
    });
    homeTimeline();
    connect();
  });

  window.Myna = { on: on, send: send, fragment: fragment, insert: insert, announce: announce };
})();
