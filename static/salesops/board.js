/* The pipeline board: drag a deal card to another stage (or onto Won / Lost) to move it.
 * The move is posted to the deal's move endpoint; on refusal the card goes back and the
 * reasons are shown. After a move the board is reloaded (htmx) so totals stay exact. */
(function () {
  "use strict";
  var script = document.getElementById("board-script");
  var text = {
    refused: (script && script.dataset.refused) || "The deal cannot move:",
    failed: (script && script.dataset.failed) || "The move failed.",
  };
  var dragged = null;
  var origin = null;
  var originNext = null;

  function board() { return document.getElementById("board"); }

  function targetOf(node) {
    var el = node && node.nodeType === 1 ? node : node && node.parentElement;
    var target = el ? el.closest("[data-stage-id]") : null;
    return target && board() && board().contains(target) ? target : null;
  }

  function clearMarks() {
    document.querySelectorAll(".drop-ok").forEach(function (el) { el.classList.remove("drop-ok"); });
  }

  function toast(messages) {
    var box = document.getElementById("board-toast");
    if (!box) { window.alert(messages.join("\n")); return; }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger alert-dismissible bg-white shadow";
    alert.setAttribute("role", "alert");
    alert.dataset.testid = "board-refusal";
    var title = document.createElement("div");
    title.className = "fw-bold mb-1";
    title.textContent = text.refused;
    alert.appendChild(title);
    var list = document.createElement("ul");
    list.className = "mb-0 ps-3";
    messages.forEach(function (m) {
      var li = document.createElement("li");
      li.textContent = m;
      list.appendChild(li);
    });
    alert.appendChild(list);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", function () { alert.remove(); });
    alert.appendChild(close);
    box.appendChild(alert);
    window.setTimeout(function () { alert.remove(); }, 12000);
  }

  function revert(card, from, next) {
    if (from) { from.insertBefore(card, next && next.parentNode === from ? next : null); }
    card.classList.remove("dragging");
    card.hidden = false;
  }

  function reload() {
    var b = board();
    if (b && window.htmx) {
      window.htmx.ajax("GET", b.dataset.reload, { target: "#board", select: "#board", swap: "outerHTML" });
    } else {
      window.location.reload();
    }
  }

  function post(card, target, extra, from, next) {
    var body = new URLSearchParams(Object.assign({ stage: target.dataset.stageId }, extra || {}));
    fetch(card.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": board().dataset.csrf,
      },
      body: body,
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) { reload(); return; }
      revert(card, from, next);
      toast(result.data.errors && result.data.errors.length ? result.data.errors : [text.failed]);
    }).catch(function () {
      revert(card, from, next);
      toast([text.failed]);
    });
  }

  function askLostReason(done, cancel) {
    var dialog = document.getElementById("lost-modal");
    var form = document.getElementById("lost-form");
    if (!dialog || !dialog.showModal) { done({ lost_reason: "other" }); return; }
    form.reset();
    var finished = false;
    function onSubmit(event) {
      event.preventDefault();
      var reason = form.elements.lost_reason.value;
      if (!reason) { form.elements.lost_reason.focus(); return; }
      finished = true;
      dialog.close();
      done({ lost_reason: reason, lost_note: form.elements.lost_note.value });
    }
    function onClose() {
      form.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("close", onClose);
      if (!finished) { cancel(); }
    }
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("close", onClose);
    document.getElementById("lost-cancel").onclick = function () { dialog.close(); };
    dialog.showModal();
  }

  function move(card, target) {
    var from = origin;
    var next = originNext;
    var kind = target.dataset.stageKind;
    if (kind === "open") {
      var cards = target.querySelector(".pipeline-cards");
      cards.insertBefore(card, cards.firstChild);
    } else {
      card.hidden = true;
    }
    if (kind === "lost") {
      askLostReason(function (extra) { post(card, target, extra, from, next); },
        function () { revert(card, from, next); });
    } else {
      post(card, target, {}, from, next);
    }
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".pipeline-card");
    if (!card || card.getAttribute("draggable") !== "true") { return; }
    dragged = card;
    origin = card.parentElement;
    originNext = card.nextElementSibling;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    clearMarks();
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    var target = targetOf(event.target);
    if (!target) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!target.classList.contains("drop-ok")) { clearMarks(); target.classList.add("drop-ok"); }
  });

  document.addEventListener("drop", function (event) {
    if (!dragged) { return; }
    var target = targetOf(event.target);
    clearMarks();
    if (!target) { return; }
    event.preventDefault();
    var card = dragged;
    dragged = null;
    card.classList.remove("dragging");
    var home = origin && origin.closest("[data-stage-id]");
    if (home && home.dataset.stageId === target.dataset.stageId) { return; }
    move(card, target);
  });
})();
