// Password fields warn, as the person types, when the text looks typed in the wrong keyboard layout
// (Russian letters where a Latin password is expected) or with Caps Lock on. The server adds the reverse
// case after a failed sign-in (a Cyrillic password typed with the English layout on). Texts come
// translated from <template id="password-hints"> in base.html.
(function () {
  "use strict";
  var CYRILLIC = /[\u0400-\u04FF]/;

  function hintFor(input) {
    var id = input.id ? input.id + "-layout-hint" : "";
    var hint = id ? document.getElementById(id) : null;
    if (!hint) {
      hint = document.createElement("p");
      hint.className = "field-hint layout-hint";
      hint.setAttribute("aria-live", "polite");
      if (id) hint.id = id;
      input.insertAdjacentElement("afterend", hint);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (id && described.indexOf(id) < 0) {
        described.push(id);
        input.setAttribute("aria-describedby", described.join(" "));
      }
    }
    return hint;
  }

  function check(input, event) {
    var texts = document.getElementById("password-hints");
    if (!texts) return;
    var messages = [];
    if (CYRILLIC.test(input.value)) messages.push(texts.dataset.cyrillic);
    if (event && event.getModifierState && event.getModifierState("CapsLock")) messages.push(texts.dataset.capslock);
    var hint = hintFor(input);
    hint.textContent = messages.join(" ");
    hint.hidden = messages.length === 0;
  }

  document.addEventListener("input", function (event) {
    if (event.target instanceof HTMLInputElement && event.target.type === "password") check(event.target, null);
  });
  document.addEventListener("keyup", function (event) {
    if (event.target instanceof HTMLInputElement && event.target.type === "password") check(event.target, event);
  });
})();
