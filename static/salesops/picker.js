/* The record pickers: customers and leads (crm/forms/widgets.py RecordPicker and its
 * subclasses, templates/crm/widgets/picker.html).
 *
 * htmx fetches the matches into the menu as the user types; this file opens the menu, moves
 * through it with the arrow keys, and chooses with Enter, Tab or a click: the hidden input gets
 * the id and fires "change" (so htmx attributes on it, like the activity form's re-render of its
 * contacts and deals, follow the choice). Leaving the box restores the chosen name; emptying it
 * clears the choice. A button with data-picker-choose (an id), data-label and data-picker-for
 * (the hidden input's id) chooses directly. Listeners are on the document, so pickers swapped
 * in by htmx work too.
 */
(function () {
  "use strict";
  if (window.salesopsPicker) { return; }
  window.salesopsPicker = true;

  function parts(el) {
    var root = el instanceof Element ? el.closest("[data-picker]") : null;
    if (!root) { return null; }
    return {
      root: root,
      value: root.querySelector("[data-picker-value]"),
      box: root.querySelector("[role=combobox]"),
      menu: root.querySelector("[data-picker-menu]"),
    };
  }

  function isBox(el) { return el instanceof Element && el.matches("[data-picker] [role=combobox]"); }

  function options(p) { return Array.prototype.slice.call(p.menu.querySelectorAll("[role=option]")); }

  function activate(p, option) {
    options(p).forEach(function (o) {
      var on = o === option;
      o.classList.toggle("active", on);
      o.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (option) {
      p.box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      p.box.removeAttribute("aria-activedescendant");
    }
  }

  function show(p, open) {
    p.menu.classList.toggle("show", open);
    p.box.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) { activate(p, null); }
  }

  function setValue(p, id, label) {
    var changed = p.value.value !== id;
    p.value.value = id;
    p.box.value = label;
    p.box.dataset.pickerLabel = label;
    show(p, false);
    if (changed) { p.value.dispatchEvent(new Event("change", { bubbles: true })); }
  }

  function choose(p, option) { setValue(p, option.dataset.value, option.dataset.label); }

  function move(p, step) {
    var all = options(p);
    if (!all.length) { return; }
    if (!p.menu.classList.contains("show")) { show(p, true); }
    var at = all.indexOf(p.menu.querySelector("[role=option].active"));
    activate(p, all[(at + step + all.length) % all.length]);
  }

  function onKey(e) {
    var p = isBox(e.target) ? parts(e.target) : null;
    if (!p) { return; }
    var open = p.menu.classList.contains("show");
    var active = open ? p.menu.querySelector("[role=option].active") : null;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      move(p, e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "Enter") {
      /* Never submit the form from the box: choose, or wait for the matches. */
      if (active || p.box.value !== p.box.dataset.pickerLabel) { e.preventDefault(); }
      if (active) { choose(p, active); }
    } else if (e.key === "Tab" && active) {
      choose(p, active);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      show(p, false);
    }
  }

  function onInput(e) {
    var p = isBox(e.target) ? parts(e.target) : null;
    if (p && !p.box.value.trim()) { show(p, false); }
  }

  function onSwap(e) {
    var menu = e.detail.target;
    if (!menu || !menu.matches("[data-picker-menu]")) { return; }
    var p = parts(menu);
    /* Only while typing: matches arriving after a choice (still in flight) leave it closed. */
    var typed = p.box.value.trim() !== "" && p.box.value !== p.box.dataset.pickerLabel;
    var open = document.activeElement === p.box && typed;
    show(p, open && menu.children.length > 0);
    if (open) { activate(p, options(p)[0] || null); }
  }

  function onLeave(e) {
    var p = parts(e.target);
    if (!p || (e.relatedTarget && p.root.contains(e.relatedTarget))) { return; }
    show(p, false);
    if (!p.box.value.trim()) {
      setValue(p, "", "");
    } else {
      p.box.value = p.box.dataset.pickerLabel || "";
    }
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("input", onInput);
  document.addEventListener("focusout", onLeave);
  document.addEventListener("htmx:afterSwap", onSwap);
  /* Keep the focus in the box while the mouse chooses (no blur before the click). */
  document.addEventListener("mousedown", function (e) {
    if (e.target instanceof Element && e.target.closest("[data-picker-menu]")) { e.preventDefault(); }
  });
  /* Options in the menu, and buttons elsewhere naming a picker (data-picker-for: its id). */
  document.addEventListener("click", function (e) {
    var option = e.target.closest("[data-picker-menu] [role=option]");
    if (option) { choose(parts(option), option); }
    var button = e.target.closest("[data-picker-choose]");
    var target = button && document.getElementById(button.dataset.pickerFor);
    if (target) { setValue(parts(target), button.dataset.pickerChoose, button.dataset.label); }
  });
})();
