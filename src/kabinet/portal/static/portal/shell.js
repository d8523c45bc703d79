// The phone shell, progressively enhanced: "More" opens as a sheet over the page (it is a plain link to
// /more/ without JavaScript), and the account menu closes on Escape or a tap elsewhere.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-sheet]");
    if (link) {
      var sheet = document.getElementById(link.dataset.sheet);
      if (sheet && typeof sheet.showModal === "function") {
        event.preventDefault();
        sheet.showModal();
        var first = sheet.querySelector(".more-list a");
        if (first) first.focus();
      }
      return;
    }
    if (event.target.tagName === "DIALOG" && event.target.open) {
      event.target.close(); // a tap on the backdrop
    }
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
})();
