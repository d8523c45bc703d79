// A <select data-autosubmit> sends its form as soon as a choice is made (the company and language switches).
// A static file instead of an inline onchange handler, so the Content-Security-Policy allows no inline code;
// without JavaScript the form's <noscript> button does the same.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) {
    select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
  }
});
