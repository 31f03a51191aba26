// Live chats: direct conversations and group chats share this one implementation, driven by
// the data attributes of <section class="chat" data-kind="direct|group" data-id="ID" ...>.
// Without JavaScript the page still works: the send box is a plain form and each message a
// page load. With it: the log scrolls to the newest message, Enter sends (Shift+Enter makes
// a new line) without leaving the page, new messages arrive as server-rendered bubbles, and
// typing notices and presence come and go. Nothing is built from JSON: every piece shown is
// HTML the server rendered for this viewer (Myna.fragment).
(function () {
  "use strict";

  var TYPING_EVERY = 3000; // ms between two typing notices we send
  var TYPING_SHOWN = 5000; // ms a notice we received stays up

  function randomKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  // The text of the error a server-rendered page carries (a 4xx answer to a form).
  function errorOf(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var found = doc.querySelector("#chat-error:not([hidden]), [role=alert]");
    return found ? found.textContent.trim() : "";
  }

  function chat(panel) {
    var kind = panel.dataset.kind;
    var id = panel.dataset.id;
    var me = panel.dataset.me;
    var log = panel.querySelector(".chat-log");
    var typingArea = panel.querySelector(".chat-typing");
    var people = panel.querySelector(".chat-people");
    var form = panel.querySelector("form.chat-send");
    var textarea = form && form.querySelector("textarea");
    var errorBox = form && form.querySelector("#chat-error");
    var typingTimers = {};
    var lastTypingSent = 0;
    var sending = false;

    function nearBottom() {
      return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    }

    function toBottom() {
      log.scrollTop = log.scrollHeight;
    }

    function ours(stream, payload) {
      if (kind === "group") return stream[0] === "group" && String(stream[1]) === id;
      if (stream[0] !== "direct") return false;
      return !payload || !payload.conversation_id || String(payload.conversation_id) === id;
    }

    function showError(text) {
      if (!errorBox) return;
      errorBox.textContent = text;
      errorBox.hidden = !text;
    }

    function append(html, force) {
      var stick = force || nearBottom();
      var empty = document.getElementById("chat-empty");
      var added = Myna.insert(log, html, true);
      if (added.length && empty) empty.remove();
      added.forEach(function (node) {
        hideTyping(node.dataset.author);
        // Whoever has just written is online, whatever the last presence event said.
        if (kind === "direct") setPresence(node.dataset.author, true);
      });
      if (stick) toBottom();
      return added;
    }

    function fetchMessage(statusId) {
      if (!statusId || document.getElementById("message-" + statusId)) return;
      Myna.fragment(panel.dataset.fragmentUrl + encodeURIComponent(statusId)).then(
        function (html) {
          append(html, false);
        },
        function () {
          /* not visible to us (any more): nothing to show */
        }
      );
    }

    function markRead() {
      var url = panel.dataset.readUrl;
      var csrf = form && form.querySelector("input[name=csrf]");
      if (!url || !csrf || document.hidden) return;
      var body = new FormData();
      body.append("csrf", csrf.value);
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Myna-Fragment": "1" },
      }).catch(function () {});
    }

    function hideTyping(accountId) {
      if (!accountId || !typingArea) return;
      var note = typingArea.querySelector('[data-typing="' + accountId + '"]');
      if (note) note.hidden = true;
      clearTimeout(typingTimers[accountId]);
    }

    function showTyping(accountId) {
      if (!typingArea || !accountId || accountId === me) return;
      var note = typingArea.querySelector('[data-typing="' + accountId + '"]');
      var shown = note
        ? Promise.resolve(note)
        : Myna.fragment(panel.dataset.typingUrl + encodeURIComponent(accountId)).then(
            function (html) {
              var existing = typingArea.querySelector('[data-typing="' + accountId + '"]');
              return existing || Myna.insert(typingArea, html, true)[0];
            }
          );
      shown.then(
        function (found) {
          if (!found) return;
          found.hidden = false;
          clearTimeout(typingTimers[accountId]);
          typingTimers[accountId] = setTimeout(function () {
            found.hidden = true;
          }, TYPING_SHOWN);
        },
        function () {}
      );
    }

    function setPresence(accountId, online) {
      if (!people || !accountId || accountId === me) return;
      var person = people.querySelector('[data-person="' + accountId + '"]');
      if (kind === "group") {
        // A group lists who is online: people come and go from the list.
        if (!online) {
          if (person) person.remove();
        } else if (!person) {
          Myna.fragment(panel.dataset.personUrl + encodeURIComponent(accountId)).then(
            function (html) {
              Myna.insert(people, html, true);
            },
            function () {}
          );
        }
        return;
      }
      if (person) person.classList.toggle("online", online);
    }

    function send() {
      if (sending || !textarea.value.trim()) return;
      sending = true;
      if (!id) {
        // The first message of a new conversation: the answer is its page, so go there.
        form.submit();
        return;
      }
      showError("");
      var body = new FormData(form);
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Myna-Fragment": "1", Accept: "text/html" },
      })
        .then(function (response) {
          return response.text().then(function (html) {
            if (!response.ok) {
              showError(errorOf(html) || response.statusText);
              return;
            }
            textarea.value = "";
            var key = form.querySelector("input[name=idempotency_key]");
            if (key) key.value = randomKey();
            append(html, true);
          });
        })
        .catch(function () {
          // Offline or the server is away: fall back to the plain form.
          form.submit();
        })
        .then(function () {
          sending = false;
          textarea.focus();
        });
    }

    toBottom();

    if (form && textarea) {
      var hint = form.querySelector("#chat-hint");
      if (hint) hint.hidden = false;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send();
      });
      textarea.addEventListener("keydown", function (event) {
        // While an input method composes (拼音), Enter picks the characters: never send.
        if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229)
          return;
        event.preventDefault();
        send();
      });
      textarea.addEventListener("input", function () {
        var now = Date.now();
        if (!id || now - lastTypingSent < TYPING_EVERY || !textarea.value.trim()) return;
        lastTypingSent = now;
        var notice = { type: "typing" };
        notice[kind === "group" ? "group" : "conversation"] = id;
        Myna.send(notice);
      });
    }

    if (!id) return; // a new conversation: nothing to listen to until it exists

    // Once listening (and again after the connection dropped): fetch what was said since the
    // page was drawn, so nothing said in between is missed.
    function catchUp() {
      var bubbles = log.querySelectorAll(".bubble[id^='message-']");
      var last = bubbles.length ? bubbles[bubbles.length - 1].id.slice("message-".length) : "";
      if (!panel.dataset.sinceUrl || !last) return;
      Myna.fragment(panel.dataset.sinceUrl + encodeURIComponent(last)).then(
        function (html) {
          append(html, false);
        },
        function () {}
      );
    }
    Myna.on("connected", catchUp);
    Myna.on("reconnected", catchUp);

    Myna.on("conversation", function (conversation, stream) {
      if (kind !== "direct" || stream[0] !== "direct" || !conversation) return;
      if (String(conversation.id) !== id || !conversation.last_status) return;
      fetchMessage(conversation.last_status.id);
      if (conversation.unread) markRead();
    });
    Myna.on("update", function (status, stream) {
      if (kind === "group" && ours(stream) && status) fetchMessage(status.id);
    });
    Myna.on("status.update", function (status, stream) {
      if (kind !== "group" || !ours(stream) || !status) return;
      var shown = document.getElementById("message-" + status.id);
      if (!shown) return;
      Myna.fragment(panel.dataset.fragmentUrl + encodeURIComponent(status.id)).then(
        function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          if (holder.firstElementChild) shown.replaceWith(holder.firstElementChild);
        },
        function () {}
      );
    });
    Myna.on("delete", function (statusId, stream) {
      if (kind !== "group" || !ours(stream)) return;
      var shown = document.getElementById("message-" + statusId);
      if (shown) shown.remove();
    });
    Myna.on("typing", function (notice, stream) {
      if (!notice || !ours(stream, notice)) return;
      if (kind === "group" && notice.group_id && String(notice.group_id) !== id) return;
      showTyping(String(notice.account_id));
    });
    Myna.on("presence", function (notice, stream) {
      if (!notice || !ours(stream)) return;
      setPresence(String(notice.account_id), !!notice.online);
    });
  }

  // The list of conversations: a new message moves its conversation to the top.
  function inbox(list) {
    Myna.on("conversation", function (conversation, stream) {
      if (stream[0] !== "direct" || !conversation || !conversation.id) return;
      Myna.fragment(list.dataset.rowUrl + encodeURIComponent(conversation.id)).then(
        function (html) {
          var old = document.getElementById("conversation-" + conversation.id);
          if (old) old.remove();
          var empty = document.getElementById("conversations-empty");
          if (empty) empty.remove();
          Myna.insert(list, html, false);
        },
        function () {}
      );
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Myna) return;
    var panel = document.querySelector(".chat[data-kind]");
    if (panel) chat(panel);
    var list = document.getElementById("conversations");
    if (list && list.dataset.rowUrl) inbox(list);
  });
})();
