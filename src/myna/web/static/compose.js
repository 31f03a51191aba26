// Live length counter for the compose box. It mirrors lib/text.py's Weibo rule so people see
// the count as they type; the server decides, and its message is shown if it disagrees.
(function () {
  "use strict";

  var LINK_UNITS = 10;
  var LINK = /https?:\/\/[!-~]+/gi;
  var LINK_TRAILING = ".,;:!?'\")]}*";
  var COMBINING = /\p{M}/u;  // combining marks of every kind, as lib/text.py

  // Whether code point cp belongs to the same visible character as the one before it.
  function joinsPrevious(cp, previous) {
    if (previous === null) return false;
    if (previous === 0x200d || cp === 0x200d) return true;  // zero-width joiner
    if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return true;
    if (cp >= 0x1f3fb && cp <= 0x1f3ff) return true;  // skin tones
    if (cp >= 0xe0020 && cp <= 0xe007f) return true;  // tag characters
    return COMBINING.test(String.fromCodePoint(cp));
  }

  function halfUnits(text) {
    var halves = 0;
    var previous = null;
    var regionalOpen = false;
    var plainAscii = false;  // the visible character being read is, so far, one ASCII code point
    for (var ch of text) {
      var cp = ch.codePointAt(0);
      if (joinsPrevious(cp, previous)) {
        if (plainAscii && cp >= 0x80) {  // a keycap 1️⃣ or a decomposed é: no longer ASCII
          halves += 1;
          plainAscii = false;
        }
        previous = cp;
        continue;
      }
      if (cp >= 0x1f1e6 && cp <= 0x1f1ff) {  // two regional indicators make one flag
        if (regionalOpen) {
          regionalOpen = false;
          previous = cp;
          continue;
        }
        regionalOpen = true;
      } else {
        regionalOpen = false;
      }
      halves += cp < 0x80 ? 1 : 2;
      plainAscii = cp < 0x80;
      previous = cp;
    }
    return halves;
  }

  function weiboLength(text) {
    var halves = 0;
    var position = 0;
    var match;
    LINK.lastIndex = 0;
    while ((match = LINK.exec(text)) !== null) {
      var start = match.index;
      var end = start + match[0].length;
      while (end > start && LINK_TRAILING.indexOf(text[end - 1]) !== -1) end--;
      if (end - start > "https://".length) {
        halves += halfUnits(text.slice(position, start)) + 2 * LINK_UNITS;
        position = end;
      }
    }
    halves += halfUnits(text.slice(position));
    return Math.ceil(halves / 2);
  }

  // The picture chooser: one description field per chosen picture, named after its file.
  function pictures(input) {
    var box = document.getElementById("compose-pictures");
    var tooMany = document.getElementById("media-too-many");
    if (!box) return;
    var fields = Array.prototype.slice.call(box.querySelectorAll("li.description"));
    function update() {
      var files = input.files ? Array.prototype.slice.call(input.files) : [];
      var max = parseInt(input.dataset.max, 10) || fields.length;
      fields.forEach(function (field, index) {
        var file = files[index];
        field.hidden = !file;
        var name = field.querySelector(".file-name");
        if (!name) {
          name = document.createElement("span");
          name.className = "file-name";
          field.querySelector("label").appendChild(name);
        }
        name.textContent = file ? " (" + file.name + ")" : "";
      });
      if (tooMany) tooMany.hidden = files.length <= max;
      input.setCustomValidity(files.length > max && tooMany ? tooMany.textContent : "");
    }
    input.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("status");
    var counter = document.getElementById("counter");
    if (!box || !counter) return;
    var spoiler = document.getElementById("spoiler_text");
    var limit = parseInt(counter.dataset.limit, 10);
    function update() {
      // The server counts the content warning with the text.
      var used = weiboLength(box.value) + (spoiler ? weiboLength(spoiler.value) : 0);
      var left = limit - used;
      counter.textContent = String(left);
      counter.classList.toggle("over", left < 0);
    }
    box.addEventListener("input", update);
    if (spoiler) spoiler.addEventListener("input", update);
    update();

    var media = document.getElementById("media");
    if (media) pictures(media);

    // One post per click: a second submit while the first is on its way is dropped.
    box.form.addEventListener("submit", function (event) {
      if (box.form.dataset.sending) {
        event.preventDefault();
        return;
      }
      box.form.dataset.sending = "1";
    });
  });

  // The length rule, for tests that hold it against the server's lib/text.py.
  window.MynaText = { weiboLength: weiboLength };
})();
