// The site menu on a small screen: the "Menu" button opens and closes it
// (a tap, a click, Enter or Space), and Escape closes it and gives the focus
// back to the button. Loaded in the head, before the page is drawn: the
// "js" class lets the stylesheet fold the menu away at once, so the page
// does not jump; without this script the menu is simply always shown.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var button = document.getElementById("menu-toggle");
  var header = button && button.closest(".site-header");
  if (!header) { return; }
  function open(yes) {
    button.setAttribute("aria-expanded", yes ? "true" : "false");
    header.classList.toggle("menu-open", yes);
  }
  button.addEventListener("click", function () {
    open(button.getAttribute("aria-expanded") !== "true");
  });
  header.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && header.classList.contains("menu-open")) {
      open(false);
      button.focus();
    }
  });
});
