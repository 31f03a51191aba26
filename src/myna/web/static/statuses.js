// The picture viewer for status cards. Without it a picture's link opens the full picture;
// with it the picture opens in a modal dialog: Esc closes it, the arrow keys (and the buttons)
// move through the post's pictures, and focus goes back to the picture that was opened.
// Everything it shows comes from the server-rendered card (links, alt text): no JSON.
//
// It also likes, reposts and deletes in place on timelines: the card's form is sent without
// leaving the page and the card is replaced by the server's new rendering of it. When anything
// goes wrong the form is submitted the ordinary way, so the server's page tells what happened.
(function () {
  "use strict";

  var dialog = null;
  var image = null;
  var caption = null;
  var position = null;
  var pictures = [];
  var index = 0;
  var opener = null;

  function label(name, fallback) {
    var labels = document.getElementById("picture-viewer-labels");
    return (labels && labels.dataset[name]) || fallback;
  }

  function button(text, className, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "picture-viewer";
    dialog.setAttribute("aria-label", label("title", "Picture"));
    image = document.createElement("img");
    caption = document.createElement("p");
    caption.className = "caption";
    position = document.createElement("p");
    position.className = "position";
    position.setAttribute("aria-live", "polite");
    var controls = document.createElement("div");
    controls.className = "controls";
    controls.appendChild(button("‹", "previous", function () { move(-1); }));
    controls.appendChild(button("›", "next", function () { move(1); }));
    controls.appendChild(button("×", "close", function () { dialog.close(); }));
    controls.querySelector(".previous").setAttribute("aria-label", label("previous", "Previous picture"));
    controls.querySelector(".next").setAttribute("aria-label", label("next", "Next picture"));
    controls.querySelector(".close").setAttribute("aria-label", label("close", "Close"));
    dialog.appendChild(image);
    dialog.appendChild(caption);
    dialog.appendChild(position);
    dialog.appendChild(controls);
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowLeft") {
        move(-1);
        event.preventDefault();
      } else if (event.key === "ArrowRight") {
        move(1);
        event.preventDefault();
      }
    });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();  // a click on the backdrop
    });
    dialog.addEventListener("close", function () {
      image.removeAttribute("src");
      if (opener) opener.focus();
    });
    document.body.appendChild(dialog);
  }

  function show() {
    var link = pictures[index];
    var thumbnail = link.querySelector("img");
    image.src = link.dataset.full || link.href;
    image.alt = thumbnail ? thumbnail.alt : "";
    caption.textContent = link.title || "";
    caption.hidden = !link.title;
    position.textContent = pictures.length > 1 ? index + 1 + " / " + pictures.length : "";
    dialog.querySelector(".previous").hidden = pictures.length < 2;
    dialog.querySelector(".next").hidden = pictures.length < 2;
  }

  function move(step) {
    if (pictures.length < 2) return;
    index = (index + step + pictures.length) % pictures.length;
    show();
  }

  function open(link) {
    if (!dialog) build();
    var group = link.dataset.group;
    var card = link.closest("ul.pictures") || document;
    pictures = Array.prototype.slice.call(card.querySelectorAll("a.picture")).filter(function (a) {
      return a.dataset.group === group;
    });
    index = Math.max(0, pictures.indexOf(link));
    opener = link;
    show();
    dialog.showModal();
    dialog.querySelector(".close").focus();
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest && event.target.closest("a.picture");
    if (!link || typeof HTMLDialogElement === "undefined") return;
    event.preventDefault();
    open(link);
  });
  var IN_PLACE = /\/web\/statuses\/\d+\/(favourite|unfavourite|reblog|unreblog|pin|unpin|delete)$/;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var card = form.closest && form.closest("#timeline article.status");
    if (!card || !IN_PLACE.test(form.getAttribute("action") || "") || form.dataset.sending) return;
    event.preventDefault();
    form.dataset.sending = "1";
    var deleting = /\/delete$/.test(form.getAttribute("action"));
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Myna-Fragment": "1" },
    })
      .then(function (response) {
        if (response.status !== 204) throw new Error("HTTP " + response.status);
        if (deleting) {
          card.remove();
          return null;
        }
        return window.Myna.fragment("/web/fragments/statuses?ids=" + card.id.replace("status-", ""));
      })
      .then(function (html) {
        if (html === null) return;
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("article.status");
        if (!fresh) return card.remove(); // no longer visible to this reader
        card.replaceWith(fresh);
        // Keep the keyboard where it was: on the same button of the new card.
        var kind = form.getAttribute("action").split("/").pop().replace(/^un/, "");
        var same = fresh.querySelector('form[action$="' + kind + '"] button');
        if (same) same.focus();
      })
      .catch(function () {
        delete form.dataset.sending;
        form.submit();
      });
  });
})();
