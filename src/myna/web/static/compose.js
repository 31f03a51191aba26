// Live length counter for the compose box. It mirrors lib/text.py's Weibo rule so people see
// the count as they type; the server decides, and its message is shown if it disagrees.
(function () {
  "use strict";

  var LINK_UNITS = 10;
  var LINK = /https?:\/\/[!-~]+/gi;
  var LINK_TRAILING = ".,;:!?'\")]}*";
  var COMBINING = /\p{Mn}/u;

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
    for (var ch of text) {
      var cp = ch.codePointAt(0);
      if (joinsPrevious(cp, previous)) {
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

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("status");
    var counter = document.getElementById("counter");
    if (!box || !counter) return;
    var limit = parseInt(counter.dataset.limit, 10);
    function update() {
      var left = limit - weiboLength(box.value);
      counter.textContent = String(left);
      counter.classList.toggle("over", left < 0);
    }
    box.addEventListener("input", update);
    update();

    // One post per click: a second submit while the first is on its way is dropped.
    box.form.addEventListener("submit", function (event) {
      if (box.form.dataset.sending) {
        event.preventDefault();
        return;
      }
      box.form.dataset.sending = "1";
    });
  });
})();
